// The slow path between the PMD threads and the control thread: per PMD a
// punt ring (frames only the control thread handles: ARP on uplinks) and
// an inject ring (frames the control thread sends, each with its egress
// port in m->port). Single producer, single consumer each way; neither
// side ever waits for the other.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "datapath/core/types.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace switchyard::dp {

class SlowPath {
 public:
  static constexpr unsigned kRingSize = 1024;
  // Bytes of a punted frame the control thread looks at (ARP needs 42).
  static constexpr uint32_t kMaxSlowPathFrame = 256;

  // EAL must be up. Throws std::runtime_error when a ring cannot be made.
  SlowPath(int n_pmds, rte_mempool* pool);
  ~SlowPath();  // frees what is still queued
  SlowPath(const SlowPath&) = delete;
  SlowPath& operator=(const SlowPath&) = delete;

  // PMD thread `pmd`: OverlayStage's PuntFn, with the punt ring as context.
  static bool Punt(rte_mbuf* m, void* ring) noexcept;
  rte_ring* punt_ring(int pmd) const { return punt_[pmd]; }
  // PMD thread `pmd`: frames to send, at most `n`.
  uint16_t TakeInjected(int pmd, rte_mbuf** pkts, uint16_t n) noexcept;

  // Control thread: every punted frame with the port it arrived on (in
  // m->port), then frees it.
  void DrainPunted(
      const std::function<void(PortIndex port, const uint8_t* frame, uint32_t len)>& fn);
  // Control thread: queues a copy of `frame` to leave by `port`, sent by
  // PMD `pmd`. False when no mbuf or no ring room was left.
  bool Inject(int pmd, PortIndex port, const uint8_t* frame, uint32_t len);

 private:
  rte_mempool* pool_;
  std::vector<rte_ring*> punt_;
  std::vector<rte_ring*> inject_;
};

}  // namespace switchyard::dp
