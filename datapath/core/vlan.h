// VLAN membership and tagging of one port, as the bridge stage reads it.
//
// OVS's model. An access port carries one VLAN, untagged on the wire, and
// drops tagged frames. A trunk carries its allowed VLANs tagged; untagged
// (and priority-tagged, VID 0) frames belong to its native VLAN, or to
// VLAN 0, "no VLAN", when it has none. A port with no VLAN settings is a
// trunk of every VLAN including 0, so a plain bridge forwards tags as they
// came. Only 802.1Q (TPID 0x8100) tags are VLANs; an 802.1ad outer tag is
// dropped (DropReason::kQinqUnsupported).
#pragma once

#include <array>
#include <cstdint>

namespace switchyard::dp {

inline constexpr uint16_t kVidMask = 0x0fff;
inline constexpr uint16_t kMaxVlanId = 4094;

// A set of VLAN ids 0..4095: one bit each, so a membership test is one load.
class VlanSet {
 public:
  // 0..4094; 4095 is reserved.
  static VlanSet All() noexcept {
    VlanSet s;
    s.bits_.fill(~uint64_t{0});
    s.bits_.back() &= ~(uint64_t{1} << 63);
    return s;
  }
  void Add(uint16_t first, uint16_t last) noexcept {
    for (uint32_t v = first; v <= last && v <= kVidMask; ++v) {
      bits_[v >> 6] |= uint64_t{1} << (v & 63);
    }
  }
  bool Contains(uint16_t vid) const noexcept {
    return (bits_[(vid & kVidMask) >> 6] >> (vid & 63) & 1) != 0;
  }
  bool operator==(const VlanSet&) const = default;

 private:
  std::array<uint64_t, 64> bits_{};
};

struct VlanPolicy {
  // The VLAN an arriving frame belongs to, or kRefuse.
  static constexpr int32_t kRefuse = -1;

  bool access = false;
  // Access: the port's VLAN. Trunk: the VLAN of untagged frames (0: none).
  uint16_t native = 0;
  // Trunk: frames of the native VLAN leave tagged.
  bool native_tagged = false;
  // Every VLAN the port carries, the native one included.
  VlanSet carries;

  static VlanPolicy TrunkOfAll() noexcept {
    VlanPolicy p;
    p.carries = VlanSet::All();
    return p;
  }

  // `tagged`: the frame has an 802.1Q outer tag, whose TCI is `tci`.
  int32_t Ingress(bool tagged, uint16_t tci) const noexcept {
    const uint16_t vid = tagged ? (tci & kVidMask) : 0;
    if (vid == 0) {
      return carries.Contains(native) ? native : kRefuse;
    }
    return !access && carries.Contains(vid) ? vid : kRefuse;
  }
  bool Carries(uint16_t vid) const noexcept { return carries.Contains(vid); }
  // Whether frames of `vid` leave this port with a tag.
  bool EgressTagged(uint16_t vid) const noexcept {
    return !access && vid != 0 && (vid != native || native_tagged);
  }

  bool operator==(const VlanPolicy&) const = default;
};

}  // namespace switchyard::dp
