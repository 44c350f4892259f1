// Kernel port over AF_PACKET: where XDP cannot attach (another program owns
// the netdev's XDP hook, a driver without XDP), for MTUs AF_XDP cannot
// carry (jumbo frames), or when asked for by name.
//
// Receive: a TPACKET_V3 ring of blocks that the kernel fills and hands over
// whole, when a block is full or kBlockTimeoutMs after it was opened; the
// PMD reads it with no syscall and copies each frame into an mbuf chain.
// Every frame comes with a virtio-net header (PACKET_VNET_HDR): partial
// checksums are completed and TCP super-frames kept whole (core/offload.h),
// so a veth peer needs no `ethtool -K tx off`. A VLAN tag the kernel took
// off the frame is put back.
// Transmit: sendmmsg, one iovec per mbuf segment behind a virtio-net
// header: one syscall per burst, no copy in the switch, and super-frames
// are cut by the kernel (or not at all, veth to veth).
//
// Unlike XDP, a packet socket does not take frames away from the netdev's
// own stack: give the netdev no addresses, as with OVS's AF_PACKET ports.
// Frames the host itself sends on the netdev are not switched
// (PACKET_IGNORE_OUTGOING).
//
// Thread context: as AfXdpPort; a spinlock guards TxBurst's scratch space.
#pragma once

#include <linux/if_packet.h>
#include <rte_spinlock.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "datapath/core/types.h"
#include "datapath/core/vnet_header.h"
#include "datapath/ports/kernel_netdev_port.h"

struct rte_mempool;

namespace switchyard::dp {

class AfPacketPort final : public KernelNetdevPort {
 public:
  static Status Create(const std::string& name, const std::string& netdev, rte_mempool* pool,
                       std::unique_ptr<AfPacketPort>* out);
  ~AfPacketPort() override;

  uint16_t RxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  uint16_t TxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  bool AcceptsGso() const noexcept override { return true; }
  PortInfo Info() const override;

 private:
  // A block holds at least one 64 KiB super-frame with its headers.
  static constexpr uint32_t kBlockSize = 256 * 1024;
  static constexpr uint32_t kBlocks = 16;
  // How long a partly filled block waits for more frames: the latency a
  // lone frame sees.
  static constexpr uint32_t kBlockTimeoutMs = 1;
  static constexpr uint32_t kMaxIov = 64;  // per frame: the header and the segments

  enum class RxResult { kOk, kDropped, kNoMbufs };

  AfPacketPort(std::string name, std::string netdev, rte_mempool* pool)
      : KernelNetdevPort(std::move(name), std::move(netdev)), pool_(pool) {}
  Status Open();
  tpacket_block_desc* Block(uint32_t i) const {
    return reinterpret_cast<tpacket_block_desc*>(ring_ + static_cast<size_t>(i) * kBlockSize);
  }
  void ReleaseBlock() noexcept;
  RxResult CopyFrame(const tpacket3_hdr* h, rte_mbuf* m) noexcept;
  static void Bump(std::atomic<uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  rte_mempool* const pool_;
  int fd_ = -1;
  uint8_t* ring_ = nullptr;
  // Reader state, PMD only: the block read next and, while one is open,
  // its next frame and how many are left.
  uint32_t block_ = 0;
  const tpacket3_hdr* next_ = nullptr;
  uint32_t left_ = 0;

  rte_spinlock_t tx_lock_ = RTE_SPINLOCK_INITIALIZER;
  mmsghdr msgs_[kBurstSize];
  iovec iov_[kBurstSize][kMaxIov];
  VnetHeader vnet_[kBurstSize];

  std::atomic<uint64_t> rx_truncated_{0};    // larger than a block
  std::atomic<uint64_t> rx_bad_offload_{0};  // a virtio-net header that does not fit the frame
  std::atomic<uint64_t> rx_no_mbufs_{0};     // polls that found the pool dry (frames wait)
  std::atomic<uint64_t> tx_errors_{0};       // sendmmsg calls that failed
  // PACKET_STATISTICS resets on every read: Info() keeps the sums.
  mutable uint64_t kernel_packets_ = 0;
  mutable uint64_t kernel_drops_ = 0;
};

}  // namespace switchyard::dp
