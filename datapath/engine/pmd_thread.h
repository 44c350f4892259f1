// One poll-mode thread: runs to completion on its own lcore, polling the
// rx queues the current snapshot gives it. Between iterations with no
// traffic it backs off with short sleeps (bounded by idle_sleep_max_us;
// 0 spins forever, for benchmarks) and goes RCU-offline while asleep.
#pragma once

#include <atomic>
#include <cstdint>

#include "datapath/core/counters.h"
#include "datapath/core/event_ring.h"
#include "datapath/core/snapshot.h"
#include "datapath/platform/dpdk/clock.h"
#include "datapath/platform/dpdk/rcu.h"

struct rte_mempool;

namespace switchyard::dp {

class SlowPath;

class PmdThread {
 public:
  PmdThread(uint16_t id, unsigned lcore, const std::atomic<const Snapshot*>* snapshot, Rcu* rcu,
            const Clock* clock, PmdCounters* counters, EventRing* events, rte_mempool* pool,
            SlowPath* slow_path, uint32_t idle_sleep_max_us)
      : id_(id),
        lcore_(lcore),
        snapshot_(snapshot),
        rcu_(rcu),
        clock_(clock),
        counters_(counters),
        events_(events),
        pool_(pool),
        slow_path_(slow_path),
        idle_sleep_max_us_(idle_sleep_max_us) {}

  // Control thread.
  bool Launch();
  void StopAndWait();

  unsigned lcore() const { return lcore_; }

 private:
  static int Entry(void* self);
  void Run();

  const uint16_t id_;
  const unsigned lcore_;
  const std::atomic<const Snapshot*>* const snapshot_;
  Rcu* const rcu_;
  const Clock* const clock_;
  PmdCounters* const counters_;
  EventRing* const events_;
  rte_mempool* const pool_;  // segments of cut TCP super-frames, tunnel headers
  SlowPath* const slow_path_;
  const uint32_t idle_sleep_max_us_;
  std::atomic<bool> stop_{false};
  bool launched_ = false;
};

}  // namespace switchyard::dp
