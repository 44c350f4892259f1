// Fan-out of switch events to Watch streams. Publishers (the control
// thread) never block: each subscriber has a bounded queue, and a
// subscriber that falls behind loses its oldest events, counted in the
// next event it gets. The hub also keeps the last config changes, so a
// watcher that lost its stream resumes from the revision it last saw.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "datapath/engine/desired_state.h"
#include "datapath/engine/plan.h"

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
  kSync = 12,
};

// What a CONFIG_CHANGED event changed: the object, and (unless deleted)
// what it is now.
struct ConfigChange {
  dp::ObjectKind kind = dp::ObjectKind::kNetwork;
  dp::ChangeAction action = dp::ChangeAction::kCreate;
  std::string name;
  std::optional<dp::NetworkSpec> network;
  std::optional<dp::PortSpec> port;
  std::optional<dp::StaticMac> static_mac;
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
  // The config revision: the one a CONFIG_CHANGED event made, the current
  // one for other events.
  uint64_t revision = 0;
  std::shared_ptr<const ConfigChange> change;  // CONFIG_CHANGED only
};

class EventHub {
 public:
  static constexpr size_t kQueueLimit = 4096;
  // Config changes kept for resuming watchers.
  static constexpr size_t kHistoryLimit = 4096;

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

  // Any thread. Stamps sequence and time; keeps CONFIG_CHANGED events
  // for ChangesSince().
  void Publish(Event event);
  // `first` are queued before anything published after the call.
  std::shared_ptr<Subscription> Subscribe(std::vector<Event> first = {});
  // The CONFIG_CHANGED events after `revision`, oldest first; false when
  // some are no longer kept.
  bool ChangesSince(uint64_t revision, std::vector<Event>* out);
  // The revision the config was at when the hub started: nothing before
  // it is kept.
  void StartAt(uint64_t revision);
  void Unsubscribe(const std::shared_ptr<Subscription>& sub);
  // Wakes every subscriber for good (shutdown).
  void Close();

 private:
  std::mutex mu_;
  uint64_t sequence_ = 0;
  std::set<std::shared_ptr<Subscription>> subs_;
  std::deque<Event> history_;
  uint64_t history_floor_ = 0;  // revisions up to it are not (all) in history_
};

}  // namespace switchyard::ctl
