// Overlay headers: VXLAN (RFC 7348) and GRE with Transparent Ethernet
// Bridging (RFC 2784/2890: protocol 0x6558, the key names the network),
// both over IPv4. Building the outer headers in front of a frame, and
// reading them back with every check a decap needs, so the overlay stage
// only decides what to do with the result.
#pragma once

#include <rte_mbuf.h>

#include <atomic>
#include <cstdint>

#include "datapath/core/drop_reasons.h"
#include "datapath/core/ipv4.h"
#include "datapath/core/mbuf_chain.h"
#include "datapath/core/types.h"

namespace switchyard::dp {

enum class TunnelType : uint8_t { kVxlan, kGre };

inline constexpr uint16_t kVxlanPort = 4789;
inline constexpr uint16_t kEtherTypeTeb = 0x6558;  // Transparent Ethernet Bridging
// Outer Ethernet + IPv4 + UDP + VXLAN, and Ethernet + IPv4 + GRE with key.
inline constexpr uint32_t kVxlanOverhead = 14 + 20 + 8 + 8;
inline constexpr uint32_t kGreOverhead = 14 + 20 + 4 + 4;
inline constexpr uint32_t kMaxVni = (1u << 24) - 1;

inline constexpr uint32_t TunnelOverhead(TunnelType type) {
  return type == TunnelType::kVxlan ? kVxlanOverhead : kGreOverhead;
}

// The outer headers of one encapsulated frame. Addresses in host order.
struct OuterHeaders {
  MacKey src_mac = 0;
  MacKey dst_mac = 0;  // the next hop's
  uint32_t src_ip = 0;
  uint32_t dst_ip = 0;
  uint16_t udp_src_port = 0;           // VXLAN only: spreads flows over the underlay's ECMP
  uint16_t udp_dst_port = kVxlanPort;  // VXLAN only
  uint8_t ttl = 64;
};

// Prepends the outer headers of `type` carrying network `id` (VNI or GRE
// key) to `m`, whose first segment must have TunnelOverhead(type) bytes of
// headroom. False, with `m` untouched, when it has not.
bool Encapsulate(rte_mbuf* m, TunnelType type, uint32_t id, const OuterHeaders& outer) noexcept;

// Writes the TunnelOverhead(type) bytes of outer headers for an inner frame
// of `inner_len` bytes at `p`: for a frame that cannot be edited in place
// (a flood's shared copy), into a segment of its own chained in front.
void WriteOuterHeaders(uint8_t* p, TunnelType type, uint32_t id, const OuterHeaders& outer,
                       uint32_t inner_len) noexcept;

// How frames for one remote tunnel endpoint leave: the outer headers they
// get and the uplink that sends them. Only the next hop's MAC changes
// between snapshots (ARP, on the control thread).
struct TunnelPath {
  TunnelType type = TunnelType::kVxlan;
  uint32_t id = 0;  // VNI or GRE key
  uint16_t udp_port = kVxlanPort;
  uint32_t local_ip = 0;
  uint32_t remote_ip = 0;
  MacKey local_mac = 0;
  PortIndex uplink = kInvalidPort;                    // kInvalidPort: the uplink is missing
  const std::atomic<MacKey>* next_hop_mac = nullptr;  // 0 while unresolved
};

// `m` made ready for the uplink of `path`: the outer headers prepended in
// place when the frame is held alone and has the headroom, or else written
// into a segment from `headers` chained in front (a flood's shared frame
// stays as the other ports see it). nullptr, with `*why` set and `m` still
// the caller's, when the next hop is unresolved or no segment was left.
rte_mbuf* EncapsulateForPath(rte_mbuf* m, const TunnelPath& path, const MbufSource& headers,
                             DropReason* why) noexcept;

// A UDP source port for VXLAN from the inner frame's addresses and ports,
// in 49152..65535, so one inner flow keeps one outer flow (RFC 7348 5).
uint16_t VxlanSourcePort(const uint8_t* inner, uint32_t len) noexcept;

// What the outer headers of a received frame say.
enum class TunnelParse : uint8_t {
  kTunnel,       // `info` is filled
  kNotTunnel,    // not IPv4 VXLAN or GRE at all (ARP, other traffic)
  kBadHeader,    // IPv4, UDP, VXLAN or GRE header malformed or cut short
  kFragment,     // an IPv4 fragment: never reassembled
  kUnsupported,  // GRE with routing, a version other than 0, no key, or not TEB
};

struct TunnelInfo {
  TunnelType type;
  uint32_t id;  // VNI or GRE key
  uint32_t src_ip;
  uint32_t dst_ip;
  uint16_t inner_offset;  // where the inner Ethernet frame starts
  uint32_t inner_len;     // and how long it is (outer padding excluded)
};

// Reads the outer Ethernet (untagged), IPv4 and UDP/VXLAN or GRE headers of
// a frame of `frame_len` bytes whose first `head_len` are contiguous at
// `data` (its first segment). Every header must lie in that segment, and
// a GRE packet with a checksum wholly (kUnsupported otherwise). The IPv4
// header checksum and a GRE checksum are verified; a VXLAN UDP checksum is
// not. `vxlan_port` is the UDP port VXLAN arrives on.
TunnelParse ParseTunnel(const uint8_t* data, uint32_t head_len, uint32_t frame_len,
                        uint16_t vxlan_port, TunnelInfo* info) noexcept;

}  // namespace switchyard::dp
