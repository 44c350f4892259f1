#include "datapath/ports/internal/internal_device.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "common/log.h"
#include "datapath/platform/netlink_link.h"

namespace switchyard::dp {

namespace {

// For AF_XDP, which carries no offload state: the host stack must compute
// its checksums.
Status TxChecksumOff(const std::string& ifname) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Status(StatusCode::kUnavailable, "internal: socket: " + std::string(strerror(errno)));
  }
  ethtool_value value{ETHTOOL_STXCSUM, 0};
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  ifr.ifr_data = reinterpret_cast<char*>(&value);
  const bool ok = ioctl(fd, SIOCETHTOOL, &ifr) == 0;
  const int err = errno;
  close(fd);
  if (!ok) {
    return Status(StatusCode::kUnavailable, "internal: cannot turn tx checksum offload off on " +
                                                ifname + ": " + strerror(err));
  }
  return Status::Ok();
}

Status AddAddress(nl_sock* sock, int ifindex, const IpCidr& cidr) {
  nl_addr* local = nl_addr_build(cidr.family == IpCidr::Family::kIpv4 ? AF_INET : AF_INET6,
                                 cidr.bytes.data(), static_cast<size_t>(cidr.AddressBytes()));
  if (local == nullptr) {
    return Status(StatusCode::kResourceExhausted, "internal: out of memory");
  }
  nl_addr_set_prefixlen(local, cidr.length);
  rtnl_addr* addr = rtnl_addr_alloc();
  rtnl_addr_set_ifindex(addr, ifindex);
  int err = rtnl_addr_set_local(addr, local);
  if (err >= 0) {
    err = rtnl_addr_add(sock, addr, 0);
  }
  rtnl_addr_put(addr);
  nl_addr_put(local);
  if (err < 0) {
    return NlError("port.internal.addresses: cannot add " + cidr.ToString(), err);
  }
  return Status::Ok();
}

}  // namespace

Status InternalDevice::Create(const InternalConfig& config, std::unique_ptr<InternalDevice>* out) {
  const std::string peer = SwitchEnd(config.ifname);
  for (const std::string& name : {config.ifname, peer}) {
    if (if_nametoindex(name.c_str()) != 0) {
      return Status(StatusCode::kAlreadyExists, "port.internal.name: " + name + " exists");
    }
  }
  NlSocket sock;
  if (sock.get() == nullptr) {
    return Status(StatusCode::kUnavailable, "internal: no rtnetlink socket");
  }
  std::unique_ptr<InternalDevice> dev(new InternalDevice(config));
  rtnl_link* veth = rtnl_link_veth_alloc();
  rtnl_link_set_name(veth, config.ifname.c_str());
  rtnl_link_set_name(rtnl_link_veth_get_peer(veth), peer.c_str());
  int err = rtnl_link_add(sock.get(), veth, NLM_F_CREATE | NLM_F_EXCL);
  rtnl_link_veth_release(veth);
  if (err < 0) {
    return NlError("internal: cannot create " + config.ifname, err);
  }
  dev->created_ = true;  // from here a failure deletes the pair
  for (const std::string& name : {peer, config.ifname}) {
    if (Status s = SetLinkUp(sock.get(), name, config.mtu, "port.internal.mtu"); !s.ok()) {
      return s;
    }
  }
  if (!config.checksum_offload) {
    if (Status s = TxChecksumOff(config.ifname); !s.ok()) {
      return s;
    }
  }
  const int ifindex = static_cast<int>(if_nametoindex(config.ifname.c_str()));
  for (const IpCidr& cidr : config.addresses) {
    if (Status s = AddAddress(sock.get(), ifindex, cidr); !s.ok()) {
      return s;
    }
  }
  SY_INFO("internal " << config.ifname << ": created (switch end " << peer << ", "
                      << config.addresses.size() << " address(es))");
  *out = std::move(dev);
  return Status::Ok();
}

InternalDevice::~InternalDevice() {
  if (!created_) {
    return;
  }
  NlSocket sock;
  // Deleting one end of a veth pair deletes both.
  if (DeleteLink(sock.get(), config_.ifname).ok()) {
    SY_INFO("internal " << config_.ifname << ": deleted");
  }
}

}  // namespace switchyard::dp
