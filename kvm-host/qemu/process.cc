#include "kvm-host/qemu/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

namespace switchyard::kvm {

namespace asio = boost::asio;

namespace {

// Callers may pass a null error pointer when the reason does not matter.
bool Failed(std::string* error, std::string what) {
  if (error != nullptr) {
    *error = std::move(what);
  }
  return false;
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// Opens `path` close-on-exec at descriptor 3 or above, so that the child's
// dup2() onto 0, 1 and 2 can never overwrite one of these two first.
int OpenHigh(const char* path, int flags, mode_t mode) {
  int fd = open(path, flags | O_CLOEXEC | O_NOCTTY, mode);
  if (fd >= 0 && fd < 3) {
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int saved = errno;
    close(fd);
    errno = saved;
    fd = high;
  }
  return fd;
}

// posix_spawn's two attribute objects, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // 0 or an errno value.
  int Prepare(int stdin_fd, int log_fd) {
    int rc = 0;
    auto step = [&rc](int r) {
      if (rc == 0) {
        rc = r;
      }
    };
    step(posix_spawn_file_actions_adddup2(&actions_, stdin_fd, 0));
    step(posix_spawn_file_actions_adddup2(&actions_, log_fd, 1));
    step(posix_spawn_file_actions_adddup2(&actions_, log_fd, 2));
    // Whatever the agent has open without O_CLOEXEC (a library's socket,
    // an inherited descriptor) stays with the agent.
    step(posix_spawn_file_actions_addclosefrom_np(&actions_, 3));
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    step(posix_spawnattr_setsigmask(&attr_, &none));
    step(posix_spawnattr_setsigdefault(&attr_, &all));
    step(posix_spawnattr_setflags(
        &attr_, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
    return rc;
  }

  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

}  // namespace

bool Spawn(const std::vector<std::string>& argv, const std::string& log_path, pid_t* pid,
           std::string* error) {
  if (argv.empty() || argv[0].empty()) {
    return Failed(error, "cannot start a process: empty command");
  }
  const int log_fd = OpenHigh(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
  if (log_fd < 0) {
    return Failed(error, "cannot open log " + log_path + ": " + std::strerror(errno));
  }
  const int null_fd = OpenHigh("/dev/null", O_RDONLY, 0);
  if (null_fd < 0) {
    const int saved = errno;
    close(log_fd);
    return Failed(error, std::string("cannot open /dev/null: ") + std::strerror(saved));
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);

  SpawnSetup setup;
  std::string what;
  int rc = setup.Prepare(null_fd, log_fd);
  if (rc != 0) {
    what = "posix_spawn setup: ";
  } else {
    // glibc's posix_spawn returns only after the exec, with its errno if
    // it failed: a missing or non-executable binary is reported here.
    rc = posix_spawnp(pid, argv[0].c_str(), setup.actions(), setup.attr(), args.data(), environ);
  }
  close(null_fd);
  close(log_fd);
  if (rc != 0) {
    return Failed(error, "cannot start " + argv[0] + ": " + what + std::strerror(rc));
  }
  return true;
}

bool Alive(pid_t pid) {
  if (pid <= 0) {
    return false;
  }
  if (kill(pid, 0) != 0 && errno != EPERM) {
    return false;
  }
  // kill() finds zombies too; /proc says whether it is one. "pid (comm) S
  // ...": comm may hold anything, so the state follows the last ')'.
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) {
    return true;  // no /proc to ask: kill() said it exists
  }
  const char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

std::vector<std::string> ProcessArgv(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> argv;
  std::string arg;
  while (std::getline(in, arg, '\0')) {
    argv.push_back(arg);
  }
  return argv;
}

int64_t ProcessStartTime(pid_t pid) {
  std::ifstream stat_in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(stat_in)),
                         std::istreambuf_iterator<char>());
  // Field 22, starttime; the fields after comm's last ')' start at 3.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) {
    return 0;
  }
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  for (int i = 3; i < 22 && fields >> field; ++i) {
  }
  unsigned long long ticks = 0;
  if (!(fields >> ticks)) {
    return 0;
  }
  std::ifstream boot_in("/proc/stat");
  std::string key;
  long long boot = 0;
  while (boot_in >> key) {
    if (key == "btime" && boot_in >> boot) {
      break;
    }
  }
  const long hz = sysconf(_SC_CLK_TCK);
  return boot > 0 && hz > 0
             ? boot + static_cast<int64_t>(ticks / static_cast<unsigned long long>(hz))
             : 0;
}

bool Kill(pid_t pid, int sig, std::string* error) {
  if (pid <= 0) {
    return Failed(error, "refusing to send " + SignalName(sig) + " to pid " + std::to_string(pid));
  }
  if (kill(pid, sig) != 0) {
    return Failed(error, "cannot send " + SignalName(sig) + " to process " + std::to_string(pid) +
                             ": " + std::strerror(errno));
  }
  return true;
}

std::string ExitStatus::ToString() const {
  switch (kind) {
    case Kind::kExited:
      return "exited with status " + std::to_string(code);
    case Kind::kSignaled:
      return "killed by " + SignalName(code);
    case Kind::kUnknown:
      break;
  }
  return "exit status unknown";
}

// The watch's pidfd and callback, shared with the in-flight wait so that
// it finds live memory after ~ProcessWatch(); a wait of an earlier Watch()
// (or of a destroyed watch) sees another generation and returns.
class ProcessWatch::State : public std::enable_shared_from_this<State> {
 public:
  explicit State(asio::io_context& io) : descriptor_(io) {}

  bool Watch(pid_t pid, ExitFn on_exit, std::string* error);
  bool Signal(int sig, std::string* error);
  void Cancel();

  pid_t pid_ = 0;
  bool exited_ = false;
  bool destroyed_ = false;

 private:
  void Wait();
  void OnReadable();

  asio::posix::stream_descriptor descriptor_;
  uint64_t generation_ = 0;
  ExitFn on_exit_;
};

bool ProcessWatch::State::Watch(pid_t pid, ExitFn on_exit, std::string* error) {
  if (descriptor_.is_open()) {
    return Failed(error, "this watch already watches process " + std::to_string(pid_));
  }
  if (pid <= 0) {
    return Failed(error, "cannot watch pid " + std::to_string(pid));
  }
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));  // close-on-exec
  if (fd < 0) {
    if (errno == ESRCH) {
      return Failed(error, "process " + std::to_string(pid) + " does not exist");
    }
    if (errno == ENOSYS) {
      return Failed(error, "cannot watch process " + std::to_string(pid) +
                               ": pidfd_open is not supported (Linux 5.3 or later needed)");
    }
    return Failed(error, "cannot watch process " + std::to_string(pid) +
                             ": pidfd_open: " + std::strerror(errno));
  }
  boost::system::error_code ec;
  descriptor_.assign(fd, ec);
  if (ec) {
    close(fd);
    return Failed(error, "cannot watch process " + std::to_string(pid) + ": " + ec.message());
  }
  ++generation_;
  pid_ = pid;
  exited_ = false;
  on_exit_ = std::move(on_exit);
  Wait();
  return true;
}

void ProcessWatch::State::Wait() {
  descriptor_.async_wait(
      asio::posix::stream_descriptor::wait_read,
      [self = shared_from_this(), generation = generation_](const boost::system::error_code& ec) {
        if (self->destroyed_ || generation != self->generation_ ||
            ec == asio::error::operation_aborted) {
          return;
        }
        self->OnReadable();
      });
}

void ProcessWatch::State::OnReadable() {
  const int fd = descriptor_.native_handle();
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 0) != 1) {
    Wait();  // not gone after all
    return;
  }
  ExitStatus status;
  siginfo_t info{};
  int rc;
  do {
    rc = waitid(P_PIDFD, static_cast<id_t>(fd), &info, WEXITED | WNOHANG);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0 && info.si_pid == 0) {
    Wait();  // our child, not waitable yet
    return;
  }
  if (rc == 0) {
    if (info.si_code == CLD_EXITED) {
      status = {ExitStatus::Kind::kExited, info.si_status};
    } else if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) {
      status = {ExitStatus::Kind::kSignaled, info.si_status};
    }
  }
  // rc != 0: ECHILD, not our child (or reaped elsewhere): kUnknown.
  exited_ = true;
  boost::system::error_code ignored;
  descriptor_.close(ignored);
  ExitFn on_exit = std::move(on_exit_);
  on_exit_ = nullptr;
  if (on_exit) {
    on_exit(status);
  }
}

bool ProcessWatch::State::Signal(int sig, std::string* error) {
  if (!descriptor_.is_open()) {
    return Failed(error, exited_ ? "process " + std::to_string(pid_) + " has exited"
                                 : std::string("no process is watched"));
  }
  if (syscall(SYS_pidfd_send_signal, descriptor_.native_handle(), sig, nullptr, 0) != 0) {
    return Failed(error, "cannot send " + SignalName(sig) + " to process " + std::to_string(pid_) +
                             ": " + std::strerror(errno));
  }
  return true;
}

void ProcessWatch::State::Cancel() {
  ++generation_;
  boost::system::error_code ignored;
  descriptor_.close(ignored);
  on_exit_ = nullptr;
  pid_ = 0;
  exited_ = false;
}

ProcessWatch::ProcessWatch(asio::io_context& io) : state_(std::make_shared<State>(io)) {}

ProcessWatch::~ProcessWatch() {
  state_->destroyed_ = true;
  state_->Cancel();
}

bool ProcessWatch::Watch(pid_t pid, ExitFn on_exit, std::string* error) {
  return state_->Watch(pid, std::move(on_exit), error);
}

bool ProcessWatch::Signal(int sig, std::string* error) { return state_->Signal(sig, error); }

void ProcessWatch::Cancel() { state_->Cancel(); }

pid_t ProcessWatch::pid() const { return state_->pid_; }

bool ProcessWatch::exited() const { return state_->exited_; }

}  // namespace switchyard::kvm
