#include "datapath/platform/netlink_link.h"

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

namespace switchyard {

NlSocket::NlSocket() : sock_(nl_socket_alloc()) {
  if (sock_ != nullptr && nl_connect(sock_, NETLINK_ROUTE) != 0) {
    nl_socket_free(sock_);
    sock_ = nullptr;
  }
}

NlSocket::~NlSocket() {
  if (sock_ != nullptr) {
    nl_socket_free(sock_);
  }
}

Status NlError(const std::string& what, int err) {
  return Status(StatusCode::kUnavailable, what + ": " + nl_geterror(err));
}

Status SetLinkUp(nl_sock* sock, const std::string& ifname, uint32_t mtu,
                 std::string_view mtu_field) {
  if (sock == nullptr) {
    return Status(StatusCode::kUnavailable, "no rtnetlink socket to set up " + ifname);
  }
  rtnl_link* link = nullptr;
  if (int err = rtnl_link_get_kernel(sock, 0, ifname.c_str(), &link); err < 0) {
    return NlError("cannot find " + ifname, err);
  }
  rtnl_link* change = rtnl_link_alloc();
  if (mtu != 0) {
    rtnl_link_set_mtu(change, mtu);
  }
  rtnl_link_set_flags(change, IFF_UP);
  const int err = rtnl_link_change(sock, link, change, 0);
  rtnl_link_put(change);
  rtnl_link_put(link);
  if (err < 0 && mtu != 0) {
    return Status(
        StatusCode::kInvalidArgument,
        std::string(mtu_field) + ": " + std::to_string(mtu) + " refused: " + nl_geterror(err));
  }
  if (err < 0) {
    return NlError("cannot bring " + ifname + " up", err);
  }
  return Status::Ok();
}

Status DeleteLink(nl_sock* sock, const std::string& ifname) {
  if (sock == nullptr) {
    return Status(StatusCode::kUnavailable, "no rtnetlink socket to delete " + ifname);
  }
  rtnl_link* link = rtnl_link_alloc();
  rtnl_link_set_name(link, ifname.c_str());
  const int err = rtnl_link_delete(sock, link);
  rtnl_link_put(link);
  if (err < 0) {
    return NlError("cannot delete " + ifname, err);
  }
  return Status::Ok();
}

}  // namespace switchyard
