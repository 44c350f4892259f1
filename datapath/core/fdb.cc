#include "datapath/core/fdb.h"

#include <bit>

namespace switchyard::dp {

Fdb::Fdb(uint32_t max_entries) : max_entries_(max_entries) {
  // Twice the limit keeps windows short and rarely full.
  uint32_t capacity = std::bit_ceil(std::max<uint32_t>(max_entries * 2, 64));
  slot_mask_ = capacity - 1;
  hash_shift_ = 64 - std::countr_zero(capacity);
  slots_ = std::make_unique<Slot[]>(capacity);
  per_port_ = std::make_unique<std::atomic<uint32_t>[]>(kMaxPorts);
}

Fdb::LearnResult Fdb::Learn(uint16_t vlan, MacKey mac, PortIndex port, uint32_t now,
                            PortIndex* previous, uint32_t port_limit) noexcept {
  const uint64_t key = MakeKey(vlan, mac);
  const uint32_t start = WindowStart(key);
  int first_empty = -1;
  for (uint32_t i = 0; i < kWindow; ++i) {
    Slot& s = At(start, i);
    uint64_t k = s.key.load(std::memory_order_acquire);
    if (k == key) {
      uint64_t v = s.val.load(std::memory_order_acquire);
      if (v == 0) {
        return LearnResult::kRefreshed;  // another thread is building or removing it
      }
      if (ValStatic(v)) {
        return ValPort(v) == port ? LearnResult::kRefreshed : LearnResult::kStaticKept;
      }
      const uint64_t nv = MakeVal(port, false, now);
      if (v == nv) {
        return LearnResult::kRefreshed;  // the common case: no write at all
      }
      const bool moving = ValPort(v) != port;
      if (moving && AtLimit(port, port_limit)) {
        return LearnResult::kPortLimit;
      }
      if (!s.val.compare_exchange_strong(v, nv, std::memory_order_acq_rel)) {
        return LearnResult::kRefreshed;  // lost to a delete or another learner
      }
      if (!moving) {
        return LearnResult::kRefreshed;
      }
      CountOut(ValPort(v));
      CountIn(port);
      if (previous != nullptr) {
        *previous = ValPort(v);
      }
      return LearnResult::kMoved;
    }
    if (k == 0 && first_empty < 0) {
      first_empty = static_cast<int>(i);
    }
  }
  if (AtLimit(port, port_limit)) {
    return LearnResult::kPortLimit;
  }
  if (first_empty < 0 || count_.load(std::memory_order_relaxed) >= max_entries_) {
    return LearnResult::kFull;
  }
  for (uint32_t i = static_cast<uint32_t>(first_empty); i < kWindow; ++i) {
    Slot& s = At(start, i);
    uint64_t expected = 0;
    if (s.key.load(std::memory_order_relaxed) == 0 &&
        s.key.compare_exchange_strong(expected, key, std::memory_order_acq_rel)) {
      s.val.store(MakeVal(port, false, now), std::memory_order_release);
      count_.fetch_add(1, std::memory_order_relaxed);
      CountIn(port);
      return LearnResult::kLearned;
    }
  }
  return LearnResult::kFull;
}

PortIndex Fdb::Lookup(uint16_t vlan, MacKey mac) const noexcept {
  const uint64_t key = MakeKey(vlan, mac);
  const uint32_t start = WindowStart(key);
  for (uint32_t i = 0; i < kWindow; ++i) {
    const Slot& s = At(start, i);
    if (s.key.load(std::memory_order_acquire) != key) {
      continue;
    }
    uint64_t v = s.val.load(std::memory_order_acquire);
    if (v == 0 || s.key.load(std::memory_order_acquire) != key) {
      return kInvalidPort;
    }
    return ValPort(v);
  }
  return kInvalidPort;
}

bool Fdb::AddStatic(uint16_t vlan, MacKey mac, PortIndex port, uint32_t now) {
  const uint64_t key = MakeKey(vlan, mac);
  const uint32_t start = WindowStart(key);
  const uint64_t nv = MakeVal(port, true, now);
  for (uint32_t i = 0; i < kWindow; ++i) {
    Slot& s = At(start, i);
    if (s.key.load(std::memory_order_acquire) == key) {
      const uint64_t old = s.val.exchange(nv, std::memory_order_acq_rel);
      if (old != 0) {
        CountOut(ValPort(old));
      }
      CountIn(port);
      return true;
    }
  }
  if (count_.load(std::memory_order_relaxed) >= max_entries_) {
    return false;
  }
  for (uint32_t i = 0; i < kWindow; ++i) {
    Slot& s = At(start, i);
    uint64_t expected = 0;
    if (s.key.compare_exchange_strong(expected, key, std::memory_order_acq_rel)) {
      s.val.store(nv, std::memory_order_release);
      count_.fetch_add(1, std::memory_order_relaxed);
      CountIn(port);
      return true;
    }
  }
  return false;
}

bool Fdb::TryRemove(Slot& s, uint64_t expected_val) {
  if (!s.val.compare_exchange_strong(expected_val, 0, std::memory_order_acq_rel)) {
    return false;
  }
  s.key.store(0, std::memory_order_release);
  count_.fetch_sub(1, std::memory_order_relaxed);
  CountOut(ValPort(expected_val));
  return true;
}

Fdb::Entry Fdb::ToEntry(uint64_t key, uint64_t val) {
  return Entry{static_cast<uint16_t>((key >> 48) & 0xfff), key & 0xffffffffffffULL, ValPort(val),
               ValStatic(val), ValSeen(val)};
}

size_t Fdb::Age(uint32_t now, uint32_t aging_s, const std::function<void(const Entry&)>& on_aged) {
  size_t aged = 0;
  for (uint32_t i = 0; i <= slot_mask_; ++i) {
    Slot& s = slots_[i];
    uint64_t k = s.key.load(std::memory_order_acquire);
    uint64_t v = s.val.load(std::memory_order_acquire);
    // A PMD's clock may run a moment ahead of ours: seen > now is fresh.
    if (k == 0 || v == 0 || ValStatic(v) || ValSeen(v) >= now || now - ValSeen(v) <= aging_s) {
      continue;
    }
    if (TryRemove(s, v)) {
      ++aged;
      if (on_aged) {
        on_aged(ToEntry(k, v));
      }
    }
  }
  return aged;
}

size_t Fdb::FlushPort(PortIndex port, bool include_static) {
  size_t n = 0;
  for (uint32_t i = 0; i <= slot_mask_; ++i) {
    Slot& s = slots_[i];
    uint64_t v = s.val.load(std::memory_order_acquire);
    if (v == 0 || ValPort(v) != port || (ValStatic(v) && !include_static)) {
      continue;
    }
    n += TryRemove(s, v) ? 1 : 0;
  }
  return n;
}

size_t Fdb::FlushAll(bool include_static) {
  size_t n = 0;
  for (uint32_t i = 0; i <= slot_mask_; ++i) {
    Slot& s = slots_[i];
    uint64_t v = s.val.load(std::memory_order_acquire);
    if (v == 0 || (ValStatic(v) && !include_static)) {
      continue;
    }
    n += TryRemove(s, v) ? 1 : 0;
  }
  return n;
}

bool Fdb::Delete(uint16_t vlan, MacKey mac, bool static_only) {
  const uint64_t key = MakeKey(vlan, mac);
  const uint32_t start = WindowStart(key);
  for (uint32_t i = 0; i < kWindow; ++i) {
    Slot& s = At(start, i);
    if (s.key.load(std::memory_order_acquire) != key) {
      continue;
    }
    uint64_t v = s.val.load(std::memory_order_acquire);
    return v != 0 && (!static_only || ValStatic(v)) && TryRemove(s, v);
  }
  return false;
}

std::vector<Fdb::Entry> Fdb::Dump() const {
  std::vector<Entry> out;
  for (uint32_t i = 0; i <= slot_mask_; ++i) {
    const Slot& s = slots_[i];
    uint64_t k = s.key.load(std::memory_order_acquire);
    uint64_t v = s.val.load(std::memory_order_acquire);
    if (k != 0 && v != 0) {
      out.push_back(ToEntry(k, v));
    }
  }
  return out;
}

}  // namespace switchyard::dp
