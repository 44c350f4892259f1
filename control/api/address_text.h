// Addresses as the API writes them, read once here into the datapath's
// types. A malformed one is INVALID_ARGUMENT naming its field; nothing past
// this edge parses an address again.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "datapath/core/address.h"
#include "datapath/core/types.h"

namespace switchyard::ctl {

Status ReadText(std::string_view field, std::string_view text, dp::Ipv4Address* out);
Status ReadText(std::string_view field, std::string_view text, dp::Ipv4Cidr* out);
Status ReadText(std::string_view field, std::string_view text, dp::IpCidr* out);
// xx:xx:xx:xx:xx:xx
Status ReadText(std::string_view field, std::string_view text, dp::MacKey* out);

// "" is unset; anything else must read as a T.
template <typename T>
Status ReadText(std::string_view field, std::string_view text, std::optional<T>* out) {
  if (text.empty()) {
    out->reset();
    return Status::Ok();
  }
  T value{};
  if (Status s = ReadText(field, text, &value); !s.ok()) {
    return s;
  }
  *out = value;
  return Status::Ok();
}

// Every element of a repeated string field.
template <typename T, typename Texts>
Status ReadEach(std::string_view field, const Texts& texts, std::vector<T>* out) {
  std::vector<T> values;
  values.reserve(static_cast<size_t>(texts.size()));
  for (const std::string& text : texts) {
    T value{};
    if (Status s = ReadText(field, text, &value); !s.ok()) {
      return s;
    }
    values.push_back(value);
  }
  *out = std::move(values);
  return Status::Ok();
}

// The text of an optional value; "" when unset.
template <typename T>
std::string TextOf(const std::optional<T>& value) {
  return value ? value->ToString() : std::string();
}

}  // namespace switchyard::ctl
