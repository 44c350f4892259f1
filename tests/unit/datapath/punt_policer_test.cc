#include "datapath/core/punt_policer.h"

#include <gtest/gtest.h>

namespace switchyard::dp {
namespace {

constexpr DropReason kIn = DropReason::kCount;
constexpr DropReason kOut = DropReason::kPuntPoliced;

// How many of `n` punts at one instant get in.
int Admitted(PuntPolicer& p, PortIndex ingress, PortIndex target, int n, uint64_t now_us) {
  int in = 0;
  for (int i = 0; i < n; ++i) {
    in += p.Admit(ingress, target, now_us) == kIn ? 1 : 0;
  }
  return in;
}

TEST(PuntPolicerTest, APortGetsItsBurstThenItsRate) {
  PuntPolicer p({100, 10}, {1000, 1000});
  EXPECT_EQ(Admitted(p, 1, 9, 50, 1000), 10);
  EXPECT_EQ(p.Admit(1, 9, 1000), kOut);
  EXPECT_EQ(Admitted(p, 1, 9, 50, 1000 + 50000), 5);      // 50 ms at 100/s
  EXPECT_EQ(Admitted(p, 1, 9, 50, 1000 + 10000000), 10);  // full again, never more
}

TEST(PuntPolicerTest, OnePortsFloodLeavesOtherPortsAndTargetsTheirShare) {
  PuntPolicer p({100, 10}, {1000, 30});
  EXPECT_EQ(Admitted(p, 1, 9, 1000, 0), 10);  // the flooder, held to its own bucket
  EXPECT_EQ(Admitted(p, 2, 9, 5, 0), 5);      // a neighbour on the same network
  EXPECT_EQ(Admitted(p, 3, 8, 5, 0), 5);      // and one on another network
}

TEST(PuntPolicerTest, ATargetBoundsManyPortsTogetherAndRefusalsTakeNoToken) {
  PuntPolicer p({100, 10}, {1000, 25});
  int in = 0;
  for (PortIndex port = 0; port < 10; ++port) {
    in += Admitted(p, port, 7, 10, 0);
  }
  EXPECT_EQ(in, 25);
  // Refused by the target, port 20 kept its own tokens for another target.
  EXPECT_EQ(Admitted(p, 20, 7, 5, 0), 0);
  EXPECT_EQ(Admitted(p, 20, 6, 10, 0), 10);
}

TEST(PuntPolicerTest, IndexesWithoutABucketAreNotLimitedByIt) {
  PuntPolicer p({100, 2}, {1000, 3});
  EXPECT_EQ(Admitted(p, kInvalidPort, 5, 10, 0), 3);
  EXPECT_EQ(Admitted(p, 4, kInvalidPort, 10, 0), 2);
}

TEST(PuntPolicerTest, AClockThatStepsBackGrantsNothingExtra) {
  PuntPolicer p({100, 1}, {1000, 100});
  EXPECT_EQ(Admitted(p, 1, 2, 5, 5000000), 1);
  EXPECT_EQ(Admitted(p, 1, 2, 5, 1000), 0);
}

}  // namespace
}  // namespace switchyard::dp
