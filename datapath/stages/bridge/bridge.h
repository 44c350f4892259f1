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
#include "datapath/core/event_ring.h"
#include "datapath/core/snapshot.h"
#include "datapath/core/types.h"

struct rte_mbuf;

namespace switchyard::dp {

class BridgeStage {
 public:
  // `events` may be null (no MAC events wanted).
  BridgeStage(PmdCounters* counters, Egress* egress, EventRing* events)
      : counters_(counters), egress_(egress), events_(events) {}

  // PMD thread. `now` is in seconds of the FDB clock.
  void Process(const Snapshot& snap, PortIndex in, rte_mbuf** pkts, uint16_t n,
               uint32_t now) noexcept;

 private:
  void Flood(const Snapshot& snap, const NetworkSlot& net, PortIndex in, rte_mbuf* m) noexcept;

  void Emit(DpEvent::Type type, NetworkIndex net, PortIndex port, PortIndex previous,
            MacKey mac) noexcept {
    if (events_ != nullptr) {
      events_->Push(DpEvent{type, net, port, previous, 0, mac});
    }
  }

  PmdCounters* counters_;
  Egress* egress_;
  EventRing* events_;
};

}  // namespace switchyard::dp
