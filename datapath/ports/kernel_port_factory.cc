#include "datapath/ports/kernel_port_factory.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "datapath/core/log.h"
#include "datapath/ports/afpacket/afpacket_port.h"
#include "datapath/ports/afxdp/afxdp_port.h"

namespace switchyard::dp {

namespace {

// The netdev's MTU; 0 when it cannot be read.
uint32_t NetdevMtu(const std::string& ifname) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return 0;
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  const bool ok = ioctl(fd, SIOCGIFMTU, &ifr) == 0;
  close(fd);
  return ok && ifr.ifr_mtu > 0 ? static_cast<uint32_t>(ifr.ifr_mtu) : 0;
}

Status OpenAfXdp(const std::string& name, const std::string& netdev, rte_mempool* pool,
                 std::unique_ptr<KernelNetdevPort>* out) {
  std::unique_ptr<AfXdpPort> port;
  Status s = AfXdpPort::Create(name, netdev, pool, &port);
  *out = std::move(port);
  return s;
}

Status OpenAfPacket(const std::string& name, const std::string& netdev, rte_mempool* pool,
                    std::unique_ptr<KernelNetdevPort>* out) {
  std::unique_ptr<AfPacketPort> port;
  Status s = AfPacketPort::Create(name, netdev, pool, &port);
  *out = std::move(port);
  return s;
}

}  // namespace

Status OpenKernelPort(const std::string& name, const std::string& netdev, KernelDriver driver,
                      rte_mempool* pool, std::unique_ptr<KernelNetdevPort>* out) {
  if (if_nametoindex(netdev.c_str()) == 0) {
    return Status(StatusCode::kNotFound, "port.kernel.netdev: '" + netdev + "' does not exist");
  }
  if (driver == KernelDriver::kAfXdp) {
    return OpenAfXdp(name, netdev, pool, out);
  }
  if (driver == KernelDriver::kAfPacket) {
    return OpenAfPacket(name, netdev, pool, out);
  }
  std::string why;
  const uint32_t mtu = NetdevMtu(netdev);
  if (mtu + 14 + 4 > AfXdpPort::kMaxFrame) {
    why = "MTU " + std::to_string(mtu) + " is more than AF_XDP carries (" +
          std::to_string(AfXdpPort::kMaxFrame - 18) + ")";
  } else {
    Status s = OpenAfXdp(name, netdev, pool, out);
    if (s.ok()) {
      return s;
    }
    why = "AF_XDP failed: " + s.message();
  }
  Status s = OpenAfPacket(name, netdev, pool, out);
  if (!s.ok()) {
    return Status(s.code(), s.message() + " (after " + why + ")");
  }
  SY_WARN("port " << name << ": AF_PACKET instead of AF_XDP: " << why);
  (*out)->set_fallback_reason(why);
  return s;
}

}  // namespace switchyard::dp
