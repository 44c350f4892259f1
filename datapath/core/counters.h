// Per-thread datapath counters.
//
// Each PMD thread owns one PmdCounters and is its only writer; the control
// thread sums all threads on read. Relaxed atomics keep that race-free
// without a lock or a locked instruction: on x86-64 an increment compiles
// to a plain load/add/store of a cache line only this thread writes.
#pragma once

#include <rte_mbuf.h>

#include <array>
#include <atomic>
#include <cstdint>

#include "datapath/core/counter.h"
#include "datapath/core/drop_reasons.h"
#include "datapath/core/types.h"

namespace switchyard::dp {

struct PortCounters {
  Counter rx_packets;
  Counter rx_bytes;
  Counter tx_packets;
  Counter tx_bytes;
  // Drops are charged to the port where the frame was lost: ingress-side
  // reasons to the rx port, egress-side reasons (port down, tx full) to the
  // tx port.
  std::array<Counter, kDropReasonCount> drops;
};

// Counts a received burst on its port: frames and their bytes.
inline void CountRx(PortCounters& pc, rte_mbuf* const* pkts, uint16_t n) noexcept {
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    bytes += pkts[i]->pkt_len;
  }
  pc.rx_packets.Add(n);
  pc.rx_bytes.Add(bytes);
}

struct NetworkCounters {
  Counter learned;     // new FDB entries
  Counter moves;       // a MAC seen on a different port than learned
  Counter learn_full;  // not learned: FDB at its size limit
  Counter flooded;     // frames flooded (broadcast, multicast, unknown unicast)
  Counter unicast;     // frames forwarded to one known port
};

struct alignas(64) PmdCounters {
  std::array<PortCounters, kMaxPorts> ports;
  std::array<NetworkCounters, kMaxNetworks> networks;
  Counter iterations;
  Counter busy_cycles;  // TSC cycles of loop iterations that moved packets
  Counter idle_cycles;  // TSC cycles of empty iterations, sleep included
  Counter packets;      // packets received by this thread
};

// Plain sums for reporting.
struct PortTotals {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  std::array<uint64_t, kDropReasonCount> drops{};

  PortTotals& operator-=(const PortTotals& base);
  PortTotals& operator+=(const PortTotals& more);
};

struct NetworkTotals {
  uint64_t learned = 0;
  uint64_t moves = 0;
  uint64_t learn_full = 0;
  uint64_t flooded = 0;
  uint64_t unicast = 0;

  NetworkTotals& operator-=(const NetworkTotals& base);
};

PortTotals SumPort(const PmdCounters* threads, int n_threads, PortIndex port);
NetworkTotals SumNetwork(const PmdCounters* threads, int n_threads, NetworkIndex net);

}  // namespace switchyard::dp
