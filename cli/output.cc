#include "cli/output.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <iostream>

namespace switchyard::ctl {

namespace {

constexpr std::string_view kEventTypePrefix = "EVENT_TYPE_";

}  // namespace

int PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
      !status.ok()) {
    std::cerr << "yardctl: cannot write " << message.GetTypeName()
              << " as JSON: " << status.ToString() << std::endl;
    return 1;
  }
  std::cout << json << '\n' << std::flush;
  return 0;
}

std::string UtcTime(int64_t unix_seconds, int32_t millis) {
  const std::time_t seconds = unix_seconds;
  std::tm utc = {};
  gmtime_r(&seconds, &utc);
  char buf[40];
  const size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &utc);
  snprintf(buf + n, sizeof(buf) - n, ".%03dZ", millis);
  return buf;
}

std::string LinkName(v1::LinkState link) {
  switch (link) {
    case v1::LINK_STATE_UP:
      return "up";
    case v1::LINK_STATE_DOWN:
      return "down";
    default:
      return "-";
  }
}

std::string EventTypeName(v1::EventType type) {
  std::string name = v1::EventType_Name(type);
  if (name.size() <= kEventTypePrefix.size() || type == v1::EVENT_TYPE_UNSPECIFIED) {
    return "type-" + std::to_string(static_cast<int>(type));
  }
  name.erase(0, kEventTypePrefix.size());
  for (char& c : name) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items,
                 std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) {
      out += separator;
    }
    out += item;
  }
  return out;
}

bool ParseEventType(std::string_view name, v1::EventType* out) {
  std::string enum_name(kEventTypePrefix);
  for (char c : name) {
    // Only the spelling --help shows: lowercase with dashes.
    if (c == '_' || std::isupper(static_cast<unsigned char>(c))) {
      return false;
    }
    enum_name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  v1::EventType type;
  if (!v1::EventType_Parse(enum_name, &type) || type == v1::EVENT_TYPE_UNSPECIFIED) {
    return false;
  }
  *out = type;
  return true;
}

std::string EventTypeNames() {
  const google::protobuf::EnumDescriptor* d = v1::EventType_descriptor();
  std::string names;
  for (int i = 0; i < d->value_count(); ++i) {
    const auto type = static_cast<v1::EventType>(d->value(i)->number());
    if (type == v1::EVENT_TYPE_UNSPECIFIED) {
      continue;
    }
    names += (names.empty() ? "" : ", ") + EventTypeName(type);
  }
  return names;
}

}  // namespace switchyard::ctl
