#include "cli/stop_signal.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace switchyard::ctl {

namespace {

constexpr char kSignalByte = 's';
constexpr char kQuitByte = 'q';

// The write end of the live StopSignal's pipe, for the handler.
std::atomic<int> g_pipe_write{-1};
struct sigaction g_old_int;
struct sigaction g_old_term;

void OnSignal(int) {
  const int saved_errno = errno;
  if (int fd = g_pipe_write.load(); fd >= 0) {
    [[maybe_unused]] ssize_t n = write(fd, &kSignalByte, 1);
  }
  errno = saved_errno;
}

}  // namespace

StopSignal::StopSignal() {
  if (pipe2(pipe_, O_CLOEXEC) != 0) {
    // Without a pipe there is no clean stop; the default handlers still
    // end the process, which is what the user asked for anyway.
    return;
  }
  g_pipe_write = pipe_[1];
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_RESETHAND;
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
  thread_ = std::thread([this] { Run(); });
}

StopSignal::~StopSignal() {
  if (pipe_[1] < 0) {
    return;
  }
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_pipe_write = -1;
  [[maybe_unused]] ssize_t n = write(pipe_[1], &kQuitByte, 1);
  thread_.join();
  close(pipe_[0]);
  close(pipe_[1]);
}

void StopSignal::Run() {
  char byte = 0;
  for (;;) {
    ssize_t n = read(pipe_[0], &byte, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0 || byte == kQuitByte) {
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    if (context_ != nullptr) {
      context_->TryCancel();
    }
    cv_.notify_all();
  }
}

bool StopSignal::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

bool StopSignal::SleepUntil(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_until(lock, deadline, [this] { return stopped_; });
}

StopSignal::Guard::Guard(StopSignal& stop, grpc::ClientContext* context) : stop_(stop) {
  std::lock_guard<std::mutex> lock(stop_.mu_);
  stop_.context_ = context;
  if (stop_.stopped_) {
    context->TryCancel();
  }
}

StopSignal::Guard::~Guard() {
  std::lock_guard<std::mutex> lock(stop_.mu_);
  stop_.context_ = nullptr;
}

}  // namespace switchyard::ctl
