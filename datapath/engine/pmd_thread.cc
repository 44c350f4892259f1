#include "datapath/engine/pmd_thread.h"

#include <rte_launch.h>
#include <rte_mbuf.h>
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>

#include "datapath/core/egress.h"
#include "datapath/engine/slow_path.h"
#include "datapath/gateway/router.h"
#include "datapath/overlay/overlay.h"
#include "datapath/ports/port.h"
#include "datapath/stages/bridge/bridge.h"

namespace switchyard::dp {

namespace {
// Empty iterations before the first sleep: keeps a busy-but-bursty guest
// on the fast path.
constexpr uint32_t kIdleSpinsBeforeSleep = 256;

void FreeBulk(rte_mbuf** pkts, unsigned n, void*) { rte_pktmbuf_free_bulk(pkts, n); }
}  // namespace

bool PmdThread::Launch() {
  launched_ = rte_eal_remote_launch(&PmdThread::Entry, this, lcore_) == 0;
  return launched_;
}

void PmdThread::StopAndWait() {
  stop_.store(true, std::memory_order_release);
  if (launched_) {
    rte_eal_wait_lcore(lcore_);
    launched_ = false;
  }
}

int PmdThread::Entry(void* self) {
  static_cast<PmdThread*>(self)->Run();
  return 0;
}

void PmdThread::Run() {
  // Default timer slack (50 us) would stretch every short back-off sleep.
  prctl(PR_SET_TIMERSLACK, 1000UL);
  rcu_->Register(id_);
  rcu_->Online(id_);
  Egress egress(id_, counters_, &FreeBulk, nullptr);
  egress.set_headers(MbufSource::FromPool(pool_));
  TcpSegmenter segmenter(MbufSource::FromPool(pool_));
  BridgeStage bridge(counters_, &egress, events_, &segmenter, MbufSource::FromPool(pool_));
  RouterStage router(id_, counters_, &egress, &SlowPath::Punt, slow_path_->punt_gate(id_),
                     MbufSource::FromPool(pool_));
  egress.set_gateway(&RouterStage::FlushGateway, &router);
  OverlayStage overlay(counters_, &egress, &bridge, &router, &SlowPath::Punt,
                       slow_path_->punt_gate(id_));
  rte_mbuf* pkts[kBurstSize];
  uint32_t idle_streak = 0;
  uint32_t sleep_us = 0;

  while (!stop_.load(std::memory_order_relaxed)) {
    const uint64_t t0 = Clock::Cycles();
    const Snapshot* snap = snapshot_->load(std::memory_order_acquire);
    const uint32_t now = clock_->SecondsAt(t0);
    egress.Begin(snap);
    router.Begin(snap, now);
    uint32_t received = 0;
    if (id_ < snap->rx_by_pmd.size()) {
      for (PortIndex p : snap->rx_by_pmd[id_]) {
        const PortSlot& slot = snap->ports[p];
        const uint16_t n = slot.port->RxBurst(id_, pkts, kBurstSize);
        if (n == 0) {
          continue;
        }
        if (slot.underlay != nullptr) {
          overlay.Process(*snap, p, pkts, n, now);
        } else {
          bridge.Process(*snap, p, pkts, n, now);
        }
        received += n;
      }
    }
    // Frames from the control thread (ARP, ping, DHCP, resolved frames):
    // sent like any other; a gateway's go into its network by the bridge.
    const uint16_t injected = slow_path_->TakeInjected(id_, pkts, kBurstSize);
    for (uint16_t i = 0; i < injected; ++i) {
      rte_mbuf* m = pkts[i];
      if (m->port >= kMaxPorts || snap->ports[m->port].port == nullptr) {
        rte_pktmbuf_free(m);  // its port left meanwhile
      } else if (snap->ports[m->port].gateway != nullptr) {
        bridge.Process(*snap, m->port, &m, 1, now);
      } else {
        egress.Enqueue(m->port, m);
      }
    }
    received += injected;
    egress.Flush();
    router.Sweep();
    rcu_->Quiescent(id_);  // nothing of `snap` is held past this point
    const uint64_t t1 = Clock::Cycles();
    counters_->iterations.Add(1);
    if (received > 0) {
      counters_->busy_cycles.Add(t1 - t0);
      counters_->packets.Add(received);
      idle_streak = 0;
      sleep_us = 0;
      continue;
    }
    counters_->idle_cycles.Add(t1 - t0);
    if (idle_sleep_max_us_ == 0 || ++idle_streak < kIdleSpinsBeforeSleep) {
      continue;
    }
    sleep_us = std::min(idle_sleep_max_us_, sleep_us == 0 ? 1 : sleep_us * 2);
    rcu_->Offline(id_);
    timespec ts{0, static_cast<long>(sleep_us) * 1000};
    nanosleep(&ts, nullptr);
    rcu_->Online(id_);
    counters_->idle_cycles.Add(Clock::Cycles() - t1);
  }
  rcu_->Offline(id_);
  rcu_->Unregister(id_);
}

}  // namespace switchyard::dp
