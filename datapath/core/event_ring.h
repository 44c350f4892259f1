// Datapath events (MAC learned, MAC moved, a port at its MAC limit) from one PMD thread to the
// control thread: a bounded single-producer/single-consumer ring. The PMD
// never waits: when the ring is full the event is dropped and counted.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "datapath/core/types.h"

namespace switchyard::dp {

struct DpEvent {
  enum class Type : uint8_t { kMacLearned, kMacMoved, kMacLimit };
  Type type;
  NetworkIndex network;
  PortIndex port;
  PortIndex previous_port;  // kMacMoved only
  uint16_t vlan;
  MacKey mac;
};

class EventRing {
 public:
  static constexpr uint32_t kSize = 4096;  // power of two

  // Producer (one PMD thread).
  bool Push(const DpEvent& e) noexcept {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_acquire) == kSize) {
      dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return false;
    }
    slots_[tail & (kSize - 1)] = e;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer (control thread). Calls fn for each event, oldest first.
  template <typename Fn>
  uint32_t Drain(Fn&& fn) {
    uint32_t head = head_.load(std::memory_order_relaxed);
    const uint32_t tail = tail_.load(std::memory_order_acquire);
    const uint32_t n = tail - head;
    for (; head != tail; ++head) {
      fn(slots_[head & (kSize - 1)]);
    }
    head_.store(head, std::memory_order_release);
    return n;
  }

  uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<uint32_t> head_{0};
  alignas(64) std::atomic<uint32_t> tail_{0};
  std::atomic<uint64_t> dropped_{0};
  std::array<DpEvent, kSize> slots_{};
};

}  // namespace switchyard::dp
