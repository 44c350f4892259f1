#include "datapath/core/parser.h"

#include "datapath/core/wire.h"

namespace switchyard::dp {

std::optional<DropReason> ParseFrame(const uint8_t* data, uint32_t seg_len, uint32_t pkt_len,
                                     PacketMeta* meta) noexcept {
  if (pkt_len < kEthHeaderLen) {
    return DropReason::kRuntFrame;
  }
  if (seg_len < kEthHeaderLen) {
    return DropReason::kTruncated;
  }
  meta->dst = MacFromBytes(data);
  meta->src = MacFromBytes(data + 6);
  meta->outer_tpid = 0;
  meta->outer_tci = 0;
  meta->n_tags = 0;
  uint32_t off = 12;
  uint16_t type = Load16(data + off);
  // Tags are only read here; the bridge decides what they mean (core/vlan.h).
  // A tag cut short by the frame's end makes a runt.
  while ((type == kEtherTypeVlan || type == kEtherTypeQinQ) && meta->n_tags < kMaxVlanTags) {
    if (pkt_len < off + 2 + kVlanTagLen) {
      return DropReason::kRuntFrame;
    }
    if (seg_len < off + 2 + kVlanTagLen) {
      return DropReason::kTruncated;
    }
    if (meta->n_tags == 0) {
      meta->outer_tpid = type;
      meta->outer_tci = Load16(data + off + 2);
    }
    ++meta->n_tags;
    off += kVlanTagLen;
    type = Load16(data + off);
  }
  meta->ethertype = type;
  meta->l3_offset = static_cast<uint8_t>(off + 2);
  return std::nullopt;
}

}  // namespace switchyard::dp
