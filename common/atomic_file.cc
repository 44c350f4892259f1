#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace switchyard {

namespace {

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

Status Errno(const std::string& what) {
  return Status(StatusCode::kUnavailable, what + ": " + std::strerror(errno));
}

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Errno("cannot write " + tmp);
  }
  const bool written = WriteAll(fd, data) && fsync(fd) == 0;
  const int saved_errno = errno;
  close(fd);
  if (!written) {
    errno = saved_errno;
    unlink(tmp.c_str());
    return Errno("cannot write " + tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Status why = Errno("cannot replace " + path);
    unlink(tmp.c_str());
    return why;
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  int dir_fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);  // makes the rename itself durable
    close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace switchyard
