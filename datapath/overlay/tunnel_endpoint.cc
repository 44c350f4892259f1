#include "datapath/overlay/tunnel_endpoint.h"

#include <rte_mbuf.h>

namespace switchyard::dp {

std::string TunnelEndpoint::Name() const {
  return std::string(type_ == TunnelType::kVxlan ? "vxlan-" : "gre-") + Ipv4ToString(remote_ip_);
}

PortInfo TunnelEndpoint::Info() const {
  PortInfo info;
  info.driver = type_ == TunnelType::kVxlan ? "vxlan" : "gre";
  return info;
}

uint16_t TunnelEndpoint::TxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept {
  rte_pktmbuf_free_bulk(pkts, n);
  return 0;
}

void TunnelEndpoint::FollowUplink(const Port* uplink) {
  link_up_.store(uplink != nullptr && uplink->LinkUp(), std::memory_order_relaxed);
  // The largest inner frame whose outer packet fits the uplink's MTU.
  const uint32_t outer_max = uplink == nullptr ? 0 : uplink->max_frame();
  const uint32_t cost = kFrameOverhead + TunnelOverhead(type_) - 14;
  set_max_frame(outer_max > cost ? outer_max - cost : 0);
}

}  // namespace switchyard::dp
