#include "datapath/ports/tap/tap_device.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "common/log.h"
#include "datapath/platform/netlink_link.h"

namespace switchyard::dp {

namespace {

Status Errno(const std::string& what) {
  return Status(StatusCode::kUnavailable, what + ": " + std::strerror(errno));
}

bool IsTunTap(const std::string& ifname) {
  struct stat st;
  return stat(("/sys/class/net/" + ifname + "/tun_flags").c_str(), &st) == 0;
}

std::string AliasPath(const std::string& ifname) { return "/sys/class/net/" + ifname + "/ifalias"; }

bool HasOurMark(const std::string& ifname) {
  char buf[64] = {};
  const int fd = open(AliasPath(ifname).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  const ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  std::string alias(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!alias.empty() && alias.back() == '\n') {
    alias.pop_back();
  }
  return alias == kTapMark;
}

bool Mark(const std::string& ifname) {
  const int fd = open(AliasPath(ifname).c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  const bool ok =
      write(fd, kTapMark, sizeof(kTapMark) - 1) == static_cast<ssize_t>(sizeof(kTapMark) - 1);
  close(fd);
  return ok;
}

// Opens /dev/net/tun attached to `ifname` with `flags`; -1 and errno set on
// failure.
int OpenTap(const std::string& ifname, short flags) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return -1;
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  ifr.ifr_flags = flags;
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

// How long to wait for a deleted TAP to be gone: 2 s in 5 ms steps.
constexpr int kGoneWaitSteps = 400;
constexpr useconds_t kGoneWaitStepUs = 5000;

short TapFlags(bool multi_queue) {
  return static_cast<short>(IFF_TAP | IFF_NO_PI | (multi_queue ? IFF_MULTI_QUEUE : 0));
}

}  // namespace

Status TapDevice::Create(const TapConfig& config, std::unique_ptr<TapDevice>* out) {
  std::unique_ptr<TapDevice> tap(new TapDevice(config));
  const bool exists = if_nametoindex(config.ifname.c_str()) != 0;
  if (exists && !IsTunTap(config.ifname)) {
    return Status(StatusCode::kAlreadyExists,
                  "port.tap.name: " + config.ifname + " exists and is not a TAP device");
  }
  tap->adopted_ = exists;
  tap->foreign_ = exists && !HasOurMark(config.ifname) && !config.restoring;
  if (tap->foreign_ && !config.adopt) {
    return Status(StatusCode::kFailedPrecondition,
                  "port.tap.name: TAP " + config.ifname +
                      " exists and was not made by the switch (a VM's or another tool's); set "
                      "tap.adopt (yardctl --tap-adopt) to take it over");
  }
  if (exists && !tap->foreign_) {
    return TakeOver(std::move(tap), out);
  }
  int fd = OpenTap(config.ifname, TapFlags(config.multi_queue));
  // A device of that name still being deleted (by someone else) is busy
  // for a moment.
  for (int i = 0; i < kGoneWaitSteps && fd < 0 && errno == EBUSY; ++i) {
    usleep(kGoneWaitStepUs);
    fd = OpenTap(config.ifname, TapFlags(config.multi_queue));
  }
  if (fd < 0) {
    return Errno("port.tap: cannot create TAP " + config.ifname);
  }
  Status s;
  if (tap->foreign_) {
    close(fd);  // as found: its owner decides when it goes
    NlSocket sock;
    s = SetLinkUp(sock.get(), config.ifname, 0, "port.tap.mtu");
    if (!s.ok()) {
      return s;
    }
    SY_INFO("tap " << config.ifname << ": adopted (not made by the switch; left in place)");
    *out = std::move(tap);
    return Status::Ok();
  }
  // From here the destructor deletes the device if a later step fails.
  tap->owned_ = true;
  if (!Mark(config.ifname)) {
    SY_WARN("tap " << config.ifname << ": cannot set its ifalias to " << kTapMark
                   << "; a restart will take it over only from the saved config");
  }
  if (ioctl(fd, TUNSETPERSIST, 1) != 0) {
    s = Errno("port.tap: cannot make " + config.ifname + " persistent");
  } else if (config.owner_uid >= 0 && ioctl(fd, TUNSETOWNER, config.owner_uid) != 0) {
    s = Errno("port.tap.owner_uid: cannot give " + config.ifname + " to uid " +
              std::to_string(config.owner_uid));
  }
  close(fd);  // the device persists; QEMU opens it by name
  if (s.ok()) {
    NlSocket sock;
    s = SetLinkUp(sock.get(), config.ifname, config.mtu, "port.tap.mtu");
  }
  if (!s.ok()) {
    return s;  // `tap` deletes the device on the way out
  }
  SY_INFO("tap " << config.ifname << ": " << (tap->adopted_ ? "taken over" : "created")
                 << (config.multi_queue ? " (multi-queue)" : ""));
  *out = std::move(tap);
  return Status::Ok();
}

Status TapDevice::TakeOver(std::unique_ptr<TapDevice> tap, std::unique_ptr<TapDevice>* out) {
  const TapConfig& config = tap->config_;
  // Persistent, and ours: no fd of the switch's keeps it, so none is
  // opened now. A running guest may hold a single-queue TAP's only queue,
  // which refuses a second (EBUSY); the switch reaches the TAP through its
  // netdev, as always.
  tap->owned_ = true;
  if (!HasOurMark(config.ifname) && !Mark(config.ifname)) {
    SY_WARN("tap " << config.ifname << ": cannot set its ifalias to " << kTapMark);
  }
  NlSocket sock;
  if (Status s = SetLinkUp(sock.get(), config.ifname, config.mtu, "port.tap.mtu"); !s.ok()) {
    tap->owned_ = false;  // as it was: the next start tries again
    return s;
  }
  SY_INFO("tap " << config.ifname << ": taken over"
                 << (config.multi_queue ? " (multi-queue)" : ""));
  *out = std::move(tap);
  return Status::Ok();
}

TapDevice::~TapDevice() {
  if (!owned_) {
    return;
  }
  // RTM_DELLINK: gone now, even while a guest holds it open (clearing
  // TUNSETPERSIST would wait for the guest's last fd, and a single-queue
  // TAP that a guest holds cannot be opened to clear it at all).
  NlSocket sock;
  if (Status s = DeleteLink(sock.get(), config_.ifname); !s.ok()) {
    SY_WARN("tap " << config_.ifname << ": " << s.message());
    return;
  }
  // The kernel unregisters it in the background while references drain
  // (an AF_XDP socket's): wait, so that a TAP of the same name made next
  // (a port deleted and added again) does not meet the old one, busy.
  for (int i = 0; i < kGoneWaitSteps && if_nametoindex(config_.ifname.c_str()) != 0; ++i) {
    usleep(kGoneWaitStepUs);
  }
  SY_INFO("tap " << config_.ifname << ": deleted");
}

}  // namespace switchyard::dp
