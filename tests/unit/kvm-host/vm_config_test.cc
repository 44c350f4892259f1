#include "kvm-host/vm/vm_config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "kvm-host/vm/qemu_command.h"

namespace switchyard::kvm {
namespace {

VmConfig TwoNicVm() {
  VmConfig vm;
  vm.name = "web1";
  vm.vcpus = 2;
  vm.memory_mib = 512;
  vm.kernel = "/srv/vmlinux";
  vm.initrd = "/srv/initrd";
  vm.cmdline = "console=ttyS0 sy.ip=10.0.0.1/24";
  vm.disks = {{"/srv/web1.qcow2", 1 << 30, "", false}};
  vm.nics = {{"lan0", NicKind::kVhostUser, "", 0}, {"lan0", NicKind::kTap, "", 10}};
  Normalize(&vm);
  return vm;
}

bool Has(const std::vector<std::string>& argv, const std::string& a, const std::string& b) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == a && argv[i + 1] == b) {
      return true;
    }
  }
  return false;
}

TEST(VmConfigTest, NormalizeFillsStableDistinctMacsAndTheDiskFormat) {
  const VmConfig vm = TwoNicVm();
  EXPECT_EQ(vm.nics[0].mac, StableMac("web1", 0));
  EXPECT_EQ(vm.nics[1].mac, StableMac("web1", 1));
  EXPECT_NE(vm.nics[0].mac, vm.nics[1].mac);
  EXPECT_EQ(vm.nics[0].mac.substr(0, 9), "52:54:00:");
  EXPECT_NE(StableMac("web2", 0), vm.nics[0].mac);
  EXPECT_EQ(vm.disks[0].format, "qcow2");
  EXPECT_TRUE(Validate(vm).ok()) << Validate(vm).message();
  // A given MAC is kept (lowercased).
  VmConfig given = vm;
  given.nics[0].mac = "52:54:00:AB:CD:EF";
  Normalize(&given);
  EXPECT_EQ(given.nics[0].mac, "52:54:00:ab:cd:ef");
}

TEST(VmConfigTest, PortAndTapNamesFitTheirLimits) {
  const std::string longest(kMaxVmName, 'v');
  EXPECT_LE(PortName(longest, 7).size(), 32u);
  EXPECT_LE(TapName(longest, 7).size(), 15u);
  EXPECT_EQ(PortName("web1", 1), "web1-n1");
  EXPECT_NE(TapName("web1", 0), TapName("web2", 0));
  EXPECT_NE(TapName("web1", 0), TapName("web1", 1));
}

TEST(VmConfigTest, EveryBadFieldIsNamed) {
  struct Case {
    void (*edit)(VmConfig&);
    const char* starts;
  };
  const Case cases[] = {
      {[](VmConfig& v) { v.name = ""; }, "vm.name:"},
      {[](VmConfig& v) { v.name = std::string(25, 'a'); }, "vm.name:"},
      {[](VmConfig& v) { v.name = "-web"; }, "vm.name:"},
      {[](VmConfig& v) { v.name = "web/1"; }, "vm.name:"},
      {[](VmConfig& v) { v.vcpus = 0; }, "vm.vcpus:"},
      {[](VmConfig& v) { v.vcpus = 65; }, "vm.vcpus:"},
      {[](VmConfig& v) { v.memory_mib = 63; }, "vm.memory_mib:"},
      {[](VmConfig& v) { v.disks[0].path = "web1.qcow2"; }, "vm.disks[0].path:"},
      {[](VmConfig& v) { v.disks.push_back(v.disks[0]); }, "vm.disks[1].path:"},
      {[](VmConfig& v) { v.disks[0].format = "vmdk"; }, "vm.disks[0].format:"},
      {[](VmConfig& v) { v.disks[0].format = "raw"; }, "vm.disks[0].create_size_bytes:"},
      {[](VmConfig& v) { v.kernel = ""; }, "vm.kernel:"},
      {[](VmConfig& v) { v.initrd = "initrd"; }, "vm.initrd:"},
      {[](VmConfig& v) { v.boot_order = {"cdrom"}; }, "vm.boot_order:"},
      {[](VmConfig& v) {
         v.boot_order = {"disk", "disk"};
       },
       "vm.boot_order:"},
      {[](VmConfig& v) { v.nics[1].network = ""; }, "vm.nics[1].network:"},
      {[](VmConfig& v) { v.nics[1].mac = "01:00:5e:00:00:01"; }, "vm.nics[1].mac:"},
      {[](VmConfig& v) { v.nics[1].mac = "52:54:00:00:00"; }, "vm.nics[1].mac:"},
      {[](VmConfig& v) { v.nics[1].mac = v.nics[0].mac; }, "vm.nics[1].mac:"},
      {[](VmConfig& v) { v.nics[0].vlan = 4095; }, "vm.nics[0].vlan:"},
      {[](VmConfig& v) { v.nics.resize(9, v.nics[0]); }, "vm.nics:"},
  };
  for (const Case& c : cases) {
    VmConfig vm = TwoNicVm();
    c.edit(vm);
    const Status s = Validate(vm);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.starts;
    EXPECT_EQ(s.message().rfind(c.starts, 0), 0u) << "got: " << s.message();
  }
}

TEST(QemuArgvTest, TcgVhostUserAndTapNics) {
  const VmConfig vm = TwoNicVm();
  QemuRuntime rt;
  rt.accel = Accel::kTcg;
  rt.qmp_socket = "/run/k/web1/qmp.sock";
  rt.console_socket = "/run/k/web1/console.sock";
  rt.pid_file = "/run/k/web1/qemu.pid";
  rt.nic_backends = {"/run/k/web1/n0.sock", "yk1234abcdn1"};
  const std::vector<std::string> a = QemuArgv(vm, rt);
  EXPECT_EQ(a[0], "qemu-system-x86_64");
  EXPECT_TRUE(Has(a, "-accel", "tcg,tb-size=16"));
  EXPECT_TRUE(Has(a, "-smp", "2"));
  EXPECT_TRUE(Has(a, "-m", "512M"));
  EXPECT_TRUE(Has(a, "-object", "memory-backend-memfd,id=mem,size=512M,share=on"));
  EXPECT_TRUE(Has(a, "-chardev", "socket,id=qmp,path=/run/k/web1/qmp.sock,server=on,wait=off"));
  // The console is a socket the agent reads (and bounds); QEMU waits for
  // the agent before the guest runs, so no output is lost at boot.
  EXPECT_TRUE(
      Has(a, "-chardev", "socket,id=console,path=/run/k/web1/console.sock,server=on,wait=on"));
  EXPECT_TRUE(Has(a, "-serial", "chardev:console"));
  EXPECT_EQ(std::find(a.begin(), a.end(), "-runas"), a.end());
  EXPECT_TRUE(Has(a, "-kernel", "/srv/vmlinux"));
  EXPECT_TRUE(Has(a, "-append", "console=ttyS0 sy.ip=10.0.0.1/24"));
  EXPECT_TRUE(Has(a, "-drive", "file=/srv/web1.qcow2,format=qcow2,if=virtio,index=0"));
  EXPECT_TRUE(Has(a, "-chardev", "socket,id=nic0,path=/run/k/web1/n0.sock,reconnect=1"));
  EXPECT_TRUE(Has(a, "-device",
                  "virtio-net-pci,netdev=net0,mac=" + vm.nics[0].mac + ",romfile=,vectors=0"));
  EXPECT_TRUE(
      Has(a, "-netdev", "tap,id=net1,ifname=yk1234abcdn1,script=no,downscript=no,vhost=off"));
  EXPECT_TRUE(Has(a, "-device", "virtio-net-pci,netdev=net1,mac=" + vm.nics[1].mac + ",romfile="));
}

TEST(QemuArgvTest, CommasInPathsCannotAddOptionsAndTheSandboxIsOn) {
  VmConfig vm = TwoNicVm();
  vm.disks[0].path = "/srv/a,file.locking=off,driver=raw,file=/etc/shadow";
  QemuRuntime rt;
  rt.qmp_socket = "/run/k,x/qmp.sock";
  rt.console_socket = "/run/k,x/console.sock";
  rt.nic_backends = {"/run/k,x/n0.sock", "t"};
  const std::vector<std::string> a = QemuArgv(vm, rt);
  EXPECT_TRUE(Has(a, "-drive",
                  "file=/srv/a,,file.locking=off,,driver=raw,,file=/etc/shadow,format=qcow2,"
                  "if=virtio,index=0"));
  EXPECT_TRUE(Has(a, "-chardev", "socket,id=qmp,path=/run/k,,x/qmp.sock,server=on,wait=off"));
  EXPECT_TRUE(
      Has(a, "-chardev", "socket,id=console,path=/run/k,,x/console.sock,server=on,wait=on"));
  EXPECT_TRUE(Has(a, "-chardev", "socket,id=nic0,path=/run/k,,x/n0.sock,reconnect=1"));
  EXPECT_TRUE(Has(a, "-sandbox",
                  "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"));
  EXPECT_EQ(QemuOptionValue(",,a,"), ",,,,a,,");
}

TEST(QemuArgvTest, RunAsDropsRootAndTheSandboxLetsItDoSo) {
  const VmConfig vm = TwoNicVm();
  QemuRuntime rt;
  rt.run_as = "sy-qemu";
  rt.nic_backends = {"/run/k/n0.sock", "t"};
  const std::vector<std::string> a = QemuArgv(vm, rt);
  EXPECT_TRUE(Has(a, "-runas", "sy-qemu"));
  // QEMU 7.2 calls setgid/setuid after its filter is in place: denied,
  // they would kill it.
  EXPECT_TRUE(Has(a, "-sandbox",
                  "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny"));
}

TEST(QemuArgvTest, OnlyTheVmsOwnQemuIsRecognised) {
  const VmConfig vm = TwoNicVm();
  QemuRuntime rt;
  rt.binary = "/usr/bin/qemu-system-x86_64";
  rt.qmp_socket = "/run/k/web1/qmp.sock";
  rt.nic_backends = {"/s", "t"};
  const std::vector<std::string> a = QemuArgv(vm, rt);
  EXPECT_TRUE(IsQemuOf(a, "qemu-system-x86_64", vm.name, rt.qmp_socket));
  EXPECT_FALSE(IsQemuOf(a, "qemu-system-x86_64", "web2", rt.qmp_socket));
  EXPECT_FALSE(IsQemuOf(a, "qemu-system-x86_64", vm.name, "/run/k/other/qmp.sock"));
  EXPECT_FALSE(IsQemuOf(a, "qemu-system-aarch64", vm.name, rt.qmp_socket));
  EXPECT_FALSE(
      IsQemuOf({"/usr/bin/qemu-system-x86_64"}, "qemu-system-x86_64", vm.name, rt.qmp_socket));
  EXPECT_FALSE(IsQemuOf({}, "qemu-system-x86_64", vm.name, rt.qmp_socket));
  // The name alone, e.g. in another QEMU's arguments, is not enough.
  EXPECT_FALSE(IsQemuOf({"qemu-system-x86_64", "-append", "-name", "guest=" + vm.name},
                        "qemu-system-x86_64", vm.name, rt.qmp_socket));
}

TEST(QemuArgvTest, KvmKeepsMsixAndBootOrderMapsToQemuLetters) {
  VmConfig vm = TwoNicVm();
  vm.kernel.clear();
  vm.initrd.clear();
  vm.cmdline.clear();
  vm.boot_order = {"network", "disk"};
  QemuRuntime rt;
  rt.accel = Accel::kKvm;
  rt.nic_backends = {"/s", "t"};
  const std::vector<std::string> a = QemuArgv(vm, rt);
  EXPECT_TRUE(Has(a, "-accel", "kvm"));
  EXPECT_TRUE(Has(a, "-boot", "order=nc"));
  EXPECT_TRUE(Has(a, "-device", "virtio-net-pci,netdev=net0,mac=" + vm.nics[0].mac));
  EXPECT_EQ(std::count(a.begin(), a.end(), "-kernel"), 0);
}

}  // namespace
}  // namespace switchyard::kvm
