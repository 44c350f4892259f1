// A counter with one writing thread, read by any: relaxed atomics keep that
// race-free without a lock or a locked instruction; on x86-64 an increment
// compiles to a plain load/add/store of a line only its writer touches.
#pragma once

#include <atomic>
#include <cstdint>

namespace switchyard::dp {

class Counter {
 public:
  void Add(uint64_t n) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

}  // namespace switchyard::dp
