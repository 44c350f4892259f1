#include "datapath/core/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace switchyard::dp {

namespace {

// A prefix length of decimal digits only, within 0..max.
std::optional<int> ParseLength(std::string_view text, int max) {
  int length = -1;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, length);
  if (first == last || *first == '+' || *first == '-' || ec != std::errc() || end != last ||
      length < 0 || length > max) {
    return std::nullopt;
  }
  return length;
}

}  // namespace

std::string Ipv4ToString(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
         std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

std::optional<Ipv4Address> Ipv4Address::Parse(std::string_view text) {
  char buf[INET_ADDRSTRLEN];
  if (text.size() >= sizeof(buf) || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr a{};
  if (inet_pton(AF_INET, buf, &a) != 1) {
    return std::nullopt;
  }
  return Ipv4Address(ntohl(a.s_addr));
}

std::optional<Ipv4Cidr> Ipv4Cidr::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  const std::optional<Ipv4Address> address = Ipv4Address::Parse(text.substr(0, slash));
  const std::optional<int> length = ParseLength(text.substr(slash + 1), 32);
  if (!address || !length) {
    return std::nullopt;
  }
  return Ipv4Cidr{*address, *length};
}

std::string Ipv4Cidr::ToString() const { return address.ToString() + "/" + std::to_string(length); }

std::string Ipv4Cidr::SubnetString() const {
  return network().ToString() + "/" + std::to_string(length);
}

std::optional<IpCidr> IpCidr::Parse(std::string_view text, std::string* why) {
  auto refuse = [why](std::string reason) -> std::optional<IpCidr> {
    if (why != nullptr) {
      *why = std::move(reason);
    }
    return std::nullopt;
  };
  if (text.find('\0') != std::string_view::npos) {
    return refuse("the text holds a NUL byte");
  }
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return refuse("'" + std::string(text) + "' has no /PREFIX");
  }
  const std::string ip(text.substr(0, slash));
  const std::string_view prefix = text.substr(slash + 1);
  IpCidr out;
  if (inet_pton(AF_INET, ip.c_str(), out.bytes.data()) == 1) {
    out.family = Family::kIpv4;
  } else if (inet_pton(AF_INET6, ip.c_str(), out.bytes.data()) == 1) {
    out.family = Family::kIpv6;
  } else {
    return refuse("'" + ip + "' is not an IPv4 or IPv6 address");
  }
  const int max = out.family == Family::kIpv4 ? 32 : 128;
  const std::optional<int> length = ParseLength(prefix, max);
  if (!length) {
    return refuse("prefix '" + std::string(prefix) + "' is not 0.." + std::to_string(max));
  }
  out.length = *length;
  return out;
}

std::string IpCidr::WhyNot(std::string_view text) {
  std::string why;
  Parse(text, &why);
  return why;
}

std::string IpCidr::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == Family::kIpv4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof(buf));
  return std::string(buf) + "/" + std::to_string(length);
}

}  // namespace switchyard::dp
