#include "datapath/core/fdb.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace switchyard::dp {
namespace {

constexpr MacKey kA = 0x020000000001;
constexpr MacKey kB = 0x020000000002;
constexpr MacKey kC = 0x020000000003;

TEST(FdbTest, LearnsAndLooksUp) {
  Fdb fdb(64);
  EXPECT_EQ(fdb.Lookup(0, kA), kInvalidPort);
  EXPECT_EQ(fdb.Learn(0, kA, 3, 100), Fdb::LearnResult::kLearned);
  EXPECT_EQ(fdb.Lookup(0, kA), 3);
  EXPECT_EQ(fdb.Learn(0, kA, 3, 100), Fdb::LearnResult::kRefreshed);
  EXPECT_EQ(fdb.Learn(0, kA, 3, 101), Fdb::LearnResult::kRefreshed);
  EXPECT_EQ(fdb.size(), 1u);
}

TEST(FdbTest, VlanIsPartOfTheKey) {
  Fdb fdb(64);
  fdb.Learn(10, kA, 1, 0);
  fdb.Learn(20, kA, 2, 0);
  EXPECT_EQ(fdb.Lookup(10, kA), 1);
  EXPECT_EQ(fdb.Lookup(20, kA), 2);
  EXPECT_EQ(fdb.Lookup(0, kA), kInvalidPort);
}

TEST(FdbTest, CountsMoves) {
  Fdb fdb(64);
  fdb.Learn(0, kA, 1, 10);
  EXPECT_EQ(fdb.Learn(0, kA, 2, 10), Fdb::LearnResult::kMoved);
  EXPECT_EQ(fdb.Lookup(0, kA), 2);
  EXPECT_EQ(fdb.size(), 1u);
}

TEST(FdbTest, AgesIdleEntriesOnly) {
  Fdb fdb(64);
  fdb.Learn(0, kA, 1, 100);
  fdb.Learn(0, kB, 2, 100);
  fdb.Learn(0, kB, 2, 350);  // kB refreshed
  std::vector<MacKey> aged;
  EXPECT_EQ(fdb.Age(401, 300, [&](const Fdb::Entry& e) { aged.push_back(e.mac); }), 1u);
  EXPECT_EQ(aged, std::vector<MacKey>{kA});
  EXPECT_EQ(fdb.Lookup(0, kA), kInvalidPort);
  EXPECT_EQ(fdb.Lookup(0, kB), 2);
  EXPECT_EQ(fdb.size(), 1u);
  // Exactly at the aging time an entry stays; one second later it goes.
  EXPECT_EQ(fdb.Age(650, 300), 0u);
  EXPECT_EQ(fdb.Age(651, 300), 1u);
}

TEST(FdbTest, ClockSkewNeverAgesAFreshEntry) {
  Fdb fdb(64);
  fdb.Learn(0, kA, 1, 1000);  // a PMD a moment ahead of the control clock
  EXPECT_EQ(fdb.Age(999, 300), 0u);
  EXPECT_EQ(fdb.Lookup(0, kA), 1);
}

TEST(FdbTest, RespectsSizeLimit) {
  Fdb fdb(16);
  int learned = 0;
  int full = 0;
  for (MacKey m = 1; m <= 100; ++m) {
    auto r = fdb.Learn(0, 0x020000000000 | m, 1, 0);
    learned += r == Fdb::LearnResult::kLearned;
    full += r == Fdb::LearnResult::kFull;
  }
  EXPECT_EQ(learned, 16);
  EXPECT_EQ(full, 84);
  EXPECT_EQ(fdb.size(), 16u);
  // Space freed by aging is usable again.
  EXPECT_EQ(fdb.Age(1000, 300), 16u);
  EXPECT_EQ(fdb.Learn(0, kA, 1, 1000), Fdb::LearnResult::kLearned);
}

TEST(FdbTest, StaticEntriesNeverMoveOrAge) {
  Fdb fdb(64);
  ASSERT_TRUE(fdb.AddStatic(0, kA, 5, 0));
  EXPECT_EQ(fdb.Learn(0, kA, 6, 10), Fdb::LearnResult::kStaticKept);
  EXPECT_EQ(fdb.Lookup(0, kA), 5);
  EXPECT_EQ(fdb.Age(100000, 300), 0u);
  EXPECT_EQ(fdb.FlushPort(5, false), 0u);
  EXPECT_EQ(fdb.FlushPort(5, true), 1u);
  EXPECT_EQ(fdb.Lookup(0, kA), kInvalidPort);
}

TEST(FdbTest, FlushPortRemovesOnlyThatPort) {
  Fdb fdb(64);
  fdb.Learn(0, kA, 1, 0);
  fdb.Learn(0, kB, 2, 0);
  EXPECT_EQ(fdb.FlushPort(1, false), 1u);
  EXPECT_EQ(fdb.Lookup(0, kA), kInvalidPort);
  EXPECT_EQ(fdb.Lookup(0, kB), 2);
  EXPECT_TRUE(fdb.Delete(0, kB));
  EXPECT_FALSE(fdb.Delete(0, kB));
  EXPECT_EQ(fdb.size(), 0u);
}

TEST(FdbTest, DumpListsEntries) {
  Fdb fdb(64);
  fdb.Learn(7, kA, 1, 42);
  fdb.AddStatic(0, kB, 2, 0);
  auto entries = fdb.Dump();
  ASSERT_EQ(entries.size(), 2u);
  std::set<MacKey> macs;
  for (auto& e : entries) {
    macs.insert(e.mac);
    if (e.mac == kA) {
      EXPECT_EQ(e.vlan, 7);
      EXPECT_EQ(e.port, 1);
      EXPECT_FALSE(e.is_static);
      EXPECT_EQ(e.last_seen, 42u);
    } else {
      EXPECT_TRUE(e.is_static);
    }
  }
  EXPECT_EQ(macs, (std::set<MacKey>{kA, kB}));
}

// Two learners and a control thread aging and flushing at once: lookups
// only ever return a port some learner used, and the count stays exact.
TEST(FdbTest, ConcurrentLearnAgeAndLookup) {
  Fdb fdb(4096);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  auto learner = [&](PortIndex port) {
    for (uint32_t round = 0; round < 200; ++round) {
      for (MacKey m = 0; m < 1000; ++m) {
        fdb.Learn(0, 0x020000000000 | m, port, round);
        PortIndex p = fdb.Lookup(0, 0x020000000000 | m);
        if (p != kInvalidPort && p != 1 && p != 2) {
          bad++;
        }
      }
    }
  };
  std::thread control([&] {
    while (!stop) {
      fdb.Age(1000, 0);
      fdb.FlushPort(1, false);
    }
  });
  std::thread t1(learner, 1);
  std::thread t2(learner, 2);
  t1.join();
  t2.join();
  stop = true;
  control.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(fdb.size(), fdb.Dump().size());
}

TEST(FdbTest, CountsEachPortsEntriesThroughLearnMoveAgeAndFlush) {
  Fdb fdb(64);
  fdb.Learn(0, kA, 1, 100);
  fdb.Learn(0, kB, 1, 100);
  fdb.Learn(0, kC, 2, 100);
  EXPECT_EQ(fdb.PortEntries(1), 2u);
  EXPECT_EQ(fdb.PortEntries(2), 1u);
  EXPECT_EQ(fdb.Learn(0, kB, 2, 100), Fdb::LearnResult::kMoved);
  EXPECT_EQ(fdb.PortEntries(1), 1u);
  EXPECT_EQ(fdb.PortEntries(2), 2u);
  ASSERT_TRUE(fdb.AddStatic(0, kA, 3, 100));  // replaces the learned entry
  EXPECT_EQ(fdb.PortEntries(1), 0u);
  EXPECT_EQ(fdb.PortEntries(3), 1u);
  EXPECT_EQ(fdb.Age(1000, 300), 2u);  // kB and kC
  EXPECT_EQ(fdb.PortEntries(2), 0u);
  EXPECT_EQ(fdb.FlushPort(3, true), 1u);
  EXPECT_EQ(fdb.PortEntries(3), 0u);
}

TEST(FdbTest, APortLimitRefusesNewAndMovingMacsOnly) {
  Fdb fdb(64);
  EXPECT_EQ(fdb.Learn(0, kA, 1, 10, nullptr, 1), Fdb::LearnResult::kLearned);
  EXPECT_EQ(fdb.Learn(0, kA, 1, 11, nullptr, 1), Fdb::LearnResult::kRefreshed);
  EXPECT_EQ(fdb.Learn(0, kB, 1, 11, nullptr, 1), Fdb::LearnResult::kPortLimit);
  EXPECT_EQ(fdb.Learn(0, kB, 2, 11), Fdb::LearnResult::kLearned);
  EXPECT_EQ(fdb.Learn(0, kB, 1, 12, nullptr, 1), Fdb::LearnResult::kPortLimit);
  EXPECT_EQ(fdb.Lookup(0, kB), 2);
  // Moving out of a limited port is always fine, and frees its place.
  EXPECT_EQ(fdb.Learn(0, kA, 2, 12), Fdb::LearnResult::kMoved);
  EXPECT_EQ(fdb.Learn(0, kB, 1, 13, nullptr, 1), Fdb::LearnResult::kMoved);
  EXPECT_EQ(fdb.size(), 2u);
}

}  // namespace
}  // namespace switchyard::dp
