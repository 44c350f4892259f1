// A network's gateway, as a port of that network.
//
// Being a port gives the router its place in the bridge: the FDB holds the
// gateway's MAC on it (statically), floods reach it (ARP, DHCP), and frames
// it sends into the network are bridged from it like any guest's. Frames
// never pass through the object: Egress hands those bridged to it to the
// router stage, and the router hands the bridge what it sends in.
#pragma once

#include "datapath/ports/port.h"

namespace switchyard::dp {

class GatewayPort : public Port {
 public:
  PortInfo Info() const override;
  // Never polled: what the gateway sends comes from the router.
  uint16_t RxBurst(uint16_t, rte_mbuf**, uint16_t) noexcept override { return 0; }
  // Never called by the PMD, which routes through Egress; a caller gets
  // the frames dropped and counted as not sent.
  uint16_t TxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  bool LinkUp() const noexcept override { return true; }
};

}  // namespace switchyard::dp
