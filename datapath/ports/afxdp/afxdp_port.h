// Kernel port: an existing netdev (veth, TAP, NIC) attached through AF_XDP.
//
// Our XDP program (ebpf/) redirects every frame the netdev receives into
// this port's AF_XDP socket; the PMD copies it from the UMEM into an mbuf
// (a chain when it is larger than one). Transmit copies mbufs into UMEM
// frames on the socket's tx ring. Copy mode works on every netdev and
// carries frames of up to kMaxFrame bytes (a netdev MTU of 3822); one socket
// serves rx queue 0 (veth and TAP have one; frames on other queues are
// counted by the program as drop_no_xsk). Larger MTUs and checksum or
// segmentation offloads are AF_PACKET's (afpacket/).
//
// Thread context: Create, the destructor, Info and PollControl on the
// control thread; RxBurst on the PMD that owns the port; TxBurst on any PMD
// (a spinlock serialises the one tx ring; uncontended with one PMD).
// Removing the port detaches the program and leaves the netdev as it was.
#pragma once

#include <rte_spinlock.h>
#include <xdp/xsk.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "datapath/ports/kernel_netdev_port.h"
#include "ebpf/loader/xdp_port_program.h"

struct rte_mempool;

namespace switchyard::dp {

class AfXdpPort final : public KernelNetdevPort {
 public:
  static constexpr uint32_t kFrameSize = XSK_UMEM__DEFAULT_FRAME_SIZE;
  // A copy-mode rx frame gives up XDP_PACKET_HEADROOM of its chunk.
  static constexpr uint32_t kMaxFrame = kFrameSize - 256;

  static Status Create(const std::string& name, const std::string& netdev, rte_mempool* pool,
                       std::unique_ptr<AfXdpPort>* out);
  ~AfXdpPort() override;

  uint16_t RxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  uint16_t TxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  PortInfo Info() const override;
  void PollControl() override;

 private:
  static constexpr uint32_t kFrames = 4096;
  static constexpr uint32_t kRingSize = 2048;  // half the frames feed rx, half serve tx

  AfXdpPort(std::string name, std::string netdev, rte_mempool* pool)
      : KernelNetdevPort(std::move(name), std::move(netdev)), pool_(pool) {}
  Status Open();
  void ReclaimTxFrames() noexcept;

  rte_mempool* const pool_;
  std::unique_ptr<ebpf::XdpPortProgram> program_;
  void* area_ = nullptr;
  xsk_umem* umem_ = nullptr;
  xsk_socket* xsk_ = nullptr;
  xsk_ring_prod fill_{};
  xsk_ring_cons comp_{};
  xsk_ring_cons rx_{};
  xsk_ring_prod tx_{};
  std::vector<uint64_t> tx_free_;  // UMEM frames free for tx (a stack)
  rte_spinlock_t tx_lock_ = RTE_SPINLOCK_INITIALIZER;
  std::atomic<uint64_t> no_mbufs_{0};  // polls that found the packet pool dry (frames wait)
};

}  // namespace switchyard::dp
