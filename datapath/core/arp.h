// ARP for IPv4 over Ethernet (RFC 826): reading a frame's request or reply,
// and writing one. The underlay's slow path uses it to answer for an
// uplink's address and to resolve tunnel next hops.
#pragma once

#include <cstdint>

#include "datapath/core/types.h"

namespace switchyard::dp {

inline constexpr uint16_t kEtherTypeArp = 0x0806;
// Ethernet + ARP, and the Ethernet minimum a frame is padded to.
inline constexpr uint32_t kArpFrameLen = 14 + 28;
inline constexpr uint32_t kMinFrameLen = 60;

enum class ArpOp : uint16_t { kRequest = 1, kReply = 2 };

struct ArpMessage {
  ArpOp op = ArpOp::kRequest;
  MacKey sender_mac = 0;
  uint32_t sender_ip = 0;  // host order
  MacKey target_mac = 0;
  uint32_t target_ip = 0;
};

// True when the `len` bytes at `frame` are an untagged Ethernet frame with
// an IPv4-over-Ethernet ARP request or reply; fills `msg`.
bool ParseArp(const uint8_t* frame, uint32_t len, ArpMessage* msg) noexcept;

// Writes `msg` as a frame from the sender's MAC to `eth_dst` (broadcast for
// a request) into `frame`, padded to kMinFrameLen bytes, which it returns.
uint32_t WriteArp(uint8_t* frame, MacKey eth_dst, const ArpMessage& msg) noexcept;

}  // namespace switchyard::dp
