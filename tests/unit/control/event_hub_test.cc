#include "control/events/event_hub.h"

#include <gtest/gtest.h>

#include <thread>

namespace switchyard::ctl {
namespace {

using std::chrono::milliseconds;

Event Make(EventType type, const std::string& port) {
  Event e;
  e.type = type;
  e.port = port;
  return e;
}

TEST(EventHubTest, EverySubscriberGetsEveryEventInOrder) {
  EventHub hub;
  auto a = hub.Subscribe();
  auto b = hub.Subscribe();
  hub.Publish(Make(EventType::kPortAdded, "p1"));
  hub.Publish(Make(EventType::kPortUp, "p1"));
  for (auto& sub : {a, b}) {
    Event e;
    ASSERT_TRUE(sub->Next(&e, milliseconds(100)));
    EXPECT_EQ(e.type, EventType::kPortAdded);
    EXPECT_EQ(e.sequence, 1u);
    ASSERT_TRUE(sub->Next(&e, milliseconds(100)));
    EXPECT_EQ(e.type, EventType::kPortUp);
    EXPECT_EQ(e.sequence, 2u);
    EXPECT_FALSE(sub->Next(&e, milliseconds(10)));
  }
}

TEST(EventHubTest, LateSubscriberSeesOnlyNewEvents) {
  EventHub hub;
  hub.Publish(Make(EventType::kPortAdded, "old"));
  auto sub = hub.Subscribe();
  hub.Publish(Make(EventType::kPortAdded, "new"));
  Event e;
  ASSERT_TRUE(sub->Next(&e, milliseconds(100)));
  EXPECT_EQ(e.port, "new");
}

TEST(EventHubTest, SlowSubscriberLosesOldestAndIsTold) {
  EventHub hub;
  auto sub = hub.Subscribe();
  for (size_t i = 0; i < EventHub::kQueueLimit + 5; ++i) {
    hub.Publish(Make(EventType::kMacLearned, std::to_string(i)));
  }
  Event e;
  ASSERT_TRUE(sub->Next(&e, milliseconds(100)));
  EXPECT_EQ(e.port, "5");
  EXPECT_EQ(e.missed, 5u);
  ASSERT_TRUE(sub->Next(&e, milliseconds(100)));
  EXPECT_EQ(e.missed, 0u);
}

TEST(EventHubTest, CloseWakesAWaitingSubscriber) {
  EventHub hub;
  auto sub = hub.Subscribe();
  std::thread closer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    hub.Close();
  });
  Event e;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(sub->Next(&e, milliseconds(5000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_TRUE(sub->Done());
  closer.join();
}

}  // namespace
}  // namespace switchyard::ctl
