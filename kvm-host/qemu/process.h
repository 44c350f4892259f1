// Starting QEMU and knowing when it is gone.
//
// Spawn() starts a process the way a host agent wants its guests: in a
// session of its own (so neither a signal to the agent's process group nor
// the agent's exit reaches it), stdin on /dev/null, stdout and stderr
// appended to a log file, no descriptor of the agent's but those three, the
// default signal dispositions and an empty signal mask. QEMU outlives a
// restart of the agent that way.
//
// ProcessWatch tells when a process exits whether or not it is our child:
// after an agent restart QEMU has been re-parented to init, and waitpid()
// and SIGCHLD know nothing of it. It holds a pidfd (pidfd_open(2), Linux
// 5.3), which becomes readable when the process exits, in a
// boost::asio::posix::stream_descriptor; a pidfd also names the process
// itself, not its number, so Signal() cannot hit a recycled pid. When the
// process is our child the watch reaps it and reports how it ended; for
// anyone else's the kernel does not say, and the status is kUnknown.
//
// Thread context: ProcessWatch belongs to the io_context's thread, like
// every asio object; its callback runs there. The free functions are
// thread-safe.
//
// Errors: functions that can fail return false and put a sentence naming
// the process or file into *error; `error` may be null when the reason
// does not matter.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace switchyard::kvm {

// Starts argv[0] (looked up in PATH when it has no '/') with `argv` in its
// own session, stdin /dev/null, stdout and stderr appended to `log_path`
// (created 0640 if missing). On success sets *pid and returns true; the
// process is our child until it exits, and someone must reap it (a
// ProcessWatch does). On failure returns false with *error naming what
// failed: the log file, or the program ("cannot start /usr/bin/qemu: No
// such file or directory"; exec failures are reported here, not as an
// exit status).
bool Spawn(const std::vector<std::string>& argv, const std::string& log_path, pid_t* pid,
           std::string* error);

// Whether `pid` names a live process (ours or not, also one we may not
// signal). An exited process not yet reaped (a zombie) is not alive.
bool Alive(pid_t pid);

// What `pid` runs: its argv from /proc (empty when it is gone or we may
// not look).
std::vector<std::string> ProcessArgv(pid_t pid);

// When `pid` started, in seconds since the epoch (from /proc: its start in
// clock ticks after boot, and the boot time); 0 when unknown.
int64_t ProcessStartTime(pid_t pid);

// Sends `sig` to `pid`. Refuses pid <= 0, which kill(2) would take for a
// process group or every process. On failure returns false with *error
// (e.g. "cannot send SIGTERM to process 42: No such process"). Prefer
// ProcessWatch::Signal() for a watched process: a bare pid may have been
// recycled.
bool Kill(pid_t pid, int sig, std::string* error);

// How a watched process ended.
struct ExitStatus {
  enum class Kind {
    kExited,    // exit(code)
    kSignaled,  // killed by signal `code`
    kUnknown,   // not our child (or reaped by someone else): the kernel does not say
  };
  Kind kind = Kind::kUnknown;
  int code = 0;

  // "exited with status 3", "killed by SIGKILL", "exit status unknown".
  std::string ToString() const;
};

class ProcessWatch {
 public:
  using ExitFn = std::function<void(const ExitStatus& status)>;

  explicit ProcessWatch(boost::asio::io_context& io);
  // Stops watching; on_exit is not called after the destructor starts.
  ~ProcessWatch();
  ProcessWatch(const ProcessWatch&) = delete;
  ProcessWatch& operator=(const ProcessWatch&) = delete;

  // Watches `pid` and calls on_exit once, from an io_context handler, when
  // it exits (at once if it is a zombie already). Returns false with
  // *error, and never calls on_exit, when the process does not exist
  // ("process 42 does not exist") or cannot be watched, or when this watch
  // is in use (one process per watch; Cancel() frees it).
  bool Watch(pid_t pid, ExitFn on_exit, std::string* error);

  // Sends `sig` to the watched process through its pidfd. Fails when
  // nothing is watched or the process has been reported gone.
  bool Signal(int sig, std::string* error);

  // Stops watching without calling on_exit; the watch can be reused.
  void Cancel();

  // The watched pid (0 when none), and whether on_exit has been called.
  pid_t pid() const;
  bool exited() const;

 private:
  class State;
  std::shared_ptr<State> state_;  // shared with the in-flight wait
};

}  // namespace switchyard::kvm
