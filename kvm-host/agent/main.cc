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

#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "common/command_line.h"
#include "common/log.h"
#include "common/status.h"
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

// Parses argv into *args: -1 to run, else the exit code. --help prints the
// options and gives 0; a bad option or value prints why and the options
// to stderr and gives 2.
int Parse(int argc, char** argv, Args* args) {
  CLI::App app("yard-kvmd, the KVM host agent: QEMU guests whose NICs are switchyardd ports.",
               "yard-kvmd");
  app.get_formatter()->label("Usage", "usage");
  app.get_formatter()->column_width(29);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.footer(
      "Drive it with yardctl vm (docs/kvm-host.md). Stopping the agent never stops a "
      "guest.");
  app.allow_extras();  // reported below as "unknown option"
  app.add_option("--socket", args->socket,
                 "the Vms API's unix socket, mode 0600\n"
                 "(default /run/switchyard/kvmd.sock)")
      ->type_name("PATH");
  app.add_option("--switch-socket", args->switch_socket,
                 "switchyardd's API (default /run/switchyard/switchyard.sock)")
      ->type_name("PATH");
  app.add_option("--state-dir", args->state_dir,
                 "definitions (vms.json), lock, and each VM's run/<vm>/\n"
                 "(default /var/lib/switchyard/kvmd)")
      ->type_name("DIR");
  app.add_option("--qemu", args->qemu,
                 "the QEMU to run, looked up in PATH\n"
                 "(default qemu-system-x86_64)")
      ->type_name("BINARY");
  app.add_option("--console-log-size", args->console.file_bytes,
                 "largest size of each file of a VM's console log (default 1M;\n"
                 "4096 to 1G; a K, M or G suffix is a power of 1024)")
      ->type_name("BYTES")
      ->transform(CLI::Validator(
          [](std::string& text) {
            uint64_t bytes = 0;
            if (!ParseSize(text, &bytes) || bytes < kMinConsoleFileBytes ||
                bytes > kMaxConsoleFileBytes) {
              return "takes bytes from 4096 to 1G (a K, M or G suffix allowed), not " + text;
            }
            text = std::to_string(bytes);  // what CLI11 converts
            return std::string();
          },
          ""));
  app.add_option("--console-log-files", args->console.files,
                 "files per console log, the current one included\n"
                 "(default 2; 1 to 100)")
      ->type_name("N")
      ->transform(CLI::Validator(
          [](std::string& text) {
            if (text.empty() || text.size() > 3 ||
                text.find_first_not_of("0123456789") != std::string::npos || std::stoi(text) < 1 ||
                std::stoi(text) > kMaxConsoleFiles) {
              return "takes 1 to " + std::to_string(kMaxConsoleFiles) + ", not " + text;
            }
            text = std::to_string(std::stoi(text));  // "010" is ten, not octal eight
            return std::string();
          },
          ""));
  app.add_option("--qemu-user", args->qemu_user,
                 "the user QEMU becomes once it has opened what needs root\n"
                 "(default none: QEMU stays root); see docs/kvm-host.md")
      ->type_name("USER")
      ->check(CLI::Validator(
          [](std::string& text) { return text.empty() ? "needs a user name" : std::string(); },
          ""));

  bool help = false;
  const std::string error = ParseCommandLine(app, argc, argv, &help);
  if (help) {
    std::cout << app.help();
    return 0;
  }
  if (!error.empty()) {
    std::cerr << "yard-kvmd: " << error << "\n\n" << app.help();
    return 2;
  }
  return -1;
}

// One agent per state directory; the lock dies with the process.
// FAILED_PRECONDITION when another agent holds it, UNAVAILABLE when the
// directory or the lock file cannot be made.
Status LockStateDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status(StatusCode::kUnavailable, dir + ": " + ec.message());
  }
  chmod(dir.c_str(), 0700);
  const int fd = open((dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return Status(StatusCode::kFailedPrecondition,
                  "state dir " + dir + " is in use by another yard-kvmd");
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    return Status(StatusCode::kUnavailable, dir + "/lock: " + std::strerror(errno));
  }
  return Status::Ok();  // fd stays open for the process's life
}

// Why the agent does not start, on stderr; the exit code.
int Fail(const Status& s) {
  std::cerr << "yard-kvmd: " << s.message() << std::endl;
  return 1;
}

int Main(int argc, char** argv) {
  Args args;
  if (int rc = Parse(argc, argv, &args); rc >= 0) {
    return rc;
  }
  if (Status s = LockStateDir(args.state_dir); !s.ok()) {
    return Fail(s);
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
    SY_INFO("vm " << c.name << ": " << VmStateName(c.state) << " (" << c.detail << ")");
    hub.Publish(c);
  });
  if (Status s = vms.Load(); !s.ok()) {
    return Fail(s);
  }
  std::filesystem::remove(args.socket);
  VmsService service(io, &vms, &hub);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + args.socket, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    return Fail(Status(StatusCode::kUnavailable, "cannot listen on " + args.socket));
  }
  chmod(args.socket.c_str(), 0600);
  SY_INFO("yard-kvmd: serving on " << args.socket << ", switch at " << args.switch_socket
                                   << ", state in " << args.state_dir);
  SY_INFO("yard-kvmd: console logs of "
          << args.console.file_bytes << " bytes x " << args.console.files << " files; QEMU runs as "
          << (args.qemu_user.empty() ? "the agent's user (no --qemu-user)" : args.qemu_user));
  // Handlers wait for the io thread; so the server is shut down from
  // another thread while this one keeps serving them.
  std::thread stopper;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) {
      return;
    }
    SY_INFO("yard-kvmd: stopping; guests keep running");
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
