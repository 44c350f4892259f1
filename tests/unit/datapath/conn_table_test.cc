#include "datapath/gateway/conn_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace switchyard::dp {
namespace {

struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const noexcept {
    return std::hash<uint64_t>()((uint64_t{k.src_ip} << 32 | k.dst_ip) ^
                                 (uint64_t{k.src_port} << 48 | uint64_t{k.dst_port} << 32 |
                                  uint64_t{k.proto} << 24 | uint64_t{k.pad} << 16 | k.zone) *
                                     0x9e3779b97f4a7c15ULL);
  }
};

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmp = 1;
constexpr uint16_t kOutside = 0xffff;
constexpr uint32_t kPublicIp = 0xc0000201;  // 192.0.2.1

// A guest's connection out of network `zone`, and the key its replies
// carry after masquerading to kPublicIp:`nat_port`.
FlowKey Orig(uint32_t src_ip, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, uint8_t proto,
             uint16_t zone = 1) {
  return FlowKey{src_ip, dst_ip, src_port, dst_port, proto, 0, zone};
}
FlowKey ReplyOf(const FlowKey& orig, uint16_t nat_port) {
  return FlowKey{orig.dst_ip, kPublicIp, orig.dst_port, nat_port, orig.proto, 0, kOutside};
}

// Answered and acknowledged both ways: a full table never drops it early.
Conn* Established(Conn* c) {
  if (c != nullptr) {
    ConnTable::Touch(*c, ConnDir::kOrig, kTcpAck, c->last_s);
    ConnTable::Touch(*c, ConnDir::kReply, kTcpAck, c->last_s);
  }
  return c;
}

std::set<std::tuple<uint32_t, uint16_t, uint16_t>> Origins(const ConnTable& t) {
  std::set<std::tuple<uint32_t, uint16_t, uint16_t>> out;
  t.ForEach([&](const Conn& c) { out.emplace(c.orig.src_ip, c.orig.src_port, c.orig.zone); });
  return out;
}

TEST(ConnTableTest, FindsBothDirections) {
  ConnTable t(16);
  const FlowKey o = Orig(0x0a000002, 40000, 0x08080808, 53, kUdp);
  const FlowKey r = ReplyOf(o, 1024);
  ConnDir dir = ConnDir::kReply;
  EXPECT_EQ(t.Find(o, &dir), nullptr);
  Conn* c = t.Insert(o, r, 500);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->orig, o);
  EXPECT_EQ(c->reply, r);
  EXPECT_EQ(c->created_s, 500u);
  EXPECT_EQ(c->last_s, 500u);
  EXPECT_EQ(c->flags_orig, 0);
  EXPECT_EQ(c->flags_reply, 0);
  EXPECT_FALSE(c->replied);

  EXPECT_EQ(t.Find(o, &dir), c);
  EXPECT_EQ(dir, ConnDir::kOrig);
  EXPECT_EQ(t.Find(r, &dir), c);
  EXPECT_EQ(dir, ConnDir::kReply);
  EXPECT_EQ(t.Find(o, nullptr), c);
  EXPECT_TRUE(t.Contains(o));
  EXPECT_TRUE(t.Contains(r));
  // The reversed tuple in the inside zone is some other connection.
  const FlowKey reversed{o.dst_ip, o.src_ip, o.dst_port, o.src_port, kUdp, 0, 1};
  EXPECT_FALSE(t.Contains(reversed));
  EXPECT_EQ(t.Find(reversed, &dir), nullptr);
}

TEST(ConnTableTest, EveryFieldIsPartOfTheKey) {
  ConnTable t(16);
  const FlowKey o = Orig(0x0a000002, 40000, 0x08080808, 443, kTcp, 3);
  ASSERT_NE(t.Insert(o, ReplyOf(o, 2000), 0), nullptr);
  std::vector<FlowKey> others(7, o);
  others[0].src_ip ^= 1;
  others[1].dst_ip ^= 0x80000000;
  others[2].src_port ^= 0x100;
  others[3].dst_port ^= 1;
  others[4].proto = kUdp;
  others[5].pad = 1;
  others[6].zone = 4;
  for (const FlowKey& k : others) {
    EXPECT_FALSE(t.Contains(k));
  }
  EXPECT_TRUE(t.Contains(o));
}

TEST(ConnTableTest, RefusesKeysAlreadyPresent) {
  ConnTable t(16);
  const FlowKey o = Orig(0x0a000002, 40000, 0x08080808, 53, kUdp);
  const FlowKey r = ReplyOf(o, 1024);
  Conn* c = t.Insert(o, r, 0);
  ASSERT_NE(c, nullptr);
  const FlowKey o2 = Orig(0x0a000003, 40000, 0x08080808, 53, kUdp);
  const FlowKey r2 = ReplyOf(o2, 1025);
  EXPECT_EQ(t.Insert(o, r2, 0), nullptr);   // same orig
  EXPECT_EQ(t.Insert(o2, r, 0), nullptr);   // same reply
  EXPECT_EQ(t.Insert(r, o2, 0), nullptr);   // orig is another's reply
  EXPECT_EQ(t.Insert(o2, o, 0), nullptr);   // reply is another's orig
  EXPECT_EQ(t.Insert(o2, o2, 0), nullptr);  // one key for both directions
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.created(), 1u);
  EXPECT_EQ(t.full(), 0u);
  EXPECT_FALSE(t.Contains(o2));
  EXPECT_FALSE(t.Contains(r2));
  ConnDir dir;
  EXPECT_EQ(t.Find(r, &dir), c);
  EXPECT_EQ(dir, ConnDir::kReply);
  EXPECT_NE(t.Insert(o2, r2, 0), nullptr);
}

TEST(ConnTableTest, FullTableRefusesAndCounts) {
  ConnTable t(3);
  EXPECT_EQ(t.capacity(), 3u);
  std::vector<Conn*> conns;
  for (uint16_t i = 0; i < 3; ++i) {
    const FlowKey o = Orig(0x0a000002, 1000 + i, 0x08080808, 80, kTcp);
    conns.push_back(Established(t.Insert(o, ReplyOf(o, 5000 + i), 0)));
    ASSERT_NE(conns.back(), nullptr);
  }
  const FlowKey o = Orig(0x0a000002, 2000, 0x08080808, 80, kTcp);
  EXPECT_EQ(t.Insert(o, ReplyOf(o, 6000), 0), nullptr);
  EXPECT_EQ(t.full(), 1u);
  EXPECT_EQ(t.Insert(o, ReplyOf(o, 6000), 0), nullptr);
  EXPECT_EQ(t.full(), 2u);
  EXPECT_FALSE(t.Contains(o));
  EXPECT_FALSE(t.Contains(ReplyOf(o, 6000)));
  // A key already present is refused as such, not counted as full.
  EXPECT_EQ(t.Insert(conns[0]->orig, ReplyOf(o, 6000), 0), nullptr);
  EXPECT_EQ(t.full(), 2u);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.created(), 3u);

  t.Erase(conns[1]);
  EXPECT_NE(t.Insert(o, ReplyOf(o, 6000), 0), nullptr);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.full(), 2u);
}

TEST(ConnTableTest, AFullTableDropsTheLongestIdleOpeningFirstAndNeverAnEstablished) {
  ConnTable t(4);
  std::vector<Conn*> conns;
  for (uint16_t i = 0; i < 4; ++i) {
    const FlowKey o = Orig(0x0a000002, 1000 + i, 0x08080808, 80, kTcp);
    conns.push_back(t.Insert(o, ReplyOf(o, 5000 + i), 10 + i));
    ASSERT_NE(conns.back(), nullptr);
    ConnTable::Touch(*conns.back(), ConnDir::kOrig, kTcpSyn, 10 + i);
  }
  // 0 and 3 established; 1 half open, idle the longest; 2 opening.
  for (int i : {0, 3}) {
    ConnTable::Touch(*conns[i], ConnDir::kReply, kTcpSyn | kTcpAck, 20);
    ConnTable::Touch(*conns[i], ConnDir::kOrig, kTcpAck, 20);
  }
  ConnTable::Touch(*conns[1], ConnDir::kReply, kTcpSyn | kTcpAck, 11);
  const FlowKey gone = conns[1]->orig;
  const FlowKey o = Orig(0x0a000003, 2000, 0x08080808, 80, kTcp);
  ASSERT_NE(t.Insert(o, ReplyOf(o, 6000), 21), nullptr);
  EXPECT_FALSE(t.Contains(gone));
  EXPECT_EQ(t.early_drops(), 1u);
  EXPECT_EQ(t.full(), 0u);
  EXPECT_EQ(t.size(), 4u);
  // Then the opening one, then the new one (itself not established yet).
  const FlowKey o2 = Orig(0x0a000003, 2001, 0x08080808, 80, kTcp);
  ASSERT_NE(t.Insert(o2, ReplyOf(o2, 6001), 22), nullptr);
  EXPECT_FALSE(t.Contains(Orig(0x0a000002, 1002, 0x08080808, 80, kTcp)));
  EXPECT_EQ(t.early_drops(), 2u);
  // Only established ones left but the two new: those go, never 0 or 3.
  for (uint16_t i = 0; i < 10; ++i) {
    const FlowKey n = Orig(0x0a000004, 3000 + i, 0x08080808, 80, kTcp);
    ASSERT_NE(t.Insert(n, ReplyOf(n, 7000 + i), 30 + i), nullptr);
  }
  EXPECT_TRUE(t.Contains(conns[0]->orig));
  EXPECT_TRUE(t.Contains(conns[3]->orig));
  // All established: a new connection is refused and counted.
  t.ForEach([](const Conn& c) { const_cast<Conn&>(c).replied = true; });
  t.ForEach([](const Conn& c) {
    const_cast<Conn&>(c).flags_orig |= kTcpAck;
    const_cast<Conn&>(c).flags_reply |= kTcpAck;
  });
  const FlowKey last = Orig(0x0a000005, 4000, 0x08080808, 80, kTcp);
  EXPECT_EQ(t.Insert(last, ReplyOf(last, 8000), 50), nullptr);
  EXPECT_EQ(t.full(), 1u);
}

TEST(ConnTableTest, AGroupAtItsLimitDropsItsOwnOpeningsOrIsRefused) {
  ConnTable t(16, 3);
  auto insert = [&t](uint16_t group, uint16_t port, uint32_t now) {
    const FlowKey o = Orig(0x0a000002 + group, port, 0x08080808, 80, kUdp);
    if (!t.RoomInGroup(group, 2, now)) {
      return static_cast<Conn*>(nullptr);
    }
    return t.Insert(o, ReplyOf(o, static_cast<uint16_t>(group * 1000 + port)), now, group);
  };
  // Group 0: two established connections; the third is refused and
  // counted, whatever room the table has, and no other group pays for it.
  ASSERT_NE(Established(insert(0, 1, 10)), nullptr);
  ASSERT_NE(Established(insert(0, 2, 10)), nullptr);
  EXPECT_EQ(insert(0, 3, 11), nullptr);
  EXPECT_EQ(t.group_full(), 1u);
  EXPECT_EQ(t.group_size(0), 2u);
  // Group 1: openings make room for the group's next one, the longest
  // idle first.
  Conn* a = insert(1, 1, 10);
  ASSERT_NE(a, nullptr);
  const FlowKey first = a->orig;
  ASSERT_NE(insert(1, 2, 12), nullptr);
  ASSERT_NE(insert(1, 3, 13), nullptr);
  EXPECT_FALSE(t.Contains(first));
  EXPECT_EQ(t.early_drops(), 1u);
  EXPECT_EQ(t.group_size(1), 2u);
  // Erasing gives room back; a connection in no group is never limited.
  t.EraseIf([](const Conn& c) { return c.group == 0; });
  EXPECT_EQ(t.group_size(0), 0u);
  ASSERT_NE(insert(0, 4, 14), nullptr);
  EXPECT_TRUE(t.RoomInGroup(ConnTable::kNoGroup, 0, 15));
  EXPECT_TRUE(t.RoomInGroup(7, 0, 15));  // beyond the table's groups
  const FlowKey o = Orig(0x0a0000ff, 1, 0x08080808, 80, kUdp);
  Conn* loose = t.Insert(o, ReplyOf(o, 9999), 15);
  ASSERT_NE(loose, nullptr);
  EXPECT_EQ(loose->group, ConnTable::kNoGroup);
  EXPECT_EQ(t.size(), 4u);
}

TEST(ConnTableTest, CapacityOne) {
  ConnTable t(1);
  const FlowKey a = Orig(1, 1, 2, 2, kUdp);
  const FlowKey b = Orig(3, 3, 4, 4, kUdp);
  Conn* c = Established(t.Insert(a, ReplyOf(a, 1), 0));
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(t.Insert(b, ReplyOf(b, 2), 0), nullptr);
  EXPECT_EQ(t.full(), 1u);
  t.Erase(c);
  EXPECT_NE(t.Insert(b, ReplyOf(b, 2), 0), nullptr);
  EXPECT_TRUE(t.Contains(ReplyOf(b, 2)));
  EXPECT_FALSE(t.Contains(ReplyOf(a, 1)));
}

TEST(ConnTableTest, EraseThenReinsert) {
  ConnTable t(8);
  const FlowKey o = Orig(0x0a000002, 40000, 0x01010101, 443, kTcp);
  const FlowKey r = ReplyOf(o, 3000);
  const FlowKey o2 = Orig(0x0a000002, 40001, 0x01010101, 443, kTcp);
  Conn* keep = t.Insert(o2, ReplyOf(o2, 3001), 0);
  Conn* c = t.Insert(o, r, 10);
  ASSERT_NE(c, nullptr);
  c->inside_mac = 0x020000000001;
  c->user = 7;
  ConnTable::Touch(*c, ConnDir::kReply, kTcpSyn | kTcpAck, 11);
  t.Erase(c);
  EXPECT_FALSE(t.Contains(o));
  EXPECT_FALSE(t.Contains(r));
  EXPECT_EQ(t.Find(o, nullptr), nullptr);
  EXPECT_EQ(t.size(), 1u);
  t.Erase(c);  // already gone: ignored
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.Find(o2, nullptr), keep);

  Conn* again = t.Insert(o, r, 20);
  ASSERT_NE(again, nullptr);
  // Nothing of the erased connection survives in its slot.
  EXPECT_EQ(again->created_s, 20u);
  EXPECT_EQ(again->inside_mac, 0u);
  EXPECT_EQ(again->user, 0);
  EXPECT_EQ(again->flags_reply, 0);
  EXPECT_FALSE(again->replied);
  ConnDir dir;
  EXPECT_EQ(t.Find(r, &dir), again);
  EXPECT_EQ(dir, ConnDir::kReply);
  EXPECT_EQ(t.created(), 3u);
  EXPECT_EQ(t.size(), 2u);
}

TEST(ConnTableTest, TouchRecordsEachSide) {
  ConnTable t(4);
  const FlowKey o = Orig(0x0a000002, 40000, 0x01010101, 443, kTcp);
  Conn* c = t.Insert(o, ReplyOf(o, 3000), 100);
  ASSERT_NE(c, nullptr);
  ConnTable::Touch(*c, ConnDir::kOrig, kTcpSyn, 101);
  EXPECT_EQ(c->last_s, 101u);
  EXPECT_EQ(c->flags_orig, kTcpSyn);
  EXPECT_FALSE(c->replied);
  ConnTable::Touch(*c, ConnDir::kReply, kTcpSyn | kTcpAck, 102);
  ConnTable::Touch(*c, ConnDir::kOrig, kTcpAck, 103);
  EXPECT_EQ(c->flags_orig, kTcpSyn | kTcpAck);
  EXPECT_EQ(c->flags_reply, kTcpSyn | kTcpAck);
  EXPECT_TRUE(c->replied);
  EXPECT_EQ(c->last_s, 103u);
  EXPECT_EQ(c->created_s, 100u);
}

// Random inserts and erases, each checked against a model: the table must
// find exactly the keys the model holds, with the right connection and
// direction. A small key space makes duplicates and a full table common;
// erasing half of a 50%-loaded index shifts entries back all the time.
void Churn(uint32_t capacity, int ops, uint32_t rng_seed) {
  SCOPED_TRACE(testing::Message() << "capacity " << capacity << " seed " << rng_seed);
  ConnTable t(capacity);
  std::mt19937 rng(rng_seed);
  struct Entry {
    Conn* conn;
    ConnDir dir;
  };
  std::unordered_map<FlowKey, Entry, FlowKeyHash> model;
  std::vector<Conn*> live;
  std::vector<FlowKey> seen;  // every key ever tried
  uint64_t created = 0, full = 0;

  auto random_orig = [&] {
    return Orig(0x0a000000 | (rng() % 16), 1024 + rng() % 64, 0x08080800 | (rng() % 16), 443,
                rng() % 2 ? kTcp : kUdp, 1 + rng() % 2);
  };
  auto check = [&](const FlowKey& k) {
    ConnDir dir;
    Conn* got = t.Find(k, &dir);
    auto it = model.find(k);
    if (it == model.end()) {
      ASSERT_EQ(got, nullptr);
      ASSERT_FALSE(t.Contains(k));
    } else {
      ASSERT_EQ(got, it->second.conn);
      ASSERT_EQ(dir, it->second.dir);
      ASSERT_EQ(dir == ConnDir::kOrig ? got->orig : got->reply, k);
      ASSERT_TRUE(t.Contains(k));
    }
  };

  for (int op = 0; op < ops; ++op) {
    // Slightly more inserts than erases keeps the table near full.
    if (live.empty() || rng() % 100 < 55) {
      const FlowKey o = random_orig();
      const FlowKey r = ReplyOf(o, rng() % 4096);
      const bool dup = model.count(o) != 0 || model.count(r) != 0;
      Conn* c = Established(t.Insert(o, r, op));
      if (dup) {
        ASSERT_EQ(c, nullptr);
      } else if (live.size() == capacity) {
        ASSERT_EQ(c, nullptr);
        ++full;
      } else {
        ASSERT_NE(c, nullptr);
        model[o] = {c, ConnDir::kOrig};
        model[r] = {c, ConnDir::kReply};
        live.push_back(c);
        ++created;
      }
      ASSERT_NO_FATAL_FAILURE(check(o));
      ASSERT_NO_FATAL_FAILURE(check(r));
      if (seen.size() < 100000) {
        seen.push_back(o);
        seen.push_back(r);
      }
    } else {
      const size_t n = rng() % live.size();
      Conn* c = live[n];
      const FlowKey o = c->orig;
      const FlowKey r = c->reply;
      t.Erase(c);
      model.erase(o);
      model.erase(r);
      live[n] = live.back();
      live.pop_back();
      ASSERT_NO_FATAL_FAILURE(check(o));
      ASSERT_NO_FATAL_FAILURE(check(r));
    }
    ASSERT_EQ(t.size(), live.size());
    // And one key from anywhere in the history: erased ones must stay gone,
    // present ones must survive the shifts caused by other erasures.
    if (!seen.empty()) {
      ASSERT_NO_FATAL_FAILURE(check(seen[rng() % seen.size()]));
    }
  }
  EXPECT_EQ(t.created(), created);
  EXPECT_EQ(t.full(), full);
  for (const auto& [k, e] : model) {
    ASSERT_NO_FATAL_FAILURE(check(k));
  }
  for (const FlowKey& k : seen) {
    ASSERT_NO_FATAL_FAILURE(check(k));
  }
  size_t visited = 0;
  t.ForEach([&](const Conn& c) {
    ++visited;
    auto it = model.find(c.orig);
    ASSERT_NE(it, model.end());
    EXPECT_EQ(it->second.conn, &c);
  });
  EXPECT_EQ(visited, live.size());
  EXPECT_EQ(model.size(), 2 * live.size());
}

TEST(ConnTableTest, ChurnMatchesModel) { Churn(1000, 1000000, 1); }

// Tiny tables: probe chains wrap around the end of the index all the time.
TEST(ConnTableTest, ChurnMatchesModelInTinyTables) {
  for (uint32_t capacity : {1u, 2u, 3u, 7u, 16u}) {
    Churn(capacity, 50000, capacity);
  }
}

struct TimeoutCase {
  const char* name;
  uint8_t proto;
  // Packets seen, in order: (direction, TCP flags).
  std::vector<std::pair<ConnDir, uint8_t>> packets;
  uint32_t timeout;
};

const std::vector<TimeoutCase>& TimeoutCases() {
  using enum ConnDir;
  static const std::vector<TimeoutCase> cases = {
      {"tcp first packet without flags", kTcp, {{kOrig, 0}}, 20},
      {"tcp syn", kTcp, {{kOrig, kTcpSyn}}, 20},
      {"tcp syn, rst", kTcp, {{kOrig, kTcpSyn}, {kReply, kTcpRst | kTcpAck}}, 10},
      {"tcp syn, ack without syn", kTcp, {{kOrig, kTcpSyn}, {kReply, kTcpAck}}, 10},
      // Half open, as a SYN flood leaves it: not established.
      {"tcp syn, syn-ack", kTcp, {{kOrig, kTcpSyn}, {kReply, kTcpSyn | kTcpAck}}, 10},
      {"tcp syn, syn-ack, syn again",
       kTcp,
       {{kOrig, kTcpSyn}, {kReply, kTcpSyn | kTcpAck}, {kOrig, kTcpSyn}},
       10},
      {"tcp handshake",
       kTcp,
       {{kOrig, kTcpSyn}, {kReply, kTcpSyn | kTcpAck}, {kOrig, kTcpAck}},
       86400},
      {"tcp ack one way", kTcp, {{kOrig, kTcpAck}, {kOrig, kTcpAck}}, 20},
      {"tcp ack both ways (picked up mid-stream)",
       kTcp,
       {{kOrig, kTcpAck}, {kReply, kTcpAck}},
       86400},
      {"tcp fin from orig",
       kTcp,
       {{kOrig, kTcpSyn}, {kReply, kTcpSyn | kTcpAck}, {kOrig, kTcpFin | kTcpAck}},
       120},
      {"tcp fin from reply",
       kTcp,
       {{kOrig, kTcpSyn}, {kReply, kTcpSyn | kTcpAck}, {kReply, kTcpFin | kTcpAck}},
       120},
      {"tcp fin from both",
       kTcp,
       {{kOrig, kTcpSyn},
        {kReply, kTcpSyn | kTcpAck},
        {kOrig, kTcpFin | kTcpAck},
        {kReply, kTcpFin | kTcpAck}},
       30},
      {"tcp rst from orig",
       kTcp,
       {{kOrig, kTcpSyn}, {kReply, kTcpSyn | kTcpAck}, {kOrig, kTcpRst}},
       10},
      {"tcp rst after fin from both",
       kTcp,
       {{kOrig, kTcpFin | kTcpAck}, {kReply, kTcpFin | kTcpAck}, {kReply, kTcpRst}},
       10},
      {"tcp fin before any reply", kTcp, {{kOrig, kTcpFin}}, 120},
      {"udp not replied", kUdp, {{kOrig, 0}, {kOrig, 0}}, 30},
      {"udp replied", kUdp, {{kOrig, 0}, {kReply, 0}}, 180},
      {"udp ignores tcp flags", kUdp, {{kOrig, kTcpSyn}, {kReply, kTcpSyn | kTcpAck}}, 180},
      {"icmp echo", kIcmp, {{kOrig, 0}}, 30},
      {"icmp echo replied", kIcmp, {{kOrig, 0}, {kReply, 0}}, 30},
      {"gre", 47, {{kOrig, 0}, {kReply, 0}}, 30},
  };
  return cases;
}

TEST(ConnTableTest, TimeoutFollowsState) {
  ConnTable t(4);
  uint16_t port = 1;
  for (const TimeoutCase& tc : TimeoutCases()) {
    SCOPED_TRACE(tc.name);
    const FlowKey o = Orig(0x0a000002, port, 0x01010101, 80, tc.proto);
    Conn* c = t.Insert(o, ReplyOf(o, port), 0);
    ++port;
    ASSERT_NE(c, nullptr);
    for (auto [dir, flags] : tc.packets) {
      ConnTable::Touch(*c, dir, flags, 0);
    }
    EXPECT_EQ(ConnTable::Timeout(*c), tc.timeout);
    t.Erase(c);
  }
}

// ACKs both ways count as established only once a reply was seen, however
// the flags got there.
TEST(ConnTableTest, TimeoutOfAcksWithoutReply) {
  Conn c;
  c.orig.proto = kTcp;
  c.flags_orig = kTcpAck;
  c.flags_reply = kTcpAck;
  EXPECT_EQ(ConnTable::Timeout(c), 20u);
  c.replied = true;
  EXPECT_EQ(ConnTable::Timeout(c), 86400u);
}

// Every case twice: idle exactly its timeout (stays) and one second more
// (goes). One sweep must erase exactly the second kind, whatever the budget.
TEST(ConnTableTest, ExpireErasesExactlyTheIdle) {
  const auto& cases = TimeoutCases();
  constexpr uint32_t kNow = 1000000;
  for (uint32_t budget : {1u, 3u, 64u, 1000u}) {
    SCOPED_TRACE(testing::Message() << "budget " << budget);
    // Free slots in between, so the sweep also has to skip them.
    const uint32_t capacity = static_cast<uint32_t>(cases.size()) * 3;
    ConnTable t(capacity);
    std::vector<std::pair<FlowKey, bool>> expect_kept;
    std::vector<Conn*> fillers;
    uint16_t port = 1;
    for (const TimeoutCase& tc : cases) {
      for (bool idle_too_long : {false, true}) {
        const uint32_t last = kNow - tc.timeout - (idle_too_long ? 1 : 0);
        const FlowKey o = Orig(0x0a000002, port, 0x01010101, 80, tc.proto);
        Conn* c = t.Insert(o, ReplyOf(o, port), last - 5);
        ++port;
        ASSERT_NE(c, nullptr);
        for (auto [dir, flags] : tc.packets) {
          ConnTable::Touch(*c, dir, flags, last);
        }
        expect_kept.emplace_back(o, !idle_too_long);
      }
      const FlowKey f = Orig(0x0a000003, port, 0x01010101, 80, kUdp);
      fillers.push_back(t.Insert(f, ReplyOf(f, port), 0));
      ++port;
    }
    for (Conn* f : fillers) {
      t.Erase(f);
    }
    const uint32_t live = t.size();
    uint32_t erased = 0;
    for (uint32_t visited = 0; visited < capacity; visited += budget) {
      erased += t.Expire(kNow, budget);
    }
    EXPECT_EQ(erased, cases.size());
    EXPECT_EQ(t.size(), live - cases.size());
    for (const auto& [k, kept] : expect_kept) {
      EXPECT_EQ(t.Contains(k), kept) << "src port " << k.src_port;
    }
    // Another sweep a second later takes the rest (all idle one second too
    // long now).
    for (uint32_t visited = 0; visited < capacity; visited += budget) {
      t.Expire(kNow + 1, budget);
    }
    EXPECT_EQ(t.size(), 0u);
  }
}

TEST(ConnTableTest, ExpireKeepsConnectionsSeenAfterNow) {
  ConnTable t(4);
  const FlowKey o = Orig(0x0a000002, 1, 0x01010101, 53, kUdp);
  ASSERT_NE(t.Insert(o, ReplyOf(o, 1), 1000), nullptr);
  EXPECT_EQ(t.Expire(999, 4), 0u);  // a clock that stepped back
  EXPECT_EQ(t.Expire(1030, 4), 0u);
  EXPECT_EQ(t.Expire(1031, 4), 1u);
}

TEST(ConnTableTest, ExpireContinuesWhereItStopped) {
  constexpr uint32_t kCap = 10;
  ConnTable t(kCap);
  std::vector<Conn*> conns;
  auto fill = [&](uint32_t now) {
    conns.clear();
    for (uint16_t i = 0; i < kCap; ++i) {
      const FlowKey o = Orig(0x0a000002, static_cast<uint16_t>(100 + i), 0x01010101, 53, kUdp);
      conns.push_back(t.Insert(o, ReplyOf(o, i), now));
      ASSERT_NE(conns.back(), nullptr);
    }
  };
  ASSERT_NO_FATAL_FAILURE(fill(0));
  // Budget 1: one slot a call, every slot in use, so one erase a call and
  // `capacity` calls to visit all.
  for (uint32_t call = 1; call <= kCap; ++call) {
    EXPECT_EQ(t.Expire(100, 1), 1u);
    EXPECT_EQ(t.size(), kCap - call);
  }
  // Budget 4 over a full table: 4, 4, then the last 2 (the cursor wraps).
  ASSERT_NO_FATAL_FAILURE(fill(0));
  EXPECT_EQ(t.Expire(100, 4), 4u);
  EXPECT_EQ(t.Expire(100, 4), 4u);
  EXPECT_EQ(t.Expire(100, 4), 2u);
  EXPECT_EQ(t.size(), 0u);
  // Fresh connections are only looked at, and each call still advances.
  ASSERT_NO_FATAL_FAILURE(fill(100));
  for (uint32_t call = 0; call < kCap - 3; ++call) {
    EXPECT_EQ(t.Expire(101, 1), 0u);
  }
  for (Conn* c : conns) {
    c->last_s = 0;
  }
  // The cursor is 3 slots short of a full round: those 3 go first.
  EXPECT_EQ(t.Expire(101, 3), 3u);
  EXPECT_EQ(t.Expire(101, 1), 1u);
  // A budget beyond capacity visits each slot once.
  EXPECT_EQ(t.Expire(101, 1000), kCap - 4);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.Expire(1000, 1000), 0u);  // empty
}

// ... and leaves the cursor where it was: the next call starts at the slot
// after the last one erased. (Slots are found by address: the pool is one
// array, and a full table uses all of it.)
TEST(ConnTableTest, ExpireBudgetBeyondCapacityIsOneRound) {
  constexpr uint32_t kCap = 10;
  ConnTable t(kCap);
  std::vector<Conn*> conns;
  for (uint16_t i = 0; i < kCap; ++i) {
    const FlowKey o = Orig(0x0a000002, static_cast<uint16_t>(100 + i), 0x01010101, 53, kUdp);
    conns.push_back(t.Insert(o, ReplyOf(o, i), 100));
    ASSERT_NE(conns.back(), nullptr);
  }
  Conn* base = *std::min_element(conns.begin(), conns.end());
  auto at = [&](uint32_t slot) { return base + slot % kCap; };
  at(4)->last_s = 0;
  int calls = 0;
  while (t.Expire(101, 1) == 0) {
    ASSERT_LT(++calls, 20);
  }
  // The cursor is at slot 5 now.
  EXPECT_EQ(t.Expire(101, kCap + 3), 0u);
  at(5)->last_s = 0;
  EXPECT_EQ(t.Expire(101, 1), 1u);
  EXPECT_EQ(t.size(), kCap - 2);
}

TEST(ConnTableTest, EraseIfErasesMatchesOnly) {
  ConnTable t(64);
  for (uint16_t i = 0; i < 30; ++i) {
    const FlowKey o = Orig(0x0a000002, i, 0x01010101, 53, kUdp, i % 3);
    Conn* c = t.Insert(o, ReplyOf(o, i), 0);
    ASSERT_NE(c, nullptr);
    c->user = static_cast<uint8_t>(i % 3);
  }
  EXPECT_EQ(t.EraseIf([](const Conn& c) { return c.orig.zone == 1; }), 10u);
  EXPECT_EQ(t.size(), 20u);
  for (uint16_t i = 0; i < 30; ++i) {
    const FlowKey o = Orig(0x0a000002, i, 0x01010101, 53, kUdp, i % 3);
    EXPECT_EQ(t.Contains(o), i % 3 != 1);
    EXPECT_EQ(t.Contains(ReplyOf(o, i)), i % 3 != 1);
  }
  EXPECT_EQ(t.EraseIf([](const Conn& c) { return c.user == 1; }), 0u);
  EXPECT_EQ(t.EraseIf([](const Conn&) { return true; }), 20u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.created(), 30u);
}

TEST(ConnTableTest, ForEachVisitsEachConnectionOnce) {
  ConnTable t(32);
  std::vector<Conn*> conns;
  for (uint16_t i = 0; i < 20; ++i) {
    const FlowKey o = Orig(0x0a000002, i, 0x01010101, 53, kUdp);
    conns.push_back(t.Insert(o, ReplyOf(o, i), 0));
  }
  for (uint16_t i = 0; i < 20; i += 2) {
    t.Erase(conns[i]);
  }
  std::set<std::tuple<uint32_t, uint16_t, uint16_t>> want;
  for (uint16_t i = 1; i < 20; i += 2) {
    want.emplace(0x0a000002, i, 1);
  }
  int calls = 0;
  t.ForEach([&](const Conn&) { ++calls; });
  EXPECT_EQ(calls, 10);
  EXPECT_EQ(Origins(t), want);
  EXPECT_TRUE(Origins(ConnTable(8)).empty());
}

TEST(ConnTableTest, Counters) {
  ConnTable t(2);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.capacity(), 2u);
  EXPECT_EQ(t.created(), 0u);
  EXPECT_EQ(t.full(), 0u);
  const FlowKey a = Orig(1, 1, 9, 9, kTcp);
  const FlowKey b = Orig(2, 2, 9, 9, kTcp);
  const FlowKey c = Orig(3, 3, 9, 9, kTcp);
  Conn* ca = Established(t.Insert(a, ReplyOf(a, 1), 0));
  Established(t.Insert(b, ReplyOf(b, 2), 0));
  t.Insert(c, ReplyOf(c, 3), 0);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.created(), 2u);
  EXPECT_EQ(t.full(), 1u);
  t.Erase(ca);
  EXPECT_EQ(t.size(), 1u);
  t.Insert(c, ReplyOf(c, 3), 0);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.created(), 3u);  // ever inserted, not now
  EXPECT_EQ(t.full(), 1u);
  EXPECT_EQ(t.early_drops(), 0u);
  EXPECT_EQ(t.Expire(100, 2), 1u);  // opening TCP: 20 s
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.created(), 3u);
}

TEST(ConnTableTest, ConnectionsStayInPlace) {
  ConnTable t(256);
  const FlowKey o = Orig(0x0a000002, 1, 0x01010101, 53, kUdp);
  Conn* c = t.Insert(o, ReplyOf(o, 1), 0);
  ASSERT_NE(c, nullptr);
  std::vector<Conn*> others;
  for (int round = 0; round < 50; ++round) {
    for (uint16_t i = 2; i < 200; ++i) {
      const FlowKey k = Orig(0x0a000002, i, 0x01010101, 53, kUdp);
      others.push_back(t.Insert(k, ReplyOf(k, i), 0));
    }
    for (Conn* x : others) {
      t.Erase(x);
    }
    others.clear();
    ASSERT_EQ(t.Find(o, nullptr), c);
    ASSERT_EQ(t.Find(ReplyOf(o, 1), nullptr), c);
  }
}

}  // namespace
}  // namespace switchyard::dp
