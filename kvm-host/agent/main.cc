// yard-kvmd: the KVM host agent. Serves switchyard.v1.Vms on a unix socket,
// keeps VM definitions in a state directory, and reaches switchyardd only
// through its gRPC API. Stopping the agent never stops a guest: a restarted
// agent attaches to the QEMUs still running. It keeps each guest's serial
// console in a log of bounded size, and can have QEMU drop root.
#include <fcntl.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "kvm-host/agent/switch_client.h"
#include "kvm-host/agent/vm_manager.h"
#include "kvm-host/agent/vms_service.h"

namespace switchyard::kvm {
namespace {

constexpr uint64_t kMinConsoleFileBytes = 4096;
constexpr uint64_t kMaxConsoleFileBytes = uint64_t{1} << 30;
constexpr int kMaxConsoleFiles = 100;

struct Args {
  std::string socket = "/run/switchyard/kvmd.sock";
  std::string switch_socket = "/run/switchyard/switchyard.sock";
  std::string state_dir = "/var/lib/switchyard/kvmd";
  std::string qemu = "qemu-system-x86_64";
  ConsoleLogLimits console;
  std::string qemu_user;
};

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "yard-kvmd: %s\nusage: yard-kvmd [--socket PATH] [--switch-socket PATH] "
               "[--state-dir DIR] [--qemu BINARY]\n"
               "                 [--console-log-size BYTES[K|M|G]] [--console-log-files N] "
               "[--qemu-user USER]\n",
               why.c_str());
  std::exit(2);
}

// "65536", "64K", "1M", "1G" (powers of 1024); false when it is none.
bool ParseSize(const std::string& text, uint64_t* out) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) {
    ++digits;
  }
  if (digits == 0 || digits > 12 || text.size() - digits > 1) {
    return false;
  }
  uint64_t value = std::stoull(text.substr(0, digits));
  if (digits < text.size()) {
    switch (text[digits]) {
      case 'k':
      case 'K':
        value <<= 10;
        break;
      case 'm':
      case 'M':
        value <<= 20;
        break;
      case 'g':
      case 'G':
        value <<= 30;
        break;
      default:
        return false;
    }
  }
  *out = value;
  return true;
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--help" || key == "-h") {
      Usage("the KVM host agent");
    }
    if (i + 1 >= argc) {
      Usage(key + " needs a value");
    }
    const std::string value = argv[i + 1];
    if (key == "--socket") {
      a.socket = value;
    } else if (key == "--switch-socket") {
      a.switch_socket = value;
    } else if (key == "--state-dir") {
      a.state_dir = value;
    } else if (key == "--qemu") {
      a.qemu = value;
    } else if (key == "--console-log-size") {
      if (!ParseSize(value, &a.console.file_bytes) || a.console.file_bytes < kMinConsoleFileBytes ||
          a.console.file_bytes > kMaxConsoleFileBytes) {
        Usage("--console-log-size takes bytes from 4096 to 1G (a K, M or G suffix allowed), not " +
              value);
      }
    } else if (key == "--console-log-files") {
      if (value.empty() || value.size() > 3 ||
          value.find_first_not_of("0123456789") != std::string::npos || std::stoi(value) < 1 ||
          std::stoi(value) > kMaxConsoleFiles) {
        Usage("--console-log-files takes 1 to " + std::to_string(kMaxConsoleFiles) + ", not " +
              value);
      }
      a.console.files = std::stoi(value);
    } else if (key == "--qemu-user") {
      if (value.empty()) {
        Usage("--qemu-user needs a user name");
      }
      a.qemu_user = value;
    } else {
      Usage("unknown option " + key);
    }
  }
  return a;
}

// One agent per state directory; the lock dies with the process.
bool LockStateDir(const std::string& dir, std::string* why) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *why = dir + ": " + ec.message();
    return false;
  }
  chmod(dir.c_str(), 0700);
  const int fd = open((dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
    *why = "state dir " + dir + " is in use by another yard-kvmd";
    return false;
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    *why = dir + "/lock: " + std::strerror(errno);
    return false;
  }
  return true;  // fd stays open for the process's life
}

int Main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  std::string why;
  if (!LockStateDir(args.state_dir, &why)) {
    std::fprintf(stderr, "yard-kvmd: %s\n", why.c_str());
    return 1;
  }
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  SwitchClient sw(args.switch_socket);
  ChangeHub hub;
  VmManager::Options options;
  options.state_dir = args.state_dir;
  options.qemu = args.qemu;
  options.console = args.console;
  options.qemu_user = args.qemu_user;
  VmManager vms(io, options, &sw, [&hub](const VmChange& c) {
    std::fprintf(stderr, "yard-kvmd: vm %s: %s (%s)\n", c.name.c_str(),
                 std::string(VmStateName(c.state)).c_str(), c.detail.c_str());
    hub.Publish(c);
  });
  if (std::string error = vms.Load(); !error.empty()) {
    std::fprintf(stderr, "yard-kvmd: %s\n", error.c_str());
    return 1;
  }
  std::filesystem::remove(args.socket);
  VmsService service(io, &vms, &hub);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + args.socket, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::fprintf(stderr, "yard-kvmd: cannot listen on %s\n", args.socket.c_str());
    return 1;
  }
  chmod(args.socket.c_str(), 0600);
  std::fprintf(stderr, "yard-kvmd: serving on %s, switch at %s, state in %s\n", args.socket.c_str(),
               args.switch_socket.c_str(), args.state_dir.c_str());
  std::fprintf(
      stderr, "yard-kvmd: console logs of %llu bytes x %d files; QEMU runs as %s\n",
      static_cast<unsigned long long>(args.console.file_bytes), args.console.files,
      args.qemu_user.empty() ? "the agent's user (no --qemu-user)" : args.qemu_user.c_str());
  // Handlers wait for the io thread; so the server is shut down from
  // another thread while this one keeps serving them.
  std::thread stopper;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) {
      return;
    }
    std::fprintf(stderr, "yard-kvmd: stopping; guests keep running\n");
    stopper = std::thread([&] {
      server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
      work.reset();
      io.stop();
    });
  });
  io.run();
  if (stopper.joinable()) {
    stopper.join();
  }
  return 0;
}

}  // namespace
}  // namespace switchyard::kvm

int main(int argc, char** argv) { return switchyard::kvm::Main(argc, argv); }
