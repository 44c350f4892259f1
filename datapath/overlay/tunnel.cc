#include "datapath/overlay/tunnel.h"

#include <rte_ip.h>

#include <cstring>

#include "datapath/core/wire.h"

namespace switchyard::dp {

namespace {

constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoGre = 47;
constexpr uint8_t kProtoTcp = 6;
constexpr uint16_t kIpDontFragment = 0x4000;
constexpr uint16_t kIpFragmentMask = 0x3fff;  // more-fragments flag and offset
constexpr uint8_t kVxlanFlagVni = 0x08;
constexpr uint16_t kGreChecksum = 0x8000;
constexpr uint16_t kGreRouting = 0x4000;
constexpr uint16_t kGreKey = 0x2000;
constexpr uint16_t kGreSequence = 0x1000;
constexpr uint16_t kGreVersionMask = 0x0007;

// 0xffff over a header and its checksum when the checksum is right; DPDK's
// sum is in memory order, and 0xffff reads the same either way.
bool ChecksumOk(const uint8_t* p, uint32_t len) { return rte_raw_cksum(p, len) == 0xffff; }

void WriteEthernet(uint8_t* p, const OuterHeaders& o) {
  MacToBytes(o.dst_mac, p);
  MacToBytes(o.src_mac, p + 6);
  Store16(p + 12, kEtherTypeIpv4);
}

void WriteIpv4(uint8_t* ip, const OuterHeaders& o, uint8_t proto, uint32_t total_len) {
  std::memset(ip, 0, 20);
  ip[0] = 0x45;
  Store16(ip + 2, static_cast<uint16_t>(total_len));
  // Never fragmented on the way: what does not fit the underlay is counted
  // and dropped before encapsulation instead.
  Store16(ip + 6, kIpDontFragment);
  ip[8] = o.ttl;
  ip[9] = proto;
  Store32(ip + 12, o.src_ip);
  Store32(ip + 16, o.dst_ip);
  reinterpret_cast<rte_ipv4_hdr*>(ip)->hdr_checksum =
      rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip));
}

}  // namespace

void WriteOuterHeaders(uint8_t* p, TunnelType type, uint32_t id, const OuterHeaders& outer,
                       uint32_t inner_len) noexcept {
  WriteEthernet(p, outer);
  uint8_t* ip = p + 14;
  uint8_t* l4 = ip + 20;
  if (type == TunnelType::kVxlan) {
    WriteIpv4(ip, outer, kProtoUdp, 20 + 8 + 8 + inner_len);
    Store16(l4, outer.udp_src_port);
    Store16(l4 + 2, outer.udp_dst_port);
    Store16(l4 + 4, static_cast<uint16_t>(8 + 8 + inner_len));
    Store16(l4 + 6, 0);  // no UDP checksum over IPv4 (RFC 7348 5)
    uint8_t* vxlan = l4 + 8;
    Store32(vxlan, static_cast<uint32_t>(kVxlanFlagVni) << 24);
    Store32(vxlan + 4, (id & kMaxVni) << 8);
  } else {
    WriteIpv4(ip, outer, kProtoGre, 20 + 4 + 4 + inner_len);
    Store16(l4, kGreKey);
    Store16(l4 + 2, kEtherTypeTeb);
    Store32(l4 + 4, id);
  }
}

bool Encapsulate(rte_mbuf* m, TunnelType type, uint32_t id, const OuterHeaders& outer) noexcept {
  const uint32_t inner_len = m->pkt_len;
  auto* p = reinterpret_cast<uint8_t*>(
      rte_pktmbuf_prepend(m, static_cast<uint16_t>(TunnelOverhead(type))));
  if (p == nullptr) {
    return false;
  }
  WriteOuterHeaders(p, type, id, outer, inner_len);
  return true;
}

rte_mbuf* EncapsulateForPath(rte_mbuf* m, const TunnelPath& path, const MbufSource& headers,
                             DropReason* why) noexcept {
  OuterHeaders outer;
  outer.dst_mac = path.next_hop_mac->load(std::memory_order_relaxed);
  if (outer.dst_mac == 0) {
    *why = DropReason::kNoNeighbor;
    return nullptr;
  }
  outer.src_mac = path.local_mac;
  outer.src_ip = path.local_ip;
  outer.dst_ip = path.remote_ip;
  outer.udp_dst_port = path.udp_port;
  if (path.type == TunnelType::kVxlan) {
    outer.udp_src_port = VxlanSourcePort(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len);
  }
  const uint32_t overhead = TunnelOverhead(path.type);
  if (HeldAlone(m) && rte_pktmbuf_headroom(m) >= overhead) {
    Encapsulate(m, path.type, path.id, outer);
    return m;
  }
  rte_mbuf* head = headers.alloc(headers.ctx);
  if (head == nullptr) {
    *why = DropReason::kNoMbufs;
    return nullptr;
  }
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, static_cast<uint16_t>(overhead)));
  if (p == nullptr || m->nb_segs >= RTE_MBUF_MAX_NB_SEGS) {
    headers.free(head, headers.ctx);
    *why = DropReason::kNoMbufs;
    return nullptr;
  }
  WriteOuterHeaders(p, path.type, path.id, outer, m->pkt_len);
  // Chained by hand: rte_pktmbuf_chain would rewrite the shared frame's
  // pkt_len, which the other ports of a flood still read.
  head->next = m;
  head->nb_segs = static_cast<uint16_t>(1 + m->nb_segs);
  head->pkt_len = overhead + m->pkt_len;
  return head;
}

uint16_t VxlanSourcePort(const uint8_t* inner, uint32_t len) noexcept {
  // FNV-1a over the MACs and, for IPv4, the addresses, protocol and (first
  // fragment or whole datagram) TCP/UDP ports.
  uint32_t h = 2166136261u;
  auto mix = [&h](const uint8_t* p, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      h = (h ^ p[i]) * 16777619u;
    }
  };
  if (len < 14) {
    mix(inner, len);
  } else {
    mix(inner, 12);
    uint32_t off = 12;
    if (Load16(inner + off) == 0x8100 && len >= off + 6) {
      off += 4;
    }
    if (Load16(inner + off) == kEtherTypeIpv4 && len >= off + 2 + 20) {
      const uint8_t* ip = inner + off + 2;
      const uint32_t ihl = (ip[0] & 0x0f) * 4u;
      mix(ip + 9, 1);
      mix(ip + 12, 8);
      const bool first = (Load16(ip + 6) & 0x1fff) == 0;
      if (first && (ip[9] == kProtoTcp || ip[9] == kProtoUdp) && len >= off + 2 + ihl + 4) {
        mix(ip + ihl, 4);
      }
    }
  }
  return static_cast<uint16_t>(49152 + (h ^ (h >> 16)) % 16384);
}

TunnelParse ParseTunnel(const uint8_t* data, uint32_t head_len, uint32_t frame_len,
                        uint16_t vxlan_port, TunnelInfo* info) noexcept {
  if (head_len < 14 || Load16(data + 12) != kEtherTypeIpv4) {
    return TunnelParse::kNotTunnel;
  }
  const uint8_t* ip = data + 14;
  const uint32_t avail = frame_len - 14;  // bytes after the Ethernet header, padding included
  const uint32_t head = head_len - 14;    // and those of them at hand
  if (head < 20) {
    return TunnelParse::kBadHeader;
  }
  const uint8_t proto = ip[9];
  if (proto != kProtoUdp && proto != kProtoGre) {
    return TunnelParse::kNotTunnel;
  }
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  const uint32_t total = Load16(ip + 2);
  if ((ip[0] >> 4) != 4 || ihl < 20 || ihl > head || total < ihl || total > avail ||
      !ChecksumOk(ip, ihl)) {
    return TunnelParse::kBadHeader;
  }
  const uint8_t* l4 = ip + ihl;
  if ((Load16(ip + 6) & kIpFragmentMask) != 0) {
    // A first fragment shows its UDP port: to another one, it is no tunnel.
    const bool first = (Load16(ip + 6) & 0x1fff) == 0;
    if (proto == kProtoUdp && first && ihl + 4 <= head && Load16(l4 + 2) != vxlan_port) {
      return TunnelParse::kNotTunnel;
    }
    return TunnelParse::kFragment;
  }
  const uint32_t l4_len = total - ihl;
  TunnelInfo out{};
  out.src_ip = Load32(ip + 12);
  out.dst_ip = Load32(ip + 16);
  uint32_t inner = 0;  // offset of the inner frame within l4
  if (proto == kProtoUdp) {
    if (l4_len < 8 || ihl + 8 > head) {
      return TunnelParse::kBadHeader;
    }
    if (Load16(l4 + 2) != vxlan_port) {
      return TunnelParse::kNotTunnel;
    }
    const uint32_t udp_len = Load16(l4 + 4);
    if (udp_len < 8 + 8 + 14 || udp_len > l4_len || ihl + 16 > head ||
        (l4[8] & kVxlanFlagVni) == 0) {
      return TunnelParse::kBadHeader;
    }
    out.type = TunnelType::kVxlan;
    out.id = Load32(l4 + 12) >> 8;
    inner = 16;
    out.inner_len = udp_len - inner;
  } else {
    if (l4_len < 4 || ihl + 4 > head) {
      return TunnelParse::kBadHeader;
    }
    const uint16_t flags = Load16(l4);
    if ((flags & (kGreRouting | kGreVersionMask)) != 0 || (flags & kGreKey) == 0 ||
        Load16(l4 + 2) != kEtherTypeTeb) {
      return TunnelParse::kUnsupported;
    }
    const uint32_t key_at = 4 + ((flags & kGreChecksum) != 0 ? 4 : 0);
    inner = key_at + 4 + ((flags & kGreSequence) != 0 ? 4 : 0);
    if (l4_len < inner + 14 || ihl + inner > head) {
      return TunnelParse::kBadHeader;
    }
    if ((flags & kGreChecksum) != 0) {
      if (ihl + l4_len > head) {
        return TunnelParse::kUnsupported;  // a checksum over several segments
      }
      if (!ChecksumOk(l4, l4_len)) {
        return TunnelParse::kBadHeader;
      }
    }
    out.type = TunnelType::kGre;
    out.id = Load32(l4 + key_at);
    out.inner_len = l4_len - inner;
  }
  out.inner_offset = static_cast<uint16_t>(14 + ihl + inner);
  *info = out;
  return TunnelParse::kTunnel;
}

}  // namespace switchyard::dp
