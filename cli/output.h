// How API values are written out: JSON documents for scripts, and the
// short names people see and type for enum values ("up", "port-added").
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "switchyard/v1/events.pb.h"
#include "switchyard/v1/port.pb.h"

namespace switchyard::ctl {

// Prints `message` on one line of stdout as protobuf's JSON mapping, with
// proto field names and zero values included, and flushes so that a
// stream can be piped line by line. Returns the exit code (1 only if the
// message cannot be converted).
int PrintJson(const google::protobuf::Message& message);

// "2024-05-01T12:00:03.120Z": a time in UTC with milliseconds, as in the
// JSON output.
std::string UtcTime(int64_t unix_seconds, int32_t millis);

// "up", "down", or "-" when the server did not say.
std::string LinkName(v1::LinkState link);

// EVENT_TYPE_MAC_LEARNED <-> "mac-learned": the enum name without its
// prefix, lowercase with dashes. Values this build does not know print as
// "type-N".
std::string EventTypeName(v1::EventType type);
bool ParseEventType(std::string_view name, v1::EventType* out);
// Every name ParseEventType accepts, comma-separated, for help and errors.
std::string EventTypeNames();

// The items with `separator` between them; "" for none.
std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items,
                 std::string_view separator = ", ");

}  // namespace switchyard::ctl
