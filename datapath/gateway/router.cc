#include "datapath/gateway/router.h"

#include <rte_mbuf.h>

#include "datapath/core/arp.h"
#include "datapath/core/ipv4.h"
#include "datapath/core/neighbor_cache.h"
#include "datapath/core/offload.h"
#include "datapath/core/parser.h"
#include "datapath/core/punt.h"
#include "datapath/core/vlan_edit.h"
#include "datapath/ports/port.h"

namespace switchyard::dp {

namespace {

constexpr uint16_t kDhcpServerPort = 67;
// Connections that start outside (uplink side) are keyed in this zone, so
// an uplink's address space never meets a network's.
constexpr uint16_t kOutsideZone = 0x8000;
constexpr int kNatPortTries = 32;
// The VXLAN port Linux used before IANA's (kVxlanPort).
constexpr uint16_t kVxlanLinuxPort = 8472;
constexpr uint8_t kIpProtoGre = 47;
constexpr uint32_t kFirstNatPort = 1024;

uint16_t OutsideZone(PortIndex uplink) { return static_cast<uint16_t>(kOutsideZone | uplink); }

}  // namespace

// A parsed IPv4 frame: untagged Ethernet, the IPv4 header and (but for a
// later fragment) the start of its TCP, UDP or ICMP header in the first
// segment.
struct RouterStage::Ip {
  uint8_t* eth = nullptr;
  uint8_t* ip = nullptr;
  uint8_t* l4 = nullptr;  // nullptr: a fragment other than the first
  uint32_t ihl = 0;
  uint32_t l4_len = 0;  // L4 header and payload, by the IP total length
  uint32_t l4_seg = 0;  // of them, in the first segment
  uint8_t proto = 0;
  uint32_t src = 0;
  uint32_t dst = 0;
  bool fragment = false;
  bool partial = false;  // TCP super-frame: its checksum holds the pseudo-header sum only

  uint8_t ttl() const { return ip[ip4::kTtl]; }
  uint8_t icmp_type() const { return l4[0]; }
  uint8_t tcp_flags() const { return proto == kIpProtoTcp ? l4[13] : 0; }
};

namespace {

bool ParseIp(rte_mbuf* m, RouterStage::Ip* out) {
  uint8_t* d = rte_pktmbuf_mtod(m, uint8_t*);
  const uint32_t seg = m->data_len;
  if (seg < kEthHeaderLen + 20 || Load16(d + 12) != kEtherTypeIpv4) {
    return false;
  }
  uint8_t* ip = d + kEthHeaderLen;
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  const uint32_t total = Load16(ip + ip4::kTotalLen);
  if ((ip[0] >> 4) != 4 || ihl < 20 || seg < kEthHeaderLen + ihl || total < ihl ||
      m->pkt_len < kEthHeaderLen + total) {
    return false;
  }
  RouterStage::Ip& r = *out;
  r.eth = d;
  r.ip = ip;
  r.ihl = ihl;
  r.proto = ip[ip4::kProto];
  r.src = Load32(ip + ip4::kSrc);
  r.dst = Load32(ip + ip4::kDst);
  const uint16_t frag = Load16(ip + ip4::kFragment);
  r.fragment = (frag & 0x3fff) != 0;  // MF or an offset
  r.l4_len = total - ihl;
  r.l4_seg = seg - kEthHeaderLen - ihl;
  if (r.l4_seg > r.l4_len) {
    r.l4_seg = r.l4_len;  // Ethernet padding
  }
  r.partial = IsGso(m);
  if ((frag & 0x1fff) != 0) {
    r.l4 = nullptr;
    return true;
  }
  const uint32_t need = r.proto == kIpProtoTcp ? 20 : 8;
  if ((r.proto == kIpProtoTcp || r.proto == kIpProtoUdp || r.proto == kIpProtoIcmp) &&
      r.l4_seg < need) {
    return false;
  }
  r.l4 = ip + ihl;
  // The L4 header's own length must fit the packet (a whole one: a first
  // fragment's UDP length counts the later fragments too), so that what
  // NAT passes on is what a host would accept.
  if (r.proto == kIpProtoTcp) {
    const uint32_t data_offset = (r.l4[12] >> 4) * 4u;
    if (data_offset < 20 || data_offset > r.l4_len) {
      return false;
    }
  } else if (r.proto == kIpProtoUdp && !r.fragment) {
    const uint32_t udp_len = Load16(r.l4 + 4);
    if (udp_len < 8 || udp_len > r.l4_len) {
      return false;
    }
  }
  return true;
}

// The connection key of an IPv4 frame in `zone`; false for what NAT does
// not track (other protocols, ICMP other than echo, later fragments).
bool FlowOf(const RouterStage::Ip& ip, uint16_t zone, FlowKey* key) {
  if (ip.l4 == nullptr) {
    return false;
  }
  FlowKey k;
  k.src_ip = ip.src;
  k.dst_ip = ip.dst;
  k.proto = ip.proto;
  k.zone = zone;
  switch (ip.proto) {
    case kIpProtoTcp:
    case kIpProtoUdp:
      k.src_port = Load16(ip.l4);
      k.dst_port = Load16(ip.l4 + 2);
      break;
    case kIpProtoIcmp:
      if (ip.icmp_type() == kIcmpEchoRequest) {
        k.src_port = Load16(ip.l4 + 4);
      } else if (ip.icmp_type() == kIcmpEchoReply) {
        k.dst_port = Load16(ip.l4 + 4);
      } else {
        return false;
      }
      break;
    default:
      return false;
  }
  *key = k;
  return true;
}

uint8_t* L4Checksum(const RouterStage::Ip& ip) {
  const int off = L4ChecksumOffset(ip.proto);
  return off < 0 || ip.l4 == nullptr || ip.l4_seg < static_cast<uint32_t>(off) + 2 ? nullptr
                                                                                   : ip.l4 + off;
}

// Rewrites the source (or destination) address: the IP header checksum,
// and TCP's and UDP's, whose pseudo header holds it.
void SetAddress(RouterStage::Ip& ip, int field, uint32_t to) {
  uint8_t* at = ip.ip + field;
  const uint32_t from = Load32(at);
  if (from == to) {
    return;
  }
  Store32(at, to);
  PatchChecksum32(ip.ip + ip4::kChecksum, from, to);
  if (uint8_t* sum = L4Checksum(ip); sum != nullptr) {
    if (ip.proto == kIpProtoTcp) {
      PatchChecksum32(sum, from, to, ip.partial);
    } else if (ip.proto == kIpProtoUdp) {
      PatchUdpChecksum32(sum, from, to, false);
    }
  }
  (field == ip4::kSrc ? ip.src : ip.dst) = to;
}

// Rewrites the TCP or UDP port at `offset` of the L4 header (0 source, 2
// destination), or the ICMP echo identifier.
void SetPort(RouterStage::Ip& ip, int offset, uint16_t to) {
  uint8_t* at = ip.proto == kIpProtoIcmp ? ip.l4 + 4 : ip.l4 + offset;
  const uint16_t from = Load16(at);
  if (from == to) {
    return;
  }
  Store16(at, to);
  uint8_t* sum = L4Checksum(ip);
  if (sum == nullptr || ip.partial) {
    return;  // a super-frame's segments are summed whole when cut
  }
  if (ip.proto == kIpProtoUdp) {
    PatchUdpChecksum16(sum, from, to, false);
  } else {
    PatchChecksum16(sum, from, to);
  }
}

void DecrementTtl(RouterStage::Ip& ip) {
  uint8_t* ttl = ip.ip + ip4::kTtl;
  const uint16_t from = Load16(ttl);  // TTL and protocol share a word
  --*ttl;
  PatchChecksum16(ip.ip + ip4::kChecksum, from, Load16(ttl));
}

// Whether `ip` is one of the addresses NAT networks leave by on `up`.
bool IsNatAddress(const UplinkSlot& up, uint32_t ip) {
  for (const GatewaySlot* g : up.gateways) {
    if (g->nat && g->outside == ip) {
      return true;
    }
  }
  return false;
}

// What would leave the uplink looking like this host's own tunnel traffic:
// GRE, UDP to a VXLAN port, or anything for a remote tunnel endpoint. NAT
// gives a guest the uplink's address, which is this host's tunnel
// endpoint, so a peer would take it for ours and decapsulate the guest's
// inner frame into another tenant's network.
bool LooksLikeTunnel(const UplinkSlot& up, const RouterStage::Ip& ip) {
  if (ip.proto == kIpProtoGre) {
    return true;
  }
  if (ip.proto == kIpProtoUdp && ip.l4 != nullptr) {
    const uint16_t port = Load16(ip.l4 + 2);
    if (port == kVxlanPort || port == kVxlanLinuxPort || port == up.vxlan_port) {
      return true;
    }
  }
  for (const TunnelRoute& r : up.routes) {
    for (const auto& [remote, slot] : r.endpoints) {
      if (remote == ip.dst) {
        return true;
      }
    }
  }
  return ip.dst == up.address || IsNatAddress(up, ip.dst);
}

// A host of the uplink's own subnet (other hypervisors, storage, the
// management network) that the network may not reach: all of them but
// those the operator allowed.
bool UnderlayRefused(const GatewaySlot& gw, const UplinkSlot& up, uint32_t dst) {
  if (((dst ^ up.address) & up.prefix_mask) != 0) {
    return false;
  }
  for (const AllowedPrefix& a : gw.underlay_allow) {
    if ((dst & a.mask) == a.network) {
      return false;
    }
  }
  return true;
}

bool IsPing(const RouterStage::Ip& ip) {
  return ip.l4 != nullptr && ip.proto == kIpProtoIcmp && ip.icmp_type() == kIcmpEchoRequest;
}

bool IsForHost(const RouterStage::Ip& ip) {
  if (ip.l4 == nullptr) {
    return false;
  }
  return (ip.proto == kIpProtoIcmp && ip.icmp_type() == kIcmpEchoRequest) ||
         (ip.proto == kIpProtoUdp && Load16(ip.l4 + 2) == kDhcpServerPort);
}

}  // namespace

rte_mbuf* RouterStage::Own(rte_mbuf* m, PortIndex charge) noexcept {
  if (HeldAlone(m)) {
    return m;
  }
  rte_mbuf* copy = CopyInVlanForm(m, VlanForm{}, VlanForm{}, copies_);
  egress_->Free(m);
  if (copy == nullptr) {
    egress_->Count(charge, DropReason::kNoMbufs);
  }
  return copy;
}

void RouterStage::Punt(rte_mbuf* m, PortIndex charge, const PuntTag& tag) noexcept {
  const PortIndex ingress = IngressOf(m);
  TagPunt(m, tag);
  if (const DropReason why = punt_(m, punt_ctx_); why != DropReason::kCount) {
    // Policing is per ingress port: count it where the flood came in.
    egress_->Drop(m, why == DropReason::kPuntPoliced && ingress < kMaxPorts ? ingress : charge,
                  why);
  }
}

PortIndex RouterStage::Deliver(PortIndex out, bool into_network, MacKey mac,
                               const NeighborCache* cache, uint32_t next_hop, PortIndex charge,
                               rte_mbuf* m) noexcept {
  if (mac == 0 && cache != nullptr) {
    mac = cache->Lookup(next_hop);
  }
  if (mac == 0) {
    Punt(m, charge, PuntTag{out, PuntKind::kResolve, next_hop});
    return kInvalidPort;
  }
  MacToBytes(mac, rte_pktmbuf_mtod(m, uint8_t*));
  if (into_network) {
    return out;
  }
  const Port& port = *snap_->ports[out].port;
  if (WireFrameLen(m) > port.max_frame()) {
    egress_->Drop(m, charge, DropReason::kMtuExceeded);
    return kInvalidPort;
  }
  egress_->Enqueue(out, m);
  return kInvalidPort;
}

void RouterStage::FromNetwork(PortIndex gw_port, rte_mbuf** pkts, uint16_t n) noexcept {
  const GatewaySlot& gw = *snap_->ports[gw_port].gateway;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    if (!gw.enabled) {
      egress_->Drop(m, gw_port, DropReason::kIsolated);
      continue;
    }
    const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
    if (m->data_len < kEthHeaderLen) {
      egress_->Drop(m, gw_port, DropReason::kRuntFrame);
      continue;
    }
    const MacKey dst = MacFromBytes(d);
    const uint16_t type = Load16(d + 12);
    if (type == kEtherTypeArp) {
      Punt(m, gw_port, PuntTag{gw_port, PuntKind::kHost, 0});
      continue;
    }
    if (dst != gw.mac) {
      // A flood reaches the gateway too; of broadcasts, only DHCP is ours.
      Ip ip;
      if (dst == kBroadcastMac && ParseIp(m, &ip) && ip.proto == kIpProtoUdp && ip.l4 != nullptr &&
          Load16(ip.l4 + 2) == kDhcpServerPort) {
        Punt(m, gw_port, PuntTag{gw_port, PuntKind::kHost, 0});
      } else {
        egress_->Free(m);
      }
      continue;
    }
    if (type != kEtherTypeIpv4) {
      egress_->Drop(m, gw_port, DropReason::kNotRoutable);
      continue;
    }
    Out(gw, m);
  }
}

void RouterStage::Out(const GatewaySlot& gw, rte_mbuf* m) noexcept {
  m = Own(m, gw.port);
  if (m == nullptr) {
    return;
  }
  Ip ip;
  if (!ParseIp(m, &ip)) {
    egress_->Drop(m, gw.port, DropReason::kIpBadHeader);
    return;
  }
  const uint32_t broadcast = gw.subnet | ~gw.mask;
  if (ip.dst == gw.address || ip.dst == broadcast || ip.dst == 0xffffffff) {
    if (IsForHost(ip)) {
      Punt(m, gw.port, PuntTag{gw.port, PuntKind::kHost, 0});
    } else {
      egress_->Drop(m, gw.port, DropReason::kGatewayLocal);
    }
    return;
  }
  if (!gw.InSubnet(ip.src)) {
    egress_->Drop(m, gw.port, DropReason::kBadSource);
    return;
  }
  if (gw.InSubnet(ip.dst)) {
    egress_->Drop(m, gw.port, DropReason::kNoRoute);  // on-link: never the gateway's
    return;
  }
  if (ip.ttl() <= 1) {
    egress_->Drop(m, gw.port, DropReason::kTtlExceeded);
    return;
  }
  const PortSlot* us = gw.uplink == kInvalidPort ? nullptr : &snap_->ports[gw.uplink];
  if (us == nullptr || us->port == nullptr || us->underlay == nullptr) {
    egress_->Drop(m, gw.port, DropReason::kPortDown);
    return;
  }
  const UplinkSlot& up = *us->underlay;
  if (LooksLikeTunnel(up, ip) || UnderlayRefused(gw, up, ip.dst)) {
    egress_->Drop(m, gw.port, DropReason::kUnderlayRefused);
    return;
  }
  const uint32_t next_hop = ((ip.dst ^ up.address) & up.prefix_mask) == 0 ? ip.dst : up.gateway;
  if (next_hop == 0) {
    egress_->Drop(m, gw.port, DropReason::kNoRoute);
    return;
  }
  if (gw.nat && !SnatOut(gw, up, m, ip)) {
    return;
  }
  DecrementTtl(ip);
  MacToBytes(up.mac, ip.eth + 6);
  Deliver(gw.uplink, false, 0, up.neighbors, next_hop, gw.port, m);
}

uint16_t RouterStage::PickNatPort(const UplinkSlot& up, FlowKey reply,
                                  uint16_t wanted) const noexcept {
  const uint32_t seed = (reply.src_ip * 0x9e3779b1u) ^ (reply.src_port * 0x85ebca6bu) ^ wanted;
  for (int attempt = 0; attempt < kNatPortTries; ++attempt) {
    const uint16_t port = attempt == 0
                              ? wanted
                              : static_cast<uint16_t>(kFirstNatPort + (seed + attempt * 40503u) %
                                                                          (65536 - kFirstNatPort));
    // Not 0, and never the uplink's VXLAN port: replies to it would be
    // taken for tunnel frames.
    if (reply.proto != kIpProtoIcmp &&
        (port == 0 || (reply.proto == kIpProtoUdp && port == up.vxlan_port))) {
      continue;
    }
    reply.dst_port = port;
    bool taken = false;
    for (const GatewaySlot* g : up.gateways) {
      if (g->conns != nullptr && g->conns->Contains(reply)) {
        taken = true;
        break;
      }
      // A forward's outside port stays the forward's.
      for (const ForwardRule& f : g->forwards) {
        taken = taken ||
                (g->outside == reply.dst_ip && f.proto == reply.proto && f.outside_port == port);
      }
    }
    if (!taken) {
      return port;
    }
  }
  return 0;
}

bool RouterStage::SnatOut(const GatewaySlot& gw, const UplinkSlot& up, rte_mbuf* m,
                          Ip& ip) noexcept {
  if (ip.fragment) {
    egress_->Drop(m, gw.port, DropReason::kIpFragment);
    return false;
  }
  FlowKey key;
  if (!FlowOf(ip, gw.network, &key)) {
    egress_->Drop(m, gw.port, DropReason::kNatUnsupported);
    return false;
  }
  ConnTable& table = *gw.conns;
  const uint8_t flags = ip.tcp_flags();
  ConnDir dir = ConnDir::kOrig;
  Conn* c = table.Find(key, &dir);
  if (c == nullptr) {
    if (key.proto == kIpProtoTcp && (flags & (kTcpSyn | kTcpAck | kTcpRst)) != kTcpSyn) {
      egress_->Drop(m, gw.port, DropReason::kNatNoConnection);
      return false;
    }
    if (ip.proto == kIpProtoIcmp && ip.icmp_type() != kIcmpEchoRequest) {
      egress_->Drop(m, gw.port, DropReason::kNatUnsupported);
      return false;
    }
    FlowKey reply;
    reply.src_ip = ip.dst;
    reply.dst_ip = gw.outside;
    reply.src_port = key.proto == kIpProtoIcmp ? 0 : key.dst_port;
    reply.proto = key.proto;
    reply.zone = OutsideZone(gw.uplink);
    reply.dst_port = PickNatPort(up, reply, key.src_port);
    if (reply.dst_port == 0 && key.proto != kIpProtoIcmp) {
      egress_->Drop(m, gw.port, DropReason::kNatPortsExhausted);
      return false;
    }
    // The guest's own connections are held to its share of the table,
    // counted on its port.
    const PortIndex guest = IngressOf(m);
    const uint16_t group = guest < kMaxPorts ? guest : ConnTable::kNoGroup;
    if (!table.RoomInGroup(group, gw.guest_limit, now_)) {
      egress_->Drop(m, guest, DropReason::kNatGuestLimit);
      return false;
    }
    c = table.Insert(key, reply, now_, group);
    if (c == nullptr) {
      egress_->Drop(
          m, gw.port,
          table.Contains(reply) ? DropReason::kNatPortsExhausted : DropReason::kNatTableFull);
      return false;
    }
    c->inside_mac = MacFromBytes(ip.eth + 6);
  }
  ConnTable::Touch(*c, dir, flags, now_);
  // Orig: a guest's own connection. Reply: a guest answering through a
  // port forward, which leaves from the forward's outside port.
  const FlowKey& outside = dir == ConnDir::kOrig ? c->reply : c->orig;
  SetAddress(ip, ip4::kSrc, outside.dst_ip);
  SetPort(ip, 0, outside.dst_port);
  return true;
}

namespace {

// The connection of a frame from outside, in whichever NAT network of the
// uplink has it.
Conn* FindOutside(const UplinkSlot& up, const FlowKey& key, const GatewaySlot** gw,
                  ConnDir* dir) noexcept {
  for (const GatewaySlot* g : up.gateways) {
    if (g->conns == nullptr) {
      continue;
    }
    if (Conn* c = g->conns->Find(key, dir)) {
      *gw = g;
      return c;
    }
  }
  return nullptr;
}

}  // namespace

PortIndex RouterStage::FromUplink(const UplinkSlot& up, PortIndex in, rte_mbuf* m) noexcept {
  const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
  if (m->data_len < kEthHeaderLen || Load16(d + 12) != kEtherTypeIpv4 ||
      MacFromBytes(d) != up.mac) {
    egress_->Drop(m, in, DropReason::kUplinkOther);
    return kInvalidPort;
  }
  if (up.gateways.empty()) {
    Ip ip;  // nothing routed here, but maybe a ping for the uplink itself
    if (ParseIp(m, &ip) && ip.dst == up.address && IsPing(ip)) {
      Punt(m, in, PuntTag{in, PuntKind::kHost, 0});
    } else {
      egress_->Drop(m, in, DropReason::kUplinkOther);
    }
    return kInvalidPort;
  }
  m = Own(m, in);
  if (m == nullptr) {
    return kInvalidPort;
  }
  Ip ip;
  if (!ParseIp(m, &ip)) {
    egress_->Drop(m, in, DropReason::kIpBadHeader);
    return kInvalidPort;
  }
  if (ip.dst == up.address || IsNatAddress(up, ip.dst)) {
    return InNat(up, in, m, ip);
  }
  for (const GatewaySlot* gw : up.gateways) {
    if (!gw->nat && gw->InSubnet(ip.dst)) {
      return InRouted(*gw, in, m, ip);
    }
  }
  egress_->Drop(m, in, DropReason::kUplinkOther);
  return kInvalidPort;
}

PortIndex RouterStage::InNat(const UplinkSlot& up, PortIndex in, rte_mbuf* m, Ip& ip) noexcept {
  if (IsPing(ip)) {
    Punt(m, in, PuntTag{in, PuntKind::kHost, 0});  // for the uplink itself
    return kInvalidPort;
  }
  if (ip.l4 != nullptr && ip.proto == kIpProtoIcmp &&
      (ip.icmp_type() == kIcmpUnreachable || ip.icmp_type() == kIcmpTimeExceeded)) {
    return InIcmpError(up, in, m, ip);
  }
  if (ip.fragment) {
    egress_->Drop(m, in, DropReason::kIpFragment);
    return kInvalidPort;
  }
  if (ip.ttl() <= 1) {
    egress_->Drop(m, in, DropReason::kTtlExceeded);  // before it could open a forward
    return kInvalidPort;
  }
  FlowKey key;
  if (!FlowOf(ip, OutsideZone(in), &key)) {
    egress_->Drop(m, in, DropReason::kNatUnsupported);
    return kInvalidPort;
  }
  const uint8_t flags = ip.tcp_flags();
  const GatewaySlot* gw = nullptr;
  ConnDir dir = ConnDir::kOrig;
  Conn* c = FindOutside(up, key, &gw, &dir);
  if (c == nullptr) {
    // A new connection: only through a port forward, and TCP only by SYN.
    for (const GatewaySlot* g : up.gateways) {
      for (const ForwardRule& f : g->forwards) {
        if (g->outside == key.dst_ip && f.proto == key.proto && f.outside_port == key.dst_port &&
            g->conns != nullptr) {
          gw = g;
          FlowKey reply;
          reply.src_ip = f.guest_ip;
          reply.dst_ip = key.src_ip;
          reply.src_port = f.guest_port;
          reply.dst_port = key.src_port;
          reply.proto = key.proto;
          reply.zone = g->network;
          if (key.proto == kIpProtoTcp && (flags & (kTcpSyn | kTcpAck | kTcpRst)) != kTcpSyn) {
            break;
          }
          if (!g->conns->RoomInGroup(f.group, g->forward_limit, now_)) {
            egress_->Drop(m, in, DropReason::kNatForwardLimit);
            return kInvalidPort;
          }
          c = g->conns->Insert(key, reply, now_, f.group);
          if (c == nullptr) {
            egress_->Drop(m, in, DropReason::kNatTableFull);
            return kInvalidPort;
          }
          break;
        }
      }
      if (gw != nullptr) {
        break;
      }
    }
    if (c == nullptr) {
      egress_->Drop(m, in, DropReason::kNatNoConnection);
      return kInvalidPort;
    }
  }
  ConnTable::Touch(*c, dir, flags, now_);
  // Reply: to the guest that opened it. Orig: a forward's, to its guest.
  const FlowKey& inside = dir == ConnDir::kReply ? c->orig : c->reply;
  const uint32_t guest_ip = inside.src_ip;
  SetAddress(ip, ip4::kDst, guest_ip);
  SetPort(ip, 2, inside.src_port);
  DecrementTtl(ip);
  MacToBytes(gw->mac, ip.eth + 6);
  if (c->inside_mac == 0 && gw->neighbors != nullptr) {
    c->inside_mac = gw->neighbors->Lookup(guest_ip);
  }
  return Deliver(gw->port, true, c->inside_mac, gw->neighbors, guest_ip, in, m);
}

PortIndex RouterStage::InIcmpError(const UplinkSlot& up, PortIndex in, rte_mbuf* m,
                                   Ip& ip) noexcept {
  // The error quotes a packet that left here: IPv4 header and at least
  // 8 bytes of its L4 header.
  uint8_t* inner = ip.l4 + 8;
  const uint32_t inner_ihl = ip.l4_seg >= 8 + 20 ? (inner[0] & 0x0f) * 4u : 0;
  if (inner_ihl < 20 || ip.l4_seg < 8 + inner_ihl + 8 || ip.l4_seg != ip.l4_len ||
      (Load32(inner + ip4::kSrc) != up.address && !IsNatAddress(up, Load32(inner + ip4::kSrc)))) {
    egress_->Drop(m, in, DropReason::kIpBadHeader);
    return kInvalidPort;
  }
  const uint8_t proto = inner[ip4::kProto];
  uint8_t* inner_l4 = inner + inner_ihl;
  FlowKey key;  // what the quoted packet's answer would carry
  key.src_ip = Load32(inner + ip4::kDst);
  key.dst_ip = Load32(inner + ip4::kSrc);
  key.proto = proto;
  key.zone = OutsideZone(in);
  if (proto == kIpProtoTcp || proto == kIpProtoUdp) {
    key.src_port = Load16(inner_l4 + 2);
    key.dst_port = Load16(inner_l4);
  } else if (proto == kIpProtoIcmp && inner_l4[0] == kIcmpEchoRequest) {
    key.dst_port = Load16(inner_l4 + 4);
  } else {
    egress_->Drop(m, in, DropReason::kNatUnsupported);
    return kInvalidPort;
  }
  const GatewaySlot* gw = nullptr;
  ConnDir dir = ConnDir::kOrig;
  Conn* c = FindOutside(up, key, &gw, &dir);
  if (c == nullptr) {
    egress_->Drop(m, in, DropReason::kNatNoConnection);
    return kInvalidPort;
  }
  const FlowKey& inside = dir == ConnDir::kReply ? c->orig : c->reply;
  // The quoted packet as the guest sent it: its source back, with the
  // checksums it covers; then the outer destination; then ICMP's own sum.
  const uint32_t from_ip = Load32(inner + ip4::kSrc);
  Store32(inner + ip4::kSrc, inside.src_ip);
  PatchChecksum32(inner + ip4::kChecksum, from_ip, inside.src_ip);
  if (proto == kIpProtoIcmp) {
    const uint16_t from_id = Load16(inner_l4 + 4);
    Store16(inner_l4 + 4, inside.src_port);
    PatchChecksum16(inner_l4 + 2, from_id, inside.src_port);
  } else {
    const uint16_t from_port = Load16(inner_l4);
    Store16(inner_l4, inside.src_port);
    if (proto == kIpProtoUdp) {
      PatchUdpChecksum32(inner_l4 + 6, from_ip, inside.src_ip, false);
      PatchUdpChecksum16(inner_l4 + 6, from_port, inside.src_port, false);
    } else if (ip.l4_seg >= 8 + inner_ihl + 18) {
      PatchChecksum32(inner_l4 + 16, from_ip, inside.src_ip);
      PatchChecksum16(inner_l4 + 16, from_port, inside.src_port);
    }
  }
  SetAddress(ip, ip4::kDst, inside.src_ip);
  Store16(ip.l4 + 2, 0);
  Store16(ip.l4 + 2, static_cast<uint16_t>(~FoldSum(OnesSum(ip.l4, ip.l4_len))));
  if (ip.ttl() <= 1) {
    egress_->Drop(m, in, DropReason::kTtlExceeded);
    return kInvalidPort;
  }
  DecrementTtl(ip);
  MacToBytes(gw->mac, ip.eth + 6);
  return Deliver(gw->port, true, c->inside_mac, gw->neighbors, inside.src_ip, in, m);
}

PortIndex RouterStage::InRouted(const GatewaySlot& gw, PortIndex in, rte_mbuf* m, Ip& ip) noexcept {
  const uint32_t broadcast = gw.subnet | ~gw.mask;
  if (ip.dst == gw.address || ip.dst == gw.subnet || ip.dst == broadcast) {
    egress_->Drop(m, in, DropReason::kGatewayLocal);
    return kInvalidPort;
  }
  if (ip.ttl() <= 1) {
    egress_->Drop(m, in, DropReason::kTtlExceeded);
    return kInvalidPort;
  }
  DecrementTtl(ip);
  MacToBytes(gw.mac, ip.eth + 6);
  return Deliver(gw.port, true, 0, gw.neighbors, ip.dst, in, m);
}

void RouterStage::Sweep() noexcept {
  for (const GatewaySlot& gw : snap_->gateways) {
    if (gw.conns != nullptr && gw.pmd == pmd_) {
      gw.conns->Expire(now_, kSweepBudget);
    }
  }
}

}  // namespace switchyard::dp
