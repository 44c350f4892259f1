#include "datapath/ports/kernel_netdev_port.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace switchyard::dp {

NetdevState ReadNetdev(const std::string& ifname) {
  NetdevState state;
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return state;
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  state.up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP) &&
             (ifr.ifr_flags & IFF_RUNNING);
  if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0) {
    state.mtu = static_cast<uint32_t>(ifr.ifr_mtu);
  }
  close(fd);
  return state;
}

KernelNetdevPort::KernelNetdevPort(std::string name, std::string netdev)
    : name_(std::move(name)),
      netdev_(std::move(netdev)),
      ifindex_(if_nametoindex(netdev_.c_str())) {}

void KernelNetdevPort::PollControl() {
  const NetdevState state = ReadNetdev(netdev_);
  if (state.mtu > 0) {
    set_max_frame(state.mtu + kFrameOverhead);
  }
  if (state.up != link_up_.load(std::memory_order_relaxed)) {
    link_up_.store(state.up, std::memory_order_relaxed);
    (state.up ? ups_ : downs_)++;
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
