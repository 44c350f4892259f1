#include "datapath/platform/link_watcher.h"

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace switchyard {

Status LinkWatcher::Start() {
  sock_ = nl_socket_alloc();
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  if (sock_ == nullptr || stop_fd_ < 0) {
    return Status(StatusCode::kUnavailable, "link watcher: cannot allocate a netlink socket");
  }
  nl_socket_disable_seq_check(sock_);  // notifications carry no sequence
  if (int err = nl_connect(sock_, NETLINK_ROUTE); err < 0) {
    return Status(StatusCode::kUnavailable,
                  std::string("link watcher: rtnetlink: ") + nl_geterror(err));
  }
  if (int err = nl_socket_add_membership(sock_, RTNLGRP_LINK); err < 0) {
    return Status(StatusCode::kUnavailable,
                  std::string("link watcher: RTNLGRP_LINK: ") + nl_geterror(err));
  }
  nl_socket_set_nonblocking(sock_);
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

LinkWatcher::~LinkWatcher() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(stop_fd_, &one, sizeof(one));
    thread_.join();
  }
  if (sock_ != nullptr) {
    nl_socket_free(sock_);
  }
  if (stop_fd_ >= 0) {
    close(stop_fd_);
  }
}

void LinkWatcher::Run() {
  pollfd fds[2] = {{nl_socket_get_fd(sock_), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  while (true) {
    if (poll(fds, 2, -1) < 0) {
      continue;  // EINTR
    }
    if (fds[1].revents != 0) {
      return;
    }
    // Every message of the group is a link change; drain them (an overrun
    // error means the same), then wake the control thread once.
    nl_recvmsgs_default(sock_);
    on_change_();
  }
}

}  // namespace switchyard
