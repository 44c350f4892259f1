#include "kvm-host/vm/qemu_command.h"

namespace switchyard::kvm {

std::string QemuOptionValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') {
      out += ',';  // ",," is a comma; a single one would start another option
    }
  }
  return out;
}

namespace {

std::string NameOption(const std::string& vm) { return "guest=" + vm + ",debug-threads=on"; }
std::string QmpOption(const std::string& socket) {
  return "socket,id=qmp,path=" + QemuOptionValue(socket) + ",server=on,wait=off";
}
std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

}  // namespace

bool IsQemuOf(const std::vector<std::string>& argv, const std::string& binary,
              const std::string& vm, const std::string& qmp_socket) {
  if (argv.empty() || BaseName(argv[0]) != BaseName(binary)) {
    return false;
  }
  bool name = false;
  bool qmp = false;
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    name = name || (argv[i] == "-name" && argv[i + 1] == NameOption(vm));
    qmp = qmp || (argv[i] == "-chardev" && argv[i + 1] == QmpOption(qmp_socket));
  }
  return name && qmp;
}

std::vector<std::string> QemuArgv(const VmConfig& vm, const QemuRuntime& rt) {
  const std::string mem = std::to_string(vm.memory_mib) + "M";
  std::vector<std::string> a = {
      rt.binary,
      "-name",
      NameOption(vm.name),
      "-nodefaults",
      "-no-user-config",
      "-machine",
      "pc,memory-backend=mem",
      "-accel",
      rt.accel == Accel::kKvm ? "kvm" : "tcg,tb-size=16",
      "-smp",
      std::to_string(vm.vcpus),
      "-m",
      mem,
      "-object",
      "memory-backend-memfd,id=mem,size=" + mem + ",share=on",
      "-display",
      "none",
      "-vga",
      "none",
      "-chardev",
      QmpOption(rt.qmp_socket),
      "-mon",
      "chardev=qmp,mode=control",
      "-chardev",
      "socket,id=console,path=" + QemuOptionValue(rt.console_socket) + ",server=on,wait=on",
      "-serial",
      "chardev:console",
      "-pidfile",
      rt.pid_file,
      // seccomp: no obsolete system calls, no setuid, no exec, no
      // scheduler or affinity changes from a guest that breaks out of QEMU.
      // With -runas, QEMU's own setgid/setuid come after the filter: they
      // are allowed, and leave a process with nothing to elevate to (no
      // root ids left, no_new_privs, no exec).
      "-sandbox",
      std::string("on,obsolete=deny,elevateprivileges=") + (rt.run_as.empty() ? "deny" : "allow") +
          ",spawn=deny,resourcecontrol=deny",
  };
  if (!rt.run_as.empty()) {
    a.insert(a.end(), {"-runas", rt.run_as});
  }
  if (!vm.kernel.empty()) {
    a.insert(a.end(), {"-kernel", vm.kernel});
    if (!vm.initrd.empty()) {
      a.insert(a.end(), {"-initrd", vm.initrd});
    }
    if (!vm.cmdline.empty()) {
      a.insert(a.end(), {"-append", vm.cmdline});
    }
  }
  for (size_t i = 0; i < vm.disks.size(); ++i) {
    const DiskConfig& d = vm.disks[i];
    a.insert(a.end(), {"-drive", "file=" + QemuOptionValue(d.path) + ",format=" + d.format +
                                     ",if=virtio,index=" + std::to_string(i) +
                                     (d.read_only ? ",readonly=on" : "")});
  }
  std::string order;
  for (const std::string& b : vm.boot_order) {
    order += b == "network" ? "n" : "c";
  }
  if (!order.empty()) {
    a.insert(a.end(), {"-boot", "order=" + order});
  }
  for (size_t i = 0; i < vm.nics.size(); ++i) {
    const NicConfig& n = vm.nics[i];
    const std::string id = std::to_string(i);
    const std::string& backend = i < rt.nic_backends.size() ? rt.nic_backends[i] : "";
    // romfile=: no iPXE ROM, unless the NIC may boot the VM.
    std::string device = "virtio-net-pci,netdev=net" + id + ",mac=" + n.mac;
    if (order.find('n') == std::string::npos) {
      device += ",romfile=";
    }
    if (n.kind == NicKind::kVhostUser) {
      a.insert(
          a.end(),
          {"-chardev", "socket,id=nic" + id + ",path=" + QemuOptionValue(backend) + ",reconnect=1",
           "-netdev", "vhost-user,id=net" + id + ",chardev=nic" + id});
      if (rt.accel == Accel::kTcg) {
        device += ",vectors=0";
      }
    } else {
      a.insert(a.end(), {"-netdev", "tap,id=net" + id + ",ifname=" + backend +
                                        ",script=no,downscript=no,vhost=off"});
    }
    a.insert(a.end(), {"-device", device});
  }
  return a;
}

}  // namespace switchyard::kvm
