// IPv4 -> MAC for the PMD threads: the neighbours the control thread has
// resolved by ARP on one L3 interface (an uplink's subnet, a gateway's).
//
// One writer (the control thread), any number of readers, no locks: each
// slot's MAC word carries a version that every write bumps, and a reader
// takes a slot's address only when the MAC word around it did not change.
// A miss is never wrong, only slower: the frame goes to the control thread,
// which knows every neighbour, so readers may give up early.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "datapath/core/types.h"

namespace switchyard::dp {

class NeighborCache {
 public:
  // Slots; a power of two. More neighbours than fit stay on the control
  // thread, which resolves their frames itself.
  static constexpr uint32_t kSlots = 4096;
  static constexpr uint32_t kMaxProbe = 16;

  NeighborCache() : slots_(new Slot[kSlots]) {}

  // Any thread: the MAC of `ip`, 0 when not cached.
  MacKey Lookup(uint32_t ip) const noexcept {
    for (uint32_t i = 0, s = Hash(ip); i < kMaxProbe; ++i, s = (s + 1) & (kSlots - 1)) {
      const Slot& slot = slots_[s];
      const uint64_t before = slot.word.load(std::memory_order_acquire);
      const uint32_t at = slot.ip.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      const uint64_t after = slot.word.load(std::memory_order_relaxed);
      if (before != after) {
        return 0;  // being rewritten: take the slow way this once
      }
      if (at == ip) {
        return before & kMacMask;
      }
      if (at == 0) {
        return 0;  // never used: the probe ends here
      }
    }
    return 0;
  }

  // Control thread: caches `ip` at `mac`; false when its probe run is full.
  bool Set(uint32_t ip, MacKey mac) noexcept {
    uint32_t free_slot = kSlots;
    for (uint32_t i = 0, s = Hash(ip); i < kMaxProbe; ++i, s = (s + 1) & (kSlots - 1)) {
      const uint32_t at = slots_[s].ip.load(std::memory_order_relaxed);
      if (at == ip) {
        Write(slots_[s], ip, mac);
        return true;
      }
      const bool vacant = (slots_[s].word.load(std::memory_order_relaxed) & kMacMask) == 0;
      if (vacant && free_slot == kSlots) {
        free_slot = s;
      }
      if (at == 0) {
        break;
      }
    }
    if (free_slot == kSlots) {
      return false;
    }
    Write(slots_[free_slot], ip, mac);
    return true;
  }

  // Control thread: forgets `ip`. Its slot keeps the address, MAC 0, so
  // probes for others still run past it; Set() reuses it.
  void Clear(uint32_t ip) noexcept {
    for (uint32_t i = 0, s = Hash(ip); i < kMaxProbe; ++i, s = (s + 1) & (kSlots - 1)) {
      const uint32_t at = slots_[s].ip.load(std::memory_order_relaxed);
      if (at == ip) {
        Write(slots_[s], ip, 0);
        return;
      }
      if (at == 0) {
        return;
      }
    }
  }

 private:
  static constexpr uint64_t kMacMask = (uint64_t{1} << 48) - 1;

  struct Slot {
    std::atomic<uint64_t> word{0};  // version << 48 | MAC
    std::atomic<uint32_t> ip{0};
  };

  static uint32_t Hash(uint32_t ip) noexcept { return (ip * 0x9e3779b1u) >> 20 & (kSlots - 1); }

  static void Write(Slot& slot, uint32_t ip, MacKey mac) noexcept {
    const uint64_t version = (slot.word.load(std::memory_order_relaxed) >> 48) + 1;
    // Readers that see the address change also see a new version on
    // either side of it.
    slot.word.store((version << 48) | 0, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    slot.ip.store(ip, std::memory_order_relaxed);
    slot.word.store(((version + 1) << 48) | (mac & kMacMask), std::memory_order_release);
  }

  std::unique_ptr<Slot[]> slots_;
};

}  // namespace switchyard::dp
