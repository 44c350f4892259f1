#include "control/events/event_hub.h"

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

std::shared_ptr<EventHub::Subscription> EventHub::Subscribe() {
  auto sub = std::make_shared<Subscription>();
  std::lock_guard<std::mutex> lock(mu_);
  subs_.insert(sub);
  return sub;
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
