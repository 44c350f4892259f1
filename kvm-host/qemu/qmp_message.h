// QMP messages as JSON values: nlohmann-json, read and written so that
// nothing QEMU sends can throw, crash or exhaust the agent.
//
// QMP is one JSON object per line. What QEMU writes may carry what a guest
// chose (device and event fields), so reading it is done with care:
// ParseQmp() is strict RFC 8259 (no comments, trailing commas, NaN, leading
// zeros or invalid UTF-8), refuses nesting deeper than kMaxQmpDepth before
// building anything, and reports malformed text as an error value, never as
// an exception. Members keep QEMU's order (ordered_json), so texts passed on
// read as QEMU wrote them. Lookups go through QmpMember(), which is safe on
// any value; nlohmann's at() and value() throw on a missing member or a
// wrong type and are not used on what QEMU sent.
//
// Plain functions on plain values; no thread affinity.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace switchyard::kvm {

using QmpJson = nlohmann::ordered_json;

// Nesting of arrays and objects accepted (QEMU's own limit is 1024). The
// limit keeps recursive walks such as dump() off the end of the stack.
inline constexpr int kMaxQmpDepth = 512;

// Parses exactly one JSON value (with optional whitespace around it) from
// `text` into *out. On failure returns false, leaves *out null and sets
// *error (if given) to the reason and byte offset, e.g. "at byte 7: syntax
// error while parsing object - unexpected ...". Never throws.
bool ParseQmp(std::string_view text, QmpJson* out, std::string* error);

// Compact JSON text on one line, members in order. Never throws: bytes of
// a string that are not UTF-8 become U+FFFD.
std::string DumpQmp(const QmpJson& value);

// The member `key` of an object, or nullptr when `value` is no object or
// has no such member.
const QmpJson* QmpMember(const QmpJson& value, std::string_view key);

// The member `key` when it is a string, else "".
std::string QmpString(const QmpJson& value, std::string_view key);

}  // namespace switchyard::kvm
