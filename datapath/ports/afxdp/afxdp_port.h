// Kernel port: an existing netdev (veth, TAP, NIC) attached through AF_XDP.
//
// Our XDP program (ebpf/) redirects every frame the netdev receives into
// this port's AF_XDP socket; the PMD copies it from the UMEM into an mbuf.
// Transmit copies mbufs into UMEM frames on the socket's tx ring. Copy mode
// works on every netdev; one socket serves rx queue 0 (veth and TAP have
// one; frames on other queues are counted by the program as drop_no_xsk).
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

#include "datapath/core/status.h"
#include "datapath/ports/kernel_device.h"
#include "datapath/ports/port.h"
#include "ebpf/loader/xdp_port_program.h"

struct rte_mempool;

namespace switchyard::dp {

class AfXdpPort final : public Port {
 public:
  // `owned`, when given, is the device `netdev` belongs to (a TAP, an
  // internal veth pair); the port deletes it after detaching.
  static Status Create(const std::string& name, const std::string& netdev, rte_mempool* pool,
                       std::unique_ptr<AfXdpPort>* out,
                       std::unique_ptr<KernelDevice> owned = nullptr);
  ~AfXdpPort() override;

  uint16_t RxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  uint16_t TxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  bool LinkUp() const noexcept override { return link_up_.load(std::memory_order_relaxed); }
  PortInfo Info() const override;
  void PollControl() override;
  bool Vanished() const override;
  // Carries link up/down counts over from the port this one replaces; the
  // next PollControl() then counts this port's link coming up.
  void ContinueLinkCounts(const PortInfo& previous) {
    ups_ = previous.connects;
    downs_ = previous.disconnects;
    link_up_.store(false, std::memory_order_relaxed);
  }

 private:
  static constexpr uint32_t kFrames = 4096;
  static constexpr uint32_t kFrameSize = XSK_UMEM__DEFAULT_FRAME_SIZE;
  static constexpr uint32_t kRingSize = 2048;  // half the frames feed rx, half serve tx

  AfXdpPort(std::string name, std::string netdev, rte_mempool* pool)
      : name_(std::move(name)), netdev_(std::move(netdev)), pool_(pool) {}
  Status Open();
  void ReclaimTxFrames() noexcept;

  const std::string name_;
  const std::string netdev_;
  rte_mempool* const pool_;
  std::unique_ptr<KernelDevice> owned_;  // declared first: deleted after everything on it
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
  std::atomic<bool> link_up_{false};
  std::atomic<uint64_t> oversize_{0};
  std::atomic<uint64_t> no_mbufs_{0};  // polls that found the packet pool dry (frames wait)
  uint64_t ups_ = 0;
  uint64_t downs_ = 0;
  unsigned ifindex_ = 0;  // of the netdev at attach time
};

}  // namespace switchyard::dp
