#include "datapath/gateway/gateway_port.h"

#include <rte_mbuf.h>

namespace switchyard::dp {

PortInfo GatewayPort::Info() const {
  PortInfo info;
  info.driver = "gateway";
  return info;
}

uint16_t GatewayPort::TxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept {
  rte_pktmbuf_free_bulk(pkts, n);
  return 0;
}

}  // namespace switchyard::dp
