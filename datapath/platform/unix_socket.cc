#include "datapath/platform/unix_socket.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/log.h"

namespace switchyard {

Status PrepareServerSocketPath(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return Status(StatusCode::kInvalidArgument, "path must be absolute: '" + path + "'");
  }
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Status(StatusCode::kInvalidArgument,
                  "path longer than " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                      " bytes: " + path);
  }
  const std::string dir = path.substr(0, path.rfind('/'));
  struct stat st;
  if (!dir.empty() && (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    return Status(StatusCode::kFailedPrecondition, "directory " + dir + " does not exist");
  }
  if (lstat(path.c_str(), &st) != 0) {
    return Status::Ok();
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status(StatusCode::kFailedPrecondition, path + " exists and is not a socket");
  }
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) {
    return Status(StatusCode::kUnavailable, std::string("socket(): ") + strerror(errno));
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  const bool live = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  if (live) {
    return Status(StatusCode::kAlreadyExists, path + " is in use by another process");
  }
  // Left behind by a process that died: safe to take over.
  if (unlink(path.c_str()) != 0) {
    return Status(StatusCode::kFailedPrecondition,
                  "cannot remove stale socket " + path + ": " + strerror(errno));
  }
  SY_INFO("removed stale socket " << path);
  return Status::Ok();
}

}  // namespace switchyard
