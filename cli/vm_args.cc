#include "cli/vm_args.h"

#include <cctype>
#include <charconv>
#include <vector>

#include "cli/args.h"

namespace switchyard::ctl {

namespace {

constexpr std::string_view kStatePrefix = "VM_STATE_";

// "a,b,,c" into {"a", "b", "", "c"}.
std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) {
      return items;
    }
    start = comma + 1;
  }
}

// A setting after the first comma: "size=10G" is {"size", "10G"}, "ro" is
// {"ro", nullopt}.
struct Setting {
  std::string key;
  std::optional<std::string> value;
};

Setting SplitSetting(const std::string& item) {
  const size_t eq = item.find('=');
  if (eq == std::string::npos) {
    return {item, std::nullopt};
  }
  return {item.substr(0, eq), item.substr(eq + 1)};
}

}  // namespace

bool ParseSize(std::string_view text, uint64_t* bytes) {
  int shift = 0;
  if (!text.empty()) {
    switch (std::toupper(static_cast<unsigned char>(text.back()))) {
      case 'K':
        shift = 10;
        break;
      case 'M':
        shift = 20;
        break;
      case 'G':
        shift = 30;
        break;
      case 'T':
        shift = 40;
        break;
      default:
        break;
    }
  }
  if (shift != 0) {
    text.remove_suffix(1);
  }
  uint64_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (text.empty() || ec != std::errc() || ptr != end || n > (UINT64_MAX >> shift)) {
    return false;
  }
  *bytes = n << shift;
  return true;
}

std::string SizeText(uint64_t bytes) {
  if (bytes == 0) {
    return "0";
  }
  for (const auto& [shift, suffix] : {std::pair{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}}) {
    const uint64_t unit = uint64_t{1} << shift;
    if (bytes % unit == 0) {
      return std::to_string(bytes / unit) + suffix;
    }
  }
  return std::to_string(bytes);
}

std::string ParseDiskOption(const std::string& value, v1::Disk* out) {
  const std::string prefix = "--disk: '" + value + "': ";
  const std::vector<std::string> items = SplitCommas(value);
  if (items[0].empty()) {
    return prefix + "no PATH (PATH[,size=SIZE][,format=qcow2|raw][,ro])";
  }
  v1::Disk disk;
  disk.set_path(items[0]);
  bool size_seen = false;
  bool format_seen = false;
  bool ro_seen = false;
  for (size_t i = 1; i < items.size(); ++i) {
    const auto [key, setting] = SplitSetting(items[i]);
    if (key == "size" && setting) {
      if (size_seen) {
        return prefix + "size given twice";
      }
      size_seen = true;
      uint64_t bytes = 0;
      if (!ParseSize(*setting, &bytes)) {
        return prefix + "size '" + *setting + "' is not a SIZE (e.g. 10G, 512M, or bytes)";
      }
      if (bytes == 0) {
        return prefix + "size must be more than 0 (leave it out for an image that exists)";
      }
      disk.set_create_size_bytes(bytes);
    } else if (key == "format" && setting) {
      if (format_seen) {
        return prefix + "format given twice";
      }
      format_seen = true;
      if (*setting != "qcow2" && *setting != "raw") {
        return prefix + "format '" + *setting + "' is not qcow2 or raw";
      }
      disk.set_format(*setting);
    } else if (key == "ro" && !setting) {
      if (ro_seen) {
        return prefix + "ro given twice";
      }
      ro_seen = true;
      disk.set_read_only(true);
    } else {
      return prefix + "unknown setting '" + items[i] + "' (size=SIZE, format=qcow2|raw, ro)";
    }
  }
  *out = disk;
  return "";
}

std::string ParseNicOption(const std::string& value, v1::Nic* out) {
  const std::string prefix = "--nic: '" + value + "': ";
  const std::vector<std::string> items = SplitCommas(value);
  if (items[0].empty() || items[0].find('=') != std::string::npos) {
    return prefix +
           "no NETWORK first "
           "(NETWORK[,kind=vhost-user|tap][,mac=MAC][,vlan=N][,ip=ADDR]...[,allow-spoofing])";
  }
  v1::Nic nic;
  nic.set_network(items[0]);
  bool kind_seen = false;
  bool mac_seen = false;
  bool vlan_seen = false;
  bool spoofing_seen = false;
  for (size_t i = 1; i < items.size(); ++i) {
    const auto [key, setting] = SplitSetting(items[i]);
    if (items[i] == "allow-spoofing") {
      if (spoofing_seen) {
        return prefix + "allow-spoofing given twice";
      }
      spoofing_seen = true;
      nic.set_allow_spoofing(true);
      continue;
    }
    if (!setting) {
      return prefix + "unknown setting '" + items[i] +
             "' (kind=vhost-user|tap, mac=MAC, vlan=N, ip=ADDR, allow-spoofing)";
    }
    if (key == "ip") {
      nic.add_ipv4_addresses(*setting);
      continue;
    }
    if (key == "kind") {
      if (kind_seen) {
        return prefix + "kind given twice";
      }
      kind_seen = true;
      if (*setting == "vhost-user") {
        nic.set_kind(v1::NIC_KIND_VHOST_USER);
      } else if (*setting == "tap") {
        nic.set_kind(v1::NIC_KIND_TAP);
      } else {
        return prefix + "kind '" + *setting + "' is not vhost-user or tap";
      }
    } else if (key == "mac") {
      if (mac_seen) {
        return prefix + "mac given twice";
      }
      mac_seen = true;
      if (setting->empty()) {
        return prefix + "mac is empty (leave it out for a stable one made from the VM's name)";
      }
      nic.set_mac(*setting);
    } else if (key == "vlan") {
      if (vlan_seen) {
        return prefix + "vlan given twice";
      }
      vlan_seen = true;
      uint32_t vlan = 0;
      if (!ParseU32(*setting, &vlan)) {
        return prefix + "vlan '" + *setting + "' is not a whole number (a VLAN ID, 1 to 4094)";
      }
      nic.set_vlan(vlan);
    } else {
      return prefix + "unknown setting '" + items[i] +
             "' (kind=vhost-user|tap, mac=MAC, vlan=N, ip=ADDR, allow-spoofing)";
    }
  }
  *out = nic;
  return "";
}

std::optional<v1::Accelerator> ParseAccelerator(std::string_view word) {
  if (word == "auto") {
    return v1::ACCELERATOR_AUTO;
  }
  if (word == "kvm") {
    return v1::ACCELERATOR_KVM;
  }
  if (word == "tcg") {
    return v1::ACCELERATOR_TCG;
  }
  return std::nullopt;
}

std::string AcceleratorName(v1::Accelerator accel) {
  switch (accel) {
    case v1::ACCELERATOR_UNSPECIFIED:
    case v1::ACCELERATOR_AUTO:
      return "auto";
    case v1::ACCELERATOR_KVM:
      return "kvm";
    case v1::ACCELERATOR_TCG:
      return "tcg";
    default:
      return "accel-" + std::to_string(static_cast<int>(accel));
  }
}

std::string NicKindName(v1::NicKind kind) {
  switch (kind) {
    case v1::NIC_KIND_UNSPECIFIED:
    case v1::NIC_KIND_VHOST_USER:
      return "vhost-user";
    case v1::NIC_KIND_TAP:
      return "tap";
    default:
      return "kind-" + std::to_string(static_cast<int>(kind));
  }
}

std::string VmStateName(v1::VmState state) {
  if (state == v1::VM_STATE_UNSPECIFIED) {
    return "-";
  }
  std::string name = v1::VmState_Name(state);
  if (name.size() <= kStatePrefix.size()) {
    return "state-" + std::to_string(static_cast<int>(state));
  }
  name.erase(0, kStatePrefix.size());
  for (char& c : name) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

}  // namespace switchyard::ctl
