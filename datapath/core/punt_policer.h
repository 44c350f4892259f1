// Control-plane policing: token buckets on frames for the control thread.
//
// Every PMD punts ARP, DHCP, pings for the switch and frames whose next
// hop is unresolved into one ring, which one control thread drains for
// every network. Without a bound, one guest's flood would fill it and
// starve every other tenant's ARP and DHCP. Each punt must take a token
// from two buckets: its ingress port's (one guest) and its target's (the
// gateway or uplink it is for: one network or underlay). A punt without
// both tokens is dropped and counted (punt_policed), as OVS meters its
// upcalls and a router polices its control plane (CoPP).
//
// One policer per PMD thread, its only user: ports and targets are polled
// by one PMD each, so their buckets never race.
#pragma once

#include <array>
#include <cstdint>

#include "datapath/core/drop_reasons.h"
#include "datapath/core/types.h"

namespace switchyard::dp {

class PuntPolicer {
 public:
  struct Rate {
    uint32_t per_second;
    uint32_t burst;  // tokens a bucket holds at most (and starts with)
  };
  // Defaults: far above what a guest's ARP, DHCP and first packets to new
  // destinations need, far below what one control thread drains.
  static constexpr Rate kPortRate{200, 100};
  static constexpr Rate kTargetRate{1000, 400};

  explicit PuntPolicer(Rate per_port = kPortRate, Rate per_target = kTargetRate) noexcept
      : port_rate_(per_port), target_rate_(per_target) {}

  // A punt that came in by `ingress` for `target`, at `now_us` (any steady
  // clock, microseconds): DropReason::kCount when admitted, else
  // kPuntPoliced. An index out of range has no bucket and is not limited
  // by it.
  DropReason Admit(PortIndex ingress, PortIndex target, uint64_t now_us) noexcept {
    Bucket* port = ingress < kMaxPorts ? &ports_[ingress] : nullptr;
    Bucket* target_bucket = target < kMaxPorts ? &targets_[target] : nullptr;
    const bool port_ok = port == nullptr || Refill(*port, port_rate_, now_us);
    const bool target_ok = target_bucket == nullptr || Refill(*target_bucket, target_rate_, now_us);
    if (!port_ok || !target_ok) {
      return DropReason::kPuntPoliced;
    }
    if (port != nullptr) {
      port->credit -= kUnit;
    }
    if (target_bucket != nullptr) {
      target_bucket->credit -= kUnit;
    }
    return DropReason::kCount;
  }

 private:
  // Credit in millionths of a token: a token a second is one per million
  // microseconds, with no remainder lost.
  static constexpr uint64_t kUnit = 1000000;
  struct Bucket {
    uint64_t stamp_us = 0;
    uint64_t credit = 0;
    bool started = false;
  };

  // Adds what accrued since the last look; true when a token is there.
  static bool Refill(Bucket& b, Rate rate, uint64_t now_us) noexcept {
    const uint64_t cap = static_cast<uint64_t>(rate.burst) * kUnit;
    if (!b.started) {
      b.started = true;
      b.credit = cap;
    } else if (now_us > b.stamp_us) {
      const uint64_t add = (now_us - b.stamp_us) * rate.per_second;
      b.credit = add >= cap - b.credit ? cap : b.credit + add;
    }
    b.stamp_us = now_us;
    return b.credit >= kUnit;
  }

  Rate port_rate_;
  Rate target_rate_;
  std::array<Bucket, kMaxPorts> ports_{};
  std::array<Bucket, kMaxPorts> targets_{};
};

}  // namespace switchyard::dp
