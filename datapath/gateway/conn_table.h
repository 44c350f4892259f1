// Connection tracking for the NAT (masquerade) stage: every connection is
// indexed under both of its keys, so a packet of either direction finds it
// with one lookup.
//
// Owned by one PMD thread. Another thread may read only size(), created()
// and full(): relaxed atomics with this thread as their only writer. All
// memory is allocated by the constructor:
//  - a pool of `capacity` Conn slots with a free list; a Conn never moves,
//    so a caller may hold a Conn* while it handles the packet (until it
//    calls Erase, Expire or EraseIf);
//  - one open-addressing index of the 2 * capacity keys in a power of two
//    >= 4 * capacity slots (load <= 50%), probed linearly; a slot is the
//    key's 32-bit hash (whose low bits are its home slot) and the
//    connection and direction it belongs to. Erasing shifts the entries
//    after it back rather than leaving tombstones, so probe chains after
//    any amount of churn are as short as in a freshly built table.
// The hash is seeded at random per table, so a guest choosing its ports and
// peers cannot aim many keys at one probe chain.
//
// A connection may belong to a group (the NAT stage: the guest port that
// opened it, or the port forward it came in by), and a group may be held to
// a limit, so that no guest or forward takes the whole table.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "datapath/core/counter.h"

namespace switchyard::dp {

// One direction of a connection, as its packets carry it. `zone` keeps
// address spaces apart: the NAT stage uses a network's index for its inside,
// and a separate value for the uplink's outside.
struct FlowKey {
  uint32_t src_ip = 0;  // host order
  uint32_t dst_ip = 0;
  uint16_t src_port = 0;  // TCP/UDP source port; ICMP echo: the identifier on requests
  uint16_t dst_port = 0;  // ICMP echo: the identifier on replies
  uint8_t proto = 0;      // 6 TCP, 17 UDP, 1 ICMP
  uint8_t pad = 0;        // part of the key: keep it 0
  uint16_t zone = 0;
  bool operator==(const FlowKey&) const = default;
};
static_assert(sizeof(FlowKey) == 16);

enum class ConnDir : uint8_t { kOrig, kReply };

// TCP flag bits as in the TCP header byte 13.
inline constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;

struct Conn {
  FlowKey orig;             // how the first packet arrived
  FlowKey reply;            // how packets of the other direction arrive
  uint64_t inside_mac = 0;  // owner's data (the guest's MAC); the table never reads it
  uint32_t created_s = 0;
  uint32_t last_s = 0;
  uint8_t flags_orig = 0;  // TCP flags seen from each side, ORed
  uint8_t flags_reply = 0;
  bool replied = false;  // a packet of the reply direction was seen
  uint8_t user = 0;      // owner's data; the table never reads it
  uint16_t group = 0;    // set by Insert: kNoGroup or < groups()
};

class ConnTable {
 public:
  // Larger capacities are clamped to it: conn indexes and index positions
  // stay within 32 bits.
  static constexpr uint32_t kMaxCapacity = 1u << 28;
  static constexpr uint16_t kNoGroup = 0xffff;  // as kNoNatGroup in snapshot.h

  // Allocates everything now. capacity >= 1 connections (0 is taken as 1),
  // and counts for groups 0 .. groups - 1.
  explicit ConnTable(uint32_t capacity, uint16_t groups = 0);
  ConnTable(const ConnTable&) = delete;
  ConnTable& operator=(const ConnTable&) = delete;

  // The connection whose orig or reply key is `key`, and which of the two it
  // matched (`dir` may be null); nullptr when none.
  Conn* Find(const FlowKey& key, ConnDir* dir) noexcept;
  bool Contains(const FlowKey& key) const noexcept;
  // A new connection with both keys, created_s = last_s = now, the owner's
  // fields zeroed. nullptr when either key is already present (or orig ==
  // reply). When the table is full, the longest idle connection that is not
  // established among the next kEarlyDropScan slots is erased to make room
  // (early_drops() grows by one); when there is none, nullptr (full() grows
  // by one). A Conn* held from before may then be gone.
  // `group`: kNoGroup, or one below groups() whose count grows by one (the
  // caller has checked RoomInGroup).
  Conn* Insert(const FlowKey& orig, const FlowKey& reply, uint32_t now,
               uint16_t group = kNoGroup) noexcept;
  // Whether `group` may have one more connection under `limit` (0: no
  // limit): below it,
  // or at it with one of the group's not established connections (the
  // longest idle among the next kEarlyDropScan slots) dropped early to make
  // room. False, counted in group_full(), when neither.
  bool RoomInGroup(uint16_t group, uint32_t limit, uint32_t now) noexcept;
  uint32_t group_size(uint16_t group) const noexcept {
    return group < groups_ ? group_counts_[group] : 0;
  }
  // `c` must come from this table; a connection already erased is ignored.
  void Erase(Conn* c) noexcept;
  // Records a packet of direction `dir` with TCP flags `tcp_flags` (0 for
  // UDP/ICMP): last_s = now, ORs the flags into that side, sets replied for
  // kReply.
  static void Touch(Conn& c, ConnDir dir, uint8_t tcp_flags, uint32_t now) noexcept {
    c.last_s = now;
    if (dir == ConnDir::kOrig) {
      c.flags_orig |= tcp_flags;
    } else {
      c.flags_reply |= tcp_flags;
      c.replied = true;
    }
  }
  // Seconds the connection may stay idle in its present state:
  //  TCP: RST seen from either side 10; FIN seen from both sides 30; FIN
  //  from one side 120; established 86400; a SYN answered but the
  //  handshake not finished (half open) 10; otherwise (opening) 20.
  //  UDP: 30 until replied, then 180. ICMP and anything else: 30.
  static uint32_t Timeout(const Conn& c) noexcept;
  // TCP: replied, and each side has sent an ACK (the handshake completed,
  // or a connection picked up mid-stream), with no FIN or RST. Others:
  // replied. Established connections are never dropped early.
  static bool IsEstablished(const Conn& c) noexcept;
  // Looks at up to `budget` connection slots (at most capacity() per call),
  // continuing where the last call stopped (wrapping), and erases those idle
  // longer than Timeout (now - last_s > Timeout; last_s ahead of now is
  // fresh). Returns how many were erased. Called by the PMD each loop
  // iteration with a small budget so the whole table is swept every few
  // seconds.
  uint32_t Expire(uint32_t now, uint32_t budget) noexcept;
  // Erases every connection for which pred(const Conn&) is true (e.g. all
  // of one network after its config changed). Not hot.
  template <class Pred>
  uint32_t EraseIf(Pred pred) noexcept;
  // Calls fn(const Conn&) for every connection (for reports and tests).
  template <class Fn>
  void ForEach(Fn fn) const;

  uint32_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
  uint32_t capacity() const noexcept { return capacity_; }
  // Connections ever inserted.
  uint64_t created() const noexcept { return created_.Get(); }
  // Inserts refused because the table was full.
  uint64_t full() const noexcept { return full_.Get(); }
  // Connections erased to make room for a new one.
  uint64_t early_drops() const noexcept { return early_drops_.Get(); }
  // New connections refused because their group was at its limit.
  uint64_t group_full() const noexcept { return group_full_.Get(); }
  uint16_t groups() const noexcept { return groups_; }

  // Slots a full table looks through for a connection to drop early.
  static constexpr uint32_t kEarlyDropScan = 64;

 private:
  struct IndexSlot {
    uint32_t hash;  // of the key; hash & index_mask_ is its home slot
    uint32_t ref;   // conn index * 2 + ConnDir, or kEmptyRef
  };
  static constexpr uint32_t kEmptyRef = UINT32_MAX;
  // next_free_ of a conn slot in use; any other value links the free list.
  static constexpr uint32_t kInUse = UINT32_MAX - 1;
  static constexpr uint32_t kNoFree = UINT32_MAX;  // end of the free list

  uint32_t Hash(const FlowKey& key) const noexcept;
  // The connection to drop early (of `group` unless kNoGroup), or nullptr;
  // moves early_cursor_ on.
  Conn* EarlyDropVictim(uint32_t now, uint16_t group) noexcept;
  const FlowKey& KeyOf(uint32_t ref) const noexcept {
    const Conn& c = conns_[ref >> 1];
    return (ref & 1) != 0 ? c.reply : c.orig;
  }
  // Position in the index of `key`, or else of the empty slot that ends its
  // probe chain (where it would go).
  uint32_t Probe(const FlowKey& key, uint32_t hash) const noexcept;
  uint32_t NextEmpty(uint32_t pos) const noexcept;
  // Takes the entry (hash, ref) out of the index.
  void Unindex(uint32_t hash, uint32_t ref) noexcept;
  bool InUse(uint32_t i) const noexcept { return next_free_[i] == kInUse; }

  uint32_t capacity_;
  uint32_t index_mask_;
  uint64_t seed_lo_;
  uint64_t seed_hi_;
  std::unique_ptr<Conn[]> conns_;
  std::unique_ptr<uint32_t[]> next_free_;  // per conn slot: kInUse, or the next free slot
  std::unique_ptr<IndexSlot[]> index_;
  uint16_t groups_;
  std::unique_ptr<uint32_t[]> group_counts_;
  uint32_t free_head_ = 0;
  uint32_t cursor_ = 0;        // Expire's next conn slot
  uint32_t early_cursor_ = 0;  // EarlyDropVictim's next conn slot
  std::atomic<uint32_t> size_{0};
  Counter created_;
  Counter full_;
  Counter early_drops_;
  Counter group_full_;
};

template <class Pred>
uint32_t ConnTable::EraseIf(Pred pred) noexcept {
  uint32_t n = 0;
  for (uint32_t i = 0; i < capacity_; ++i) {
    if (InUse(i) && pred(static_cast<const Conn&>(conns_[i]))) {
      Erase(&conns_[i]);
      ++n;
    }
  }
  return n;
}

template <class Fn>
void ConnTable::ForEach(Fn fn) const {
  for (uint32_t i = 0; i < capacity_; ++i) {
    if (InUse(i)) {
      fn(static_cast<const Conn&>(conns_[i]));
    }
  }
}

}  // namespace switchyard::dp
