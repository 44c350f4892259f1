// Per-PMD-thread output side: a tx buffer per port and a list of frames to
// free. Frames are handed to ports in bursts, never one at a time; Flush()
// runs at the end of every loop iteration so no frame waits for the next
// one and no buffer outlives the snapshot it was filled under.
#pragma once

#include <array>
#include <cstdint>

#include "datapath/core/counters.h"
#include "datapath/core/drop_reasons.h"
#include "datapath/core/mbuf_chain.h"
#include "datapath/core/snapshot.h"
#include "datapath/core/types.h"

struct rte_mbuf;

namespace switchyard::dp {

class Egress {
 public:
  // Frees a batch of frames; rte_pktmbuf_free_bulk in the PMD, a recorder
  // in unit tests.
  using FreeFn = void (*)(rte_mbuf** pkts, unsigned n, void* ctx);

  Egress(uint16_t pmd, PmdCounters* counters, FreeFn free_fn, void* free_ctx)
      : pmd_(pmd), counters_(counters), free_fn_(free_fn), free_ctx_(free_ctx) {}

  // Where outer-header segments for shared frames leaving by a tunnel come
  // from; without one such frames are dropped as no_mbufs.
  void set_headers(MbufSource headers) noexcept { headers_ = headers; }

  // Takes the frames flushed to a network's gateway port (the router
  // stage); without one they are dropped as port_down.
  using GatewayFn = void (*)(void* ctx, PortIndex gw, rte_mbuf** pkts, uint16_t n);
  void set_gateway(GatewayFn fn, void* ctx) noexcept {
    gateway_fn_ = fn;
    gateway_ctx_ = ctx;
  }

  // Called once per loop iteration before any Enqueue.
  void Begin(const Snapshot* snap) noexcept { snap_ = snap; }

  void Enqueue(PortIndex out, rte_mbuf* m) noexcept {
    TxBuffer& b = tx_[out];
    if (!b.dirty) {
      b.dirty = true;
      dirty_[n_dirty_++] = out;
    }
    b.pkts[b.n++] = m;
    if (b.n == kBurstSize) {
      FlushPort(out);
    }
  }

  // Drops `m`, charging `reason` to `port`.
  void Drop(rte_mbuf* m, PortIndex port, DropReason reason) noexcept {
    Count(port, reason);
    Free(m);
  }

  // Charges `n` drops for `reason` to `port`: frames freed elsewhere, or
  // never made (a flood's copy without an mbuf).
  void Count(PortIndex port, DropReason reason, uint64_t n = 1) noexcept {
    counters_->ports[port].drops[static_cast<int>(reason)].Add(n);
  }

  // Frees `m` at the next flush, counting nothing (it lives on as copies).
  void Free(rte_mbuf* m) noexcept {
    drops_[n_drops_++] = m;
    if (n_drops_ == drops_.size()) {
      FreeDrops();
    }
  }

  // Sends every buffered frame and frees every dropped one.
  void Flush() noexcept;

 private:
  struct TxBuffer {
    rte_mbuf* pkts[kBurstSize];
    uint16_t n = 0;
    bool dirty = false;  // listed in dirty_ until the next Flush()
  };

  void FlushPort(PortIndex out) noexcept;
  // A remote endpoint's frames: counted as its tx, encapsulated and queued
  // on its uplink, which counts them again as outer frames.
  void FlushTunnel(PortIndex out, const TunnelPath& path) noexcept;
  // A gateway's frames: counted as its tx and handed to the router.
  void FlushGateway(PortIndex out) noexcept;
  void FreeDrops() noexcept {
    free_fn_(drops_.data(), n_drops_, free_ctx_);
    n_drops_ = 0;
  }

  uint16_t pmd_;
  PmdCounters* counters_;
  FreeFn free_fn_;
  void* free_ctx_;
  MbufSource headers_{[](void*) -> rte_mbuf* { return nullptr; }, [](rte_mbuf*, void*) {}, nullptr};
  GatewayFn gateway_fn_ = nullptr;
  void* gateway_ctx_ = nullptr;
  const Snapshot* snap_ = nullptr;
  std::array<TxBuffer, kMaxPorts> tx_{};
  std::array<PortIndex, kMaxPorts> dirty_{};
  uint16_t n_dirty_ = 0;
  std::array<rte_mbuf*, 2 * kBurstSize> drops_{};
  unsigned n_drops_ = 0;
};

}  // namespace switchyard::dp
