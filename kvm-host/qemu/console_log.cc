#include "kvm-host/qemu/console_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/error.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <utility>

namespace switchyard::kvm {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr mode_t kLogMode = 0640;

// The size of `path`, or 0 when it is not there.
uint64_t SizeOf(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Keeps the last `max` bytes of `path` (the newest output), moved to its
// start in place. Returns how many bytes were cut; 0 when it was no bigger
// or could not be changed.
uint64_t KeepTail(const std::string& path, uint64_t max) {
  const int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return 0;
  }
  struct stat st {};
  uint64_t cut = 0;
  if (fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) > max) {
    const off_t from = static_cast<off_t>(static_cast<uint64_t>(st.st_size) - max);
    std::array<char, 64 * 1024> buf;
    bool ok = true;
    for (off_t done = 0; ok && static_cast<uint64_t>(done) < max;) {
      const ssize_t n = pread(fd, buf.data(), buf.size(), from + done);
      ok = n > 0 && pwrite(fd, buf.data(), static_cast<size_t>(n), done) == n;
      done += n > 0 ? n : 0;
    }
    if (ok && ftruncate(fd, static_cast<off_t>(max)) == 0) {
      cut = static_cast<uint64_t>(from);
    }
  }
  close(fd);
  return cut;
}

}  // namespace

RotatingLog::RotatingLog(std::string path, ConsoleLogLimits limits)
    : path_(std::move(path)),
      limits_{std::max<uint64_t>(limits.file_bytes, 1), std::max(limits.files, 1)} {}

RotatingLog::~RotatingLog() { Close(); }

std::string RotatingLog::Numbered(int n) const {
  return n == 0 ? path_ : path_ + "." + std::to_string(n);
}

std::vector<std::string> RotatingLog::Files(const std::string& path, int files) {
  std::vector<std::string> out;
  for (int n = std::max(files, 1) - 1; n >= 0; --n) {
    std::string p = n == 0 ? path : path + "." + std::to_string(n);
    if (access(p.c_str(), F_OK) == 0) {
      out.push_back(std::move(p));
    }
  }
  return out;
}

bool RotatingLog::Open(std::string* error) {
  Close();
  // Left over from a larger `files`: beyond the bound.
  for (int n = limits_.files; access(Numbered(n).c_str(), F_OK) == 0; ++n) {
    const uint64_t size = SizeOf(Numbered(n));
    if (unlink(Numbered(n).c_str()) == 0) {
      counters_.dropped_bytes += size;
    }
  }
  for (int n = 0; n < limits_.files; ++n) {
    counters_.dropped_bytes += KeepTail(Numbered(n), limits_.file_bytes);
  }
  if (!OpenPath(0)) {
    if (error != nullptr) {
      *error = last_error_;
    }
    return false;
  }
  return true;
}

bool RotatingLog::OpenPath(int flags) {
  fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | flags, kLogMode);
  if (fd_ < 0) {
    last_error_ = "cannot open " + path_ + ": " + std::strerror(errno);
    size_ = 0;
    return false;
  }
  struct stat st {};
  size_ = fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return true;
}

void RotatingLog::Close() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

void RotatingLog::Failed(std::string why, uint64_t dropped) {
  last_error_ = std::move(why);
  counters_.dropped_bytes += dropped;
}

void RotatingLog::Rotate() {
  Close();
  // A new PATH, not a truncated one: whoever follows the log (yardctl vm
  // console, tail -F) sees another file take the name and reads the old
  // one's last lines first.
  const std::string oldest = Numbered(limits_.files - 1);
  const uint64_t gone = SizeOf(oldest);
  if (unlink(oldest.c_str()) == 0) {
    counters_.dropped_bytes += gone;
  } else if (errno != ENOENT) {
    last_error_ = "cannot delete " + oldest + ": " + std::strerror(errno);
  }
  for (int n = limits_.files - 2; n >= 0; --n) {
    if (rename(Numbered(n).c_str(), Numbered(n + 1).c_str()) != 0 && errno != ENOENT) {
      last_error_ = "cannot rename " + Numbered(n) + ": " + std::strerror(errno);
    }
  }
  ++counters_.rotations;
  OpenPath(O_TRUNC);
}

void RotatingLog::Write(std::string_view data) {
  if (fd_ < 0 && !OpenPath(0)) {
    counters_.dropped_bytes += data.size();
    return;
  }
  while (!data.empty()) {
    if (size_ >= limits_.file_bytes) {
      Rotate();
      if (fd_ < 0) {
        counters_.dropped_bytes += data.size();
        return;
      }
    }
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(data.size(), limits_.file_bytes - size_));
    const ssize_t w = write(fd_, data.data(), n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      Failed("cannot write " + path_ + ": " + std::strerror(w < 0 ? errno : EIO), data.size());
      return;
    }
    size_ += static_cast<uint64_t>(w);
    counters_.bytes += static_cast<uint64_t>(w);
    data.remove_prefix(static_cast<size_t>(w));
  }
}

// The reader's socket and log, shared with its in-flight handlers so that
// they find live memory after ~ConsoleReader(); handlers of an earlier
// connection see another generation and return.
class ConsoleReader::State : public std::enable_shared_from_this<State> {
 public:
  State(asio::io_context& io, std::string log_path, ConsoleLogLimits limits)
      : io_(io), socket_(io), log_(std::move(log_path), limits) {}

  void Connect(const std::string& path, ConnectFn on_connected);
  void Drain();
  void Close();
  bool connected() const { return connected_; }
  const ConsoleLogCounters& counters() const { return log_.counters(); }

  bool destroyed_ = false;

 private:
  bool Current(uint64_t generation) const { return !destroyed_ && generation == generation_; }
  void Done(ConnectFn fn, const error_code& ec, std::string error);
  void Read();
  void EndConnection();

  asio::io_context& io_;
  asio::local::stream_protocol::socket socket_;
  RotatingLog log_;
  bool log_opened_ = false;
  bool connecting_ = false;
  bool connected_ = false;
  uint64_t generation_ = 0;
  std::array<char, 64 * 1024> buf_{};
};

void ConsoleReader::State::Done(ConnectFn fn, const error_code& ec, std::string error) {
  if (!fn) {
    return;
  }
  asio::post(io_, [self = shared_from_this(), fn = std::move(fn), ec, error = std::move(error)] {
    if (!self->destroyed_) {
      fn(ec, error);
    }
  });
}

void ConsoleReader::State::Connect(const std::string& path, ConnectFn on_connected) {
  if (connecting_ || connected_) {
    Done(std::move(on_connected), asio::error::already_connected,
         "the console of " + path + " is already connected");
    return;
  }
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    Done(std::move(on_connected), asio::error::name_too_long,
         "console socket path " + path + " is longer than " +
             std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
    return;
  }
  connecting_ = true;
  const uint64_t generation = ++generation_;
  socket_.async_connect(
      asio::local::stream_protocol::endpoint(path),
      [self = shared_from_this(), generation, path,
       fn = std::move(on_connected)](const error_code& ec) mutable {
        if (!self->Current(generation)) {
          return;
        }
        self->connecting_ = false;
        if (ec) {
          error_code ignored;
          self->socket_.close(ignored);
          self->Done(std::move(fn), ec, "cannot connect to " + path + ": " + ec.message());
          return;
        }
        // The log only now: a console that is not there changes no file.
        std::string why;
        if (!self->log_opened_ && !self->log_.Open(&why)) {
          error_code ignored;
          self->socket_.close(ignored);
          self->Done(std::move(fn),
                     boost::system::errc::make_error_code(boost::system::errc::io_error), why);
          return;
        }
        self->log_opened_ = true;
        self->connected_ = true;
        self->Done(std::move(fn), ec, "");
        self->Read();
      });
}

void ConsoleReader::State::Read() {
  socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this(), generation = generation_](
                                                  const error_code& ec, size_t n) {
    if (!self->Current(generation)) {
      return;
    }
    if (n > 0) {
      self->log_.Write(std::string_view(self->buf_.data(), n));
    }
    if (ec) {
      self->EndConnection();  // QEMU closed it (exited), or Close()
      return;
    }
    self->Read();
  });
}

void ConsoleReader::State::Drain() {
  if (!connected_) {
    return;
  }
  error_code ec;
  socket_.non_blocking(true, ec);
  while (!ec) {
    const size_t n = socket_.read_some(asio::buffer(buf_), ec);
    if (n > 0) {
      log_.Write(std::string_view(buf_.data(), n));
    }
  }
  if (ec != asio::error::would_block && ec != asio::error::try_again) {
    EndConnection();  // end of file: QEMU has closed its side
  }
}

void ConsoleReader::State::EndConnection() {
  ++generation_;
  connecting_ = false;
  connected_ = false;
  error_code ignored;
  socket_.close(ignored);
}

void ConsoleReader::State::Close() {
  EndConnection();
  log_.Close();
  log_opened_ = false;
}

ConsoleReader::ConsoleReader(asio::io_context& io, std::string log_path, ConsoleLogLimits limits)
    : state_(std::make_shared<State>(io, std::move(log_path), limits)) {}

ConsoleReader::~ConsoleReader() {
  state_->destroyed_ = true;
  state_->Close();
}

void ConsoleReader::Connect(const std::string& socket, ConnectFn on_connected) {
  state_->Connect(socket, std::move(on_connected));
}

void ConsoleReader::Drain() { state_->Drain(); }

void ConsoleReader::Close() { state_->Close(); }

bool ConsoleReader::connected() const { return state_->connected(); }

ConsoleLogCounters ConsoleReader::counters() const { return state_->counters(); }

}  // namespace switchyard::kvm
