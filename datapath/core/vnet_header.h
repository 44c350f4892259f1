// The virtio-net header a packet socket (PACKET_VNET_HDR) or a TAP
// (IFF_VNET_HDR) puts before each frame: the offload work the kernel left
// undone, or that we leave to it. Our own copy of struct virtio_net_hdr:
// <linux/virtio_net.h> does not compile as C++ (a member named `class`).
#pragma once

#include <cstdint>

struct rte_mbuf;

namespace switchyard::dp {

struct VnetHeader {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
};
static_assert(sizeof(VnetHeader) == 10, "struct virtio_net_hdr is 10 bytes");

inline constexpr uint8_t kVnetNeedsCsum = 1;
inline constexpr uint8_t kVnetGsoNone = 0;
inline constexpr uint8_t kVnetGsoTcpV4 = 1;
inline constexpr uint8_t kVnetGsoUdp = 3;
inline constexpr uint8_t kVnetGsoTcpV6 = 4;
inline constexpr uint8_t kVnetGsoEcn = 0x80;

// Applies `h` to frame `m` received with it: completes a partial checksum
// or marks a TCP super-frame (core/offload.h). `shift` is the number of
// bytes we inserted after the MACs (a VLAN tag the kernel had taken off).
// False when the header does not fit the frame or asks for an offload we
// do not take (UDP fragmentation): the frame is to be dropped.
bool ApplyVnetHeader(const VnetHeader& h, uint32_t shift, rte_mbuf* m) noexcept;

// The header that sends `m` with its offloads left to the kernel.
void FillVnetHeader(const rte_mbuf* m, VnetHeader* h) noexcept;

}  // namespace switchyard::dp
