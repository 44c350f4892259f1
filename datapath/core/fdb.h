// Forwarding database of one network: (VLAN, MAC) -> port.
//
// Learned by PMD threads, read by PMD threads, aged and flushed by the
// control thread, all without locks:
//  - a slot is two 64-bit atomics, `key` and `val`; key 0 means empty and
//    val 0 means "no valid port" (an entry being built or torn down);
//  - a learner claims an empty slot by CAS on `key`, then publishes `val`;
//  - a refresh or MAC move is a CAS on `val`, so it loses against a delete;
//  - a delete (control thread) is CAS val -> 0, then key -> 0;
//  - a reader checks `key` again after reading `val`, so a slot reused for
//    another MAC in between reads as a miss (the frame is flooded once).
// Two threads learning the same new MAC at the same instant may each claim
// a slot; lookups use the first, and aging removes the other.
//
// A key hashes to a window of kWindow consecutive slots (two cache lines);
// a full window refuses new MACs like a full table does.
//
// Each port's entries are counted, so that one port can be held to a MAC
// limit (as OVS's and Cisco's port-security maximum) and cannot fill the
// table that every other port of the network depends on. The counts are
// atomics: a learner adds to its own port, while a move, an age or a flush
// takes from another.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "datapath/core/types.h"

namespace switchyard::dp {

class Fdb {
 public:
  enum class LearnResult : uint8_t {
    kRefreshed,   // already known on this port
    kLearned,     // new entry
    kMoved,       // known on another port; now on this one
    kFull,        // not learned: size limit reached or hash window full
    kStaticKept,  // a static entry points elsewhere; left as is
    kPortLimit,   // not learned or moved: the port holds `port_limit` entries
  };

  struct Entry {
    uint16_t vlan;
    MacKey mac;
    PortIndex port;
    bool is_static;
    uint32_t last_seen;  // seconds, caller's clock
  };

  // `max_entries` bounds learned plus static entries.
  explicit Fdb(uint32_t max_entries);
  Fdb(const Fdb&) = delete;
  Fdb& operator=(const Fdb&) = delete;

  // Any thread. `now` is in seconds of a clock shared with Age(). On kMoved,
  // `*previous` (when given) is the port the MAC was on. `port_limit` (0:
  // none) bounds how many entries `port` may hold: a new MAC, or one moving
  // in from another port, beyond it is refused (kPortLimit).
  LearnResult Learn(uint16_t vlan, MacKey mac, PortIndex port, uint32_t now,
                    PortIndex* previous = nullptr, uint32_t port_limit = 0) noexcept;
  // Any thread. kInvalidPort when unknown.
  PortIndex Lookup(uint16_t vlan, MacKey mac) const noexcept;

  // Control thread only. Adds or replaces a static entry (never aged, never
  // moved by learning). False when the table is full.
  bool AddStatic(uint16_t vlan, MacKey mac, PortIndex port, uint32_t now);
  // Control thread only. Removes learned entries idle for longer than
  // `aging_s` seconds; calls `on_aged` for each. Returns how many.
  size_t Age(uint32_t now, uint32_t aging_s, const std::function<void(const Entry&)>& on_aged = {});
  // Control thread only. Removes entries that match; static ones only when
  // `include_static`. Returns how many.
  size_t FlushPort(PortIndex port, bool include_static);
  size_t FlushAll(bool include_static);
  // Removes the entry for (vlan, mac); with `static_only`, only a static one.
  bool Delete(uint16_t vlan, MacKey mac, bool static_only = false);

  // Any thread; a point-in-time copy.
  std::vector<Entry> Dump() const;
  uint32_t size() const noexcept { return count_.load(std::memory_order_relaxed); }
  // Entries (learned and static) that point to `port`.
  uint32_t PortEntries(PortIndex port) const noexcept {
    return port < kMaxPorts ? per_port_[port].load(std::memory_order_relaxed) : 0;
  }
  uint32_t max_entries() const noexcept { return max_entries_; }
  uint32_t capacity() const noexcept { return slot_mask_ + 1; }

 private:
  static constexpr uint32_t kWindow = 8;
  static constexpr uint64_t kStaticBit = 1ULL << 47;

  struct alignas(16) Slot {
    std::atomic<uint64_t> key{0};
    std::atomic<uint64_t> val{0};
  };

  static uint64_t MakeKey(uint16_t vlan, MacKey mac) {
    return (1ULL << 63) | (static_cast<uint64_t>(vlan & 0xfff) << 48) | mac;
  }
  static uint64_t MakeVal(PortIndex port, bool is_static, uint32_t now) {
    return (static_cast<uint64_t>(port + 1) << 48) | (is_static ? kStaticBit : 0) | now;
  }
  static PortIndex ValPort(uint64_t v) { return static_cast<PortIndex>((v >> 48) - 1); }
  static bool ValStatic(uint64_t v) { return v & kStaticBit; }
  static uint32_t ValSeen(uint64_t v) { return static_cast<uint32_t>(v); }
  static Entry ToEntry(uint64_t key, uint64_t val);

  uint32_t WindowStart(uint64_t key) const noexcept {
    return static_cast<uint32_t>((key * 0x9e3779b97f4a7c15ULL) >> hash_shift_) & slot_mask_;
  }
  Slot& At(uint32_t start, uint32_t i) const noexcept { return slots_[(start + i) & slot_mask_]; }
  // Control thread: CAS val -> 0 then clear key. False if val changed.
  bool TryRemove(Slot& s, uint64_t expected_val);
  void CountIn(PortIndex port) noexcept { per_port_[port].fetch_add(1, std::memory_order_relaxed); }
  void CountOut(PortIndex port) noexcept {
    per_port_[port].fetch_sub(1, std::memory_order_relaxed);
  }
  bool AtLimit(PortIndex port, uint32_t limit) const noexcept {
    return limit != 0 && per_port_[port].load(std::memory_order_relaxed) >= limit;
  }

  uint32_t max_entries_;
  uint32_t slot_mask_;
  int hash_shift_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<uint32_t> count_{0};
  std::unique_ptr<std::atomic<uint32_t>[]> per_port_;
};

}  // namespace switchyard::dp
