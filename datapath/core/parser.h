// Parse once: the L2 facts every later stage needs, read from the first
// segment of a frame into a small struct that lives beside the burst.
#pragma once

#include <cstdint>
#include <optional>

#include "datapath/core/drop_reasons.h"
#include "datapath/core/types.h"

namespace switchyard::dp {

inline constexpr uint16_t kEtherTypeVlan = 0x8100;
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;
inline constexpr uint32_t kEthHeaderLen = 14;
inline constexpr uint32_t kVlanTagLen = 4;
inline constexpr int kMaxVlanTags = 2;

struct PacketMeta {
  MacKey dst;
  MacKey src;
  uint16_t ethertype;   // after any VLAN tags
  uint16_t outer_tpid;  // TPID of the outermost tag; 0 when untagged
  uint16_t outer_tci;   // TCI of the outermost tag; 0 when untagged
  uint8_t n_tags;
  uint8_t l3_offset;
};

// `data` points at `seg_len` readable bytes of a frame of `pkt_len` bytes.
// Returns the reason to drop the frame, or nullopt when `meta` is filled.
std::optional<DropReason> ParseFrame(const uint8_t* data, uint32_t seg_len, uint32_t pkt_len,
                                     PacketMeta* meta) noexcept;

}  // namespace switchyard::dp
