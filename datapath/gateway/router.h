// The router stage: the switch as a network's gateway (modes nat and routed).
//
// Out: the bridge delivers frames for the gateway's MAC (and floods) to the
// gateway's port; Egress hands them here. ARP, ping and DHCP for the switch
// go to the control thread; frames to elsewhere leave by the network's
// uplink, their source masqueraded to the uplink's address (nat) or as they
// are (routed), TTL decremented, MACs rewritten.
// In: IPv4 that arrives on an uplink and is no tunnel comes here: replies
// of tracked connections and new connections to port forwards (nat), or
// anything for a routed subnet, go back into the network through the
// bridge, from the gateway's port. Ping to the uplink's address goes to the
// control thread. Everything else is dropped with a reason.
// A frame whose next hop's MAC is not cached yet goes to the control
// thread, which resolves it by ARP and sends it on.
//
// NAT connections live in one table per network (stages/nat/conn_table.h),
// which only the PMD thread that polls the uplink touches: the control
// thread gives every port of a NAT network to that thread.
#pragma once

#include <cstdint>

#include "datapath/core/counters.h"
#include "datapath/core/egress.h"
#include "datapath/core/mbuf_chain.h"
#include "datapath/core/punt.h"
#include "datapath/core/snapshot.h"
#include "datapath/gateway/conn_table.h"

struct rte_mbuf;

namespace switchyard::dp {

class RouterStage {
 public:
  // Connections looked at per Sweep() and table: a busy PMD loops about a
  // million times a second, so even 4M connections are all looked at every
  // half second; timeouts are 10 s and more.
  static constexpr uint32_t kSweepBudget = 8;

  RouterStage(uint16_t pmd, PmdCounters* counters, Egress* egress, PuntFn punt, void* punt_ctx,
              MbufSource copies)
      : pmd_(pmd),
        counters_(counters),
        egress_(egress),
        punt_(punt),
        punt_ctx_(punt_ctx),
        copies_(copies) {}

  // Once per loop iteration, before any other call. `now`: FDB clock seconds.
  void Begin(const Snapshot* snap, uint32_t now) noexcept {
    snap_ = snap;
    now_ = now;
  }

  // Frames Egress flushed to gateway port `gw`.
  void FromNetwork(PortIndex gw, rte_mbuf** pkts, uint16_t n) noexcept;
  // Egress's gateway hook.
  static void FlushGateway(void* self, PortIndex gw, rte_mbuf** pkts, uint16_t n) noexcept {
    static_cast<RouterStage*>(self)->FromNetwork(gw, pkts, n);
  }

  // A frame that arrived on uplink `in` and is no tunnel: the gateway port
  // to bridge it into its network from, or kInvalidPort when it was
  // consumed (punted or dropped).
  PortIndex FromUplink(const UplinkSlot& up, PortIndex in, rte_mbuf* m) noexcept;

  // Expires idle connections of the NAT tables this thread owns.
  void Sweep() noexcept;

  struct Ip;  // a parsed IPv4 frame; router.cc's own

 private:
  void Out(const GatewaySlot& gw, rte_mbuf* m) noexcept;
  // Masquerades an outbound frame; false when it was dropped.
  bool SnatOut(const GatewaySlot& gw, const UplinkSlot& up, rte_mbuf* m, Ip& ip) noexcept;
  // A NAT port free towards the remote of `reply` on every NAT table of
  // the uplink; 0 when none is.
  uint16_t PickNatPort(const UplinkSlot& up, FlowKey reply, uint16_t wanted) const noexcept;
  PortIndex InNat(const UplinkSlot& up, PortIndex in, rte_mbuf* m, Ip& ip) noexcept;
  PortIndex InIcmpError(const UplinkSlot& up, PortIndex in, rte_mbuf* m, Ip& ip) noexcept;
  PortIndex InRouted(const GatewaySlot& gw, PortIndex in, rte_mbuf* m, Ip& ip) noexcept;
  // Sends `m` on towards `next_hop` by `out` (an uplink, or a gateway port
  // meaning into its network), with destination MAC `mac` (0: look it up
  // in `cache`, and punt to resolve when it is not there). Returns `out`
  // for a gateway port whose frame is ready for the bridge, else
  // kInvalidPort (sent, punted or dropped).
  PortIndex Deliver(PortIndex out, bool into_network, MacKey mac, const NeighborCache* cache,
                    uint32_t next_hop, PortIndex charge, rte_mbuf* m) noexcept;
  void Punt(rte_mbuf* m, PortIndex charge, const PuntTag& tag) noexcept;
  // `m` editable in place: itself when held alone, else a copy (`m` freed);
  // nullptr when no copy could be made (counted).
  rte_mbuf* Own(rte_mbuf* m, PortIndex charge) noexcept;

  uint16_t pmd_;
  PmdCounters* counters_;
  Egress* egress_;
  PuntFn punt_;
  void* punt_ctx_;
  MbufSource copies_;
  const Snapshot* snap_ = nullptr;
  uint32_t now_ = 0;
};

}  // namespace switchyard::dp
