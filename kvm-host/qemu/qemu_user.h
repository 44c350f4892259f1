// The unprivileged user QEMU runs as (`yard-kvmd --qemu-user NAME`), and
// whether that user can reach the files QEMU needs once it has dropped
// root.
//
// QEMU starts as root, opens /dev/kvm, the TAPs, its disks, its sockets and
// its pidfile, connects to the switch's vhost-user sockets, and then, just
// before the guest runs, becomes NAME (`-runas NAME`: setgid, initgroups,
// setuid). From then on it can open only what NAME may: the vhost-user
// sockets again when the switch restarts (QEMU reconnects), and the disk
// images if QEMU reopens them. CheckAccess() says before QEMU starts
// whether NAME could, so that a VM fails to start with a sentence saying
// what to change instead of losing its network at the switch's next
// restart.
//
// The check reads mode bits (owner, group, other) as the kernel would for
// NAME's uid, primary group and supplementary groups; ACLs and capabilities
// are not considered.
//
// Thread context: any thread; LookUpUser uses the thread-safe reentrant
// NSS calls.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace switchyard::kvm {

struct QemuUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;              // primary group
  std::vector<gid_t> groups;  // every group, the primary one included (getgrouplist)
};

// Finds `name` in the user database. NOT_FOUND ("no user 'x'") when there
// is none or the database cannot be read; *out is then unchanged.
Status LookUpUser(const std::string& name, QemuUser* out);

// Whether a file of `mode` owned by `owner`:`group` lets `user` do `want`
// (a mask of R_OK, W_OK, X_OK): the owner's bits when the user owns it,
// else the group's when the user is in the group, else the others'. uid 0
// may do anything.
bool ModeAllows(mode_t mode, uid_t owner, gid_t group, const QemuUser& user, int want);

// Whether `user` can reach `path` (search permission on every directory
// from / down, symbolic links resolved) and do `want` on it. OK when it
// can; else FAILED_PRECONDITION with a sentence naming the first directory
// or the file that stops it, with its mode, owner and group ("qemu cannot
// enter /srv/vm (mode 0700, owner root, group root)"). A `path` that does
// not exist fails the same way, naming it.
Status CheckAccess(const QemuUser& user, const std::string& path, int want);

}  // namespace switchyard::kvm
