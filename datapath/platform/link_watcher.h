// Watches the kernel's netdevs with libnl3 (rtnetlink, RTNLGRP_LINK) and
// calls `on_change` whenever a link is added, removed or changes state, so
// kernel ports go down, come up and are attached again at once rather than
// at the next poll.
//
// Thread context: its own thread, which only calls `on_change`; that must
// be cheap and thread-safe (it wakes the control thread).
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "common/status.h"

struct nl_sock;

namespace switchyard {

class LinkWatcher {
 public:
  explicit LinkWatcher(std::function<void()> on_change) : on_change_(std::move(on_change)) {}
  ~LinkWatcher();
  LinkWatcher(const LinkWatcher&) = delete;
  LinkWatcher& operator=(const LinkWatcher&) = delete;

  Status Start();

 private:
  void Run();

  std::function<void()> on_change_;
  nl_sock* sock_ = nullptr;
  int stop_fd_ = -1;  // eventfd that ends Run()
  std::thread thread_;
};

}  // namespace switchyard
