#include "datapath/core/offload.h"

#include <rte_ip.h>
#include <rte_tcp.h>

#include <cstring>

#include "datapath/core/parser.h"

namespace switchyard::dp {

namespace {

constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpCwr = 0x80;

uint16_t Fold(uint32_t sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The TCP checksum of a frame whose IP header already holds its final
// lengths.
uint16_t TcpChecksum(const rte_mbuf* m, bool ipv6) {
  const uint32_t l4_off = m->l2_len + m->l3_len;
  const void* ip = rte_pktmbuf_mtod_offset(m, const void*, m->l2_len);
  const uint32_t phdr = ipv6 ? rte_ipv6_phdr_cksum(static_cast<const rte_ipv6_hdr*>(ip), 0)
                             : rte_ipv4_phdr_cksum(static_cast<const rte_ipv4_hdr*>(ip), 0);
  uint16_t raw = 0;
  rte_raw_cksum_mbuf(m, l4_off, m->pkt_len - l4_off, &raw);
  return static_cast<uint16_t>(~Fold(phdr + raw));
}

}  // namespace

bool CompleteChecksum(rte_mbuf* m, uint32_t start, uint32_t offset) noexcept {
  // The field must lie in the first segment, where headers are.
  if (start >= m->pkt_len || start + offset + 2 > m->data_len) {
    return false;
  }
  uint16_t raw = 0;
  if (rte_raw_cksum_mbuf(m, start, m->pkt_len - start, &raw) != 0) {
    return false;
  }
  uint16_t csum = static_cast<uint16_t>(~raw);
  if (csum == 0) {
    csum = 0xffff;  // as the kernel: 0 means "no checksum" to UDP
  }
  // The header says where the field is; a sender may put it at an odd
  // offset, so it is written bytewise, never through a uint16_t*.
  std::memcpy(rte_pktmbuf_mtod_offset(m, uint8_t*, start + offset), &csum, sizeof(csum));
  return true;
}

bool MarkTcpGso(rte_mbuf* m, bool ipv6, uint16_t mss) noexcept {
  const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t seg = m->data_len;
  uint32_t l2 = kEthHeaderLen;
  if (seg < l2 + kVlanTagLen || mss == 0) {
    return false;
  }
  uint16_t type = static_cast<uint16_t>(d[12] << 8 | d[13]);
  if (type == kEtherTypeVlan) {
    l2 += kVlanTagLen;
    type = static_cast<uint16_t>(d[16] << 8 | d[17]);
  }
  uint32_t l3 = 0;
  // The fixed part of the IP header must be in the segment before it is
  // read; the TCP header is checked below.
  if (seg < l2 + (ipv6 ? sizeof(rte_ipv6_hdr) : sizeof(rte_ipv4_hdr))) {
    return false;
  }
  if (!ipv6 && type == 0x0800) {
    const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(d + l2);
    l3 = (ip->version_ihl & 0x0f) * 4u;
    if (l3 < 20 || ip->next_proto_id != kIpProtoTcp) {
      return false;
    }
  } else if (ipv6 && type == 0x86dd) {
    const auto* ip6 = reinterpret_cast<const rte_ipv6_hdr*>(d + l2);
    l3 = sizeof(rte_ipv6_hdr);
    if (ip6->proto != kIpProtoTcp) {
      return false;
    }
  } else {
    return false;
  }
  if (seg < l2 + l3 + sizeof(rte_tcp_hdr)) {
    return false;
  }
  const auto* tcp = reinterpret_cast<const rte_tcp_hdr*>(d + l2 + l3);
  const uint32_t l4 = (tcp->data_off >> 4) * 4u;
  if (l4 < sizeof(rte_tcp_hdr) || seg < l2 + l3 + l4 || m->pkt_len <= l2 + l3 + l4) {
    return false;
  }
  m->l2_len = l2 & 0x7f;
  m->l3_len = l3 & 0x1ff;
  m->l4_len = l4 & 0xff;
  m->tso_segsz = mss;
  m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
                 (ipv6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4);
  return true;
}

uint16_t TcpSegmenter::Segment(const rte_mbuf* m, rte_mbuf** out, uint16_t max) noexcept {
  const bool ipv6 = (m->ol_flags & RTE_MBUF_F_TX_IPV6) != 0;
  const uint32_t hdr = m->l2_len + m->l3_len + m->l4_len;
  const uint32_t mss = m->tso_segsz;
  const uint32_t payload = m->pkt_len - hdr;
  const uint32_t n = (payload + mss - 1) / mss;
  if (n == 0 || n > max || n > kMaxSegments) {
    return 0;
  }
  const auto* src_tcp = rte_pktmbuf_mtod_offset(m, const rte_tcp_hdr*, m->l2_len + m->l3_len);
  const uint32_t seq = rte_be_to_cpu_32(src_tcp->sent_seq);
  const uint8_t flags = src_tcp->tcp_flags;
  uint16_t ip_id = 0;
  if (!ipv6) {
    ip_id = rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const rte_ipv4_hdr*, m->l2_len)->packet_id);
  }
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t len = i + 1 < n ? mss : payload - i * mss;
    rte_mbuf* s = source_.alloc(source_.ctx);
    if (s == nullptr || !AppendBytes(s, rte_pktmbuf_mtod(m, const uint8_t*), hdr, source_) ||
        !AppendFromChain(s, m, hdr + i * mss, len, source_)) {
      if (s != nullptr) {
        source_.free(s, source_.ctx);
      }
      for (uint32_t j = 0; j < i; ++j) {
        source_.free(out[j], source_.ctx);
      }
      return 0;
    }
    s->l2_len = m->l2_len;
    s->l3_len = m->l3_len;
    s->l4_len = m->l4_len;
    s->port = m->port;
    if (ipv6) {
      auto* ip6 = rte_pktmbuf_mtod_offset(s, rte_ipv6_hdr*, m->l2_len);
      ip6->payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(m->l4_len + len));
    } else {
      auto* ip = rte_pktmbuf_mtod_offset(s, rte_ipv4_hdr*, m->l2_len);
      ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(m->l3_len + m->l4_len + len));
      ip->packet_id = rte_cpu_to_be_16(static_cast<uint16_t>(ip_id + i));
      ip->hdr_checksum = 0;
      ip->hdr_checksum = rte_ipv4_cksum(ip);
    }
    auto* tcp = rte_pktmbuf_mtod_offset(s, rte_tcp_hdr*, m->l2_len + m->l3_len);
    tcp->sent_seq = rte_cpu_to_be_32(seq + i * mss);
    uint8_t f = flags;
    if (i + 1 < n) {
      f = static_cast<uint8_t>(f & ~(kTcpFin | kTcpPsh));  // only the last segment ends it
    }
    if (i > 0) {
      f = static_cast<uint8_t>(f & ~kTcpCwr);  // congestion window reduced once
    }
    tcp->tcp_flags = f;
    tcp->cksum = 0;
    tcp->cksum = TcpChecksum(s, ipv6);
    out[i] = s;
  }
  return static_cast<uint16_t>(n);
}

}  // namespace switchyard::dp
