#include "datapath/ports/afxdp/afxdp_port.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <rte_mbuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "common/log.h"
#include "datapath/core/mbuf_chain.h"

namespace switchyard::dp {

namespace {
Status Errno(const std::string& what, int err) {
  return Status(StatusCode::kUnavailable, what + ": " + std::strerror(err < 0 ? -err : err));
}

}  // namespace

Status AfXdpPort::Create(const std::string& name, const std::string& netdev, rte_mempool* pool,
                         std::unique_ptr<AfXdpPort>* out) {
  std::unique_ptr<AfXdpPort> port(new AfXdpPort(name, netdev, pool));
  if (Status s = port->Open(); !s.ok()) {
    return s;  // the destructor undoes what Open() did
  }
  port->PollControl();
  SY_INFO("port " << name << ": kernel netdev " << netdev << " over AF_XDP ("
                  << (port->program_->native() ? "native" : "generic") << " XDP)");
  *out = std::move(port);
  return Status::Ok();
}

Status AfXdpPort::Open() {
  if (Status s = ebpf::XdpPortProgram::Attach(netdev_, &program_); !s.ok()) {
    return s;
  }
  const size_t size = static_cast<size_t>(kFrames) * kFrameSize;
  area_ = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area_ == MAP_FAILED) {
    area_ = nullptr;
    return Errno("af_xdp: cannot map UMEM", errno);
  }
  xsk_umem_config ucfg{};
  ucfg.fill_size = kRingSize;
  ucfg.comp_size = kRingSize;
  ucfg.frame_size = kFrameSize;
  ucfg.frame_headroom = 0;
  if (int err = xsk_umem__create(&umem_, area_, size, &fill_, &comp_, &ucfg); err != 0) {
    umem_ = nullptr;
    return Errno("af_xdp: cannot create UMEM for " + netdev_, err);
  }
  xsk_socket_config scfg{};
  scfg.rx_size = kRingSize;
  scfg.tx_size = kRingSize;
  scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;  // the program is ours
  scfg.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
  if (int err = xsk_socket__create(&xsk_, netdev_.c_str(), 0, umem_, &rx_, &tx_, &scfg); err != 0) {
    xsk_ = nullptr;
    return Errno("af_xdp: cannot bind a socket to " + netdev_ + " queue 0", err);
  }
  if (Status s = program_->AddSocket(0, xsk_socket__fd(xsk_)); !s.ok()) {
    return s;
  }
  // Frames [0, kRingSize) feed the fill ring; the rest are for tx.
  uint32_t idx = 0;
  if (xsk_ring_prod__reserve(&fill_, kRingSize, &idx) != kRingSize) {
    return Status(StatusCode::kInternal, "af_xdp: fill ring smaller than asked");
  }
  for (uint32_t i = 0; i < kRingSize; ++i) {
    *xsk_ring_prod__fill_addr(&fill_, idx + i) = static_cast<uint64_t>(i) * kFrameSize;
  }
  xsk_ring_prod__submit(&fill_, kRingSize);
  tx_free_.reserve(kFrames - kRingSize);
  for (uint32_t i = kRingSize; i < kFrames; ++i) {
    tx_free_.push_back(static_cast<uint64_t>(i) * kFrameSize);
  }
  return Status::Ok();
}

AfXdpPort::~AfXdpPort() {
  if (xsk_ != nullptr) {
    xsk_socket__delete(xsk_);
  }
  if (umem_ != nullptr) {
    xsk_umem__delete(umem_);
  }
  if (area_ != nullptr) {
    munmap(area_, static_cast<size_t>(kFrames) * kFrameSize);
  }
  program_.reset();  // detaches: the netdev is as it was
}

uint16_t AfXdpPort::RxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept {
  uint32_t idx_rx = 0;
  const uint32_t got = xsk_ring_cons__peek(&rx_, n, &idx_rx);
  if (got == 0) {
    if (xsk_ring_prod__needs_wakeup(&fill_)) {
      recvfrom(xsk_socket__fd(xsk_), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
    }
    return 0;
  }
  // peek() moved the ring's cached consumer; on failure move it back, or
  // these descriptors (and their UMEM frames) would be skipped for good.
  if (rte_pktmbuf_alloc_bulk(pool_, pkts, got) != 0) {
    rx_.cached_cons -= got;
    no_mbufs_.store(no_mbufs_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return 0;  // no mbufs now: the frames wait in the ring for the next poll
  }
  uint32_t idx_fill = 0;
  // Every rx frame is in the fill ring, the rx ring or the kernel, so the
  // fill ring has room for the ones just consumed; if not, retry next poll.
  if (xsk_ring_prod__reserve(&fill_, got, &idx_fill) != got) {
    rx_.cached_cons -= got;
    rte_pktmbuf_free_bulk(pkts, got);
    return 0;
  }
  const MbufSource source = MbufSource::FromPool(pool_);
  uint16_t kept = 0;
  uint32_t spare_end = got;  // pkts[kept, spare_end) are mbufs not used yet
  for (uint32_t i = 0; i < got; ++i) {
    const xdp_desc* desc = xsk_ring_cons__rx_desc(&rx_, idx_rx + i);
    const uint64_t addr = xsk_umem__add_offset_to_addr(desc->addr);
    // A frame longer than one mbuf takes more; if none are left the frame
    // is lost (its UMEM frame must go back to the fill ring now).
    if (AppendBytes(pkts[kept], xsk_umem__get_data(area_, addr), desc->len, source)) {
      ++kept;
    } else {
      rte_pktmbuf_free(pkts[kept]);
      pkts[kept] = pkts[--spare_end];
      no_mbufs_.store(no_mbufs_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    *xsk_ring_prod__fill_addr(&fill_, idx_fill + i) = xsk_umem__extract_addr(desc->addr);
  }
  xsk_ring_prod__submit(&fill_, got);
  xsk_ring_cons__release(&rx_, got);
  if (kept < spare_end) {
    rte_pktmbuf_free_bulk(pkts + kept, spare_end - kept);
  }
  return kept;
}

void AfXdpPort::ReclaimTxFrames() noexcept {
  uint32_t idx = 0;
  const uint32_t done = xsk_ring_cons__peek(&comp_, kRingSize, &idx);
  for (uint32_t i = 0; i < done; ++i) {
    tx_free_.push_back(*xsk_ring_cons__comp_addr(&comp_, idx + i));
  }
  xsk_ring_cons__release(&comp_, done);
}

uint16_t AfXdpPort::TxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept {
  rte_spinlock_lock(&tx_lock_);
  ReclaimTxFrames();
  // Reserve exactly what will be filled: the ring cannot give back a slot.
  uint32_t fit = 0;
  while (fit < n && fit < tx_free_.size() && pkts[fit]->pkt_len <= kFrameSize) {
    ++fit;
  }
  uint32_t idx = 0;
  const uint16_t sent = static_cast<uint16_t>(xsk_ring_prod__reserve(&tx_, fit, &idx));
  for (uint16_t i = 0; i < sent; ++i) {
    rte_mbuf* m = pkts[i];
    const uint64_t addr = tx_free_.back();
    tx_free_.pop_back();
    // rte_pktmbuf_read copies across segments when it must.
    auto* dst = static_cast<uint8_t*>(xsk_umem__get_data(area_, addr));
    const void* src = rte_pktmbuf_read(m, 0, m->pkt_len, dst);
    if (src != dst) {
      std::memcpy(dst, src, m->pkt_len);
    }
    xdp_desc* desc = xsk_ring_prod__tx_desc(&tx_, idx + i);
    desc->addr = addr;
    desc->len = m->pkt_len;
  }
  xsk_ring_prod__submit(&tx_, sent);
  if (sent > 0 && xsk_ring_prod__needs_wakeup(&tx_)) {
    // Copy mode transmits from the kick; the one syscall per burst AF_XDP needs.
    sendto(xsk_socket__fd(xsk_), nullptr, 0, MSG_DONTWAIT, nullptr, 0);
  }
  rte_spinlock_unlock(&tx_lock_);
  rte_pktmbuf_free_bulk(pkts, n);
  return sent;
}

PortInfo AfXdpPort::Info() const {
  PortInfo info = BaseInfo();
  info.driver = program_->native() ? "af_xdp (native xdp)" : "af_xdp (generic xdp)";
  const ebpf::XdpPortCounters c = program_->Counters();
  // Frames the program redirected but the kernel could not queue to us
  // (rx ring full: the switch fell behind; fill ring empty) end here.
  xdp_statistics xs{};
  socklen_t len = sizeof(xs);
  getsockopt(xsk_socket__fd(xsk_), SOL_XDP, XDP_STATISTICS, &xs, &len);
  info.backend_counters = {{"xdp_rx_packets", c.rx_packets},
                           {"xdp_rx_bytes", c.rx_bytes},
                           {"xdp_redirected", c.redirected},
                           {"xdp_drop_malformed", c.drop_malformed},
                           {"xdp_drop_no_xsk", c.drop_no_xsk},
                           {"xsk_rx_dropped", xs.rx_dropped},
                           {"xsk_rx_ring_full", xs.rx_ring_full},
                           {"xsk_fill_ring_empty", xs.rx_fill_ring_empty_descs},
                           {"rx_no_mbufs", no_mbufs_.load(std::memory_order_relaxed)}};
  return info;
}

void AfXdpPort::PollControl() {
  KernelNetdevPort::PollControl();
  // Frames larger than a UMEM frame cannot go out, whatever the MTU says.
  if (max_frame() > kMaxFrame) {
    set_max_frame(kMaxFrame);
  }
}

}  // namespace switchyard::dp
