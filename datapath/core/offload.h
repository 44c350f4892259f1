// Offloaded frames: TCP segmentation (GSO) and partial checksums.
//
// A kernel port that reads virtio-net headers (AF_PACKET with
// PACKET_VNET_HDR) receives what the sender's stack left to "hardware": TCP
// super-frames of up to 64 KiB, and checksums only seeded with the pseudo
// header. The port completes partial checksums at once. A super-frame stays
// whole and is described the way DPDK describes TSO: RTE_MBUF_F_TX_TCP_SEG
// with RTE_MBUF_F_TX_IPV4 or _IPV6 in ol_flags, l2/l3/l4_len and tso_segsz.
// A port that takes GSO frames (AF_PACKET again) hands them to the kernel
// whole; for any other port the bridge cuts them with TcpSegmenter first.
// Copying a 64 KiB frame once beats 45 trips through the kernel: this is
// what lets TCP through the switch keep up with a Linux bridge.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "datapath/core/mbuf_chain.h"

namespace switchyard::dp {

inline bool IsGso(const rte_mbuf* m) noexcept { return (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0; }

// Length of the largest frame `m` puts on the wire: one segment of a GSO
// frame, the frame itself otherwise.
inline uint32_t WireFrameLen(const rte_mbuf* m) noexcept {
  return IsGso(m) ? m->l2_len + m->l3_len + m->l4_len + m->tso_segsz : m->pkt_len;
}

// Completes a partial checksum, as the kernel's skb_checksum_help: the one's
// complement sum of bytes [start, end of frame), whose checksum field at
// start + offset holds the pseudo-header sum, is stored folded into that
// field. False when start or offset lie outside the frame.
bool CompleteChecksum(rte_mbuf* m, uint32_t start, uint32_t offset) noexcept;

// Marks `m` as a TCP GSO frame of `mss`-byte segments once its headers
// check out: Ethernet with at most one VLAN tag, IPv4 (or IPv6 without
// extension headers), TCP, all in the first segment. False otherwise.
bool MarkTcpGso(rte_mbuf* m, bool ipv6, uint16_t mss) noexcept;

// Cuts TCP GSO frames into wire frames with their own IP lengths and ids,
// TCP sequence numbers, flags and checksums, as the kernel's tcp_gso_segment.
// Every output frame is a fresh copy, so the input may be shared (a flood).
class TcpSegmenter {
 public:
  // More segments than this (a tiny MSS) and the frame is dropped.
  static constexpr uint16_t kMaxSegments = 128;

  explicit TcpSegmenter(MbufSource source) : source_(source) {}

  // Writes the segments of GSO frame `m` to out[0..n) and returns n; 0 when
  // they would not fit in `max` or the source ran dry (nothing is kept).
  // `m` itself is left for the caller to free.
  uint16_t Segment(const rte_mbuf* m, rte_mbuf** out, uint16_t max) noexcept;

 private:
  MbufSource source_;
};

}  // namespace switchyard::dp
