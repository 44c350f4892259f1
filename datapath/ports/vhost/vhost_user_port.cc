#include "datapath/ports/vhost/vhost_user_port.h"

#include <errno.h>
#include <rte_mbuf.h>
#include <rte_vhost.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>

#include "common/log.h"
#include "datapath/platform/dpdk/rcu.h"
#include "datapath/platform/unix_socket.h"

namespace switchyard::dp {

namespace {

// Socket path -> port, for librte_vhost callbacks that only carry a vid.
std::mutex registry_mu;
std::map<std::string, VhostUserPort*>& Registry() {
  static std::map<std::string, VhostUserPort*> registry;
  return registry;
}

// Virtqueue numbers of queue pair 0, named from the guest's side: we
// enqueue into its rx ring and dequeue from its tx ring. Only pair 0 is
// served; a guest with more pairs must keep to one (as virtio-user and
// QEMU do with queues=1).
constexpr uint16_t kGuestRxQueue = 0;
constexpr uint16_t kGuestTxQueue = 1;

// Offloads the datapath does not implement yet: a guest must not hand us
// partial checksums or GSO frames, nor expect them from us. Bit numbers
// from the virtio spec (linux/virtio_net.h cannot be compiled as C++).
enum VirtioNetFeature : int {
  kCsum = 0,
  kGuestCsum = 1,
  kGuestTso4 = 7,
  kGuestTso6 = 8,
  kGuestEcn = 9,
  kGuestUfo = 10,
  kHostTso4 = 11,
  kHostTso6 = 12,
  kHostEcn = 13,
  kHostUfo = 14,
};
constexpr uint64_t kDisabledFeatures =
    (1ULL << kCsum) | (1ULL << kGuestCsum) | (1ULL << kGuestTso4) | (1ULL << kGuestTso6) |
    (1ULL << kGuestEcn) | (1ULL << kGuestUfo) | (1ULL << kHostTso4) | (1ULL << kHostTso6) |
    (1ULL << kHostEcn) | (1ULL << kHostUfo);

}  // namespace

Status VhostUserPort::Create(const std::string& name, const VhostUserConfig& config,
                             rte_mempool* pool, Rcu* rcu, std::unique_ptr<VhostUserPort>* out) {
  const std::string& path = config.socket_path;
  if (config.client) {
    if (path.empty() || path[0] != '/' || path.size() >= sizeof(sockaddr_un::sun_path)) {
      return Status(StatusCode::kInvalidArgument,
                    "port.vhost_user.socket_path: must be absolute and shorter than 108 bytes: '" +
                        path + "'");
    }
  } else if (Status s = PrepareServerSocketPath(path); !s.ok()) {
    return Status(s.code(), "port.vhost_user.socket_path: " + s.message());
  }
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    if (Registry().count(path) != 0) {
      return Status(StatusCode::kAlreadyExists, "port.vhost_user.socket_path: " + path +
                                                    " is already used by port " +
                                                    Registry()[path]->name());
    }
  }
  std::unique_ptr<VhostUserPort> port(new VhostUserPort(name, config, pool, rcu));
  uint64_t flags = RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS;
  if (config.client) {
    flags |= RTE_VHOST_USER_CLIENT;  // reconnect is librte_vhost's default for clients
  }
  if (rte_vhost_driver_register(path.c_str(), flags) != 0) {
    return Status(StatusCode::kUnavailable, "vhost-user: cannot register socket " + path);
  }
  port->registered_ = true;  // from here the destructor unregisters
  if (rte_vhost_driver_disable_features(path.c_str(), kDisabledFeatures) != 0 ||
      rte_vhost_driver_callback_register(path.c_str(), DeviceOps()) != 0) {
    return Status(StatusCode::kInternal, "vhost-user: cannot configure socket " + path);
  }
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    Registry()[path] = port.get();
  }
  if (rte_vhost_driver_start(path.c_str()) != 0) {
    return Status(StatusCode::kUnavailable,
                  "vhost-user: cannot " +
                      std::string(config.client ? "connect to " : "listen on ") + path +
                      " (see the log line above)");
  }
  if (!config.client &&
      (chmod(path.c_str(), 0660) != 0 ||
       (config.socket_gid >= 0 &&
        chown(path.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(config.socket_gid)) != 0))) {
    return Status(StatusCode::kUnavailable, "vhost-user: cannot set the mode or group of " + path +
                                                ": " + std::strerror(errno));
  }
  SY_INFO("port " << name << ": vhost-user " << (config.client ? "client of " : "server on ")
                  << path);
  *out = std::move(port);
  return Status::Ok();
}

VhostUserPort::~VhostUserPort() {
  if (registered_) {
    // May call OnDestroyDevice on this thread for a connected guest.
    rte_vhost_driver_unregister(config_.socket_path.c_str());
  }
  std::lock_guard<std::mutex> lock(registry_mu);
  auto it = Registry().find(config_.socket_path);
  if (it != Registry().end() && it->second == this) {
    Registry().erase(it);
  }
}

uint16_t VhostUserPort::RxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept {
  const int vid = vid_.load(std::memory_order_acquire);
  if (vid < 0) {
    return 0;
  }
  return rte_vhost_dequeue_burst(vid, kGuestTxQueue, pool_, pkts, n);
}

uint16_t VhostUserPort::TxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept {
  const int vid = vid_.load(std::memory_order_acquire);
  uint16_t sent = 0;
  // librte_vhost serialises enqueues on one virtqueue with its own lock, so
  // several PMD threads may transmit to one guest.
  if (vid >= 0) {
    sent = rte_vhost_enqueue_burst(vid, kGuestRxQueue, pkts, n);
  }
  // Enqueue copies into guest memory and leaves the mbufs to us.
  rte_pktmbuf_free_bulk(pkts, n);
  return sent;
}

VhostUserPort* VhostUserPort::FindByVid(int vid) {
  char path[PATH_MAX];
  if (rte_vhost_get_ifname(vid, path, sizeof(path)) != 0) {
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(registry_mu);
  auto it = Registry().find(path);
  return it == Registry().end() ? nullptr : it->second;
}

int VhostUserPort::OnNewDevice(int vid) {
  VhostUserPort* port = FindByVid(vid);
  if (port == nullptr) {
    SY_WARN("vhost-user: new device " << vid << " on an unknown socket");
    return -1;
  }
  // We poll: the guest need not kick us.
  for (uint16_t q = 0; q < rte_vhost_get_vring_num(vid); ++q) {
    rte_vhost_enable_guest_notification(vid, q, 0);
  }
  port->vid_.store(vid, std::memory_order_release);
  port->connects_.fetch_add(1, std::memory_order_release);
  SY_INFO("port " << port->name_ << ": guest connected (vhost device " << vid << ")");
  return 0;
}

void VhostUserPort::OnDestroyDevice(int vid) {
  VhostUserPort* port = FindByVid(vid);
  if (port == nullptr) {
    return;
  }
  port->vid_.store(-1, std::memory_order_release);
  // No PMD may still be inside a burst on this vid when we return and
  // librte_vhost frees the device.
  port->rcu_->Synchronize();
  port->disconnects_.fetch_add(1, std::memory_order_release);
  SY_INFO("port " << port->name_ << ": guest disconnected");
}

int VhostUserPort::OnVringStateChanged(int, uint16_t, int) {
  // Disabled rings make enqueue/dequeue return 0; nothing to do.
  return 0;
}

const rte_vhost_device_ops* VhostUserPort::DeviceOps() {
  static const rte_vhost_device_ops ops = [] {
    rte_vhost_device_ops o{};
    o.new_device = &VhostUserPort::OnNewDevice;
    o.destroy_device = &VhostUserPort::OnDestroyDevice;
    o.vring_state_changed = &VhostUserPort::OnVringStateChanged;
    return o;
  }();
  return &ops;
}

}  // namespace switchyard::dp
