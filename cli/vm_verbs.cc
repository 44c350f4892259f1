// vm define|start|shutdown|destroy|pause|resume|reboot|undefine|list|show|
// console|watch: the Vms service of yard-kvmd, the VM agent, reached at
// --kvmd-socket (not switchyardd's socket or server).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <set>
#include <string>

#include "cli/output.h"
#include "cli/stop_signal.h"
#include "cli/table.h"
#include "cli/verb.h"
#include "cli/vm_args.h"
#include "switchyard/v1/vms.grpc.pb.h"

namespace switchyard::ctl {

namespace {

using Kind = OptionSpec::Kind;
constexpr auto kRight = Table::Align::kRight;
constexpr uint64_t kMib = uint64_t{1} << 20;
// StartVm answers once QEMU runs the guest or has failed to, which may
// take the agent's start timeout (60 s by default): more than --timeout's
// usual 10 s.
constexpr uint32_t kStartDeadlineSeconds = 90;
// How often `vm console` looks for more of the log.
constexpr auto kConsolePoll = std::chrono::milliseconds(200);
// What the agent waits for when ShutdownVm has no timeout.
constexpr uint32_t kDefaultShutdownSeconds = 60;

std::unique_ptr<v1::Vms::Stub> Stub(const Call& call) { return v1::Vms::NewStub(call.channel()); }

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

std::string YesNo(bool b) { return b ? "yes" : "no"; }

// "2G", "256M": memory as --memory's MiB, in the largest unit that fits.
std::string MemoryText(uint32_t mib) { return SizeText(mib * kMib); }

// Whether there is a QEMU (being started, running, paused or stopping),
// and so an accelerator that runs the guest now.
bool HasQemu(v1::VmState state) {
  return state == v1::VM_STATE_STARTING || state == v1::VM_STATE_RUNNING ||
         state == v1::VM_STATE_PAUSED || state == v1::VM_STATE_STOPPING;
}

// The accelerator asked for, and the one that runs the guest when it
// differs: "kvm", "auto (tcg)".
std::string AccelText(const v1::Vm& vm) {
  const std::string wanted = AcceleratorName(vm.spec().accelerator());
  const std::string now = HasQemu(vm.status().state()) ? vm.status().accelerator() : "";
  return now.empty() || now == wanted ? wanted : wanted + " (" + now + ")";
}

// "running on kvm", "shutoff".
std::string StateText(const v1::Vm& vm) {
  const std::string state = VmStateName(vm.status().state());
  const std::string& accel = vm.status().accelerator();
  return accel.empty() ? state : state + " on " + accel;
}

std::string NetworksText(const v1::VmSpec& spec) {
  std::string out;
  for (const v1::Nic& nic : spec.nics()) {
    out += (out.empty() ? "" : ",") + nic.network();
  }
  return OrDash(out);
}

std::string BootText(const v1::VmSpec& spec) {
  std::string out;
  for (const std::string& device : spec.boot_order()) {
    out += (out.empty() ? "" : ", ") + device;
  }
  return out.empty() ? "disk (default)" : out;
}

// A time in milliseconds since 1970 as UtcTime writes it.
std::string UnixMsText(int64_t unix_ms) {
  int64_t seconds = unix_ms / 1000;
  int64_t millis = unix_ms % 1000;
  if (millis < 0) {
    seconds -= 1;
    millis += 1000;
  }
  return UtcTime(seconds, static_cast<int32_t>(millis));
}

int Define(const Call& call) {
  const ParsedArgs& args = call.args();
  v1::DefineVmRequest request;
  v1::VmSpec* spec = request.mutable_spec();
  spec->set_name(args.positional(0));
  // Unset means 0, which the agent takes as its default (1 vCPU, 256 MiB).
  spec->set_vcpus(args.U32("--vcpus").value_or(0));
  spec->set_memory_mib(args.U32("--memory").value_or(0));
  for (const std::string& value : args.All("--disk")) {
    if (auto reason = ParseDiskOption(value, spec->add_disks()); !reason.empty()) {
      return call.Usage(reason);
    }
  }
  auto kernel = args.String("--kernel");
  if (!kernel && (args.Has("--initrd") || args.Has("--cmdline"))) {
    return call.Usage("--initrd and --cmdline go with --kernel");
  }
  spec->set_kernel(kernel.value_or(""));
  spec->set_initrd(args.String("--initrd").value_or(""));
  spec->set_cmdline(args.String("--cmdline").value_or(""));
  std::set<std::string> boot_seen;
  for (const std::string& device : args.All("--boot")) {
    if (device != "disk" && device != "network") {
      return call.Usage("--boot: '" + device + "' is not disk or network");
    }
    if (!boot_seen.insert(device).second) {
      return call.Usage("--boot: " + device + " given twice");
    }
    spec->add_boot_order(device);
  }
  for (const std::string& value : args.All("--nic")) {
    if (auto reason = ParseNicOption(value, spec->add_nics()); !reason.empty()) {
      return call.Usage(reason);
    }
  }
  spec->set_autostart(args.Has("--autostart"));
  if (auto word = args.String("--accel")) {
    auto accel = ParseAccelerator(*word);
    if (!accel) {
      return call.Usage("--accel: '" + *word + "' is not auto, kvm or tcg");
    }
    spec->set_accelerator(*accel);
  }
  v1::Vm reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->DefineVm(c, request, &reply); });
  return call.Reply(status, reply,
                    [&] { std::cout << "vm " << reply.spec().name() << " defined\n"; });
}

// The verbs that name a VM and get it back, with the sentence each prints.
using VmRpc = grpc::Status (v1::Vms::Stub::*)(grpc::ClientContext*, const v1::VmRequest&, v1::Vm*);

int Act(const Call& call, VmRpc rpc, const std::string& done, uint32_t min_seconds = 0) {
  v1::VmRequest request;
  request.set_name(call.args().positional(0));
  v1::Vm reply;
  auto stub = Stub(call);
  auto status = call.Unary(
      [&](grpc::ClientContext* c) { return (stub.get()->*rpc)(c, request, &reply); }, min_seconds);
  return call.Reply(status, reply,
                    [&] { std::cout << "vm " << request.name() << " " << done << "\n"; });
}

int Start(const Call& call) {
  v1::VmRequest request;
  request.set_name(call.args().positional(0));
  v1::Vm reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->StartVm(c, request, &reply); },
                 kStartDeadlineSeconds);
  return call.Reply(status, reply, [&] {
    if (reply.status().state() == v1::VM_STATE_WAITING) {
      std::cout << "vm " << request.name() << " waits for the switch: " << reply.status().error()
                << "\n";
      return;
    }
    std::cout << "vm " << request.name() << " started: " << StateText(reply);
    if (!reply.status().accelerator_reason().empty()) {
      std::cout << " (" << reply.status().accelerator_reason() << ")";
    }
    std::cout << "\n";
  });
}

int Shutdown(const Call& call) {
  v1::ShutdownVmRequest request;
  request.set_name(call.args().positional(0));
  request.set_timeout_seconds(call.args().U32("--timeout").value_or(0));
  v1::Vm reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->ShutdownVm(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    const uint32_t seconds =
        request.timeout_seconds() == 0 ? kDefaultShutdownSeconds : request.timeout_seconds();
    std::cout << "vm " << request.name() << " shutting down (destroyed if still running after "
              << seconds << " s)\n";
  });
}

int Destroy(const Call& call) { return Act(call, &v1::Vms::Stub::DestroyVm, "destroyed"); }
int Pause(const Call& call) { return Act(call, &v1::Vms::Stub::PauseVm, "paused"); }
int Resume(const Call& call) { return Act(call, &v1::Vms::Stub::ResumeVm, "resumed"); }
int Reboot(const Call& call) { return Act(call, &v1::Vms::Stub::RebootVm, "rebooted"); }

int Undefine(const Call& call) {
  v1::VmRequest request;
  request.set_name(call.args().positional(0));
  v1::UndefineVmResponse reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->UndefineVm(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    std::cout << "vm " << request.name() << " undefined (its disks are kept)\n";
  });
}

int List(const Call& call) {
  v1::ListVmsResponse reply;
  auto stub = Stub(call);
  auto status = call.Unary(
      [&](grpc::ClientContext* c) { return stub->ListVms(c, v1::ListVmsRequest(), &reply); });
  return call.Reply(status, reply, [&] {
    Table table({{"NAME"},
                 {"STATE"},
                 {"VCPUS", kRight},
                 {"MEMORY", kRight},
                 {"NICS"},
                 {"ACCEL"},
                 {"AUTOSTART"}});
    std::vector<std::string> errors;
    for (const v1::Vm& vm : reply.vms()) {
      const v1::VmSpec& s = vm.spec();
      table.AddRow({s.name(), VmStateName(vm.status().state()), std::to_string(s.vcpus()),
                    MemoryText(s.memory_mib()), NetworksText(s), AccelText(vm),
                    YesNo(s.autostart())});
      if (!vm.status().error().empty()) {
        errors.push_back("  " + s.name() + ": " + vm.status().error());
      }
    }
    table.Print(std::cout);
    // Below the table, as sentences do not fit in a column.
    if (!errors.empty()) {
      std::cout << "errors:\n";
      for (const auto& line : errors) {
        std::cout << line << '\n';
      }
    }
  });
}

void PrintVm(const v1::Vm& vm) {
  const v1::VmSpec& s = vm.spec();
  const v1::VmStatus& st = vm.status();
  std::vector<std::pair<std::string, std::string>> lines = {
      {"name", s.name()},
      {"state", VmStateName(st.state())},
      {"vcpus", std::to_string(s.vcpus())},
      {"memory", MemoryText(s.memory_mib())},
      {"accelerator", AcceleratorName(s.accelerator())},
      {"active-accelerator", OrDash(st.accelerator())}};
  if (!st.accelerator_reason().empty()) {
    lines.emplace_back("accelerator-reason", st.accelerator_reason());
  }
  lines.emplace_back("autostart", YesNo(s.autostart()));
  lines.emplace_back("boot", BootText(s));
  lines.emplace_back("kernel", OrDash(s.kernel()));
  lines.emplace_back("initrd", OrDash(s.initrd()));
  lines.emplace_back("cmdline", OrDash(s.cmdline()));
  lines.emplace_back("disks", std::to_string(s.disks_size()));
  lines.emplace_back("nics", std::to_string(s.nics_size()));
  lines.emplace_back("pid", st.pid() == 0 ? "-" : std::to_string(st.pid()));
  lines.emplace_back("console-log", OrDash(st.console_log()));
  if (st.console_bytes() != 0 || st.console_rotations() != 0 || st.console_dropped_bytes() != 0) {
    // The log is bounded (yard-kvmd --console-log-size and -files).
    lines.emplace_back("console-written",
                       std::to_string(st.console_bytes()) + " bytes, " +
                           std::to_string(st.console_rotations()) + " rotations, " +
                           std::to_string(st.console_dropped_bytes()) + " bytes dropped");
  }
  if (!st.error().empty()) {
    lines.emplace_back("error", st.error());
  }
  PrintKeyValues(std::cout, lines);
  if (s.disks_size() > 0) {
    std::cout << "\n";
    Table disks({{"DISK"}, {"FORMAT"}, {"CREATE-SIZE", kRight}, {"ACCESS"}});
    for (const v1::Disk& d : s.disks()) {
      disks.AddRow({d.path(), d.format().empty() ? "qcow2" : d.format(),
                    d.create_size_bytes() == 0 ? "-" : SizeText(d.create_size_bytes()),
                    d.read_only() ? "ro" : "rw"});
    }
    disks.Print(std::cout);
  }
  if (s.nics_size() > 0) {
    std::cout << "\n";
    Table nics({{"NIC", kRight}, {"NETWORK"}, {"KIND"}, {"MAC"}, {"VLAN", kRight}, {"PORT"}});
    for (int i = 0; i < s.nics_size(); ++i) {
      const v1::Nic& n = s.nics(i);
      nics.AddRow({std::to_string(i), n.network(), NicKindName(n.kind()), OrDash(n.mac()),
                   n.vlan() == 0 ? "-" : std::to_string(n.vlan()),
                   i < st.ports_size() ? st.ports(i) : "-"});
    }
    nics.Print(std::cout);
  }
}

int Show(const Call& call) {
  v1::VmRequest request;
  request.set_name(call.args().positional(0));
  v1::Vm reply;
  auto stub = Stub(call);
  auto status = call.Unary([&](grpc::ClientContext* c) { return stub->GetVm(c, request, &reply); });
  return call.Reply(status, reply, [&] { PrintVm(reply); });
}

// Writes what `fd` holds from its offset on to stdout. False on a read
// error, with errno set.
bool CopyToStdout(int fd) {
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      std::cout.flush();
      return n == 0;
    }
    std::cout.write(buf, n);
  }
}

// Follows `fd`, the log at `path`, as tail -F does, until a signal: new
// lines as they are written; from the start again when it is truncated or
// a new file takes its path (the VM started again). Returns the exit code.
int FollowLog(const std::string& path, int fd) {
  StopSignal stop;
  while (stop.SleepUntil(std::chrono::steady_clock::now() + kConsolePoll)) {
    struct stat open_st = {};
    if (fstat(fd, &open_st) == 0 && open_st.st_size < lseek(fd, 0, SEEK_CUR)) {
      std::cerr << "yardctl: " << path << " was truncated; reading it from the start\n";
      lseek(fd, 0, SEEK_SET);
    }
    if (!CopyToStdout(fd)) {
      std::cerr << "yardctl: cannot read " << path << ": " << std::strerror(errno) << std::endl;
      close(fd);
      return 1;
    }
    struct stat path_st = {};
    if (stat(path.c_str(), &path_st) != 0 ||
        (path_st.st_ino == open_st.st_ino && path_st.st_dev == open_st.st_dev)) {
      continue;  // gone (keep the open one) or the same file
    }
    const int fresh = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fresh < 0) {
      continue;  // next time
    }
    CopyToStdout(fd);  // the old file's last words
    close(fd);
    fd = fresh;
    std::cerr << "yardctl: " << path << " was replaced (rotated, or the VM started again); "
              << "following the new file\n";
    CopyToStdout(fd);
  }
  close(fd);
  return 0;
}

int Console(const Call& call) {
  v1::VmRequest request;
  request.set_name(call.args().positional(0));
  v1::Vm reply;
  auto stub = Stub(call);
  auto status = call.Unary([&](grpc::ClientContext* c) { return stub->GetVm(c, request, &reply); });
  if (!status.ok()) {
    return call.Fail(status);
  }
  if (call.json()) {
    // The log is not JSON: scripts get the Vm, and read its
    // status.console_log themselves.
    return PrintJson(reply);
  }
  const std::string& path = reply.status().console_log();
  if (path.empty()) {
    std::cerr << "yardctl: vm console: yard-kvmd names no console log for " << request.name()
              << std::endl;
    return 1;
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::cerr << "yardctl: vm console: cannot open the console log of " << request.name() << ", "
              << path << ": " << std::strerror(err)
              << (err == ENOENT ? " (it is made when the VM starts)" : "") << std::endl;
    return 1;
  }
  if (!CopyToStdout(fd)) {
    std::cerr << "yardctl: vm console: cannot read " << path << ": " << std::strerror(errno)
              << std::endl;
    close(fd);
    return 1;
  }
  if (call.args().Has("--no-follow")) {
    close(fd);
    return 0;
  }
  return FollowLog(path, fd);
}

// "TIME NAME PREVIOUS -> STATE (detail)", flushed. Returns 0, like
// PrintJson.
int PrintVmEvent(const v1::VmEvent& e) {
  std::cout << UnixMsText(e.unix_ms()) << ' ' << e.name() << ' ' << VmStateName(e.previous())
            << " -> " << VmStateName(e.state());
  if (!e.detail().empty()) {
    std::cout << " (" << e.detail() << ")";
  }
  std::cout << std::endl;
  return 0;
}

int Watch(const Call& call) {
  v1::WatchVmsRequest request;
  if (call.args().positional_count() > 0) {
    request.set_name(call.args().positional(0));
  }
  auto stub = Stub(call);
  StopSignal stop;
  // No deadline: the stream lasts until the agent ends it or Ctrl-C.
  grpc::ClientContext context;
  grpc::Status status;
  int print_failed = 0;  // a line that could not be printed ends the call
  {
    StopSignal::Guard guard(stop, &context);
    auto reader = stub->WatchVms(&context, request);
    v1::VmEvent event;
    while (reader->Read(&event)) {
      print_failed = call.json() ? PrintJson(event) : PrintVmEvent(event);
      if (print_failed != 0) {
        context.TryCancel();
        break;
      }
    }
    status = reader->Finish();
  }
  if (print_failed != 0) {
    return print_failed;
  }
  return stop.stopped() || status.ok() ? 0 : call.Fail(status);
}

// The verbs that take only the VM's name.
Verb NameVerb(const std::string& words, int (*run)(const Call&)) {
  return {words, "NAME", {{"NAME"}, {}}, run, Daemon::kKvmd};
}

}  // namespace

std::vector<Verb> VmVerbs() {
  return {
      {"vm define",
       "NAME [--vcpus N] [--memory MIB]\n"
       "    [--disk PATH[,size=SIZE][,format=qcow2|raw][,ro]]...\n"
       "    [--kernel PATH [--initrd PATH] [--cmdline TEXT]] [--boot disk|network]...\n"
       "    [--nic "
       "NETWORK[,kind=vhost-user|tap][,mac=MAC][,vlan=N][,ip=ADDR]...[,allow-spoofing]]...\n"
       "    [--autostart]\n"
       "    [--accel auto|kvm|tcg]",
       {{"NAME"},
        {{"--vcpus", Kind::kU32, false, /*min=*/1},
         {"--memory", Kind::kU32, false, /*min=*/1},
         {"--disk", Kind::kString, /*repeatable=*/true},
         {"--kernel"},
         {"--initrd"},
         {"--cmdline"},
         {"--boot", Kind::kString, true},
         {"--nic", Kind::kString, true},
         {"--autostart", Kind::kFlag},
         {"--accel"}}},
       Define,
       Daemon::kKvmd},
      NameVerb("vm start", Start),
      {"vm shutdown",
       "NAME [--timeout SECONDS]",
       {{"NAME"}, {{"--timeout", Kind::kU32, false, /*min=*/1}}},
       Shutdown,
       Daemon::kKvmd},
      NameVerb("vm destroy", Destroy),
      NameVerb("vm pause", Pause),
      NameVerb("vm resume", Resume),
      NameVerb("vm reboot", Reboot),
      NameVerb("vm undefine", Undefine),
      {"vm list", "", {}, List, Daemon::kKvmd},
      NameVerb("vm show", Show),
      {"vm console",
       "NAME [--no-follow]",
       {{"NAME"}, {{"--no-follow", Kind::kFlag}}},
       Console,
       Daemon::kKvmd},
      {"vm watch", "[NAME]", {{}, {}, {"NAME"}}, Watch, Daemon::kKvmd},
  };
}

}  // namespace switchyard::ctl
