// A remote tunnel endpoint of a network, as a port of that network.
//
// Being a port is what gives an overlay its bridge behaviour for free:
// floods reach every endpoint (head-end replication), and the FDB learns
// which endpoint a remote MAC sits behind. Frames never pass through the
// object itself: the uplink's overlay stage decapsulates arriving frames
// and hands them to the bridge with this port as ingress, and Egress
// encapsulates leaving ones by the snapshot's TunnelPath and sends them by
// the uplink. What the object keeps is what changes between snapshots: the
// next hop's MAC (ARP), the uplink's link state and MTU.
#pragma once

#include <atomic>
#include <string>

#include "datapath/core/address.h"
#include "datapath/overlay/tunnel.h"
#include "datapath/ports/port.h"

namespace switchyard::dp {

class TunnelEndpoint : public Port {
 public:
  TunnelEndpoint(TunnelType type, uint32_t remote_ip) : type_(type), remote_ip_(remote_ip) {
    set_max_frame(0);  // nothing fits until the uplink is known
  }

  // "vxlan-10.77.0.2": how the FDB and the stats name the endpoint.
  std::string Name() const;
  uint32_t remote_ip() const { return remote_ip_; }

  PortInfo Info() const override;
  // Never polled: frames arrive through the uplink.
  uint16_t RxBurst(uint16_t, rte_mbuf**, uint16_t) noexcept override { return 0; }
  // Never called by the PMD, which encapsulates through Egress so that the
  // uplink's counters see the frames; a caller without a path gets them
  // dropped and counted as not sent.
  uint16_t TxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  bool LinkUp() const noexcept override { return link_up_.load(std::memory_order_relaxed); }

  // Control thread: follow the uplink (nullptr: it is missing).
  void FollowUplink(const Port* uplink);
  // Control thread: the next hop's MAC, 0 while unresolved.
  void set_next_hop_mac(MacKey mac) { next_hop_mac_.store(mac, std::memory_order_relaxed); }
  MacKey next_hop_mac() const { return next_hop_mac_.load(std::memory_order_relaxed); }
  // What TunnelPath::next_hop_mac points to.
  const std::atomic<MacKey>* next_hop_mac_cell() const { return &next_hop_mac_; }

 private:
  const TunnelType type_;
  const uint32_t remote_ip_;
  std::atomic<MacKey> next_hop_mac_{0};
  std::atomic<bool> link_up_{false};
};

}  // namespace switchyard::dp
