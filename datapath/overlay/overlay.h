// The overlay stage: what arrives on an uplink.
//
// Per frame of an uplink's rx burst: a VXLAN or GRE frame for this uplink's
// address, of a network the uplink carries, from one of that network's
// remote endpoints, loses its outer headers and goes to the bridge with
// the endpoint as its ingress port (so the FDB learns remote MACs behind
// it); ARP goes to the control thread (the underlay's slow path); other
// frames go to the router stage (NAT and routed networks), which may hand
// them back to bridge into a network from its gateway; anything else is
// dropped with a reason. Runs of frames from one endpoint (or gateway)
// reach the bridge as one burst.
#pragma once

#include <cstdint>

#include "datapath/core/counters.h"
#include "datapath/core/egress.h"
#include "datapath/core/punt.h"
#include "datapath/core/snapshot.h"
#include "datapath/gateway/router.h"
#include "datapath/stages/bridge/bridge.h"

struct rte_mbuf;

namespace switchyard::dp {

class OverlayStage {
 public:
  // `router` may be null: frames that are no tunnel are then dropped.
  OverlayStage(PmdCounters* counters, Egress* egress, BridgeStage* bridge, RouterStage* router,
               PuntFn punt, void* punt_ctx)
      : counters_(counters),
        egress_(egress),
        bridge_(bridge),
        router_(router),
        punt_(punt),
        punt_ctx_(punt_ctx) {}

  // PMD thread: a burst received on uplink `in` (snap.ports[in].underlay set).
  void Process(const Snapshot& snap, PortIndex in, rte_mbuf** pkts, uint16_t n,
               uint32_t now) noexcept;

 private:
  // The port to bridge `m` from: the endpoint it came from once stripped
  // to its inner frame, or a gateway the router sends it in by; or
  // kInvalidPort when it went elsewhere (punted, routed out, dropped).
  PortIndex Decapsulate(const UplinkSlot& up, PortIndex in, rte_mbuf* m) noexcept;

  PmdCounters* counters_;
  Egress* egress_;
  BridgeStage* bridge_;
  RouterStage* router_;
  PuntFn punt_;
  void* punt_ctx_;
};

}  // namespace switchyard::dp
