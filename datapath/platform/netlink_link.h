// Link settings through libnl3 (rtnetlink): the one way the switch changes
// the netdevs it makes (TAP devices, internal veth pairs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

struct nl_sock;

namespace switchyard {

// An rtnetlink socket for one operation; get() is null when none could be made.
class NlSocket {
 public:
  NlSocket();
  ~NlSocket();
  NlSocket(const NlSocket&) = delete;
  NlSocket& operator=(const NlSocket&) = delete;
  nl_sock* get() const { return sock_; }

 private:
  nl_sock* sock_;
};

// UNAVAILABLE with libnl's text for `err`.
Status NlError(const std::string& what, int err);

// Sets the MTU (when non-zero) and IFF_UP on `ifname`. A refused MTU is
// INVALID_ARGUMENT naming `mtu_field`.
Status SetLinkUp(nl_sock* sock, const std::string& ifname, uint32_t mtu,
                 std::string_view mtu_field);

// Deletes `ifname` (RTM_DELLINK): a TAP even while a process holds it
// open, and both ends of a veth pair.
Status DeleteLink(nl_sock* sock, const std::string& ifname);

}  // namespace switchyard
