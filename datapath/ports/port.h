// The one interface every kind of port implements.
//
// Burst rules (as DPDK's and OVS's netdev providers have them):
//  - RxBurst hands ownership of the returned packets to the caller;
//  - TxBurst takes ownership of every packet it is given, sent or not, and
//    returns how many were sent; the sent ones are always a prefix.
// Both are called only from the PMD thread that owns the port's queue in the
// current snapshot (rx) or from any PMD thread with its own index (tx); they
// never block, allocate or throw.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

struct rte_mbuf;

namespace switchyard::dp {

// What a port reports about itself beyond the common counters.
struct PortInfo {
  uint64_t connects = 0;        // peers (guests) attached so far
  uint64_t disconnects = 0;     // and gone again
  std::string driver;           // how frames move, e.g. "vhost-user", "af_xdp (native)"
  std::string fallback_reason;  // why not the preferred driver, when it is not
  // Counters kept outside the switch, by name (e.g. the XDP program's).
  std::vector<std::pair<std::string, uint64_t>> backend_counters;
};

class Port {
 public:
  virtual ~Port() = default;

  // Control thread. Read disconnects before connects: connects >= disconnects.
  virtual PortInfo Info() const = 0;
  // Control thread, every 50 ms: refresh what LinkUp() reports when the
  // port has no event of its own to learn it from.
  virtual void PollControl() {}
  // Control thread. True when the backend is gone for good (its netdev was
  // deleted) and a new port object must be made once it is back.
  virtual bool Vanished() const { return false; }

  virtual uint16_t RxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept = 0;
  virtual uint16_t TxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept = 0;

  // True while a peer (guest) is attached and able to take frames. Any
  // thread; a plain atomic read.
  virtual bool LinkUp() const noexcept = 0;

  // True when TxBurst takes TCP GSO frames whole (see core/offload.h).
  virtual bool AcceptsGso() const noexcept { return false; }

  // Largest frame the port sends: its MTU plus an Ethernet header and one
  // VLAN tag, as the kernel lets through. Larger frames are dropped and
  // counted as mtu_exceeded. Any thread; a plain atomic read.
  uint32_t max_frame() const noexcept { return max_frame_.load(std::memory_order_relaxed); }

  // What a frame adds to the MTU on the wire: an Ethernet header and a tag.
  static constexpr uint32_t kFrameOverhead = 14 + 4;

 protected:
  void set_max_frame(uint32_t bytes) noexcept {
    max_frame_.store(bytes, std::memory_order_relaxed);
  }

 private:
  std::atomic<uint32_t> max_frame_{std::numeric_limits<uint32_t>::max()};
};

}  // namespace switchyard::dp
