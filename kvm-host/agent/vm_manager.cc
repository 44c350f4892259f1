#include "kvm-host/agent/vm_manager.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/log.h"
#include "kvm-host/agent/convert.h"
#include "kvm-host/qemu/kvm_probe.h"
#include "kvm-host/vm/qemu_command.h"
#include "switchyard/v1/vms.pb.h"

#include <google/protobuf/util/json_util.h>

namespace switchyard::kvm {

namespace fs = std::filesystem;

namespace {

constexpr int kQmpAttempts = 100;  // 100 ms apart: QEMU makes its socket early
constexpr auto kQmpRetry = std::chrono::milliseconds(100);
constexpr int kDestroyGraceS = 3;  // QMP quit, then SIGKILL
// KVM may create VMs whose guests never run (a nested hypervisor): QMP then
// says "running" all the same. Proof of life is console output after the
// firmware's "Booting from" line.
constexpr int kKvmTrialS = 20;

// Whether the guest wrote anything to its console after the firmware
// handed over to it: the console log's files, oldest first, read as one.
bool ConsoleShowsLife(const std::vector<std::string>& files) {
  std::stringstream text;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    text << in.rdbuf();
  }
  const std::string s = text.str();
  const size_t boot = s.rfind("Booting from");
  if (boot == std::string::npos) {
    return false;
  }
  const size_t eol = s.find('\n', boot);
  return eol != std::string::npos && s.find_first_not_of(" \r\n\t", eol) != std::string::npos;
}

Status Unavailable(std::string why) { return Status(StatusCode::kUnavailable, std::move(why)); }

// qcow2 images start with "QFI\xfb"; anything else is taken for raw.
// INVALID_ARGUMENT when the image cannot be read or is of another format.
Status CheckImage(const DiskConfig& d) {
  std::ifstream in(d.path, std::ios::binary);
  if (!in) {
    return Status(StatusCode::kInvalidArgument, d.path + ": " + std::strerror(errno));
  }
  char magic[4] = {};
  in.read(magic, sizeof(magic));
  const bool qcow2 = in.gcount() == 4 && std::memcmp(magic, "QFI\xfb", 4) == 0;
  if (qcow2 != (d.format == "qcow2")) {
    return Status(
        StatusCode::kInvalidArgument,
        d.path + ": the image is " + (qcow2 ? "qcow2" : "not qcow2") + ", not " + d.format);
  }
  return Status::Ok();
}

// Runs a short tool to its end; OK when it exited 0, else UNAVAILABLE with
// its last output line or how it ended.
Status RunToEnd(const std::vector<std::string>& argv, const std::string& log) {
  std::error_code ec;
  fs::remove(log, ec);
  pid_t pid = 0;
  std::string error;
  if (!Spawn(argv, log, &pid, &error)) {
    return Unavailable(error);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return Status::Ok();
  }
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line)) {
    last = line.empty() ? last : line;
  }
  return Unavailable(last.empty() ? argv[0] + " failed" : last);
}

pid_t ReadPid(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  return in >> pid && pid > 0 ? static_cast<pid_t>(pid) : 0;
}

// The QEMU we started for `vm`, still there: the pid runs QEMU with this
// VM's name and QMP socket, and started no later than its pidfile was
// written (a pid recycled since started after). Anything else is never
// attached to, nor signalled.
bool IsOurQemu(pid_t pid, const std::string& qemu, const std::string& vm,
               const std::string& run_dir) {
  if (!IsQemuOf(ProcessArgv(pid), qemu, vm, run_dir + "/qmp.sock")) {
    return false;
  }
  struct stat pidfile {};
  const int64_t started = ProcessStartTime(pid);
  return stat((run_dir + "/qemu.pid").c_str(), &pidfile) == 0 && started != 0 &&
         started <= static_cast<int64_t>(pidfile.st_mtime) + 1;
}

}  // namespace

struct VmManager::Vm {
  explicit Vm(boost::asio::io_context& io) : timer(io), settle_timer(io), watchdog(io) {}

  VmConfig config;
  VmState state = VmState::kShutoff;
  pid_t pid = 0;
  std::string accel;
  std::string accel_reason;
  std::string error;
  std::vector<std::string> ports;
  bool shutdown_seen = false;  // the guest powered off, or we quit QEMU
  bool kvm_on_trial = false;   // auto chose KVM: the watchdog has yet to see the guest live
  bool fall_back = false;      // QEMU is being stopped to start again under TCG
  Accel force = Accel::kAuto;  // for the next Launch: kTcg after a failed KVM trial
  std::unique_ptr<QmpClient> qmp;
  std::unique_ptr<ProcessWatch> watch;
  // The console of the QEMU that runs now, or of the last one (its
  // counters stay until the next start).
  std::unique_ptr<ConsoleReader> console;
  boost::asio::steady_timer timer;  // QMP retries, the shutdown deadline
  boost::asio::steady_timer settle_timer;
  boost::asio::steady_timer watchdog;  // auto: did KVM run the guest?
  std::vector<Done> waiting;           // for a settled state
};

std::string_view VmStateName(VmState state) {
  switch (state) {
    case VmState::kShutoff:
      return "shutoff";
    case VmState::kStarting:
      return "starting";
    case VmState::kRunning:
      return "running";
    case VmState::kPaused:
      return "paused";
    case VmState::kStopping:
      return "stopping";
    case VmState::kCrashed:
      return "crashed";
    case VmState::kWaiting:
      return "waiting";
  }
  return "unknown";
}

VmManager::VmManager(boost::asio::io_context& io, Options options, SwitchClient* sw,
                     std::function<void(const VmChange&)> on_change)
    : io_(io), options_(std::move(options)), sw_(sw), on_change_(std::move(on_change)) {}

VmManager::~VmManager() = default;

VmManager::Vm* VmManager::Find(const std::string& name) const {
  auto it = vms_.find(name);
  return it == vms_.end() ? nullptr : it->second.get();
}

std::string VmManager::RunDir(const std::string& name) const {
  return options_.state_dir + "/run/" + name;
}

std::string VmManager::NicBackend(const VmConfig& vm, size_t nic) const {
  return vm.nics[nic].kind == NicKind::kVhostUser
             ? RunDir(vm.name) + "/n" + std::to_string(nic) + ".sock"
             : TapName(vm.name, nic);
}

VmReport VmManager::Report(const Vm& vm) const {
  VmReport r;
  r.config = vm.config;
  r.state = vm.state;
  r.accel = vm.accel;
  r.accel_reason = vm.accel_reason;
  r.pid = vm.pid;
  r.console_log = RunDir(vm.config.name) + "/console.log";
  if (vm.console != nullptr) {
    r.console = vm.console->counters();
  }
  r.ports = vm.ports;
  r.error = vm.error;
  return r;
}

Status VmManager::ShareWithQemu(const std::string& dir) const {
  if (!qemu_user_) {
    return Status::Ok();
  }
  if (chown(dir.c_str(), static_cast<uid_t>(-1), qemu_user_->gid) != 0 ||
      chmod(dir.c_str(), 0710) != 0) {
    return Unavailable("cannot give " + dir + " to the group of QEMU's user " + qemu_user_->name +
                       ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status VmManager::CheckQemuUserAccess(const VmConfig& vm) const {
  if (!qemu_user_) {
    return Status::Ok();
  }
  const std::string who = "QEMU runs as " + qemu_user_->name + " (--qemu-user), but ";
  for (size_t i = 0; i < vm.disks.size(); ++i) {
    const DiskConfig& d = vm.disks[i];
    if (Status s = CheckAccess(*qemu_user_, d.path, R_OK | (d.read_only ? 0 : W_OK)); !s.ok()) {
      return Status(StatusCode::kFailedPrecondition,
                    who + "disk " + std::to_string(i) + ": " + s.message() +
                        "; make the image the user's (chown), or give it a group of the user's");
    }
  }
  for (size_t i = 0; i < vm.nics.size(); ++i) {
    if (vm.nics[i].kind != NicKind::kVhostUser) {
      continue;  // QEMU opens a TAP before it drops root, and never again
    }
    // QEMU connects again, as the user, whenever the switch restarts.
    if (Status s = CheckAccess(*qemu_user_, NicBackend(vm, i), W_OK); !s.ok()) {
      return Status(StatusCode::kFailedPrecondition,
                    who + "nic " + std::to_string(i) + ": " + s.message() +
                        "; the user needs a group that switchyardd gives its sockets "
                        "(--vhost-socket-group), and to enter every directory above the state "
                        "directory");
    }
  }
  return Status::Ok();
}

Status VmManager::Save() const {
  v1::ListVmsResponse all;  // the definitions, as the API has them
  for (const auto& [name, vm] : vms_) {
    *all.add_vms()->mutable_spec() = ToProto(vm->config);
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(all, &json, opts).ok()) {
    return Unavailable("cannot serialise the VM definitions");
  }
  return WriteFileAtomically(options_.state_dir + "/vms.json", json);
}

void VmManager::SetState(Vm& vm, VmState state, const std::string& detail) {
  if (vm.state == state) {
    return;
  }
  const VmState previous = vm.state;
  vm.state = state;
  if (on_change_) {
    on_change_(VmChange{vm.config.name, state, previous, detail});
  }
  Settle(vm);
}

void VmManager::Settle(Vm& vm) {
  if (vm.state == VmState::kStarting || vm.state == VmState::kStopping || vm.waiting.empty()) {
    return;
  }
  vm.settle_timer.cancel();
  auto waiting = std::move(vm.waiting);
  vm.waiting.clear();
  const VmReport report = Report(vm);
  for (Done& d : waiting) {
    const bool failed = vm.state == VmState::kCrashed || !vm.error.empty();
    d(failed && vm.state != VmState::kRunning
          ? Unavailable(vm.error.empty() ? "the VM stopped" : vm.error)
          : Status::Ok(),
      report);
  }
}

void VmManager::WhenSettled(Vm& vm, int timeout_s, Done done) {
  vm.waiting.push_back(std::move(done));
  if (vm.state != VmState::kStarting && vm.state != VmState::kStopping) {
    Settle(vm);
    return;
  }
  vm.settle_timer.expires_after(std::chrono::seconds(timeout_s));
  const std::string name = vm.config.name;
  vm.settle_timer.async_wait([this, name](const boost::system::error_code& ec) {
    Vm* v = Find(name);
    if (ec || v == nullptr || v->waiting.empty()) {
      return;
    }
    auto waiting = std::move(v->waiting);
    v->waiting.clear();
    for (Done& d : waiting) {
      d(Unavailable(name + ": still " + std::string(VmStateName(v->state)) + " after " +
                    std::to_string(options_.start_timeout_s) + " s"),
        Report(*v));
    }
  });
}

Status VmManager::Load() {
  std::error_code ec;
  fs::create_directories(options_.state_dir + "/run", ec);
  if (ec) {
    return Unavailable(options_.state_dir + ": " + ec.message());
  }
  if (!options_.qemu_user.empty()) {
    if (geteuid() != 0) {
      return Status(StatusCode::kFailedPrecondition,
                    "--qemu-user needs yard-kvmd to run as root: QEMU starts as root and then "
                    "becomes the user");
    }
    QemuUser user;
    if (Status s = LookUpUser(options_.qemu_user, &user); !s.ok()) {
      return Status(s.code(), "--qemu-user: " + s.message());
    }
    if (user.uid == 0) {
      return Status(StatusCode::kInvalidArgument,
                    "--qemu-user " + user.name + " is root; name an unprivileged user");
    }
    qemu_user_ = std::move(user);
    for (const std::string& dir : {options_.state_dir, options_.state_dir + "/run"}) {
      if (Status s = ShareWithQemu(dir); !s.ok()) {
        return s;
      }
    }
  }
  const std::string path = options_.state_dir + "/vms.json";
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    std::vector<VmConfig> configs;
    if (Status s = VmsFromJson(text.str(), path, &configs); !s.ok()) {
      return s;
    }
    for (VmConfig& config : configs) {
      auto vm = std::make_unique<Vm>(io_);
      vm->config = std::move(config);
      vms_.emplace(vm->config.name, std::move(vm));
    }
  }
  for (auto& [name, vm] : vms_) {
    const pid_t pid = ReadPid(RunDir(name) + "/qemu.pid");
    if (pid != 0 && IsOurQemu(pid, options_.qemu, name, RunDir(name))) {
      for (size_t i = 0; i < vm->config.nics.size(); ++i) {
        vm->ports.push_back(PortName(name, i));
      }
      std::ifstream accel(RunDir(name) + "/accel");
      std::getline(accel, vm->accel);
      vm->accel_reason = "attached again after an agent restart";
      vm->state = VmState::kStarting;
      Attach(*vm, pid, false);
    } else {
      // Gone while the agent was away: its ports are of no use.
      for (size_t i = 0; i < vm->config.nics.size(); ++i) {
        if (Status s = sw_->RemovePort(PortName(name, i), NicBackend(vm->config, i)); !s.ok()) {
          SY_WARN("vm " << name << ": " << s.message());
        }
      }
    }
  }
  for (auto& [name, vm] : vms_) {
    if (vm->config.autostart && vm->state == VmState::kShutoff) {
      Start(name, [name = name](const Status& s, const VmReport&) {
        if (!s.ok()) {
          SY_ERROR("vm " << name << ": autostart failed: " << s.message());
        }
      });
    }
  }
  return Status::Ok();
}

void VmManager::Define(VmConfig config, Done done) {
  Normalize(&config);
  if (Status s = Validate(config); !s.ok()) {
    done(s, VmReport{});
    return;
  }
  if (Vm* old = Find(config.name)) {
    done(old->config == config ? Status::Ok()
                               : Status(StatusCode::kAlreadyExists,
                                        "vm.name: '" + config.name + "' exists with another spec"),
         Report(*old));
    return;
  }
  // Every existing image checked before any new one is made, and the new
  // ones removed again when one fails: a refused define leaves nothing.
  std::vector<size_t> to_make;
  for (size_t i = 0; i < config.disks.size(); ++i) {
    const DiskConfig& d = config.disks[i];
    if (d.create_size_bytes != 0 && !fs::exists(d.path)) {
      to_make.push_back(i);
    } else if (Status s = CheckImage(d); !s.ok()) {
      done(Status(s.code(), "vm.disks[" + std::to_string(i) + "]: " + s.message()), VmReport{});
      return;
    }
  }
  std::vector<std::string> made;
  for (size_t i : to_make) {
    const DiskConfig& d = config.disks[i];
    std::string error;
    if (Status s = RunToEnd({options_.qemu_img, "create", "-q", "-f", "qcow2", d.path,
                             std::to_string(d.create_size_bytes)},
                            options_.state_dir + "/qemu-img.log");
        !s.ok()) {
      error = "qemu-img create failed: " + s.message();
    } else {
      made.push_back(d.path);
      // An image the agent makes for the VM is QEMU's user's, as it must be.
      if (qemu_user_ && (chown(d.path.c_str(), qemu_user_->uid, qemu_user_->gid) != 0 ||
                         chmod(d.path.c_str(), 0600) != 0)) {
        error = "cannot give the new image to " + qemu_user_->name + ": " + std::strerror(errno);
      }
    }
    if (!error.empty()) {
      for (const std::string& path : made) {
        std::error_code ec;
        fs::remove(path, ec);
      }
      done(Status(StatusCode::kInvalidArgument, "vm.disks[" + std::to_string(i) + "]: " + error),
           VmReport{});
      return;
    }
  }
  auto vm = std::make_unique<Vm>(io_);
  vm->config = std::move(config);
  Vm& added = *vm;
  const std::string name = added.config.name;
  vms_.emplace(name, std::move(vm));
  if (Status s = Save(); !s.ok()) {
    vms_.erase(name);
    done(s, VmReport{});
    return;
  }
  if (on_change_) {
    on_change_(VmChange{name, VmState::kShutoff, VmState::kShutoff, "defined"});
  }
  done(Status::Ok(), Report(added));
}

Status VmManager::Launch(Vm& vm, bool* switch_down) {
  const VmConfig& c = vm.config;
  const std::string dir = RunDir(c.name);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Unavailable(dir + ": " + ec.message());
  }
  if (Status s = ShareWithQemu(dir); !s.ok()) {
    return s;
  }
  for (const DiskConfig& d : c.disks) {
    if (Status s = CheckImage(d); !s.ok()) {
      return s;
    }
  }
  for (const std::string* f : {&c.kernel, &c.initrd}) {
    if (!f->empty() && access(f->c_str(), R_OK) != 0) {
      return Unavailable(*f + ": " + std::strerror(errno));
    }
  }
  QemuRuntime rt;
  rt.binary = options_.qemu;
  rt.qmp_socket = dir + "/qmp.sock";
  rt.console_socket = dir + "/console.sock";
  rt.pid_file = dir + "/qemu.pid";
  if (qemu_user_) {
    rt.run_as = qemu_user_->name;
  }
  vm.kvm_on_trial = false;
  if (c.accel == Accel::kAuto && vm.force == Accel::kTcg) {
    rt.accel = Accel::kTcg;  // vm.accel_reason says why, from the failed trial
  } else if (c.accel == Accel::kAuto) {
    std::string why;
    const bool kvm = KvmRunsVcpus(&why);
    rt.accel = kvm ? Accel::kKvm : Accel::kTcg;
    vm.kvm_on_trial = kvm;
    vm.accel_reason = kvm ? "auto: /dev/kvm runs vCPUs; the guest must show life on its "
                            "console within " +
                                std::to_string(kKvmTrialS) + " s"
                          : "auto: " + why + "; TCG instead";
  } else {
    rt.accel = c.accel;
    vm.accel_reason = "as configured";
  }
  vm.accel = std::string(AccelName(rt.accel));
  std::vector<std::string> made;
  for (size_t i = 0; i < c.nics.size(); ++i) {
    const std::string sock = dir + "/n" + std::to_string(i) + ".sock";
    rt.nic_backends.push_back(NicBackend(c, i));
    if (Status s = sw_->AddPort(c, i, sock); !s.ok()) {
      for (size_t j = 0; j < made.size(); ++j) {
        sw_->RemovePort(made[j], NicBackend(c, j));
      }
      if (switch_down != nullptr) {
        *switch_down = s.code() == StatusCode::kUnavailable;  // not a refusal
      }
      return s;
    }
    made.push_back(PortName(c.name, i));
  }
  // The switch has made the vhost-user sockets by now.
  if (Status s = CheckQemuUserAccess(c); !s.ok()) {
    for (size_t j = 0; j < made.size(); ++j) {
      sw_->RemovePort(made[j], NicBackend(c, j));
    }
    return s;
  }
  unlink(rt.qmp_socket.c_str());
  unlink(rt.console_socket.c_str());
  unlink(rt.pid_file.c_str());
  std::ofstream(dir + "/accel") << vm.accel << "\n";
  pid_t pid = 0;
  std::string error;
  if (!Spawn(QemuArgv(c, rt), dir + "/qemu.log", &pid, &error)) {
    for (size_t j = 0; j < made.size(); ++j) {
      sw_->RemovePort(made[j], NicBackend(c, j));
    }
    return Unavailable("cannot start QEMU: " + error);
  }
  vm.ports = std::move(made);
  vm.error.clear();
  vm.shutdown_seen = false;
  Attach(vm, pid, true);
  return Status::Ok();
}

void VmManager::Attach(Vm& vm, pid_t pid, bool fresh) {
  vm.pid = pid;
  const std::string name = vm.config.name;
  vm.watch = std::make_unique<ProcessWatch>(io_);
  std::string error;
  if (!vm.watch->Watch(
          pid,
          [this, name](const ExitStatus& status) {
            if (Vm* v = Find(name)) {
              OnExit(*v, status.ToString());
            }
          },
          &error)) {
    // Gone already: as if it had just exited.
    boost::asio::post(io_, [this, name] {
      if (Vm* v = Find(name)) {
        OnExit(*v, "exited before it could be watched");
      }
    });
  }
  vm.qmp = std::make_unique<QmpClient>(io_);
  vm.qmp->set_event_handler([this, name](const std::string& event, const std::string&) {
    if (Vm* v = Find(name)) {
      OnEvent(*v, event);
    }
  });
  vm.console =
      std::make_unique<ConsoleReader>(io_, RunDir(name) + "/console.log", options_.console);
  ConnectConsole(vm, fresh ? kQmpAttempts : 10, fresh);
}

void VmManager::ConnectConsole(Vm& vm, int attempts_left, bool fresh) {
  const std::string name = vm.config.name;
  vm.console->Connect(RunDir(name) + "/console.sock", [this, name, attempts_left, fresh](
                                                          const boost::system::error_code& ec,
                                                          const std::string& error) {
    Vm* v = Find(name);
    if (v == nullptr || v->pid == 0 || v->qmp == nullptr) {
      return;
    }
    if (!ec) {
      ConnectQmp(*v, fresh ? kQmpAttempts : 10);
      return;
    }
    if (attempts_left <= 1) {
      if (fresh) {
        v->error = "no console: " + error;
        KillQemu(*v);  // it waits for the console before the guest runs
        return;
      }
      // Started by an agent that let QEMU write the console to a file.
      SY_WARN("vm " << name << ": console not read (" << error << "); attaching without it");
      ConnectQmp(*v, 10);
      return;
    }
    v->timer.expires_after(kQmpRetry);
    v->timer.async_wait(
        [this, name, attempts_left, fresh](const boost::system::error_code& wait_ec) {
          Vm* again = Find(name);
          if (!wait_ec && again != nullptr && again->console != nullptr && again->pid != 0) {
            ConnectConsole(*again, attempts_left - 1, fresh);
          }
        });
  });
}

void VmManager::ConnectQmp(Vm& vm, int attempts_left) {
  const std::string name = vm.config.name;
  vm.qmp->Connect(
      RunDir(name) + "/qmp.sock",
      [this, name, attempts_left](const boost::system::error_code& ec, const std::string& error) {
        Vm* v = Find(name);
        if (v == nullptr || v->pid == 0) {
          return;
        }
        if (!ec) {
          OnQmpReady(*v);
          return;
        }
        if (attempts_left <= 1) {
          v->error = "no QMP: " + error;
          KillQemu(*v);  // a QEMU we cannot steer is of no use
          return;
        }
        v->timer.expires_after(kQmpRetry);
        v->timer.async_wait([this, name, attempts_left](const boost::system::error_code& wait_ec) {
          Vm* again = Find(name);
          if (!wait_ec && again != nullptr && again->qmp != nullptr) {
            ConnectQmp(*again, attempts_left - 1);
          }
        });
      });
}

void VmManager::OnQmpReady(Vm& vm) {
  const std::string name = vm.config.name;
  vm.qmp->QueryStatus([this, name](bool ok, const std::string& status) {
    Vm* v = Find(name);
    if (v == nullptr || !ok) {
      return;
    }
    if (status == "paused") {
      SetState(*v, VmState::kPaused, "QEMU reports it paused");
    } else if (status == "running") {
      SetState(*v, VmState::kRunning,
               v->state == VmState::kStarting ? "started (" + v->accel + ")" : "running");
    }
    if (v->kvm_on_trial) {
      ArmKvmTrial(*v);
    }
  });
}

void VmManager::ArmKvmTrial(Vm& vm) {
  const std::string name = vm.config.name;
  vm.watchdog.expires_after(std::chrono::seconds(kKvmTrialS));
  vm.watchdog.async_wait([this, name](const boost::system::error_code& ec) {
    Vm* v = Find(name);
    if (ec || v == nullptr || v->pid == 0 || !v->kvm_on_trial) {
      return;
    }
    v->kvm_on_trial = false;
    // A log that rotated since the start has had more than firmware's say,
    // and may have lost the "Booting from" line.
    const bool rotated = v->console != nullptr && v->console->counters().rotations > 0;
    if (rotated || ConsoleShowsLife(
                       RotatingLog::Files(RunDir(name) + "/console.log", options_.console.files))) {
      v->accel_reason = "auto: KVM runs the guest";
      return;
    }
    SY_WARN("vm " << name << ": no guest output under KVM within " << kKvmTrialS
                  << " s; starting it again under TCG");
    v->fall_back = true;
    KillQemu(*v);
  });
}

void VmManager::OnEvent(Vm& vm, const std::string& name) {
  if (name == "SHUTDOWN") {
    vm.shutdown_seen = true;  // QEMU exits next
  } else if (name == "STOP" && vm.state == VmState::kRunning) {
    SetState(vm, VmState::kPaused, "paused");
  } else if (name == "RESUME" && (vm.state == VmState::kPaused || vm.state == VmState::kStarting)) {
    SetState(vm, VmState::kRunning, "resumed");
  }
}

void VmManager::OnExit(Vm& vm, const std::string& how) {
  vm.timer.cancel();
  vm.watchdog.cancel();
  if (vm.console != nullptr) {
    vm.console->Drain();  // QEMU's last words, still in the socket
    vm.console->Close();
  }
  vm.qmp.reset();
  vm.watch.reset();
  vm.pid = 0;
  FreePorts(vm);
  if (vm.fall_back) {
    vm.fall_back = false;
    vm.force = Accel::kTcg;
    vm.accel_reason = "auto: KVM did not run the guest (no console output within " +
                      std::to_string(kKvmTrialS) + " s); TCG instead";
    SetState(vm, VmState::kStarting, "KVM did not run it; starting again under TCG");
    if (Status s = Launch(vm); !s.ok()) {
      vm.error = s.message();
      SetState(vm, VmState::kCrashed, "could not start again under TCG: " + s.message());
    }
    return;
  }
  unlink((RunDir(vm.config.name) + "/qemu.pid").c_str());
  vm.accel.clear();  // nothing runs it now
  vm.accel_reason.clear();
  if (vm.shutdown_seen) {
    SetState(vm, VmState::kShutoff, "powered off");
    return;
  }
  if (vm.error.empty()) {
    vm.error = "QEMU " + how;
  }
  SetState(vm, VmState::kCrashed, vm.error);
}

void VmManager::KillQemu(Vm& vm) {
  // Through the process handle: never a pid reused by someone else.
  if (vm.watch != nullptr) {
    vm.watch->Signal(SIGKILL, nullptr);
  }
}

void VmManager::FreePorts(Vm& vm) {
  for (size_t i = 0; i < vm.ports.size(); ++i) {
    if (Status s = sw_->RemovePort(vm.ports[i], NicBackend(vm.config, i)); !s.ok()) {
      SY_WARN("vm " << vm.config.name << ": " << s.message());
    }
  }
  vm.ports.clear();
}

VmManager::Vm* VmManager::Expect(const std::string& name, const std::vector<VmState>& allowed,
                                 const char* what, const Done& done) {
  Vm* vm = Find(name);
  if (vm == nullptr) {
    done(Status(StatusCode::kNotFound, "vm.name: '" + name + "' is not defined"), VmReport{});
    return nullptr;
  }
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), vm->state) == allowed.end()) {
    done(Status(StatusCode::kFailedPrecondition,
                name + " is " + std::string(VmStateName(vm->state)) + ": cannot " + what),
         Report(*vm));
    return nullptr;
  }
  return vm;
}

void VmManager::Start(const std::string& name, Done done) {
  Vm* vm = Expect(name, {VmState::kShutoff, VmState::kCrashed}, "start", done);
  if (vm == nullptr) {
    return;
  }
  // Whatever stopped it (the switch, QEMU's user, a file), the VM is
  // unavailable: StartVm answers UNAVAILABLE, the reason in the message.
  // But a switch that does not answer (restarting) is waited for, and the
  // call is done.
  bool switch_down = false;
  if (Status s = Launch(*vm, &switch_down); !s.ok()) {
    if (switch_down) {
      WaitForSwitch(*vm, s.message());
      done(Status::Ok(), Report(*vm));
      return;
    }
    vm->error = s.message();
    done(Status(StatusCode::kUnavailable, name + ": " + s.message()), Report(*vm));
    return;
  }
  SetState(*vm, VmState::kStarting, "QEMU started, pid " + std::to_string(vm->pid));
  WhenSettled(*vm, options_.start_timeout_s, std::move(done));
}

void VmManager::WaitForSwitch(Vm& vm, const std::string& why) {
  vm.error = why;
  if (vm.state != VmState::kWaiting) {
    SetState(vm, VmState::kWaiting, why);
  }
  const std::string name = vm.config.name;
  vm.timer.expires_after(std::chrono::seconds(1));
  vm.timer.async_wait([this, name](const boost::system::error_code& ec) {
    Vm* v = Find(name);
    if (ec || v == nullptr || v->state != VmState::kWaiting) {
      return;  // destroyed, or undefined, meanwhile
    }
    if (Status s = sw_->Answers(); !s.ok()) {
      WaitForSwitch(*v, s.message());
      return;
    }
    bool switch_down = false;
    if (Status s = Launch(*v, &switch_down); !s.ok()) {
      if (switch_down) {  // gone again meanwhile
        WaitForSwitch(*v, s.message());
        return;
      }
      v->error = s.message();
      SetState(*v, VmState::kShutoff, "could not start once the switch answered: " + s.message());
      return;
    }
    SetState(*v, VmState::kStarting,
             "the switch answers; QEMU started, pid " + std::to_string(v->pid));
    WhenSettled(*v, options_.start_timeout_s, [](const Status&, const VmReport&) {});
  });
}

void VmManager::Shutdown(const std::string& name, int timeout_s, Done done) {
  Vm* vm = Expect(name, {VmState::kRunning, VmState::kPaused}, "shut down", done);
  if (vm == nullptr) {
    return;
  }
  vm->qmp->SystemPowerdown(nullptr);
  SetState(*vm, VmState::kStopping, "ACPI power-off sent");
  vm->timer.expires_after(std::chrono::seconds(timeout_s));
  vm->timer.async_wait([this, name, timeout_s](const boost::system::error_code& ec) {
    Vm* v = Find(name);
    if (!ec && v != nullptr && v->pid != 0) {
      v->shutdown_seen = true;  // ended on purpose: shut off, not crashed
      v->error.clear();
      SY_WARN("vm " << name << ": did not power off within " << timeout_s << " s; destroyed");
      KillQemu(*v);
    }
  });
  done(Status::Ok(), Report(*vm));  // stopping; WatchVms tells the rest
}

void VmManager::Destroy(const std::string& name, Done done) {
  Vm* vm = Expect(name, {}, "destroy", done);
  if (vm == nullptr) {
    return;
  }
  if (vm->state == VmState::kWaiting) {
    vm->timer.cancel();
    vm->error.clear();
    SetState(*vm, VmState::kShutoff, "destroyed while waiting for the switch");
    done(Status::Ok(), Report(*vm));
    return;
  }
  if (vm->pid == 0) {
    done(Status(StatusCode::kFailedPrecondition,
                name + " is " + std::string(VmStateName(vm->state)) + ": no QEMU to destroy"),
         Report(*vm));
    return;
  }
  vm->shutdown_seen = true;
  vm->error.clear();
  const pid_t pid = vm->pid;
  if (vm->qmp != nullptr && vm->qmp->ready()) {
    vm->qmp->Quit(nullptr);
  } else {
    KillQemu(*vm);
  }
  vm->timer.expires_after(std::chrono::seconds(kDestroyGraceS));
  vm->timer.async_wait([this, name, pid](const boost::system::error_code& ec) {
    Vm* v = Find(name);
    if (!ec && v != nullptr && v->pid == pid) {
      KillQemu(*v);
    }
  });
  SetState(*vm, VmState::kStopping, "destroying");
  WhenSettled(*vm, kDestroyGraceS + 5, std::move(done));
}

void VmManager::Command(const std::string& name, const std::vector<VmState>& allowed,
                        const char* what, void (QmpClient::*send)(QmpClient::ResultFn), Done done) {
  Vm* vm = Expect(name, allowed, what, done);
  if (vm == nullptr) {
    return;
  }
  if (vm->qmp == nullptr || !vm->qmp->ready()) {
    done(Status(StatusCode::kFailedPrecondition, name + ": QEMU does not answer QMP yet"),
         Report(*vm));
    return;
  }
  ((*vm->qmp).*send)([this, name, what, done](bool ok, const std::string& text) {
    Vm* v = Find(name);
    if (v == nullptr) {
      done(Status(StatusCode::kNotFound, name + " went away"), VmReport{});
      return;
    }
    if (!ok) {
      done(Unavailable(name + ": " + what + ": " + QmpClient::ErrorDesc(text)), Report(*v));
      return;
    }
    // STOP and RESUME events may trail the reply: ask for the state now.
    v->qmp->QueryStatus([this, name, done](bool status_ok, const std::string& status) {
      Vm* w = Find(name);
      if (w == nullptr) {
        done(Status(StatusCode::kNotFound, name + " went away"), VmReport{});
        return;
      }
      if (status_ok && status == "paused") {
        SetState(*w, VmState::kPaused, "paused");
      } else if (status_ok && status == "running") {
        SetState(*w, VmState::kRunning, "running");
      }
      done(Status::Ok(), Report(*w));
    });
  });
}

void VmManager::Pause(const std::string& name, Done done) {
  Command(name, {VmState::kRunning}, "pause", &QmpClient::Stop, std::move(done));
}

void VmManager::Resume(const std::string& name, Done done) {
  Command(name, {VmState::kPaused}, "resume", &QmpClient::Cont, std::move(done));
}

void VmManager::Reboot(const std::string& name, Done done) {
  Command(name, {VmState::kRunning}, "reboot", &QmpClient::SystemReset, std::move(done));
}

void VmManager::Undefine(const std::string& name, Done done) {
  if (Expect(name, {VmState::kShutoff, VmState::kCrashed}, "undefine (stop it first)", done) ==
      nullptr) {
    return;
  }
  auto gone = std::move(vms_.at(name));
  vms_.erase(name);
  if (Status s = Save(); !s.ok()) {
    vms_.emplace(name, std::move(gone));
    done(s, VmReport{});
    return;
  }
  std::error_code ec;
  fs::remove_all(RunDir(name), ec);  // its disks stay where they are
  if (on_change_) {
    on_change_(VmChange{name, VmState::kShutoff, gone->state, "undefined"});
  }
  done(Status::Ok(), Report(*gone));
}

Status VmManager::Get(const std::string& name, VmReport* out) const {
  const Vm* vm = Find(name);
  if (vm == nullptr) {
    return Status(StatusCode::kNotFound, "vm.name: '" + name + "' is not defined");
  }
  *out = Report(*vm);
  return Status::Ok();
}

std::vector<VmReport> VmManager::List() const {
  std::vector<VmReport> out;
  for (const auto& [name, vm] : vms_) {
    out.push_back(Report(*vm));
  }
  return out;
}

}  // namespace switchyard::kvm
