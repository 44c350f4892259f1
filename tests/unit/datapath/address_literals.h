// Addresses written in tests as text, read the way the API reads them. A
// typo in one stops the test binary at once, naming it, rather than
// leaving a zero address for the test to pass or fail on by chance.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "datapath/core/address.h"
#include "datapath/core/types.h"

namespace switchyard::dp::test {

template <typename T>
T Literal(const std::optional<T>& value, std::string_view form, std::string_view text) {
  if (!value) {
    std::fprintf(stderr, "test %s '%s' is malformed\n", std::string(form).c_str(),
                 std::string(text).c_str());
    std::abort();
  }
  return *value;
}

inline Ipv4Address Ip(std::string_view text) {
  return Literal(Ipv4Address::Parse(text), "address", text);
}

inline Ipv4Cidr Cidr(std::string_view text) {
  return Literal(Ipv4Cidr::Parse(text), "ADDRESS/PREFIX", text);
}

// IPv4 or IPv6, as an internal port's addresses.
inline IpCidr IfAddress(std::string_view text) {
  return Literal(IpCidr::Parse(text), "interface address", text);
}

inline MacKey Mac(std::string_view text) { return Literal(ParseMac(text), "MAC", text); }

}  // namespace switchyard::dp::test
