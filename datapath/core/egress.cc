#include "datapath/core/egress.h"

#include <rte_mbuf.h>

#include "datapath/overlay/tunnel.h"
#include "datapath/ports/port.h"

namespace switchyard::dp {

void Egress::FlushPort(PortIndex out) noexcept {
  const PortSlot& slot = snap_->ports[out];
  if (slot.tunnel != nullptr && slot.port != nullptr) {
    FlushTunnel(out, *slot.tunnel);
    return;
  }
  if (slot.gateway != nullptr && slot.port != nullptr) {
    FlushGateway(out);
    return;
  }
  TxBuffer& b = tx_[out];
  const uint16_t n = b.n;
  b.n = 0;
  PortCounters& pc = counters_->ports[out];
  Port* port = slot.port;
  if (port == nullptr) {
    // The port left between enqueue and flush: impossible within one
    // snapshot, but never hand frames to a null port.
    for (uint16_t i = 0; i < n; ++i) {
      Drop(b.pkts[i], out, DropReason::kPortDown);
    }
    return;
  }
  // Byte counts must be read before the port owns (and may free) the frames.
  uint32_t prefix_bytes[kBurstSize];
  uint32_t total = 0;
  for (uint16_t i = 0; i < n; ++i) {
    total += b.pkts[i]->pkt_len;
    prefix_bytes[i] = total;
  }
  const bool up = port->LinkUp();
  const uint16_t sent = port->TxBurst(pmd_, b.pkts, n);
  if (sent > 0) {
    pc.tx_packets.Add(sent);
    pc.tx_bytes.Add(prefix_bytes[sent - 1]);
  }
  if (sent < n) {
    Count(out, up ? DropReason::kTxFull : DropReason::kPortDown, n - sent);
  }
}

void Egress::FlushTunnel(PortIndex out, const TunnelPath& path) noexcept {
  TxBuffer& b = tx_[out];
  const uint16_t n = b.n;
  b.n = 0;
  if (path.uplink == kInvalidPort || snap_->ports[path.uplink].port == nullptr) {
    for (uint16_t i = 0; i < n; ++i) {
      Drop(b.pkts[i], out, DropReason::kPortDown);
    }
    return;
  }
  PortCounters& pc = counters_->ports[out];
  uint16_t sent = 0;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = b.pkts[i];
    const uint32_t len = m->pkt_len;
    DropReason why{};
    rte_mbuf* outer = EncapsulateForPath(m, path, headers_, &why);
    if (outer == nullptr) {
      Drop(m, out, why);
      continue;
    }
    ++sent;
    bytes += len;
    Enqueue(path.uplink, outer);
  }
  pc.tx_packets.Add(sent);
  pc.tx_bytes.Add(bytes);
}

void Egress::FlushGateway(PortIndex out) noexcept {
  TxBuffer& b = tx_[out];
  const uint16_t n = b.n;
  b.n = 0;
  rte_mbuf* pkts[kBurstSize];
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    pkts[i] = b.pkts[i];
    bytes += pkts[i]->pkt_len;
  }
  if (gateway_fn_ == nullptr) {
    for (uint16_t i = 0; i < n; ++i) {
      Drop(pkts[i], out, DropReason::kPortDown);
    }
    return;
  }
  PortCounters& pc = counters_->ports[out];
  pc.tx_packets.Add(n);
  pc.tx_bytes.Add(bytes);
  gateway_fn_(gateway_ctx_, out, pkts, n);
}

void Egress::Flush() noexcept {
  for (uint16_t i = 0; i < n_dirty_; ++i) {
    TxBuffer& b = tx_[dirty_[i]];
    b.dirty = false;
    if (b.n > 0) {
      FlushPort(dirty_[i]);
    }
  }
  n_dirty_ = 0;
  if (n_drops_ > 0) {
    FreeDrops();
  }
}

}  // namespace switchyard::dp
