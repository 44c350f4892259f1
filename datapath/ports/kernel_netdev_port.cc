#include "datapath/ports/kernel_netdev_port.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace switchyard::dp {

KernelNetdevPort::KernelNetdevPort(std::string name, std::string netdev)
    : name_(std::move(name)),
      netdev_(std::move(netdev)),
      ifindex_(if_nametoindex(netdev_.c_str())) {}

void KernelNetdevPort::PollControl() {
  bool up = false;
  if (int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); fd >= 0) {
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, netdev_.c_str(), IFNAMSIZ - 1);
    up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP) &&
         (ifr.ifr_flags & IFF_RUNNING);
    if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0) {
      set_max_frame(static_cast<uint32_t>(ifr.ifr_mtu) + kFrameOverhead);
    }
    close(fd);
  }
  if (up != link_up_.load(std::memory_order_relaxed)) {
    link_up_.store(up, std::memory_order_relaxed);
    (up ? ups_ : downs_)++;
  }
}

bool KernelNetdevPort::Vanished() const { return if_nametoindex(netdev_.c_str()) != ifindex_; }

void KernelNetdevPort::ContinueLinkCounts(const PortInfo& previous) {
  ups_ = previous.connects;
  downs_ = previous.disconnects;
  link_up_.store(false, std::memory_order_relaxed);
}

PortInfo KernelNetdevPort::BaseInfo() const {
  PortInfo info;
  info.disconnects = downs_;
  info.connects = ups_;
  info.fallback_reason = fallback_reason_;
  return info;
}

}  // namespace switchyard::dp
