// Fan-out of switch events to Watch streams. Publishers (the control
// thread) never block: each subscriber has a bounded queue, and a
// subscriber that falls behind loses its oldest events, counted in the
// next event it gets.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace switchyard::ctl {

// Mirrors switchyard.v1.EventType (same numbers).
enum class EventType {
  kPortAdded = 1,
  kPortRemoved = 2,
  kPortUp = 3,
  kPortDown = 4,
  kGuestConnected = 5,
  kGuestDisconnected = 6,
  kMacLearned = 7,
  kMacMoved = 8,
  kMacAged = 9,
  kConfigChanged = 10,
  kMacLimit = 11,
};

struct Event {
  uint64_t sequence = 0;
  std::chrono::system_clock::time_point time;
  EventType type = EventType::kConfigChanged;
  std::string network;
  std::string port;
  std::string mac;
  uint16_t vlan = 0;
  std::string previous_port;
  std::string detail;
  uint64_t missed = 0;
};

class EventHub {
 public:
  static constexpr size_t kQueueLimit = 4096;

  class Subscription {
   public:
    // Waits up to `timeout` for the next event. False on timeout or when
    // the hub is closed.
    bool Next(Event* event, std::chrono::milliseconds timeout);
    // True once the hub is closed and every queued event was read.
    bool Done();

   private:
    friend class EventHub;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Event> queue_;
    bool closed_ = false;
  };

  // Any thread. Stamps sequence and time.
  void Publish(Event event);
  std::shared_ptr<Subscription> Subscribe();
  void Unsubscribe(const std::shared_ptr<Subscription>& sub);
  // Wakes every subscriber for good (shutdown).
  void Close();

 private:
  std::mutex mu_;
  uint64_t sequence_ = 0;
  std::set<std::shared_ptr<Subscription>> subs_;
};

}  // namespace switchyard::ctl
