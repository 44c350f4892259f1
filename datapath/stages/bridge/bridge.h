// The MAC-learning bridge stage.
//
// Takes one rx burst of one port and decides, per frame: learn the source,
// then forward to the port the destination was learned on, or flood to
// every other port of the network (broadcast, multicast, unknown unicast),
// or drop with a reason. Every frame leaves exactly once, through
// Egress::Enqueue (a flood enqueues one reference per port) or Egress::Drop.
#pragma once

#include <cstdint>

#include "datapath/core/counters.h"
#include "datapath/core/egress.h"
#include "datapath/core/snapshot.h"
#include "datapath/core/types.h"

struct rte_mbuf;

namespace switchyard::dp {

class BridgeStage {
 public:
  BridgeStage(PmdCounters* counters, Egress* egress) : counters_(counters), egress_(egress) {}

  // PMD thread. `now` is in seconds of the FDB clock.
  void Process(const Snapshot& snap, PortIndex in, rte_mbuf** pkts, uint16_t n,
               uint32_t now) noexcept;

 private:
  void Flood(const Snapshot& snap, const NetworkSlot& net, PortIndex in, rte_mbuf* m) noexcept;

  PmdCounters* counters_;
  Egress* egress_;
};

}  // namespace switchyard::dp
