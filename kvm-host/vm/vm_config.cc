#include "kvm-host/vm/vm_config.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdio>
#include <set>
#include <string_view>
#include <utility>

namespace switchyard::kvm {

namespace {

uint64_t Fnv1a(const std::string& text, uint64_t salt) {
  uint64_t h = 14695981039346656037ull ^ salt;
  for (char c : text) {
    h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  }
  return h;
}

bool ValidName(std::string_view name, size_t max) {
  if (name.empty() || name.size() > max || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// "aa:bb:cc:dd:ee:ff", unicast.
bool ValidMac(const std::string& mac) {
  unsigned b[6];
  char tail = 0;
  if (mac.size() != 17 || std::sscanf(mac.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
                                      &b[3], &b[4], &b[5], &tail) != 6) {
    return false;
  }
  const bool all_zero = (b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) == 0;
  return (b[0] & 1) == 0 && !all_zero;
}

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}

std::string Field(const char* list, size_t i, const char* what) {
  return std::string("vm.") + list + "[" + std::to_string(i) + "]." + what + ": ";
}

}  // namespace

std::string StableMac(const std::string& vm, size_t nic) {
  const uint64_t h = Fnv1a(vm, nic + 1);
  char out[18];
  std::snprintf(out, sizeof(out), "52:54:00:%02x:%02x:%02x", static_cast<unsigned>(h >> 16 & 0xff),
                static_cast<unsigned>(h >> 8 & 0xff), static_cast<unsigned>(h & 0xff));
  return out;
}

std::string PortName(const std::string& vm, size_t nic) { return vm + "-n" + std::to_string(nic); }

std::string TapName(const std::string& vm, size_t nic) {
  char out[16];
  std::snprintf(out, sizeof(out), "yk%08x", static_cast<unsigned>(Fnv1a(vm, 0) & 0xffffffff));
  return std::string(out) + "n" + std::to_string(nic);
}

std::string_view AccelName(Accel accel) {
  switch (accel) {
    case Accel::kAuto:
      return "auto";
    case Accel::kKvm:
      return "kvm";
    case Accel::kTcg:
      return "tcg";
  }
  return "auto";
}

void Normalize(VmConfig* vm) {
  for (size_t i = 0; i < vm->nics.size(); ++i) {
    if (vm->nics[i].mac.empty()) {
      vm->nics[i].mac = StableMac(vm->name, i);
    }
    for (char& c : vm->nics[i].mac) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  for (DiskConfig& d : vm->disks) {
    if (d.format.empty()) {
      d.format = "qcow2";
    }
  }
}

Status Validate(const VmConfig& vm) {
  if (!ValidName(vm.name, kMaxVmName)) {
    return Invalid("vm.name: '" + vm.name + "' must be 1-" + std::to_string(kMaxVmName) +
                   " letters, digits, '_', '-' or '.', starting with a letter or digit");
  }
  if (vm.vcpus < 1 || vm.vcpus > kMaxVcpus) {
    return Invalid("vm.vcpus: " + std::to_string(vm.vcpus) + " is outside 1.." +
                   std::to_string(kMaxVcpus));
  }
  if (vm.memory_mib < kMinMemoryMib || vm.memory_mib > kMaxMemoryMib) {
    return Invalid("vm.memory_mib: " + std::to_string(vm.memory_mib) + " is outside " +
                   std::to_string(kMinMemoryMib) + ".." + std::to_string(kMaxMemoryMib));
  }
  if (vm.disks.size() > kMaxDisks) {
    return Invalid("vm.disks: at most " + std::to_string(kMaxDisks));
  }
  std::set<std::string> paths;
  for (size_t i = 0; i < vm.disks.size(); ++i) {
    const DiskConfig& d = vm.disks[i];
    if (d.path.empty() || d.path[0] != '/') {
      return Invalid(Field("disks", i, "path") + "'" + d.path + "' is not an absolute path");
    }
    if (!paths.insert(d.path).second) {
      return Invalid(Field("disks", i, "path") + d.path + " is given twice");
    }
    if (d.format != "qcow2" && d.format != "raw") {
      return Invalid(Field("disks", i, "format") + "'" + d.format + "' is neither qcow2 nor raw");
    }
    if (d.create_size_bytes != 0 && d.format != "qcow2") {
      return Invalid(Field("disks", i, "create_size_bytes") + "new images are qcow2");
    }
  }
  if (vm.kernel.empty() && (!vm.initrd.empty() || !vm.cmdline.empty())) {
    return Invalid("vm.kernel: initrd and cmdline need a kernel");
  }
  for (const std::string* p : {&vm.kernel, &vm.initrd}) {
    if (!p->empty() && (*p)[0] != '/') {
      return Invalid(std::string(p == &vm.kernel ? "vm.kernel" : "vm.initrd") + ": '" + *p +
                     "' is not an absolute path");
    }
  }
  std::set<std::string> boots;
  for (const std::string& b : vm.boot_order) {
    if (b != "disk" && b != "network") {
      return Invalid("vm.boot_order: '" + b + "' is neither disk nor network");
    }
    if (!boots.insert(b).second) {
      return Invalid("vm.boot_order: '" + b + "' is given twice");
    }
  }
  if (vm.nics.size() > kMaxNics) {
    return Invalid("vm.nics: at most " + std::to_string(kMaxNics));
  }
  std::set<std::string> macs;
  for (size_t i = 0; i < vm.nics.size(); ++i) {
    const NicConfig& n = vm.nics[i];
    if (!ValidName(n.network, 32)) {
      return Invalid(Field("nics", i, "network") + "'" + n.network + "' is not a network name");
    }
    if (!ValidMac(n.mac)) {
      return Invalid(Field("nics", i, "mac") + "'" + n.mac +
                     "' is not a unicast MAC (aa:bb:cc:dd:ee:ff)");
    }
    if (!macs.insert(n.mac).second) {
      return Invalid(Field("nics", i, "mac") + n.mac + " is given twice");
    }
    if (n.vlan > 4094) {
      return Invalid(Field("nics", i, "vlan") + std::to_string(n.vlan) + " is outside 0..4094");
    }
    if (n.ipv4.size() > kMaxNicAddresses) {
      return Invalid(Field("nics", i, "ipv4_addresses") + "at most " +
                     std::to_string(kMaxNicAddresses));
    }
    for (const std::string& ip : n.ipv4) {
      in_addr a{};
      if (inet_pton(AF_INET, ip.c_str(), &a) != 1) {
        return Invalid(Field("nics", i, "ipv4_addresses") + "'" + ip + "' is not an IPv4 address");
      }
    }
  }
  return Status::Ok();
}

}  // namespace switchyard::kvm
