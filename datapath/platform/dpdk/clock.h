// The datapath's clocks: TSC cycles for accounting, and coarse seconds
// (from the TSC too, so the PMD never makes a syscall for time) for FDB
// aging. Both PMD and control threads use the same Clock.
#pragma once

#include <rte_cycles.h>

#include <cstdint>

namespace switchyard::dp {

class Clock {
 public:
  Clock() : start_(rte_get_tsc_cycles()), hz_(rte_get_tsc_hz()) {}
  uint64_t hz() const { return hz_; }
  static uint64_t Cycles() { return rte_rdtsc(); }
  uint32_t Seconds() const { return static_cast<uint32_t>((rte_rdtsc() - start_) / hz_); }
  uint64_t Milliseconds() const { return (rte_rdtsc() - start_) / (hz_ / 1000); }
  uint32_t SecondsAt(uint64_t tsc) const { return static_cast<uint32_t>((tsc - start_) / hz_); }

 private:
  uint64_t start_;
  uint64_t hz_;
};

}  // namespace switchyard::dp
