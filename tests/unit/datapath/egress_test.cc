#include "datapath/core/egress.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/unit/datapath/test_packets.h"

namespace switchyard::dp {
namespace {

using testing::FakePort;
using testing::TestPool;

TEST(EgressTest, SendsInBurstsAndCountsBytes) {
  TestPool pool;
  std::vector<rte_mbuf*> freed;
  auto counters = std::make_unique<PmdCounters>();
  Egress egress(0, counters.get(), &TestPool::ReleaseBulk, &freed);
  Snapshot snap;
  FakePort port;
  snap.ports[7].port = &port;
  egress.Begin(&snap);
  for (int i = 0; i < 70; ++i) {
    egress.Enqueue(7, pool.Make({0x020000000002, 0x020000000001, 0x0800, {}, 100}));
  }
  // Two full bursts left already; the rest waits for Flush().
  EXPECT_EQ(port.sent_frames.size(), 64u);
  egress.Flush();
  EXPECT_EQ(port.sent_frames.size(), 70u);
  EXPECT_EQ(counters->ports[7].tx_packets.Get(), 70u);
  EXPECT_EQ(counters->ports[7].tx_bytes.Get(), 7000u);
  EXPECT_TRUE(pool.AllReleased());
}

TEST(EgressTest, ManyDropsAreFreedInBatches) {
  TestPool pool;
  std::vector<rte_mbuf*> freed;
  auto counters = std::make_unique<PmdCounters>();
  Egress egress(0, counters.get(), &TestPool::ReleaseBulk, &freed);
  Snapshot snap;
  egress.Begin(&snap);
  for (int i = 0; i < 200; ++i) {
    egress.Drop(pool.Make({}), 3, DropReason::kRuntFrame);
  }
  egress.Flush();
  EXPECT_EQ(freed.size(), 200u);
  EXPECT_EQ(counters->ports[3].drops[static_cast<int>(DropReason::kRuntFrame)].Get(), 200u);
  EXPECT_TRUE(pool.AllReleased());
}

}  // namespace
}  // namespace switchyard::dp
