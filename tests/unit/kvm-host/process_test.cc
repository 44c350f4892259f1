#include "kvm-host/qemu/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "tests/unit/kvm-host/run_io.h"

namespace switchyard::kvm {
namespace {

using namespace std::chrono_literals;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Whether our child `pid` has exited, without reaping it.
bool IsZombie(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Waits for our child `pid` to exit, without running the io_context (whose
// watches would reap it).
bool WaitZombie(pid_t pid) {
  for (int i = 0; i < 10000 && !IsZombie(pid); ++i) {
    std::this_thread::sleep_for(1ms);
  }
  return IsZombie(pid);
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sy-process-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    log_ = dir_ + "/qemu.log";
  }
  void TearDown() override {
    for (pid_t pid : cleanup_) {
      if (pid > 0 && Alive(pid)) {
        kill(pid, SIGKILL);
      }
      waitpid(pid, nullptr, WNOHANG);
    }
    std::filesystem::remove_all(dir_);
  }

  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    return testing::RunUntil(io_, done, limit);
  }
  void RunFor(std::chrono::milliseconds d) { testing::RunFor(io_, d); }

  pid_t MustSpawn(const std::vector<std::string>& argv) {
    pid_t pid = 0;
    std::string error;
    EXPECT_TRUE(Spawn(argv, log_, &pid, &error)) << error;
    EXPECT_GT(pid, 0);
    cleanup_.push_back(pid);
    return pid;
  }
  // Watches `pid` until it exits.
  std::optional<ExitStatus> WaitExit(pid_t pid) {
    ProcessWatch watch(io_);
    std::optional<ExitStatus> status;
    std::string error;
    EXPECT_TRUE(watch.Watch(
        pid, [&status](const ExitStatus& s) { status = s; }, &error))
        << error;
    EXPECT_TRUE(RunUntil([&status] { return status.has_value(); }));
    return status;
  }

  boost::asio::io_context io_;
  std::string dir_;
  std::string log_;
  std::vector<pid_t> cleanup_;
};

TEST_F(ProcessTest, LogGetsOutputAndWatchReportsTheExitStatus) {
  { std::ofstream(log_) << "earlier run\n"; }
  const pid_t pid = MustSpawn({"/bin/sh", "-c", "echo hi; echo oops >&2; exit 3"});
  auto status = WaitExit(pid);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(status->code, 3);
  EXPECT_EQ(status->ToString(), "exited with status 3");
  EXPECT_EQ(ReadFile(log_), "earlier run\nhi\noops\n");  // appended, stderr too
  // Reaped: no zombie left behind.
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_FALSE(Alive(pid));
}

TEST_F(ProcessTest, LogIsCreatedWhenMissing) {
  const pid_t pid = MustSpawn({"echo", "found in PATH"});
  ASSERT_TRUE(WaitExit(pid).has_value());
  EXPECT_EQ(ReadFile(log_), "found in PATH\n");
  const mode_t mask = umask(0);
  umask(mask);
  struct stat st {};
  ASSERT_EQ(stat(log_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640 & ~mask);  // not world-readable
}

TEST_F(ProcessTest, MissingBinaryIsAClearError) {
  pid_t pid = 0;
  std::string error;
  EXPECT_FALSE(Spawn({"/nonexistent/qemu-system-x86_64", "-version"}, log_, &pid, &error));
  EXPECT_EQ(error, "cannot start /nonexistent/qemu-system-x86_64: No such file or directory");
  EXPECT_EQ(pid, 0);
  EXPECT_FALSE(Spawn({"sy-no-such-program"}, log_, &pid, &error));
  EXPECT_EQ(error, "cannot start sy-no-such-program: No such file or directory");
}

TEST_F(ProcessTest, NonExecutableIsAClearError) {
  const std::string script = dir_ + "/not-executable";
  { std::ofstream(script) << "#!/bin/sh\nexit 0\n"; }
  chmod(script.c_str(), 0644);
  pid_t pid = 0;
  std::string error;
  EXPECT_FALSE(Spawn({script}, log_, &pid, &error));
  EXPECT_EQ(error, "cannot start " + script + ": Permission denied");
}

TEST_F(ProcessTest, BadArgumentsAreClearErrors) {
  pid_t pid = 0;
  std::string error;
  EXPECT_FALSE(Spawn({}, log_, &pid, &error));
  EXPECT_EQ(error, "cannot start a process: empty command");
  const std::string bad_log = dir_ + "/no/such/dir/qemu.log";
  EXPECT_FALSE(Spawn({"/bin/true"}, bad_log, &pid, &error));
  EXPECT_EQ(error, "cannot open log " + bad_log + ": No such file or directory");
}

TEST_F(ProcessTest, ChildHasItsOwnSessionNullStdinAndNoInheritedFds) {
  // A descriptor the agent forgot to mark close-on-exec, and a stdin that
  // is not /dev/null already.
  const int leaky = open("/dev/zero", O_RDONLY);
  ASSERT_GE(leaky, 3);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const int saved_stdin = dup(0);
  ASSERT_GE(saved_stdin, 0);
  dup2(pipe_fds[0], 0);
  const std::string fd = std::to_string(leaky);
  const pid_t pid = MustSpawn({"/bin/sh", "-c",
                               "readlink /proc/$$/fd/0; "
                               "if [ -e /proc/$$/fd/" +
                                   fd +
                                   " ]; then echo leaked; else echo closed; fi; "
                                   "exec sleep 30"});
  dup2(saved_stdin, 0);
  close(saved_stdin);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  close(leaky);
  ASSERT_TRUE(RunUntil([this] { return ReadFile(log_).find("ed\n") != std::string::npos; }));
  EXPECT_EQ(ReadFile(log_), "/dev/null\nclosed\n");
  EXPECT_EQ(getsid(pid), pid);  // a session leader...
  EXPECT_NE(getsid(pid), getsid(0));
  EXPECT_EQ(getpgid(pid), pid);  // ...and a process group leader
  std::string error;
  ASSERT_TRUE(Kill(pid, SIGKILL, &error)) << error;
  auto status = WaitExit(pid);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->kind, ExitStatus::Kind::kSignaled);
  EXPECT_EQ(status->code, SIGKILL);
}

TEST_F(ProcessTest, ChildStartsWithDefaultSignalsAndAnEmptyMask) {
  // The agent blocks SIGTERM and ignores SIGINT; QEMU must not inherit either.
  sigset_t block;
  sigset_t old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
  struct sigaction ignore {};
  struct sigaction old_int {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &old_int);
  const pid_t term = MustSpawn({"sleep", "30"});
  const pid_t intr = MustSpawn({"sleep", "30"});
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGINT, &old_int, nullptr);

  ProcessWatch term_watch(io_);
  ProcessWatch int_watch(io_);
  std::optional<ExitStatus> term_status;
  std::optional<ExitStatus> int_status;
  std::string error;
  ASSERT_TRUE(term_watch.Watch(
      term, [&](const ExitStatus& s) { term_status = s; }, &error));
  ASSERT_TRUE(int_watch.Watch(
      intr, [&](const ExitStatus& s) { int_status = s; }, &error));
  ASSERT_TRUE(term_watch.Signal(SIGTERM, &error)) << error;
  ASSERT_TRUE(int_watch.Signal(SIGINT, &error)) << error;
  ASSERT_TRUE(RunUntil([&] { return term_status && int_status; }, 5s));
  EXPECT_EQ(term_status->kind, ExitStatus::Kind::kSignaled);
  EXPECT_EQ(term_status->code, SIGTERM);
  EXPECT_EQ(term_status->ToString(), "killed by SIGTERM");
  EXPECT_EQ(int_status->code, SIGINT);
  // Reported gone: no more signals through the watch.
  EXPECT_TRUE(term_watch.exited());
  EXPECT_FALSE(term_watch.Signal(SIGTERM, &error));
  EXPECT_EQ(error, "process " + std::to_string(term) + " has exited");
}

TEST_F(ProcessTest, WatchesAProcessThatIsNotOurChild) {
  // sh starts sleep in the background and exits: sleep is re-parented away
  // from us, as QEMU is after an agent restart.
  const pid_t sh = MustSpawn({"/bin/sh", "-c", "sleep 30 & echo $!"});
  ASSERT_TRUE(WaitExit(sh).has_value());
  const pid_t orphan = static_cast<pid_t>(std::stol(ReadFile(log_)));
  cleanup_.push_back(orphan);
  ASSERT_TRUE(Alive(orphan));
  EXPECT_EQ(waitpid(orphan, nullptr, WNOHANG), -1);  // not ours to wait for
  EXPECT_EQ(errno, ECHILD);

  ProcessWatch watch(io_);
  std::optional<ExitStatus> status;
  std::string error;
  ASSERT_TRUE(watch.Watch(
      orphan, [&status](const ExitStatus& s) { status = s; }, &error))
      << error;
  EXPECT_EQ(watch.pid(), orphan);
  RunFor(100ms);
  EXPECT_FALSE(status.has_value()) << "fired while the process runs";
  ASSERT_TRUE(Kill(orphan, SIGTERM, &error)) << error;
  ASSERT_TRUE(RunUntil([&status] { return status.has_value(); }));
  EXPECT_EQ(status->kind, ExitStatus::Kind::kUnknown);
  EXPECT_EQ(status->ToString(), "exit status unknown");
  EXPECT_TRUE(RunUntil([orphan] { return !Alive(orphan); }));
}

TEST_F(ProcessTest, WatchingAZombieReportsAtOnce) {
  const pid_t pid = MustSpawn({"/bin/sh", "-c", "exit 7"});
  ASSERT_TRUE(WaitZombie(pid));
  EXPECT_FALSE(Alive(pid));  // a zombie is not alive
  auto status = WaitExit(pid);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(status->code, 7);
}

TEST_F(ProcessTest, WatchingAMissingProcessFails) {
  const pid_t pid = MustSpawn({"/bin/true"});
  ASSERT_TRUE(WaitExit(pid).has_value());  // reaped: the pid is free
  ProcessWatch watch(io_);
  std::string error;
  bool called = false;
  EXPECT_FALSE(watch.Watch(
      pid, [&called](const ExitStatus&) { called = true; }, &error));
  EXPECT_EQ(error, "process " + std::to_string(pid) + " does not exist");
  EXPECT_FALSE(watch.Watch(
      0, [&called](const ExitStatus&) { called = true; }, &error));
  RunFor(20ms);
  EXPECT_FALSE(called);
  EXPECT_FALSE(watch.Signal(SIGTERM, &error));
  EXPECT_EQ(error, "no process is watched");
}

TEST_F(ProcessTest, OneProcessPerWatchAndCancelSilencesIt) {
  const pid_t pid = MustSpawn({"sleep", "30"});
  ProcessWatch watch(io_);
  bool called = false;
  std::string error;
  ASSERT_TRUE(watch.Watch(
      pid, [&called](const ExitStatus&) { called = true; }, &error));
  EXPECT_FALSE(watch.Watch(
      pid, [&called](const ExitStatus&) { called = true; }, &error));
  EXPECT_EQ(error, "this watch already watches process " + std::to_string(pid));
  watch.Cancel();
  EXPECT_EQ(watch.pid(), 0);
  ASSERT_TRUE(Kill(pid, SIGKILL, &error));
  ASSERT_TRUE(WaitZombie(pid));
  RunFor(50ms);
  EXPECT_FALSE(called);
  // Reusable: watching again reports the (zombie) process's end.
  std::optional<ExitStatus> status;
  ASSERT_TRUE(watch.Watch(
      pid, [&status](const ExitStatus& s) { status = s; }, &error))
      << error;
  ASSERT_TRUE(RunUntil([&status] { return status.has_value(); }));
  EXPECT_EQ(status->code, SIGKILL);
}

TEST_F(ProcessTest, DestroyedWatchCallsNothing) {
  const pid_t pid = MustSpawn({"sleep", "30"});
  bool called = false;
  {
    ProcessWatch watch(io_);
    std::string error;
    ASSERT_TRUE(watch.Watch(
        pid, [&called](const ExitStatus&) { called = true; }, &error));
    ASSERT_TRUE(watch.Signal(SIGKILL, &error)) << error;
    ASSERT_TRUE(WaitZombie(pid));
  }  // the wake-up may be queued already
  RunFor(50ms);
  EXPECT_FALSE(called);
  EXPECT_EQ(waitpid(pid, nullptr, 0), pid);  // still ours to reap
}

TEST_F(ProcessTest, WatchMayBeDestroyedInItsCallback) {
  const pid_t pid = MustSpawn({"/bin/true"});
  auto watch = std::make_unique<ProcessWatch>(io_);
  bool called = false;
  std::string error;
  ASSERT_TRUE(watch->Watch(
      pid,
      [&](const ExitStatus&) {
        called = true;
        watch.reset();
      },
      &error));
  ASSERT_TRUE(RunUntil([&called] { return called; }));
  EXPECT_EQ(watch, nullptr);
}

TEST_F(ProcessTest, ArgvAndStartTimeOfAProcess) {
  const pid_t pid = MustSpawn({"/bin/sleep", "30", "31"});  // sleep adds its arguments
  const std::vector<std::string> want = {"/bin/sleep", "30", "31"};
  // Spawn returns before the child's exec shows in /proc.
  for (int i = 0; i < 200 && ProcessArgv(pid) != want; ++i) {
    usleep(10000);
  }
  EXPECT_EQ(ProcessArgv(pid), want);
  const int64_t started = ProcessStartTime(pid);
  const int64_t now = static_cast<int64_t>(time(nullptr));
  EXPECT_GE(started, now - 5);
  EXPECT_LE(started, now + 1);
  // We started long after the test runner did.
  EXPECT_LE(ProcessStartTime(getpid()), started);
  std::string error;
  ASSERT_TRUE(Kill(pid, SIGKILL, &error)) << error;
  ASSERT_TRUE(WaitExit(pid).has_value());
  EXPECT_TRUE(ProcessArgv(pid).empty());
  EXPECT_EQ(ProcessStartTime(pid), 0);
}

TEST_F(ProcessTest, AliveAndKill) {
  std::string error;
  EXPECT_TRUE(Alive(getpid()));
  EXPECT_FALSE(Alive(0));
  EXPECT_FALSE(Alive(-1));
  // kill(0) and kill(-1) would signal a whole group or every process.
  EXPECT_FALSE(Kill(0, SIGTERM, &error));
  EXPECT_EQ(error, "refusing to send SIGTERM to pid 0");
  EXPECT_FALSE(Kill(-1, SIGKILL, &error));
  EXPECT_EQ(error, "refusing to send SIGKILL to pid -1");
  const pid_t pid = MustSpawn({"/bin/true"});
  ASSERT_TRUE(WaitExit(pid).has_value());
  EXPECT_FALSE(Alive(pid));
  EXPECT_FALSE(Kill(pid, SIGTERM, &error));
  EXPECT_EQ(error, "cannot send SIGTERM to process " + std::to_string(pid) + ": No such process");
  EXPECT_TRUE(Kill(getpid(), 0, &error)) << error;  // signal 0: exists
}

}  // namespace
}  // namespace switchyard::kvm
