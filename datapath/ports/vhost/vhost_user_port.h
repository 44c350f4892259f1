// vhost-user port: a guest's virtio-net device, reached through librte_vhost
// directly rather than the net_vhost ethdev (Debian's DPDK caps a process at
// 32 ethdevs, and the device callbacks here are what the removal handshake
// needs; see docs/architecture.md).
//
// Server mode: the switch creates the socket and the guest connects.
// Client mode: the switch connects to the guest's socket and reconnects
// (librte_vhost retries every second) whenever the guest comes back.
//
// Thread context: Create and the destructor run on the control thread; the
// device callbacks on librte_vhost's event thread; Rx/TxBurst on PMDs.
// A guest that goes away: the destroy callback marks the port down and
// waits for an RCU grace period before librte_vhost frees the device, so no
// PMD is inside an enqueue/dequeue on a freed device.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "common/status.h"
#include "datapath/ports/port.h"

struct rte_mempool;
struct rte_vhost_device_ops;

namespace switchyard::dp {

class Rcu;

struct VhostUserConfig {
  std::string socket_path;
  bool client = false;  // false: server mode
  // Server mode: the socket is made 0660, of this group (-1: the daemon's),
  // whatever the daemon's umask: only root and the group (QEMU's) connect.
  int socket_gid = -1;
};

class VhostUserPort final : public Port {
 public:
  static Status Create(const std::string& name, const VhostUserConfig& config, rte_mempool* pool,
                       Rcu* rcu, std::unique_ptr<VhostUserPort>* out);
  ~VhostUserPort() override;

  uint16_t RxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  uint16_t TxBurst(uint16_t pmd, rte_mbuf** pkts, uint16_t n) noexcept override;
  bool LinkUp() const noexcept override { return vid_.load(std::memory_order_acquire) >= 0; }
  PortInfo Info() const override {
    PortInfo info;
    info.disconnects = disconnects();
    info.connects = connects();
    info.driver = "vhost-user";
    return info;
  }

  // How many times a guest has connected and disconnected: a control thread
  // that polls can tell every session, however short.
  uint64_t connects() const { return connects_.load(std::memory_order_acquire); }
  uint64_t disconnects() const { return disconnects_.load(std::memory_order_acquire); }
  const std::string& name() const { return name_; }
  const VhostUserConfig& config() const { return config_; }

 private:
  VhostUserPort(std::string name, VhostUserConfig config, rte_mempool* pool, Rcu* rcu)
      : name_(std::move(name)), config_(std::move(config)), pool_(pool), rcu_(rcu) {}

  static int OnNewDevice(int vid);
  static void OnDestroyDevice(int vid);
  static int OnVringStateChanged(int vid, uint16_t queue, int enable);
  static VhostUserPort* FindByVid(int vid);
  static const rte_vhost_device_ops* DeviceOps();

  const std::string name_;
  const VhostUserConfig config_;
  rte_mempool* const pool_;
  Rcu* const rcu_;
  bool registered_ = false;
  std::atomic<int> vid_{-1};
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> disconnects_{0};
};

}  // namespace switchyard::dp
