#include "datapath/gateway/conn_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

namespace switchyard::dp {

namespace {

// Idle timeouts, seconds.
constexpr uint32_t kTcpResetS = 10;
constexpr uint32_t kTcpClosedS = 30;    // FIN from both sides
constexpr uint32_t kTcpClosingS = 120;  // FIN from one side
constexpr uint32_t kTcpEstablishedS = 86400;
constexpr uint32_t kTcpOpeningS = 20;   // SYN not answered yet
constexpr uint32_t kTcpHalfOpenS = 10;  // SYN answered, handshake not finished
constexpr uint32_t kUdpS = 30;
constexpr uint32_t kUdpRepliedS = 180;
constexpr uint32_t kOtherS = 30;

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

// The key as two words; FlowKey has no padding bytes, so these are exactly
// its fields.
inline void Words(const FlowKey& key, uint64_t* lo, uint64_t* hi) noexcept {
  std::memcpy(lo, &key, 8);
  std::memcpy(hi, reinterpret_cast<const char*>(&key) + 8, 8);
}

inline bool SameKey(const FlowKey& a, const FlowKey& b) noexcept {
  uint64_t a0, a1, b0, b1;
  Words(a, &a0, &a1);
  Words(b, &b0, &b1);
  return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

}  // namespace

ConnTable::ConnTable(uint32_t capacity, uint16_t groups)
    : capacity_(std::clamp<uint32_t>(capacity, 1, kMaxCapacity)),
      groups_(std::min<uint16_t>(groups, kNoGroup)),
      group_counts_(std::make_unique<uint32_t[]>(groups_)) {
  // 2 keys per connection in >= 4 slots per connection: load <= 50%.
  const uint32_t index_size = std::bit_ceil(capacity_ * 4);
  index_mask_ = index_size - 1;
  std::random_device rd;
  seed_lo_ = (static_cast<uint64_t>(rd()) << 32) | rd();
  seed_hi_ = (static_cast<uint64_t>(rd()) << 32) | rd();
  conns_ = std::make_unique<Conn[]>(capacity_);
  next_free_ = std::make_unique<uint32_t[]>(capacity_);
  index_ = std::make_unique<IndexSlot[]>(index_size);
  // The first inserts take the lowest slots: a small table stays compact.
  for (uint32_t i = 0; i < capacity_; ++i) {
    next_free_[i] = i + 1 < capacity_ ? i + 1 : kNoFree;
  }
  std::fill_n(index_.get(), index_size, IndexSlot{0, kEmptyRef});
}

// XXH3's mixer for 9 to 16 bytes: one 64x64->128 multiply folded, plus the
// swapped and plain words so that no input makes the product term vanish,
// then an avalanche. The low 32 bits are well mixed, and that is all we keep.
uint32_t ConnTable::Hash(const FlowKey& key) const noexcept {
  uint64_t a, b;
  Words(key, &a, &b);
  const uint64_t lo = a ^ seed_lo_;
  const uint64_t hi = b ^ seed_hi_;
  const unsigned __int128 m = static_cast<unsigned __int128>(lo) * hi;
  uint64_t acc =
      __builtin_bswap64(lo) + hi + (static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64));
  acc ^= acc >> 37;
  acc *= 0x165667919e3779f9ULL;
  acc ^= acc >> 32;
  return static_cast<uint32_t>(acc);
}

uint32_t ConnTable::Probe(const FlowKey& key, uint32_t hash) const noexcept {
  // Terminates: at most half the index is ever occupied.
  for (uint32_t pos = hash & index_mask_;; pos = (pos + 1) & index_mask_) {
    const IndexSlot s = index_[pos];
    if (s.ref == kEmptyRef || (s.hash == hash && SameKey(KeyOf(s.ref), key))) {
      return pos;
    }
  }
}

uint32_t ConnTable::NextEmpty(uint32_t pos) const noexcept {
  while (index_[pos].ref != kEmptyRef) {
    pos = (pos + 1) & index_mask_;
  }
  return pos;
}

Conn* ConnTable::Find(const FlowKey& key, ConnDir* dir) noexcept {
  const IndexSlot s = index_[Probe(key, Hash(key))];
  if (s.ref == kEmptyRef) {
    return nullptr;
  }
  if (dir != nullptr) {
    *dir = static_cast<ConnDir>(s.ref & 1);
  }
  return &conns_[s.ref >> 1];
}

bool ConnTable::Contains(const FlowKey& key) const noexcept {
  return index_[Probe(key, Hash(key))].ref != kEmptyRef;
}

Conn* ConnTable::Insert(const FlowKey& orig, const FlowKey& reply, uint32_t now,
                        uint16_t group) noexcept {
  if (SameKey(orig, reply)) {
    return nullptr;  // one index entry could not stand for both directions
  }
  const uint32_t orig_hash = Hash(orig);
  const uint32_t reply_hash = Hash(reply);
  uint32_t orig_pos = Probe(orig, orig_hash);
  if (index_[orig_pos].ref != kEmptyRef) {
    return nullptr;
  }
  uint32_t reply_pos = Probe(reply, reply_hash);
  if (index_[reply_pos].ref != kEmptyRef) {
    return nullptr;
  }
  // Checked after the keys, so full() counts only connections that were
  // really new. A full table makes room as Linux conntrack's early drop
  // does: the longest idle of the not established connections near the
  // cursor goes, so a flood of openings cannot keep out new connections.
  if (free_head_ == kNoFree) {
    Conn* victim = EarlyDropVictim(now, kNoGroup);
    if (victim == nullptr) {
      full_.Add(1);
      return nullptr;
    }
    Erase(victim);
    early_drops_.Add(1);
    // The erase shifted index entries back: find the keys' places again.
    orig_pos = Probe(orig, orig_hash);
    reply_pos = Probe(reply, reply_hash);
  }
  const uint32_t i = free_head_;
  free_head_ = next_free_[i];
  next_free_[i] = kInUse;

  Conn& c = conns_[i];
  c = Conn{};
  c.orig = orig;
  c.reply = reply;
  c.created_s = now;
  c.last_s = now;
  c.group = group < groups_ ? group : kNoGroup;
  if (c.group != kNoGroup) {
    ++group_counts_[c.group];
  }

  index_[orig_pos] = IndexSlot{orig_hash, i * 2};
  // Both chains ended at the same empty slot, which orig now holds; the
  // reply key goes to the next empty one, still on its chain.
  if (reply_pos == orig_pos) {
    reply_pos = NextEmpty(reply_pos);
  }
  index_[reply_pos] = IndexSlot{reply_hash, i * 2 + 1};

  size_.store(size() + 1, std::memory_order_relaxed);  // one writer
  created_.Add(1);
  return &c;
}

void ConnTable::Unindex(uint32_t hash, uint32_t ref) noexcept {
  uint32_t hole = hash & index_mask_;
  while (index_[hole].ref != ref) {
    if (index_[hole].ref == kEmptyRef) {
      return;  // not indexed; cannot happen for a conn in use
    }
    hole = (hole + 1) & index_mask_;
  }
  // Backward shift: an entry after the hole, up to the end of the run, moves
  // into it when the hole is on its probe path (its home is not between the
  // hole and where it sits); that entry's old place is the new hole.
  for (uint32_t pos = (hole + 1) & index_mask_; index_[pos].ref != kEmptyRef;
       pos = (pos + 1) & index_mask_) {
    const uint32_t home = index_[pos].hash & index_mask_;
    if (((pos - home) & index_mask_) >= ((pos - hole) & index_mask_)) {
      index_[hole] = index_[pos];
      hole = pos;
    }
  }
  index_[hole] = IndexSlot{0, kEmptyRef};
}

void ConnTable::Erase(Conn* c) noexcept {
  const uint32_t i = static_cast<uint32_t>(c - conns_.get());
  if (!InUse(i)) {
    return;
  }
  Unindex(Hash(c->orig), i * 2);
  Unindex(Hash(c->reply), i * 2 + 1);
  next_free_[i] = free_head_;
  free_head_ = i;
  if (c->group != kNoGroup) {
    --group_counts_[c->group];
  }
  size_.store(size() - 1, std::memory_order_relaxed);
}

bool ConnTable::RoomInGroup(uint16_t group, uint32_t limit, uint32_t now) noexcept {
  if (group >= groups_ || limit == 0 || group_counts_[group] < limit) {
    return true;
  }
  if (Conn* victim = EarlyDropVictim(now, group)) {
    Erase(victim);
    early_drops_.Add(1);
    return true;
  }
  group_full_.Add(1);
  return false;
}

bool ConnTable::IsEstablished(const Conn& c) noexcept {
  if (c.orig.proto != kProtoTcp) {
    return c.replied;
  }
  // The opener's ACK after the SYN-ACK completes the handshake; ACKs both
  // ways without SYNs are a connection picked up mid-stream. Either way
  // each side has acknowledged the other.
  return c.replied && (c.flags_orig & c.flags_reply & kTcpAck) != 0 &&
         ((c.flags_orig | c.flags_reply) & (kTcpRst | kTcpFin)) == 0;
}

Conn* ConnTable::EarlyDropVictim(uint32_t now, uint16_t group) noexcept {
  Conn* victim = nullptr;
  uint32_t oldest_idle = 0;
  uint32_t i = early_cursor_;
  for (uint32_t n = std::min(kEarlyDropScan, capacity_); n > 0; --n) {
    if (InUse(i) && !IsEstablished(conns_[i]) && (group == kNoGroup || conns_[i].group == group)) {
      const Conn& c = conns_[i];
      const uint32_t idle = now > c.last_s ? now - c.last_s : 0;
      if (victim == nullptr || idle > oldest_idle) {
        victim = &conns_[i];
        oldest_idle = idle;
      }
    }
    if (++i == capacity_) {
      i = 0;
    }
  }
  early_cursor_ = i;
  return victim;
}

uint32_t ConnTable::Timeout(const Conn& c) noexcept {
  if (c.orig.proto == kProtoTcp) {
    const uint8_t both = c.flags_orig & c.flags_reply;
    const uint8_t either = c.flags_orig | c.flags_reply;
    if ((either & kTcpRst) != 0) {
      return kTcpResetS;
    }
    if ((both & kTcpFin) != 0) {
      return kTcpClosedS;
    }
    if ((either & kTcpFin) != 0) {
      return kTcpClosingS;
    }
    if (IsEstablished(c)) {
      return kTcpEstablishedS;
    }
    // A SYN answered by a SYN-ACK, and no ACK back: what a SYN flood
    // through a port forward leaves behind. It goes first.
    return c.replied ? kTcpHalfOpenS : kTcpOpeningS;
  }
  if (c.orig.proto == kProtoUdp) {
    return c.replied ? kUdpRepliedS : kUdpS;
  }
  return kOtherS;
}

uint32_t ConnTable::Expire(uint32_t now, uint32_t budget) noexcept {
  if (size_.load(std::memory_order_relaxed) == 0) {
    return 0;  // the common idle case costs one load
  }
  budget = std::min(budget, capacity_);
  uint32_t erased = 0;
  uint32_t i = cursor_;
  for (; budget > 0; --budget) {
    if (InUse(i)) {
      Conn& c = conns_[i];
      if (now > c.last_s && now - c.last_s > Timeout(c)) {
        Erase(&c);
        ++erased;
      }
    }
    if (++i == capacity_) {
      i = 0;
    }
  }
  cursor_ = i;
  return erased;
}

}  // namespace switchyard::dp
