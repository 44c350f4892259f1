// The one owner of yard-kvmd's VMs: their definitions (saved), and for each
// running one its QEMU process, QMP connection and switch ports.
//
// Thread context: everything runs on the io_context's thread. The gRPC
// service posts calls there and waits for their `done`, which runs once,
// on that thread, when the call has finished (a start: when QEMU reports the
// guest running, or has failed).
//
// QEMU runs in its own session, so it outlives the agent: a restarted
// agent finds it again by its pidfile and QMP socket and attaches. The
// agent reads each QEMU's serial console from a socket and keeps it in a
// bounded, rotated log (kvm-host/qemu/console_log.h). With a QEMU user,
// QEMU drops root before the guest runs (kvm-host/qemu/qemu_user.h); the
// state directory and the VMs' run directories are then that user's group's
// to enter (mode 0710), and a VM whose disks or vhost-user sockets the user
// could not open does not start.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "kvm-host/agent/switch_client.h"
#include "kvm-host/qemu/console_log.h"
#include "kvm-host/qemu/process.h"
#include "kvm-host/qemu/qemu_user.h"
#include "kvm-host/qemu/qmp_client.h"
#include "kvm-host/vm/vm_config.h"

namespace switchyard::kvm {

enum class VmState { kShutoff, kStarting, kRunning, kPaused, kStopping, kCrashed, kWaiting };
std::string_view VmStateName(VmState state);

struct VmReport {
  VmConfig config;
  VmState state = VmState::kShutoff;
  std::string accel;  // "kvm" / "tcg" while it runs
  std::string accel_reason;
  pid_t pid = 0;
  std::string console_log;
  // Since the agent began reading this QEMU's console (its start, or the
  // agent's own); zero when it never did.
  ConsoleLogCounters console;
  std::vector<std::string> ports;
  std::string error;
};

struct VmChange {
  std::string name;
  VmState state;
  VmState previous;
  std::string detail;
};

// Errors: every call ends with a Status that the gRPC service passes on as
// it is (ToGrpc in vms_service.cc): INVALID_ARGUMENT for a definition or a
// disk image the agent refuses, NOT_FOUND for a VM not defined,
// ALREADY_EXISTS for a define of a name taken with another spec,
// FAILED_PRECONDITION when the VM's state forbids the call ("web1 is
// running: cannot start"), and UNAVAILABLE when QEMU, the switch or the
// state directory failed it. The message names the field or the VM, and
// the reason.
class VmManager {
 public:
  using Done = std::function<void(const Status& status, const VmReport& vm)>;

  struct Options {
    std::string state_dir;
    std::string qemu = "qemu-system-x86_64";
    std::string qemu_img = "qemu-img";
    int start_timeout_s = 60;  // spawn to "running" over QMP
    ConsoleLogLimits console;  // each VM's console log
    // The user QEMU becomes (`-runas`) once it has opened what needs root;
    // empty: QEMU stays root.
    std::string qemu_user;
  };

  VmManager(boost::asio::io_context& io, Options options, SwitchClient* sw,
            std::function<void(const VmChange&)> on_change);
  ~VmManager();

  // Reads the saved definitions, attaches to QEMUs still running, frees the
  // ports of those that are gone, and starts autostart VMs. OK, or why the
  // agent cannot run (the definitions cannot be read, the QEMU user does
  // not exist or the agent is not root to become it): the agent then
  // refuses to start.
  Status Load();

  void Define(VmConfig config, Done done);
  void Start(const std::string& name, Done done);
  void Shutdown(const std::string& name, int timeout_s, Done done);
  void Destroy(const std::string& name, Done done);
  void Pause(const std::string& name, Done done);
  void Resume(const std::string& name, Done done);
  void Reboot(const std::string& name, Done done);
  void Undefine(const std::string& name, Done done);
  Status Get(const std::string& name, VmReport* out) const;
  std::vector<VmReport> List() const;

 private:
  struct Vm;

  Vm* Find(const std::string& name) const;
  // The VM `name` when it is in one of `allowed` (any, when empty); else
  // answers `done` (NOT_FOUND, or FAILED_PRECONDITION: "cannot `what`")
  // and returns null.
  Vm* Expect(const std::string& name, const std::vector<VmState>& allowed, const char* what,
             const Done& done);
  std::string RunDir(const std::string& name) const;
  // With a QEMU user: `dir` made enterable (not readable) by the user's
  // group, mode 0710, so that QEMU reaches the sockets in it by name;
  // UNAVAILABLE when it cannot be.
  Status ShareWithQemu(const std::string& dir) const;
  // With a QEMU user: OK when it may open the VM's disks and vhost-user
  // sockets, else FAILED_PRECONDITION saying what stops it and what to
  // change.
  Status CheckQemuUserAccess(const VmConfig& vm) const;
  // NIC `nic`'s backend, as its port has it: the vhost-user socket in the
  // VM's run directory, or its TAP's name.
  std::string NicBackend(const VmConfig& vm, size_t nic) const;
  // Writes every definition to vms.json; UNAVAILABLE when it cannot.
  Status Save() const;
  VmReport Report(const Vm& vm) const;
  void SetState(Vm& vm, VmState state, const std::string& detail);
  // Checks disks (made when asked for), asks the switch for ports, spawns
  // QEMU. OK, or why not, with nothing left behind; `*switch_down` (when
  // given) says whether it was because the switch did not answer.
  Status Launch(Vm& vm, bool* switch_down = nullptr);
  void Attach(Vm& vm, pid_t pid, bool fresh);
  // A start while the switch does not answer: the VM waits (kWaiting,
  // `why` as its error) and is launched when the switch answers, tried
  // every second.
  void WaitForSwitch(Vm& vm, const std::string& why);
  // Connects the VM's console reader, then QMP. A fresh QEMU waits for it
  // before the guest runs: failing, it is killed. One started before the
  // agent's restart keeps running without a console log.
  void ConnectConsole(Vm& vm, int attempts_left, bool fresh);
  void ConnectQmp(Vm& vm, int attempts_left);
  void OnQmpReady(Vm& vm);
  // auto chose KVM: restarts the VM under TCG when its console shows no
  // life in time.
  void ArmKvmTrial(Vm& vm);
  void OnEvent(Vm& vm, const std::string& name);
  void OnExit(Vm& vm, const std::string& how);
  void FreePorts(Vm& vm);
  void KillQemu(Vm& vm);
  // Runs `done` once the VM reaches a settled state (not starting or
  // stopping), or when `timeout_s` passes.
  void WhenSettled(Vm& vm, int timeout_s, Done done);
  void Settle(Vm& vm);
  // Sends QMP `command` to a running VM and answers with its state after.
  void Command(const std::string& name, const std::vector<VmState>& allowed, const char* what,
               void (QmpClient::*send)(QmpClient::ResultFn), Done done);

  boost::asio::io_context& io_;
  const Options options_;
  SwitchClient* const sw_;
  const std::function<void(const VmChange&)> on_change_;
  std::optional<QemuUser> qemu_user_;  // set by Load() from options_.qemu_user
  std::map<std::string, std::unique_ptr<Vm>> vms_;
};

}  // namespace switchyard::kvm
