// The slow path between the PMD threads and the control thread: per PMD a
// punt ring (frames only the control thread handles, tagged as in
// core/punt.h) and an inject ring (frames the control thread sends, each
// with its egress port in m->port; a gateway's port means "into its
// network, through the bridge"). Single producer, single consumer each
// way; neither side ever waits for the other.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "datapath/core/punt.h"
#include "datapath/core/punt_policer.h"
#include "datapath/core/types.h"
#include "datapath/platform/dpdk/clock.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace switchyard::dp {

class SlowPath {
 public:
  static constexpr unsigned kRingSize = 1024;
  // Bytes of a punted frame the control thread looks at: enough for ARP,
  // ICMP echo and DHCP; frames to resolve are kept whole, up to
  // kMaxResolveFrame.
  static constexpr uint32_t kMaxHostFrame = 1514;
  static constexpr uint32_t kMaxResolveFrame = 9216;

  // EAL must be up. Throws std::runtime_error when a ring cannot be made.
  SlowPath(int n_pmds, rte_mempool* pool);
  ~SlowPath();  // frees what is still queued
  SlowPath(const SlowPath&) = delete;
  SlowPath& operator=(const SlowPath&) = delete;

  // PMD thread `pmd`: the stages' PuntFn, with punt_gate(pmd) as context.
  // Polices the punt (core/punt_policer.h), then queues it.
  static DropReason Punt(rte_mbuf* m, void* gate) noexcept;
  void* punt_gate(int pmd) const { return gates_[pmd].get(); }
  // PMD thread `pmd`: frames to send, at most `n`.
  uint16_t TakeInjected(int pmd, rte_mbuf** pkts, uint16_t n) noexcept;
  // Frames injected and not yet taken by their PMDs (control thread).
  unsigned InjectedPending() const;

  // Control thread: every punted frame with its tag, then frees it.
  void DrainPunted(
      const std::function<void(const PuntTag& tag, const uint8_t* frame, uint32_t len)>& fn);
  // Control thread: queues a copy of `frame` to leave by `port`, sent by
  // PMD `pmd`. False when no mbuf or no ring room was left.
  bool Inject(int pmd, PortIndex port, const uint8_t* frame, uint32_t len);

 private:
  // A PMD's way in: its ring, and the buckets only it uses.
  struct Gate {
    rte_ring* ring;
    uint64_t cycles_per_us;
    PuntPolicer policer;
  };

  rte_mempool* pool_;
  std::vector<std::unique_ptr<Gate>> gates_;
  std::vector<rte_ring*> punt_;
  std::vector<rte_ring*> inject_;
};

}  // namespace switchyard::dp
