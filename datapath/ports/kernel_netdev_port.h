// What every port on a kernel netdev shares, whatever moves its frames
// (AF_XDP or AF_PACKET): the link state and MTU read off the netdev, the
// test for a netdev that was deleted, and the device the switch made for
// the port (a TAP, an internal veth pair), deleted after the port closed.
//
// Thread context: control thread, except LinkUp() and max_frame().
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "datapath/ports/kernel_device.h"
#include "datapath/ports/port.h"

namespace switchyard::dp {

// What a netdev says of itself: up and running, and its MTU (0 when it
// cannot be read).
struct NetdevState {
  bool up = false;
  uint32_t mtu = 0;
};
NetdevState ReadNetdev(const std::string& ifname);

class KernelNetdevPort : public Port {
 public:
  ~KernelNetdevPort() override = default;

  // The port deletes `device` when it goes, after closing its own socket
  // (members of this base outlive those of the concrete port).
  void TakeDevice(std::unique_ptr<KernelDevice> device) { device_ = std::move(device); }
  // The switch stops: see KernelDevice::Keep.
  void KeepDevice() {
    if (device_ != nullptr) {
      device_->Keep();
    }
  }

  bool LinkUp() const noexcept final { return link_up_.load(std::memory_order_relaxed); }
  // Link state and MTU, from the netdev's flags (IFF_UP and IFF_RUNNING).
  void PollControl() override;
  // Deleted, or deleted and made again: either way the socket is dead.
  bool Vanished() const final;

  // Carries link up/down counts over from the port this one replaces; the
  // next PollControl() then counts this port's link coming up.
  void ContinueLinkCounts(const PortInfo& previous);

  const std::string& netdev() const { return netdev_; }
  // Why this driver and not AF_XDP, when the choice was automatic.
  void set_fallback_reason(std::string reason) { fallback_reason_ = std::move(reason); }

 protected:
  KernelNetdevPort(std::string name, std::string netdev);
  // Link counts and fallback reason, for Info().
  PortInfo BaseInfo() const;

  const std::string name_;
  const std::string netdev_;
  const unsigned ifindex_;  // of the netdev when the port was made

 private:
  std::string fallback_reason_;
  std::unique_ptr<KernelDevice> device_;
  std::atomic<bool> link_up_{false};
  uint64_t ups_ = 0;
  uint64_t downs_ = 0;
};

}  // namespace switchyard::dp
