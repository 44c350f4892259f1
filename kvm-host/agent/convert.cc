#include "kvm-host/agent/convert.h"

#include <google/protobuf/util/json_util.h>

namespace switchyard::kvm {

Status FromProto(const v1::VmSpec& in, VmConfig* out) {
  VmConfig vm;
  vm.name = in.name();
  vm.vcpus = in.vcpus() == 0 ? 1 : in.vcpus();
  vm.memory_mib = in.memory_mib() == 0 ? 256 : in.memory_mib();
  for (const v1::Disk& d : in.disks()) {
    vm.disks.push_back(DiskConfig{d.path(), d.create_size_bytes(), d.format(), d.read_only()});
  }
  vm.kernel = in.kernel();
  vm.initrd = in.initrd();
  vm.cmdline = in.cmdline();
  vm.boot_order.assign(in.boot_order().begin(), in.boot_order().end());
  for (int i = 0; i < in.nics_size(); ++i) {
    const v1::Nic& n = in.nics(i);
    NicConfig nic{n.network(),
                  NicKind::kVhostUser,
                  n.mac(),
                  n.vlan(),
                  {n.ipv4_addresses().begin(), n.ipv4_addresses().end()},
                  n.allow_spoofing()};
    switch (n.kind()) {
      case v1::NIC_KIND_UNSPECIFIED:
      case v1::NIC_KIND_VHOST_USER:
        break;
      case v1::NIC_KIND_TAP:
        nic.kind = NicKind::kTap;
        break;
      default:
        return Status(
            StatusCode::kInvalidArgument,
            "vm.nics[" + std::to_string(i) + "].kind: unknown value " + std::to_string(n.kind()));
    }
    vm.nics.push_back(nic);
  }
  vm.autostart = in.autostart();
  switch (in.accelerator()) {
    case v1::ACCELERATOR_UNSPECIFIED:
    case v1::ACCELERATOR_AUTO:
      break;
    case v1::ACCELERATOR_KVM:
      vm.accel = Accel::kKvm;
      break;
    case v1::ACCELERATOR_TCG:
      vm.accel = Accel::kTcg;
      break;
    default:
      return Status(StatusCode::kInvalidArgument,
                    "vm.accelerator: unknown value " + std::to_string(in.accelerator()));
  }
  *out = std::move(vm);
  return Status::Ok();
}

v1::VmSpec ToProto(const VmConfig& vm) {
  v1::VmSpec out;
  out.set_name(vm.name);
  out.set_vcpus(vm.vcpus);
  out.set_memory_mib(vm.memory_mib);
  for (const DiskConfig& d : vm.disks) {
    v1::Disk* disk = out.add_disks();
    disk->set_path(d.path);
    disk->set_create_size_bytes(d.create_size_bytes);
    disk->set_format(d.format);
    disk->set_read_only(d.read_only);
  }
  out.set_kernel(vm.kernel);
  out.set_initrd(vm.initrd);
  out.set_cmdline(vm.cmdline);
  for (const std::string& b : vm.boot_order) {
    out.add_boot_order(b);
  }
  for (const NicConfig& n : vm.nics) {
    v1::Nic* nic = out.add_nics();
    nic->set_network(n.network);
    nic->set_kind(n.kind == NicKind::kTap ? v1::NIC_KIND_TAP : v1::NIC_KIND_VHOST_USER);
    nic->set_mac(n.mac);
    nic->set_vlan(n.vlan);
    for (const std::string& ip : n.ipv4) {
      nic->add_ipv4_addresses(ip);
    }
    nic->set_allow_spoofing(n.allow_spoofing);
  }
  out.set_autostart(vm.autostart);
  out.set_accelerator(vm.accel == Accel::kKvm   ? v1::ACCELERATOR_KVM
                      : vm.accel == Accel::kTcg ? v1::ACCELERATOR_TCG
                                                : v1::ACCELERATOR_AUTO);
  return out;
}

Status VmsFromJson(const std::string& json, const std::string& path, std::vector<VmConfig>* out) {
  out->clear();
  v1::ListVmsResponse all;
  if (!google::protobuf::util::JsonStringToMessage(json, &all).ok()) {
    return Status(StatusCode::kFailedPrecondition, path + " is corrupt");
  }
  std::vector<VmConfig> configs;
  for (const v1::Vm& v : all.vms()) {
    VmConfig config;
    Status s = FromProto(v.spec(), &config);
    if (s.ok()) {
      Normalize(&config);
      s = Validate(config);
    }
    if (!s.ok()) {
      return Status(StatusCode::kFailedPrecondition, path + ": " + s.message());
    }
    configs.push_back(std::move(config));
  }
  *out = std::move(configs);
  return Status::Ok();
}

}  // namespace switchyard::kvm
