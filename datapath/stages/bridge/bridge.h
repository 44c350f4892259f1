// The MAC-learning bridge stage.
//
// Takes one rx burst of one port and decides, per frame: learn the source,
// then forward to the port the destination was learned on, or flood to
// every other port of the network (broadcast, multicast, unknown unicast),
// or drop with a reason. Every frame leaves exactly once, through
// Egress::Enqueue (a flood enqueues one reference per port) or Egress::Drop.
// Frames belong to a VLAN, decided by their ingress port (core/vlan.h): the
// FDB is keyed by (VLAN, MAC), floods reach only the ports that carry the
// VLAN, and each egress port gets the frame tagged or untagged as it wants
// it, edited in place when it is the frame's only form, copied once per
// extra form in a flood.
// A TCP super-frame (core/offload.h) leaves whole for a port that takes
// GSO frames and cut into wire frames for any other; floods are cut first.
// A frame larger than its egress port's MTU is dropped there and counted.
#pragma once

#include <array>
#include <cstdint>

#include "datapath/core/counters.h"
#include "datapath/core/egress.h"
#include "datapath/core/event_ring.h"
#include "datapath/core/mbuf_chain.h"
#include "datapath/core/offload.h"
#include "datapath/core/snapshot.h"
#include "datapath/core/types.h"
#include "datapath/core/vlan_edit.h"

struct rte_mbuf;

namespace switchyard::dp {

class BridgeStage {
 public:
  // `events` may be null (no MAC events wanted). `copies` serves frames a
  // flood needs in a second VLAN form.
  BridgeStage(PmdCounters* counters, Egress* egress, EventRing* events, TcpSegmenter* segmenter,
              MbufSource copies)
      : counters_(counters),
        egress_(egress),
        events_(events),
        segmenter_(segmenter),
        copies_(copies) {}

  // PMD thread. `now` is in seconds of the FDB clock.
  void Process(const Snapshot& snap, PortIndex in, rte_mbuf** pkts, uint16_t n,
               uint32_t now) noexcept;

 private:
  // The VLAN a frame belongs to and how it looks on the wire now. Passed by
  // reference: built field by field and passed in a register, it stalled
  // the PMD on a store-forwarding miss every frame (perf).
  struct FrameVlan {
    uint16_t vid;
    VlanForm form;
  };

  // What the egress port of a unicast does with the frame's VLAN.
  struct OutVlan {
    bool carries = false;
    bool tagged = false;
  };

  void Forward(const Snapshot& snap, PortIndex in, PortIndex out, rte_mbuf* m,
               const FrameVlan& vlan, OutVlan out_vlan) noexcept;
  // `m` in form `to`: edited in place when this stage holds it alone, else
  // a copy (and `m` freed). nullptr, with `m` freed and nothing counted,
  // when no copy could be made.
  rte_mbuf* IntoForm(rte_mbuf* m, VlanForm from, VlanForm to) noexcept;
  // Cuts GSO frame `m` and enqueues the segments to `out`.
  void SegmentTo(PortIndex in, PortIndex out, rte_mbuf* m) noexcept;
  void FloodFrame(const Snapshot& snap, const NetworkSlot& net, PortIndex in, rte_mbuf* m,
                  const FrameVlan& vlan, uint32_t now) noexcept;
  void Flood(const Snapshot& snap, const NetworkSlot& net, PortIndex in, rte_mbuf* m,
             const FrameVlan& vlan) noexcept;
  // Cuts GSO frame `m` into segs; 0 (and `m` dropped) when it cannot.
  uint16_t Segment(PortIndex in, rte_mbuf* m, rte_mbuf** segs) noexcept;

  // Storm control: whether port `in` may start one more flood in second
  // `now` of the FDB clock, as its flood limit allows.
  bool MayFlood(const PortSlot& slot, PortIndex in, uint32_t now) noexcept {
    if (slot.flood_limit == 0) {
      return true;
    }
    FloodWindow& w = flood_windows_[in];
    if (w.second != now) {
      w = FloodWindow{now, 0};
    }
    return w.started++ < slot.flood_limit;
  }

  void Emit(DpEvent::Type type, NetworkIndex net, PortIndex port, PortIndex previous, uint16_t vlan,
            MacKey mac) noexcept {
    if (events_ != nullptr) {
      events_->Push(DpEvent{type, net, port, previous, vlan, mac});
    }
  }

  PmdCounters* counters_;
  Egress* egress_;
  EventRing* events_;
  TcpSegmenter* segmenter_;
  MbufSource copies_;
  // Per rx port: floods started in the current second. Only this PMD polls
  // the port, so only this stage writes its window.
  struct FloodWindow {
    uint32_t second = 0;
    uint32_t started = 0;
  };
  std::array<FloodWindow, kMaxPorts> flood_windows_{};
};

}  // namespace switchyard::dp
