// 802.1Q tag edits: push, pop and rewrite, in place where the frame is the
// caller's alone, or as one new copy (a flood whose ports want the frame in
// both forms). The Ethernet header and any outer tag of the frame lie in
// its first segment (ParseFrame saw to that). A TCP GSO frame's l2_len
// follows the edit, so it is still cut at the right offsets.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "datapath/core/mbuf_chain.h"

namespace switchyard::dp {

// How a frame looks on the wire: with an outer 802.1Q tag of `tci`, or none.
struct VlanForm {
  bool tagged = false;
  uint16_t tci = 0;

  bool operator==(const VlanForm&) const = default;
};

// Puts `m` (refcnt 1) into form `to`; `from` is its form now. False, with
// `m` untouched, when a tag is to be pushed and the first segment has no
// headroom for it.
bool SetVlanForm(rte_mbuf* m, VlanForm from, VlanForm to) noexcept;

// A copy of `m` (form `from`) in form `to`; nullptr when `source` ran dry.
rte_mbuf* CopyInVlanForm(const rte_mbuf* m, VlanForm from, VlanForm to,
                         const MbufSource& source) noexcept;

}  // namespace switchyard::dp
