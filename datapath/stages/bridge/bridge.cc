#include "datapath/stages/bridge/bridge.h"

#include <rte_mbuf.h>

#include "datapath/core/fdb.h"
#include "datapath/core/parser.h"
#include "datapath/core/punt.h"
#include "datapath/ports/port.h"
#include "datapath/stages/security/port_security.h"

namespace switchyard::dp {

namespace {

// A frame of VLAN `vid` that arrived in form `in`, tagged: the arriving
// priority and DEI bits are kept.
VlanForm TaggedForm(uint16_t vid, VlanForm in) {
  return VlanForm{true, static_cast<uint16_t>((in.tagged ? in.tci & ~kVidMask : 0) | vid)};
}

VlanForm EgressForm(const VlanPolicy& port, uint16_t vid, VlanForm in) {
  return port.EgressTagged(vid) ? TaggedForm(vid, in) : VlanForm{};
}

int TagLen(VlanForm f) { return f.tagged ? static_cast<int>(kVlanTagLen) : 0; }

// What keeps a frame from a port with `in_flags` away from one with
// `out_flags`: both private, or an isolated network and not both guests.
// DropReason::kCount when nothing does.
DropReason Fence(const NetworkSlot& net, uint8_t in_flags, uint8_t out_flags) {
  if ((in_flags & out_flags & kPortPrivate) != 0) {
    return DropReason::kPrivatePort;
  }
  if (net.isolated && (in_flags & out_flags & kPortGuest) == 0) {
    return DropReason::kIsolated;
  }
  return DropReason::kCount;
}

}  // namespace

// The common case (frame in the form the port wants, no GSO cut) stays
// small; the rest is out of line. `out_vlan` is what the egress port does
// with the frame's VLAN, worked out once per destination in Process().
void BridgeStage::Forward(const Snapshot& snap, PortIndex in, PortIndex out, rte_mbuf* m,
                          const FrameVlan& vlan, OutVlan out_vlan) noexcept {
  if (!out_vlan.carries) {
    // A static entry for a port that has left the VLAN since.
    egress_->Drop(m, out, DropReason::kVlanFiltered);
    return;
  }
  // As it is unless the port wants it tagged and it is not (or with
  // another VID: a priority tag that could not be rewritten), or the reverse.
  if (out_vlan.tagged != vlan.form.tagged ||
      (out_vlan.tagged && (vlan.form.tci & kVidMask) != vlan.vid)) {
    m = IntoForm(m, vlan.form, out_vlan.tagged ? TaggedForm(vlan.vid, vlan.form) : VlanForm{});
    if (m == nullptr) {
      egress_->Count(out, DropReason::kNoMbufs);
      return;
    }
  }
  const Port& port = *snap.ports[out].port;
  if (WireFrameLen(m) > port.max_frame()) {
    egress_->Drop(m, out, DropReason::kMtuExceeded);
    return;
  }
  if (!IsGso(m) || port.AcceptsGso()) {
    egress_->Enqueue(out, m);
    return;
  }
  SegmentTo(in, out, m);
}

void BridgeStage::Process(const Snapshot& snap, PortIndex in, rte_mbuf** pkts, uint16_t n,
                          uint32_t now) noexcept {
  CountRx(counters_->ports[in], pkts, n);

  const NetworkIndex net_index = snap.ports[in].network;
  if (net_index == kInvalidNetwork || snap.networks[net_index].fdb == nullptr) {
    for (uint16_t i = 0; i < n; ++i) {
      egress_->Drop(pkts[i], in, DropReason::kNoNetwork);
    }
    return;
  }
  const NetworkSlot& net = snap.networks[net_index];
  const uint8_t in_flags = snap.ports[in].flags;
  if (net.isolated && (in_flags & kPortGuest) == 0) {
    for (uint16_t i = 0; i < n; ++i) {
      egress_->Drop(pkts[i], in, DropReason::kIsolated);
    }
    return;
  }
  // Private ports and isolated networks fence some ports off; most
  // frames need not ask.
  const bool fenced = net.isolated || (in_flags & kPortPrivate) != 0;
  NetworkCounters& nc = counters_->networks[net_index];
  Fdb& fdb = *net.fdb;
  const VlanPolicy& in_vlan = snap.ports[in].vlan;

  // A burst from one port nearly always carries one guest's source MAC and
  // few destinations: remembering the last answer saves a hash probe per
  // frame (measured: see docs/benchmarks.md). Keys are VLAN << 48 | MAC;
  // ~0 is outside that range, so the first frame always misses.
  constexpr uint64_t kNone = ~uint64_t{0};
  uint64_t last_src = kNone;
  uint64_t last_dst = kNone;
  PortIndex last_out = kInvalidPort;
  DropReason fence = DropReason::kCount;
  OutVlan out_vlan{};
  // Remote endpoints form a full mesh: each host floods to all of them
  // itself, so what one sends is never relayed to another (split horizon).
  const bool from_tunnel = snap.ports[in].tunnel != nullptr;
  bool split = false;
  // Untagged frames, the common case, all join the same VLAN.
  const int32_t untagged_vid = in_vlan.Ingress(false, 0);
  // Only the router, entering by the gateway's port, speaks as the gateway.
  const bool from_gateway = snap.ports[in].gateway != nullptr;
  const uint32_t mac_limit = snap.ports[in].mac_limit;
  const PortGuard* guard = snap.ports[in].guard;

  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    SetIngress(m, in);
    PacketMeta meta;
    if (auto drop =
            ParseFrame(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, m->pkt_len, &meta)) {
      egress_->Drop(m, in, *drop);
      continue;
    }
    FrameVlan vlan{0, VlanForm{}};
    if (meta.n_tags == 0) {
      if (untagged_vid == VlanPolicy::kRefuse) {
        egress_->Drop(m, in, DropReason::kVlanFiltered);
        continue;
      }
      vlan.vid = static_cast<uint16_t>(untagged_vid);
    } else {
      if (meta.outer_tpid != kEtherTypeVlan) {
        egress_->Drop(m, in, DropReason::kQinqUnsupported);
        continue;
      }
      const int32_t vid = in_vlan.Ingress(true, meta.outer_tci);
      if (vid == VlanPolicy::kRefuse) {
        egress_->Drop(m, in, DropReason::kVlanFiltered);
        continue;
      }
      if (meta.n_tags > 1 &&
          ((meta.outer_tci & kVidMask) == 0 || !in_vlan.EgressTagged(static_cast<uint16_t>(vid)))) {
        // A priority tag, or the tag of a VLAN this port has untagged, over
        // another tag: the outer tag would come off on the way out and the
        // inner one be read as the VLAN by whoever is next (VLAN hopping).
        egress_->Drop(m, in, DropReason::kVlanDoubleTag);
        continue;
      }
      vlan = FrameVlan{static_cast<uint16_t>(vid), VlanForm{true, meta.outer_tci}};
      if ((vlan.form.tci & kVidMask) != vlan.vid && HeldAlone(m)) {
        // A priority tag (VID 0) entering a native or access VLAN: give it
        // that VLAN's id, keeping its priority, so tagged ports take it as is.
        const VlanForm retagged = TaggedForm(vlan.vid, vlan.form);
        SetVlanForm(m, vlan.form, retagged);
        vlan.form = retagged;
      }
    }
    if (guard != nullptr) {
      // Before anything is learned from it.
      const DropReason why =
          CheckSource(*guard, rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, meta);
      if (why != DropReason::kCount) {
        egress_->Drop(m, in, why);
        continue;
      }
    }
    const uint64_t src_key = static_cast<uint64_t>(vlan.vid) << 48 | meta.src;
    if (src_key != last_src) {
      if (IsMulticastMac(meta.src) || meta.src == 0) {
        egress_->Drop(m, in, DropReason::kInvalidSrcMac);
        continue;
      }
      if (!from_gateway && snap.IsInfraMac(meta.src)) {
        egress_->Drop(m, in, DropReason::kInfraSrcMac);
        continue;
      }
      PortIndex previous = kInvalidPort;
      switch (fdb.Learn(vlan.vid, meta.src, in, now, &previous, mac_limit)) {
        case Fdb::LearnResult::kLearned:
          nc.learned.Add(1);
          Emit(DpEvent::Type::kMacLearned, net_index, in, kInvalidPort, vlan.vid, meta.src);
          if (mac_limit != 0 && fdb.PortEntries(in) == mac_limit) {
            // Told once as the port fills up, not for every refused frame.
            Emit(DpEvent::Type::kMacLimit, net_index, in, kInvalidPort, vlan.vid, meta.src);
          }
          break;
        case Fdb::LearnResult::kMoved:
          nc.moves.Add(1);
          Emit(DpEvent::Type::kMacMoved, net_index, in, previous, vlan.vid, meta.src);
          break;
        case Fdb::LearnResult::kFull:
          nc.learn_full.Add(1);
          break;
        case Fdb::LearnResult::kPortLimit:
          // Restrict, as port security does: the port's known MACs still
          // pass, a new one is neither learned nor forwarded.
          egress_->Drop(m, in, DropReason::kPortMacLimit);
          continue;
        case Fdb::LearnResult::kRefreshed:
        case Fdb::LearnResult::kStaticKept:
          break;
      }
      last_src = src_key;
    }
    if (IsMulticastMac(meta.dst)) {
      FloodFrame(snap, net, in, m, vlan, now);
      continue;
    }
    const uint64_t dst_key = static_cast<uint64_t>(vlan.vid) << 48 | meta.dst;
    if (dst_key != last_dst) {
      last_dst = dst_key;
      last_out = vlan.vid == 0 && meta.dst == net.gateway_mac && net.gateway_mac != 0
                     ? net.gateway_port
                     : fdb.Lookup(vlan.vid, meta.dst);
      split = false;
      fence = DropReason::kCount;
      if (last_out != kInvalidPort) {
        const PortSlot& out = snap.ports[last_out];
        if (out.port == nullptr) {
          // An entry may outlive its port by one aging sweep: treat as unknown.
          last_out = kInvalidPort;
        } else {
          out_vlan = OutVlan{out.vlan.Carries(vlan.vid), out.vlan.EgressTagged(vlan.vid)};
          split = from_tunnel && out.tunnel != nullptr;
          if (fenced) {
            fence = Fence(net, in_flags, out.flags);
          }
        }
      }
    }
    if (last_out == kInvalidPort) {
      FloodFrame(snap, net, in, m, vlan, now);
    } else if (last_out == in) {
      egress_->Drop(m, in, DropReason::kHairpin);
    } else if (split) {
      egress_->Drop(m, in, DropReason::kSplitHorizon);
    } else if (fence != DropReason::kCount) {
      egress_->Drop(m, in, fence);
    } else {
      nc.unicast.Add(1);
      Forward(snap, in, last_out, m, vlan, out_vlan);
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

rte_mbuf* BridgeStage::IntoForm(rte_mbuf* m, VlanForm from, VlanForm to) noexcept {
  if (HeldAlone(m) && SetVlanForm(m, from, to)) {
    return m;
  }
  rte_mbuf* copy = CopyInVlanForm(m, from, to, copies_);
  egress_->Free(m);
  return copy;
}

void BridgeStage::SegmentTo(PortIndex in, PortIndex out, rte_mbuf* m) noexcept {
  rte_mbuf* segs[TcpSegmenter::kMaxSegments];
  const uint16_t n = Segment(in, m, segs);
  for (uint16_t i = 0; i < n; ++i) {
    egress_->Enqueue(out, segs[i]);
  }
}

void BridgeStage::FloodFrame(const Snapshot& snap, const NetworkSlot& net, PortIndex in,
                             rte_mbuf* m, const FrameVlan& vlan, uint32_t now) noexcept {
  if (!MayFlood(snap.ports[in], in, now)) {
    egress_->Drop(m, in, DropReason::kStormControl);
    return;
  }
  counters_->networks[snap.ports[in].network].flooded.Add(1);
  if (!IsGso(m)) {
    Flood(snap, net, in, m, vlan);
    return;
  }
  // Rare (a TCP stream to a MAC not learned yet): cut once, flood the cuts.
  rte_mbuf* segs[TcpSegmenter::kMaxSegments];
  const uint16_t n = Segment(in, m, segs);
  for (uint16_t i = 0; i < n; ++i) {
    Flood(snap, net, in, segs[i], vlan);
  }
}

void BridgeStage::Flood(const Snapshot& snap, const NetworkSlot& net, PortIndex in, rte_mbuf* m,
                        const FrameVlan& vlan) noexcept {
  // The ports of the VLAN, grouped by the form they want the frame in: as
  // it is, untagged, or tagged. A frame has at most two of these forms
  // (core/vlan.h), so a flood copies it at most once.
  struct Group {
    VlanForm form;
    uint16_t n = 0;
    PortIndex ports[kMaxPorts];
    rte_mbuf* frame = nullptr;
  };
  Group groups[3];
  groups[0].form = vlan.form;
  groups[1].form = VlanForm{};
  groups[2].form = TaggedForm(vlan.vid, vlan.form);
  const bool from_tunnel = snap.ports[in].tunnel != nullptr;
  const uint8_t in_flags = snap.ports[in].flags;
  const bool fenced = net.isolated || (in_flags & kPortPrivate) != 0;
  for (PortIndex p : net.members) {
    if (p == in) {
      continue;
    }
    const PortSlot& slot = snap.ports[p];
    if (!slot.vlan.Carries(vlan.vid) || (from_tunnel && slot.tunnel != nullptr)) {
      continue;
    }
    if (fenced) {
      if (const DropReason why = Fence(net, in_flags, slot.flags); why != DropReason::kCount) {
        egress_->Count(in, why);
        continue;
      }
    }
    const Port& port = *slot.port;
    if (!port.LinkUp()) {
      egress_->Count(p, DropReason::kPortDown);
      continue;
    }
    const VlanForm want = EgressForm(slot.vlan, vlan.vid, vlan.form);
    if (m->pkt_len + TagLen(want) - TagLen(vlan.form) > port.max_frame()) {
      egress_->Count(p, DropReason::kMtuExceeded);
      continue;
    }
    Group& g = want == vlan.form ? groups[0] : groups[want.tagged ? 2 : 1];
    g.ports[g.n++] = p;
  }
  // The frame itself serves its own form's ports, or else is edited for
  // another group's; the other groups get copies, made before any edit.
  int own = 0;
  while (own < 3 && groups[own].n == 0) {
    ++own;
  }
  if (own == 3) {
    egress_->Drop(m, in, DropReason::kNoDestination);
    return;
  }
  for (int g = own + 1; g < 3; ++g) {
    if (groups[g].n > 0) {
      groups[g].frame = CopyInVlanForm(m, vlan.form, groups[g].form, copies_);
    }
  }
  groups[own].frame = own == 0 ? m : IntoForm(m, vlan.form, groups[own].form);
  for (Group& g : groups) {
    if (g.n == 0) {
      continue;
    }
    if (g.frame == nullptr) {
      for (uint16_t i = 0; i < g.n; ++i) {
        egress_->Count(g.ports[i], DropReason::kNoMbufs);
      }
      continue;
    }
    // Raise the count once, before any port can transmit (and free) it.
    if (g.n > 1) {
      rte_pktmbuf_refcnt_update(g.frame, static_cast<int16_t>(g.n - 1));  // every segment
    }
    for (uint16_t i = 0; i < g.n; ++i) {
      egress_->Enqueue(g.ports[i], g.frame);
    }
  }
}

}  // namespace switchyard::dp
