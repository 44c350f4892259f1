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

#include <cstdint>
#include <string>

struct rte_mbuf;

namespace switchyard::dp {

class Port {
 public:
  virtual ~Port() = default;

  virtual uint16_t RxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept = 0;
  virtual uint16_t TxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept = 0;

  // True while a peer (guest) is attached and able to take frames. Any
  // thread; a plain atomic read.
  virtual bool LinkUp() const noexcept = 0;
};

}  // namespace switchyard::dp
