#include "kvm-host/qemu/qemu_user.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

namespace switchyard::kvm {

namespace {

std::string NameOfUser(uid_t uid) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);
}

std::string NameOfGroup(gid_t gid) {
  std::vector<char> buf(16384);
  group gr{};
  group* found = nullptr;
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->gr_name;
  }
  return std::to_string(gid);
}

// "(mode 0700, owner root, group kvm)"
std::string Describe(const struct stat& st) {
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return std::string("(mode ") + mode + ", owner " + NameOfUser(st.st_uid) + ", group " +
         NameOfGroup(st.st_gid) + ")";
}

std::string Wanted(int want) {
  std::string out;
  auto add = [&out](const char* what) { out += (out.empty() ? "" : " and ") + std::string(what); };
  if ((want & R_OK) != 0) {
    add("read");
  }
  if ((want & W_OK) != 0) {
    add("write");
  }
  if ((want & X_OK) != 0) {
    add("execute");
  }
  return out;
}

Status Refused(std::string why) { return Status(StatusCode::kFailedPrecondition, std::move(why)); }

}  // namespace

Status LookUpUser(const std::string& name, QemuUser* out) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr) {
    return Status(
        StatusCode::kNotFound,
        "no user '" + name + "'" + (rc != 0 ? std::string(": ") + std::strerror(rc) : ""));
  }
  QemuUser u;
  u.name = name;
  u.uid = found->pw_uid;
  u.gid = found->pw_gid;
  int count = 64;
  for (int tries = 0; tries < 4; ++tries) {
    u.groups.assign(static_cast<size_t>(count), 0);
    int n = count;
    if (getgrouplist(name.c_str(), u.gid, u.groups.data(), &n) >= 0) {
      u.groups.resize(static_cast<size_t>(n));
      break;
    }
    count = std::max(n, count * 2);  // too small: n is the number needed
    u.groups.clear();
  }
  if (std::find(u.groups.begin(), u.groups.end(), u.gid) == u.groups.end()) {
    u.groups.push_back(u.gid);
  }
  *out = std::move(u);
  return Status::Ok();
}

bool ModeAllows(mode_t mode, uid_t owner, gid_t group, const QemuUser& user, int want) {
  if (user.uid == 0) {
    return true;
  }
  int bits;
  if (owner == user.uid) {
    bits = static_cast<int>((mode >> 6) & 7);
  } else if (group == user.gid ||
             std::find(user.groups.begin(), user.groups.end(), group) != user.groups.end()) {
    bits = static_cast<int>((mode >> 3) & 7);
  } else {
    bits = static_cast<int>(mode & 7);
  }
  // R_OK, W_OK and X_OK are 4, 2 and 1, as the mode's bits are.
  return (bits & want) == want;
}

Status CheckAccess(const QemuUser& user, const std::string& path, int want) {
  std::unique_ptr<char, decltype(&std::free)> real(realpath(path.c_str(), nullptr), &std::free);
  if (real == nullptr) {
    return Refused(path + ": " + std::strerror(errno));
  }
  const std::string resolved = real.get();
  struct stat st {};
  // Every directory from / down to the file's own needs search permission.
  for (size_t slash = 0; slash != std::string::npos && slash < resolved.size();
       slash = resolved.find('/', slash + 1)) {
    const std::string dir = slash == 0 ? "/" : resolved.substr(0, slash);
    if (stat(dir.c_str(), &st) != 0) {
      return Refused(dir + ": " + std::strerror(errno));
    }
    if (!ModeAllows(st.st_mode, st.st_uid, st.st_gid, user, X_OK)) {
      return Refused(user.name + " cannot enter " + dir + " " + Describe(st));
    }
  }
  if (stat(resolved.c_str(), &st) != 0) {
    return Refused(resolved + ": " + std::strerror(errno));
  }
  if (!ModeAllows(st.st_mode, st.st_uid, st.st_gid, user, want)) {
    return Refused(user.name + " cannot " + Wanted(want) + " " + resolved + " " + Describe(st));
  }
  return Status::Ok();
}

}  // namespace switchyard::kvm
