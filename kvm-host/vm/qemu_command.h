// The QEMU command line of a VM: what it runs with, where its QMP socket,
// console and pidfile are, and each NIC's backend (the switch port's
// vhost-user socket, or its TAP).
#pragma once

#include <string>
#include <vector>

#include "kvm-host/vm/vm_config.h"

namespace switchyard::kvm {

struct QemuRuntime {
  std::string binary = "qemu-system-x86_64";
  Accel accel = Accel::kTcg;  // kKvm or kTcg: what auto chose
  std::string qmp_socket;
  // The serial console's socket: QEMU listens, the agent reads (see
  // kvm-host/qemu/console_log.h).
  std::string console_socket;
  std::string pid_file;
  // The user QEMU becomes once it has opened what needs root; empty: it
  // stays who started it.
  std::string run_as;
  // Per NIC, in order: the vhost-user socket the switch listens on, or the
  // TAP's name.
  std::vector<std::string> nic_backends;
};

// Guest memory is a shared memfd, which vhost-user needs (the switch maps
// it) and costs nothing otherwise. QMP listens on a unix socket, and so
// does the serial console, waiting for the agent to connect before the
// guest runs (`wait=on`), so that the agent's log has the console from its
// first byte; QEMU drops console output while no one is connected. QEMU 7.2
// under TCG segfaults setting up MSI-X for vhost-user NICs, so those get
// `vectors=0` there. Paths inside option lists are escaped
// (QemuOptionValue), so a comma in a disk's path cannot add options; QEMU
// runs under its seccomp sandbox. With `run_as`, QEMU becomes that user
// (`-runas`) just before the guest runs, and the sandbox then allows the
// set*id calls that takes (QEMU 7.2 changes user after the filter is in
// place; denied, they kill it).
std::vector<std::string> QemuArgv(const VmConfig& vm, const QemuRuntime& rt);

// `value` for a QEMU option list ("key=value,key=value"): commas doubled.
std::string QemuOptionValue(const std::string& value);

// Whether `argv` (a running process's) is the QEMU QemuArgv made for VM
// `vm` with QMP at `qmp_socket`: the binary's name, the guest's name and
// its QMP socket must all match, so that a recycled pid running anything
// else (even another QEMU) is never taken for the VM.
bool IsQemuOf(const std::vector<std::string>& argv, const std::string& binary,
              const std::string& vm, const std::string& qmp_socket);

}  // namespace switchyard::kvm
