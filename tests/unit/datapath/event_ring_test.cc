#include "datapath/core/event_ring.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

namespace switchyard::dp {
namespace {

TEST(EventRingTest, DeliversInOrderAndCountsOverflow) {
  auto ring = std::make_unique<EventRing>();
  for (uint32_t i = 0; i < EventRing::kSize + 10; ++i) {
    ring->Push(DpEvent{DpEvent::Type::kMacLearned, 0, 0, 0, 0, i});
  }
  EXPECT_EQ(ring->dropped(), 10u);
  MacKey expect = 0;
  EXPECT_EQ(ring->Drain([&](const DpEvent& e) { EXPECT_EQ(e.mac, expect++); }), EventRing::kSize);
  EXPECT_EQ(ring->Drain([](const DpEvent&) {}), 0u);
}

TEST(EventRingTest, ProducerAndConsumerOnTwoThreads) {
  auto ring = std::make_unique<EventRing>();
  constexpr MacKey kTotal = 200000;
  std::thread producer([&] {
    for (MacKey i = 0; i < kTotal;) {
      if (ring->Push(DpEvent{DpEvent::Type::kMacLearned, 0, 0, 0, 0, i})) {
        ++i;
      }
    }
  });
  MacKey next = 0;
  bool in_order = true;
  while (next < kTotal) {
    ring->Drain([&](const DpEvent& e) { in_order &= e.mac == next++; });
  }
  producer.join();
  EXPECT_TRUE(in_order);
}

}  // namespace
}  // namespace switchyard::dp
