// Ctrl-C and SIGTERM for the verbs that run until stopped (events,
// stats --watch): instead of killing the process mid-line, they cancel the
// call in flight and end the wait, so the verb returns normally and exits 0.
//
// The signal handler only writes a byte to a pipe (async-signal-safe); a
// thread reads it and does the rest, because ClientContext::TryCancel and
// condition variables are not safe in a handler. The handler is one-shot:
// a second Ctrl-C kills the process the default way, should a stop hang.
#pragma once

#include <grpcpp/client_context.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace switchyard::ctl {

class StopSignal {
 public:
  // Installs the SIGINT and SIGTERM handlers and starts the thread. At
  // most one StopSignal may exist at a time.
  StopSignal();
  // Restores the previous handlers and joins the thread.
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Whether a signal has arrived.
  bool stopped() const;

  // Sleeps until `deadline` or a signal. Returns false on a signal.
  bool SleepUntil(std::chrono::steady_clock::time_point deadline);

  // While it lives, a signal cancels `context` (at once if one has already
  // arrived). Destroy it before the context.
  class Guard {
   public:
    Guard(StopSignal& stop, grpc::ClientContext* context);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    StopSignal& stop_;
  };

 private:
  void Run();

  int pipe_[2] = {-1, -1};
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;                    // guarded by mu_
  grpc::ClientContext* context_ = nullptr;  // guarded by mu_
};

}  // namespace switchyard::ctl
