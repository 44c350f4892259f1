#include "datapath/engine/slow_path.h"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "datapath/core/mbuf_chain.h"

namespace switchyard::dp {

namespace {

rte_ring* MakeRing(const std::string& name) {
  rte_ring* r = rte_ring_create(name.c_str(), SlowPath::kRingSize, SOCKET_ID_ANY,
                                RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (r == nullptr) {
    throw std::runtime_error("cannot create ring " + name + ": " + rte_strerror(rte_errno));
  }
  return r;
}

void FreeAll(rte_ring* r) {
  void* obj = nullptr;
  while (rte_ring_dequeue(r, &obj) == 0) {
    rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
  }
  rte_ring_free(r);
}

}  // namespace

SlowPath::SlowPath(int n_pmds, rte_mempool* pool) : pool_(pool) {
  for (int i = 0; i < n_pmds; ++i) {
    punt_.push_back(MakeRing("sy_punt_" + std::to_string(i)));
    inject_.push_back(MakeRing("sy_inject_" + std::to_string(i)));
    const uint64_t per_us = Clock().hz() / 1000000;
    gates_.push_back(
        std::make_unique<Gate>(Gate{punt_.back(), per_us > 0 ? per_us : 1, PuntPolicer()}));
  }
}

SlowPath::~SlowPath() {
  for (rte_ring* r : punt_) {
    FreeAll(r);
  }
  for (rte_ring* r : inject_) {
    FreeAll(r);
  }
}

DropReason SlowPath::Punt(rte_mbuf* m, void* gate) noexcept {
  Gate& g = *static_cast<Gate*>(gate);
  const DropReason why =
      g.policer.Admit(IngressOf(m), ReadPunt(m).port, Clock::Cycles() / g.cycles_per_us);
  if (why != DropReason::kCount) {
    return why;
  }
  return rte_ring_enqueue(g.ring, m) == 0 ? DropReason::kCount : DropReason::kSlowPathFull;
}

unsigned SlowPath::InjectedPending() const {
  unsigned n = 0;
  for (const rte_ring* r : inject_) {
    n += rte_ring_count(r);
  }
  return n;
}

uint16_t SlowPath::TakeInjected(int pmd, rte_mbuf** pkts, uint16_t n) noexcept {
  return static_cast<uint16_t>(
      rte_ring_dequeue_burst(inject_[pmd], reinterpret_cast<void**>(pkts), n, nullptr));
}

void SlowPath::DrainPunted(
    const std::function<void(const PuntTag&, const uint8_t*, uint32_t)>& fn) {
  std::vector<uint8_t> copy(kMaxResolveFrame);
  for (rte_ring* r : punt_) {
    void* obj = nullptr;
    while (rte_ring_dequeue(r, &obj) == 0) {
      auto* m = static_cast<rte_mbuf*>(obj);
      const PuntTag tag = ReadPunt(m);
      const uint32_t max = tag.kind == PuntKind::kResolve ? kMaxResolveFrame : kMaxHostFrame;
      const uint32_t len = m->pkt_len < max ? m->pkt_len : max;
      if (const void* p = rte_pktmbuf_read(m, 0, len, copy.data())) {
        fn(tag, static_cast<const uint8_t*>(p), len);
      }
      rte_pktmbuf_free(m);
    }
  }
}

bool SlowPath::Inject(int pmd, PortIndex port, const uint8_t* frame, uint32_t len) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) {
    return false;
  }
  if (!AppendBytes(m, frame, len, MbufSource::FromPool(pool_))) {
    rte_pktmbuf_free(m);
    return false;
  }
  m->port = port;
  if (rte_ring_enqueue(inject_[pmd], m) != 0) {
    rte_pktmbuf_free(m);
    return false;
  }
  return true;
}

}  // namespace switchyard::dp
