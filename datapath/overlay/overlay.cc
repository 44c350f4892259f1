#include "datapath/overlay/overlay.h"

#include <rte_mbuf.h>

#include "datapath/core/arp.h"
#include "datapath/core/punt.h"
#include "datapath/overlay/tunnel.h"

namespace switchyard::dp {

namespace {

bool IsArp(const rte_mbuf* m) {
  const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
  return m->data_len >= 14 && p[12] == (kEtherTypeArp >> 8) && p[13] == (kEtherTypeArp & 0xff);
}

DropReason ReasonOf(TunnelParse parse) {
  switch (parse) {
    case TunnelParse::kFragment:
      return DropReason::kTunnelFragment;
    case TunnelParse::kUnsupported:
      return DropReason::kTunnelUnsupported;
    case TunnelParse::kNotTunnel:
      return DropReason::kUplinkOther;
    case TunnelParse::kBadHeader:
    case TunnelParse::kTunnel:
      break;
  }
  return DropReason::kTunnelBadHeader;
}

}  // namespace

PortIndex OverlayStage::Decapsulate(const UplinkSlot& up, PortIndex in, rte_mbuf* m) noexcept {
  TunnelInfo t;
  // An uplink that carries no tunnel takes none: what looks like one (UDP
  // to the VXLAN port, GRE, their fragments) is the router's to judge, and
  // to count by its own reasons.
  const TunnelParse parse = up.routes.empty() && router_ != nullptr
                                ? TunnelParse::kNotTunnel
                                : ParseTunnel(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len,
                                              m->pkt_len, up.vxlan_port, &t);
  if (parse != TunnelParse::kTunnel) {
    if (parse == TunnelParse::kNotTunnel && IsArp(m)) {
      TagPunt(m, PuntTag{in, PuntKind::kHost, 0});
      if (const DropReason why = punt_(m, punt_ctx_); why != DropReason::kCount) {
        egress_->Drop(m, in, why);
      }
      return kInvalidPort;
    }
    if (parse == TunnelParse::kNotTunnel && router_ != nullptr) {
      return router_->FromUplink(up, in, m);
    }
    egress_->Drop(m, in, ReasonOf(parse));
    return kInvalidPort;
  }
  if (t.dst_ip != up.address) {
    egress_->Drop(m, in, DropReason::kTunnelUnknownEndpoint);
    return kInvalidPort;
  }
  const TunnelRoute* route = nullptr;
  for (const TunnelRoute& r : up.routes) {
    if (r.type == t.type && r.id == t.id) {
      route = &r;
      break;
    }
  }
  if (route == nullptr) {
    egress_->Drop(m, in, DropReason::kTunnelUnknownId);
    return kInvalidPort;
  }
  PortIndex from = kInvalidPort;
  for (const auto& [remote, port] : route->endpoints) {
    if (remote == t.src_ip) {
      from = port;
      break;
    }
  }
  if (from == kInvalidPort) {
    egress_->Drop(m, in, DropReason::kTunnelUnknownEndpoint);
    return kInvalidPort;
  }
  // Outer headers off, then the outer frame's Ethernet padding.
  rte_pktmbuf_adj(m, t.inner_offset);
  if (m->pkt_len > t.inner_len &&
      rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - t.inner_len)) != 0) {
    egress_->Drop(m, in, DropReason::kTunnelBadHeader);
    return kInvalidPort;
  }
  return from;
}

void OverlayStage::Process(const Snapshot& snap, PortIndex in, rte_mbuf** pkts, uint16_t n,
                           uint32_t now) noexcept {
  CountRx(counters_->ports[in], pkts, n);

  const UplinkSlot& up = *snap.ports[in].underlay;
  rte_mbuf* run[kBurstSize];
  uint16_t n_run = 0;
  PortIndex run_from = kInvalidPort;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    SetIngress(m, in);
    const PortIndex from = Decapsulate(up, in, m);
    if (from == kInvalidPort) {
      continue;
    }
    if (from != run_from && n_run > 0) {
      bridge_->Process(snap, run_from, run, n_run, now);
      n_run = 0;
    }
    run_from = from;
    run[n_run++] = m;
  }
  if (n_run > 0) {
    bridge_->Process(snap, run_from, run, n_run, now);
  }
}

}  // namespace switchyard::dp
