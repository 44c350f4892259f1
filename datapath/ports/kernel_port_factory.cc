#include "datapath/ports/kernel_port_factory.h"

#include <net/if.h>

#include "common/log.h"
#include "datapath/ports/afpacket/afpacket_port.h"
#include "datapath/ports/afxdp/afxdp_port.h"

namespace switchyard::dp {

namespace {

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
  const uint32_t mtu = ReadNetdev(netdev).mtu;
  if (mtu + Port::kFrameOverhead > AfXdpPort::kMaxFrame) {
    why = "MTU " + std::to_string(mtu) + " is more than AF_XDP carries (" +
          std::to_string(AfXdpPort::kMaxFrame - Port::kFrameOverhead) + ")";
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
