#include "datapath/stages/bridge/bridge.h"

#include <rte_mbuf.h>

#include "datapath/core/fdb.h"
#include "datapath/core/parser.h"
#include "datapath/ports/port.h"

namespace switchyard::dp {

void BridgeStage::Process(const Snapshot& snap, PortIndex in, rte_mbuf** pkts, uint16_t n,
                          uint32_t now) noexcept {
  PortCounters& pc = counters_->ports[in];
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    bytes += pkts[i]->pkt_len;
  }
  pc.rx_packets.Add(n);
  pc.rx_bytes.Add(bytes);

  const NetworkIndex net_index = snap.ports[in].network;
  if (net_index == kInvalidNetwork || snap.networks[net_index].fdb == nullptr) {
    for (uint16_t i = 0; i < n; ++i) {
      egress_->Drop(pkts[i], in, DropReason::kNoNetwork);
    }
    return;
  }
  const NetworkSlot& net = snap.networks[net_index];
  NetworkCounters& nc = counters_->networks[net_index];
  Fdb& fdb = *net.fdb;

  // A burst from one port nearly always carries one guest's source MAC and
  // few destinations: remembering the last answer saves a hash probe per
  // frame (measured: see docs/benchmarks.md).
  // ~0 is outside the 48-bit MAC range, so the first frame always misses.
  constexpr MacKey kNone = ~MacKey{0};
  MacKey last_src = kNone;
  MacKey last_dst = kNone;
  PortIndex last_out = kInvalidPort;

  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    PacketMeta meta;
    if (auto drop =
            ParseFrame(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, m->pkt_len, &meta)) {
      egress_->Drop(m, in, *drop);
      continue;
    }
    if (meta.src != last_src) {
      if (IsMulticastMac(meta.src) || meta.src == 0) {
        egress_->Drop(m, in, DropReason::kInvalidSrcMac);
        continue;
      }
      PortIndex previous = kInvalidPort;
      switch (fdb.Learn(0, meta.src, in, now, &previous)) {
        case Fdb::LearnResult::kLearned:
          nc.learned.Add(1);
          Emit(DpEvent::Type::kMacLearned, net_index, in, kInvalidPort, meta.src);
          break;
        case Fdb::LearnResult::kMoved:
          nc.moves.Add(1);
          Emit(DpEvent::Type::kMacMoved, net_index, in, previous, meta.src);
          break;
        case Fdb::LearnResult::kFull:
          nc.learn_full.Add(1);
          break;
        case Fdb::LearnResult::kRefreshed:
        case Fdb::LearnResult::kStaticKept:
          break;
      }
      last_src = meta.src;
    }
    if (IsMulticastMac(meta.dst)) {
      FloodFrame(snap, net, in, m);
      continue;
    }
    if (meta.dst != last_dst) {
      last_dst = meta.dst;
      last_out = fdb.Lookup(0, meta.dst);
      // An entry may outlive its port by one aging sweep: treat as unknown.
      if (last_out != kInvalidPort && snap.ports[last_out].port == nullptr) {
        last_out = kInvalidPort;
      }
    }
    if (last_out == kInvalidPort) {
      FloodFrame(snap, net, in, m);
    } else if (last_out == in) {
      egress_->Drop(m, in, DropReason::kHairpin);
    } else {
      nc.unicast.Add(1);
      Forward(snap, in, last_out, m);
    }
  }
}

uint16_t BridgeStage::Segment(PortIndex in, rte_mbuf* m, rte_mbuf** segs) noexcept {
  const uint16_t n =
      segmenter_ == nullptr ? 0 : segmenter_->Segment(m, segs, TcpSegmenter::kMaxSegments);
  if (n == 0) {
    egress_->Drop(m, in, DropReason::kGsoFailed);
  } else {
    egress_->Free(m);  // the segments are copies
  }
  return n;
}

void BridgeStage::Forward(const Snapshot& snap, PortIndex in, PortIndex out, rte_mbuf* m) noexcept {
  const Port& port = *snap.ports[out].port;
  if (WireFrameLen(m) > port.max_frame()) {
    egress_->Drop(m, out, DropReason::kMtuExceeded);
    return;
  }
  if (!IsGso(m) || port.AcceptsGso()) {
    egress_->Enqueue(out, m);
    return;
  }
  rte_mbuf* segs[TcpSegmenter::kMaxSegments];
  const uint16_t n = Segment(in, m, segs);
  for (uint16_t i = 0; i < n; ++i) {
    egress_->Enqueue(out, segs[i]);
  }
}

void BridgeStage::FloodFrame(const Snapshot& snap, const NetworkSlot& net, PortIndex in,
                             rte_mbuf* m) noexcept {
  counters_->networks[snap.ports[in].network].flooded.Add(1);
  if (!IsGso(m)) {
    Flood(snap, net, in, m);
    return;
  }
  // Rare (a TCP stream to a MAC not learned yet): cut once, flood the cuts.
  rte_mbuf* segs[TcpSegmenter::kMaxSegments];
  const uint16_t n = Segment(in, m, segs);
  for (uint16_t i = 0; i < n; ++i) {
    Flood(snap, net, in, segs[i]);
  }
}

void BridgeStage::Flood(const Snapshot& snap, const NetworkSlot& net, PortIndex in,
                        rte_mbuf* m) noexcept {
  // Collect the live destinations first so the reference count is raised
  // once, before any port can transmit (and free) the frame.
  PortIndex outs[kMaxPorts];
  uint16_t n_out = 0;
  for (PortIndex p : net.members) {
    if (p == in) {
      continue;
    }
    const Port& port = *snap.ports[p].port;
    if (!port.LinkUp()) {
      counters_->ports[p].drops[static_cast<int>(DropReason::kPortDown)].Add(1);
      continue;
    }
    if (m->pkt_len > port.max_frame()) {
      counters_->ports[p].drops[static_cast<int>(DropReason::kMtuExceeded)].Add(1);
      continue;
    }
    outs[n_out++] = p;
  }
  if (n_out == 0) {
    egress_->Drop(m, in, DropReason::kNoDestination);
    return;
  }
  if (n_out > 1) {
    rte_pktmbuf_refcnt_update(m, static_cast<int16_t>(n_out - 1));  // every segment
  }
  for (uint16_t i = 0; i < n_out; ++i) {
    egress_->Enqueue(outs[i], m);
  }
}

}  // namespace switchyard::dp
