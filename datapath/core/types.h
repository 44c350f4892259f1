// Small value types shared by every part of the datapath.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::dp {

// Ports and networks live in fixed-size slot tables so that per-thread
// counters and tx buffers can be plain arrays indexed without a lookup.
inline constexpr uint16_t kMaxPorts = 256;
inline constexpr uint16_t kMaxNetworks = 256;
inline constexpr uint16_t kInvalidPort = 0xffff;
inline constexpr uint16_t kInvalidNetwork = 0xffff;

// Largest burst a port is asked for; stages size their stack arrays by it.
inline constexpr uint16_t kBurstSize = 32;

using PortIndex = uint16_t;
using NetworkIndex = uint16_t;

// A MAC address packed into the low 48 bits of an integer, first octet most
// significant, so comparisons and hashing are single instructions.
using MacKey = uint64_t;

inline constexpr MacKey kBroadcastMac = 0xffffffffffffULL;

constexpr bool IsMulticastMac(MacKey mac) { return (mac >> 40) & 0x01; }

// Inline, on every frame twice: a 4-byte and a 2-byte load, each byte
// swapped in a register. (A 6-byte memcpy into a uint64_t went through the
// stack and stalled on store forwarding; perf showed it.)
inline MacKey MacFromBytes(const uint8_t* bytes) {
  uint32_t high;
  uint16_t low;
  std::memcpy(&high, bytes, sizeof(high));
  std::memcpy(&low, bytes + 4, sizeof(low));
  return static_cast<MacKey>(__builtin_bswap32(high)) << 16 | __builtin_bswap16(low);
}
// Inline: the router writes two MACs per frame.
inline void MacToBytes(MacKey mac, uint8_t* bytes) {
  const uint32_t high = __builtin_bswap32(static_cast<uint32_t>(mac >> 16));
  const uint16_t low = __builtin_bswap16(static_cast<uint16_t>(mac));
  std::memcpy(bytes, &high, sizeof(high));
  std::memcpy(bytes + 4, &low, sizeof(low));
}
std::string MacToString(MacKey mac);
std::optional<MacKey> ParseMac(std::string_view text);

}  // namespace switchyard::dp
