// Addresses as values: parsed once, where text comes in (the API, the
// state file, the leases file), and carried typed from there on. Specs and
// the datapath compare and mask them; only logs and the API format them.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::dp {

// "a.b.c.d" for a host-order address.
std::string Ipv4ToString(uint32_t address);

// An IPv4 address, host byte order inside.
class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(uint32_t host_order) : value_(host_order) {}

  // A dotted quad ("10.0.0.1"), as inet_pton reads it; nothing else.
  static std::optional<Ipv4Address> Parse(std::string_view text);

  constexpr uint32_t value() const { return value_; }
  // Usable as a host's or an endpoint's address: not 0.0.0.0, loopback,
  // multicast or broadcast.
  constexpr bool IsUnicast() const {
    return value_ != 0 && (value_ >> 24) != 127 && (value_ >> 28) != 0xe && value_ != 0xffffffffu;
  }
  std::string ToString() const { return Ipv4ToString(value_); }

  constexpr auto operator<=>(const Ipv4Address&) const = default;

 private:
  uint32_t value_ = 0;
};

// An address with its subnet's prefix length, as an interface holds it:
// "192.168.100.1/24" (the host bits are kept).
struct Ipv4Cidr {
  Ipv4Address address{};
  int length = 0;  // 0..32

  // "ADDRESS/LENGTH", LENGTH 0..32 in decimal digits only.
  static std::optional<Ipv4Cidr> Parse(std::string_view text);

  constexpr uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  constexpr Ipv4Address network() const { return Ipv4Address(address.value() & mask()); }
  constexpr Ipv4Address broadcast() const { return Ipv4Address(address.value() | ~mask()); }
  constexpr bool Contains(Ipv4Address a) const { return (a.value() & mask()) == network().value(); }
  // "192.168.100.1/24"
  std::string ToString() const;
  // "192.168.100.0/24"
  std::string SubnetString() const;

  constexpr bool operator==(const Ipv4Cidr&) const = default;
};

// An IPv4 or IPv6 address with a prefix length, as the kernel takes for an
// interface ("10.0.0.1/24", "fd00::1/64").
struct IpCidr {
  enum class Family : uint8_t { kIpv4, kIpv6 };
  Family family = Family::kIpv4;
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 in the first 4
  int length = 0;                   // 0..32 or 0..128

  // `*why` (when given) gets the reason for a refusal, for messages.
  static std::optional<IpCidr> Parse(std::string_view text, std::string* why = nullptr);
  // Why Parse refuses `text`; empty when it does not.
  static std::string WhyNot(std::string_view text);

  int AddressBytes() const { return family == Family::kIpv4 ? 4 : 16; }
  std::string ToString() const;

  bool operator==(const IpCidr&) const = default;
};

}  // namespace switchyard::dp
