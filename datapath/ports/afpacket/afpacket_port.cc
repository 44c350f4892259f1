#include "datapath/ports/afpacket/afpacket_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <rte_mbuf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "common/log.h"
#include "datapath/core/mbuf_chain.h"
#include "datapath/core/vnet_header.h"

namespace switchyard::dp {

namespace {

Status Errno(const std::string& what) {
  return Status(StatusCode::kUnavailable, what + ": " + std::strerror(errno));
}

constexpr size_t kRingBytes(uint32_t blocks, uint32_t block_size) {
  return static_cast<size_t>(blocks) * block_size;
}

}  // namespace

Status AfPacketPort::Create(const std::string& name, const std::string& netdev, rte_mempool* pool,
                            std::unique_ptr<AfPacketPort>* out) {
  std::unique_ptr<AfPacketPort> port(new AfPacketPort(name, netdev, pool));
  if (Status s = port->Open(); !s.ok()) {
    return s;  // the destructor undoes what Open() did
  }
  port->PollControl();
  SY_INFO("port " << name << ": kernel netdev " << netdev << " over AF_PACKET (TPACKET_V3)");
  *out = std::move(port);
  return Status::Ok();
}

Status AfPacketPort::Open() {
  if (ifindex_ == 0) {
    return Status(StatusCode::kNotFound, "port.kernel.netdev: '" + netdev_ + "' does not exist");
  }
  fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);  // protocol 0: nothing until bind()
  if (fd_ < 0) {
    return Errno("af_packet: cannot open a packet socket");
  }
  const int v3 = TPACKET_V3;
  const int one = 1;
  const int sndbuf = 4 << 20;  // room for a burst of super-frames
  if (setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3)) != 0) {
    return Errno("af_packet: TPACKET_V3 refused");
  }
  if (setsockopt(fd_, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) != 0) {
    return Errno("af_packet: PACKET_VNET_HDR refused");
  }
  if (setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0) {
    return Errno("af_packet: PACKET_IGNORE_OUTGOING refused");
  }
  // The netdev's queue discipline would only add a lock and a queue.
  setsockopt(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
  if (setsockopt(fd_, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) != 0) {
    setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  }
  tpacket_req3 req{};
  req.tp_block_size = kBlockSize;
  req.tp_block_nr = kBlocks;
  req.tp_frame_size = 2048;  // V3 packs frames; the size only has to divide the block
  req.tp_frame_nr = kBlockSize / req.tp_frame_size * kBlocks;
  req.tp_retire_blk_tov = kBlockTimeoutMs;
  if (setsockopt(fd_, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0) {
    return Errno("af_packet: cannot set up the rx ring");
  }
  void* ring =
      mmap(nullptr, kRingBytes(kBlocks, kBlockSize), PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (ring == MAP_FAILED) {
    return Errno("af_packet: cannot map the rx ring");
  }
  ring_ = static_cast<uint8_t*>(ring);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = static_cast<int>(ifindex_);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0) {
    return Errno("af_packet: cannot bind to " + netdev_);
  }
  return Status::Ok();
}

AfPacketPort::~AfPacketPort() {
  if (ring_ != nullptr) {
    munmap(ring_, kRingBytes(kBlocks, kBlockSize));
  }
  if (fd_ >= 0) {
    close(fd_);
  }
}

void AfPacketPort::ReleaseBlock() noexcept {
  __atomic_store_n(&Block(block_)->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  block_ = (block_ + 1) % kBlocks;
  next_ = nullptr;
}

AfPacketPort::RxResult AfPacketPort::CopyFrame(const tpacket3_hdr* h, rte_mbuf* m) noexcept {
  if (h->tp_snaplen < h->tp_len) {
    Bump(rx_truncated_);
    return RxResult::kDropped;
  }
  const auto* frame = reinterpret_cast<const uint8_t*>(h) + h->tp_mac;
  const auto* vh = reinterpret_cast<const VnetHeader*>(frame - sizeof(VnetHeader));
  const uint32_t len = h->tp_snaplen;
  const MbufSource source = MbufSource::FromPool(pool_);
  uint32_t shift = 0;
  if ((h->tp_status & TP_STATUS_VLAN_VALID) != 0 && len >= 12) {
    const uint16_t tpid =
        (h->tp_status & TP_STATUS_VLAN_TPID_VALID) != 0 ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
    const uint16_t tci = h->hv1.tp_vlan_tci;
    const uint8_t tag[4] = {static_cast<uint8_t>(tpid >> 8), static_cast<uint8_t>(tpid),
                            static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)};
    if (!AppendBytes(m, frame, 12, source) || !AppendBytes(m, tag, sizeof(tag), source) ||
        !AppendBytes(m, frame + 12, len - 12, source)) {
      return RxResult::kNoMbufs;
    }
    shift = sizeof(tag);
  } else if (!AppendBytes(m, frame, len, source)) {
    return RxResult::kNoMbufs;
  }
  if (!ApplyVnetHeader(*vh, shift, m)) {
    Bump(rx_bad_offload_);
    return RxResult::kDropped;
  }
  return RxResult::kOk;
}

uint16_t AfPacketPort::RxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept {
  uint16_t got = 0;
  while (got < n) {
    if (next_ == nullptr) {
      tpacket_block_desc* bd = Block(block_);
      if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) {
        break;  // the kernel still fills it
      }
      left_ = bd->hdr.bh1.num_pkts;
      if (left_ == 0) {
        ReleaseBlock();
        continue;
      }
      next_ = reinterpret_cast<const tpacket3_hdr*>(reinterpret_cast<const uint8_t*>(bd) +
                                                    bd->hdr.bh1.offset_to_first_pkt);
    }
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    const RxResult r = m == nullptr ? RxResult::kNoMbufs : CopyFrame(next_, m);
    if (r == RxResult::kNoMbufs) {
      rte_pktmbuf_free(m);  // the frame stays in the ring for the next poll
      Bump(rx_no_mbufs_);
      break;
    }
    if (r == RxResult::kOk) {
      pkts[got++] = m;
    } else {
      rte_pktmbuf_free(m);
    }
    if (--left_ == 0) {
      ReleaseBlock();
    } else {
      next_ = reinterpret_cast<const tpacket3_hdr*>(reinterpret_cast<const uint8_t*>(next_) +
                                                    next_->tp_next_offset);
    }
  }
  return got;
}

uint16_t AfPacketPort::TxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept {
  rte_spinlock_lock(&tx_lock_);
  unsigned count = 0;
  for (; count < n && pkts[count]->nb_segs < kMaxIov; ++count) {
    rte_mbuf* m = pkts[count];
    FillVnetHeader(m, &vnet_[count]);
    iovec* iov = iov_[count];
    iov[0] = iovec{&vnet_[count], sizeof(VnetHeader)};
    size_t k = 1;
    for (rte_mbuf* seg = m; seg != nullptr; seg = seg->next) {
      iov[k++] = iovec{rte_pktmbuf_mtod(seg, void*), seg->data_len};
    }
    msgs_[count].msg_hdr = msghdr{};
    msgs_[count].msg_hdr.msg_iov = iov;
    msgs_[count].msg_hdr.msg_iovlen = k;
  }
  int sent = count == 0 ? 0 : sendmmsg(fd_, msgs_, count, MSG_DONTWAIT);
  if (sent < 0) {
    Bump(tx_errors_);  // e.g. the netdev is down; the frames count as dropped
    sent = 0;
  }
  rte_spinlock_unlock(&tx_lock_);
  rte_pktmbuf_free_bulk(pkts, n);
  return static_cast<uint16_t>(sent);
}

PortInfo AfPacketPort::Info() const {
  PortInfo info = BaseInfo();
  info.driver = "af_packet (tpacket_v3)";
  tpacket_stats_v3 st{};
  socklen_t len = sizeof(st);
  if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
    kernel_packets_ += st.tp_packets;
    kernel_drops_ += st.tp_drops;
  }
  info.backend_counters = {{"packet_rx", kernel_packets_},
                           {"packet_rx_ring_full", kernel_drops_},
                           {"rx_truncated", rx_truncated_.load(std::memory_order_relaxed)},
                           {"rx_bad_offload", rx_bad_offload_.load(std::memory_order_relaxed)},
                           {"rx_no_mbufs", rx_no_mbufs_.load(std::memory_order_relaxed)},
                           {"tx_errors", tx_errors_.load(std::memory_order_relaxed)}};
  return info;
}

}  // namespace switchyard::dp
