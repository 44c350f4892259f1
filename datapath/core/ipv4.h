// IPv4 headers as a router edits them: where the L3 and L4 fields sit in a
// frame, and checksums patched for a changed field (RFC 1624) rather than
// summed again, so a rewrite costs the same for 64 bytes as for 64 KiB.
#pragma once

#include <cstdint>

#include "datapath/core/wire.h"

namespace switchyard::dp {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpUnreachable = 3;
inline constexpr uint8_t kIcmpEchoRequest = 8;
inline constexpr uint8_t kIcmpTimeExceeded = 11;

// Byte offsets of an IPv4 header's fields.
namespace ip4 {
inline constexpr int kTotalLen = 2;
inline constexpr int kFragment = 6;  // flags and fragment offset
inline constexpr int kTtl = 8;
inline constexpr int kProto = 9;
inline constexpr int kChecksum = 10;
inline constexpr int kSrc = 12;
inline constexpr int kDst = 16;
}  // namespace ip4

// Where the L4 checksum lives, from the L4 header; -1: none patched.
inline int L4ChecksumOffset(uint8_t proto) {
  switch (proto) {
    case kIpProtoTcp:
      return 16;
    case kIpProtoUdp:
      return 6;
    case kIpProtoIcmp:
      return 2;
    default:
      return -1;
  }
}

// One's complement sum of `len` bytes, not folded, not inverted.
inline uint32_t OnesSum(const uint8_t* p, uint32_t len, uint32_t sum = 0) {
  for (; len >= 2; p += 2, len -= 2) {
    sum += Load16(p);
  }
  if (len > 0) {
    sum += static_cast<uint32_t>(p[0]) << 8;
  }
  return sum;
}

inline uint16_t FoldSum(uint32_t sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The checksum field at `field` after a 16-bit word it covers went from
// `from` to `to`. `partial`: the field holds a pseudo-header sum that
// hardware (or the segmenter) completes later, so it is not inverted.
inline void PatchChecksum16(uint8_t* field, uint16_t from, uint16_t to, bool partial = false) {
  const uint16_t old_field = Load16(field);
  if (partial) {
    Store16(field, FoldSum(uint32_t{old_field} + static_cast<uint16_t>(~from) + to));
    return;
  }
  Store16(field, static_cast<uint16_t>(~FoldSum(uint32_t{static_cast<uint16_t>(~old_field)} +
                                                static_cast<uint16_t>(~from) + to)));
}

inline void PatchChecksum32(uint8_t* field, uint32_t from, uint32_t to, bool partial = false) {
  PatchChecksum16(field, static_cast<uint16_t>(from >> 16), static_cast<uint16_t>(to >> 16),
                  partial);
  PatchChecksum16(field, static_cast<uint16_t>(from), static_cast<uint16_t>(to), partial);
}

// A UDP checksum of 0 means "none" (RFC 768) and stays 0; a computed 0 is
// sent as 0xffff.
inline void PatchUdpChecksum32(uint8_t* field, uint32_t from, uint32_t to, bool partial) {
  if (!partial && Load16(field) == 0) {
    return;
  }
  PatchChecksum32(field, from, to, partial);
  if (!partial && Load16(field) == 0) {
    Store16(field, 0xffff);
  }
}

inline void PatchUdpChecksum16(uint8_t* field, uint16_t from, uint16_t to, bool partial) {
  if (!partial && Load16(field) == 0) {
    return;
  }
  PatchChecksum16(field, from, to, partial);
  if (!partial && Load16(field) == 0) {
    Store16(field, 0xffff);
  }
}

// Sets the IPv4 header checksum of the `ihl_bytes`-long header at `ip`.
inline void SetIpv4Checksum(uint8_t* ip, uint32_t ihl_bytes) {
  Store16(ip + ip4::kChecksum, 0);
  Store16(ip + ip4::kChecksum, static_cast<uint16_t>(~FoldSum(OnesSum(ip, ihl_bytes))));
}

}  // namespace switchyard::dp
