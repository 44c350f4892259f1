#include "control/events/event_hub.h"

#include <algorithm>

namespace switchyard::ctl {

bool EventHub::Subscription::Next(Event* event, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || closed_; }) || queue_.empty()) {
    return false;
  }
  *event = std::move(queue_.front());
  queue_.pop_front();
  return true;
}

bool EventHub::Subscription::Done() {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_ && queue_.empty();
}

void EventHub::Publish(Event event) {
  std::lock_guard<std::mutex> lock(mu_);
  event.sequence = ++sequence_;
  event.time = std::chrono::system_clock::now();
  if (event.type == EventType::kConfigChanged) {
    if (history_.size() >= kHistoryLimit) {
      history_floor_ = std::max(history_floor_, history_.front().revision);
      history_.pop_front();
    }
    history_.push_back(event);
  }
  for (const auto& sub : subs_) {
    std::lock_guard<std::mutex> sub_lock(sub->mu_);
    if (sub->queue_.size() >= kQueueLimit) {
      // The oldest goes; the one the subscriber reads next says so.
      const uint64_t missed = sub->queue_.front().missed + 1;
      sub->queue_.pop_front();
      sub->queue_.front().missed += missed;
    }
    sub->queue_.push_back(event);
    sub->cv_.notify_one();
  }
}

std::shared_ptr<EventHub::Subscription> EventHub::Subscribe(std::vector<Event> first) {
  auto sub = std::make_shared<Subscription>();
  sub->queue_.assign(std::make_move_iterator(first.begin()), std::make_move_iterator(first.end()));
  std::lock_guard<std::mutex> lock(mu_);
  subs_.insert(sub);
  return sub;
}

bool EventHub::ChangesSince(uint64_t revision, std::vector<Event>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (revision < history_floor_) {
    return false;
  }
  for (const Event& e : history_) {
    if (e.revision > revision) {
      out->push_back(e);
    }
  }
  return true;
}

void EventHub::StartAt(uint64_t revision) {
  std::lock_guard<std::mutex> lock(mu_);
  history_floor_ = revision;
}

void EventHub::Unsubscribe(const std::shared_ptr<Subscription>& sub) {
  std::lock_guard<std::mutex> lock(mu_);
  subs_.erase(sub);
}

void EventHub::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& sub : subs_) {
    std::lock_guard<std::mutex> sub_lock(sub->mu_);
    sub->closed_ = true;
    sub->cv_.notify_all();
  }
}

}  // namespace switchyard::ctl
