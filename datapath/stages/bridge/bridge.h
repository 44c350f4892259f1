// The MAC-learning bridge stage.
//
// Takes one rx burst of one port and decides, per frame: learn the source,
// then forward to the port the destination was learned on, or flood to
// every other port of the network (broadcast, multicast, unknown unicast),
// or drop with a reason. Every frame leaves exactly once, through
// Egress::Enqueue (a flood enqueues one reference per port) or Egress::Drop.
// A TCP super-frame (core/offload.h) leaves whole for a port that takes
// GSO frames and cut into wire frames for any other; floods are cut first.
// A frame larger than its egress port's MTU is dropped there and counted.
#pragma once

#include <cstdint>

#include "datapath/core/counters.h"
#include "datapath/core/egress.h"
#include "datapath/core/event_ring.h"
#include "datapath/core/offload.h"
#include "datapath/core/snapshot.h"
#include "datapath/core/types.h"

struct rte_mbuf;

namespace switchyard::dp {

class BridgeStage {
 public:
  // `events` may be null (no MAC events wanted).
  BridgeStage(PmdCounters* counters, Egress* egress, EventRing* events, TcpSegmenter* segmenter)
      : counters_(counters), egress_(egress), events_(events), segmenter_(segmenter) {}

  // PMD thread. `now` is in seconds of the FDB clock.
  void Process(const Snapshot& snap, PortIndex in, rte_mbuf** pkts, uint16_t n,
               uint32_t now) noexcept;

 private:
  void Forward(const Snapshot& snap, PortIndex in, PortIndex out, rte_mbuf* m) noexcept;
  void FloodFrame(const Snapshot& snap, const NetworkSlot& net, PortIndex in, rte_mbuf* m) noexcept;
  void Flood(const Snapshot& snap, const NetworkSlot& net, PortIndex in, rte_mbuf* m) noexcept;
  // Cuts GSO frame `m` into segs; 0 (and `m` dropped) when it cannot.
  uint16_t Segment(PortIndex in, rte_mbuf* m, rte_mbuf** segs) noexcept;

  void Emit(DpEvent::Type type, NetworkIndex net, PortIndex port, PortIndex previous,
            MacKey mac) noexcept {
    if (events_ != nullptr) {
      events_->Push(DpEvent{type, net, port, previous, 0, mac});
    }
  }

  PmdCounters* counters_;
  Egress* egress_;
  EventRing* events_;
  TcpSegmenter* segmenter_;
};

}  // namespace switchyard::dp
