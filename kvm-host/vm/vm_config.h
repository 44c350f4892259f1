// A VM as yard-kvmd keeps it: plain values, checked once, from which the
// QEMU command line and the switch ports are made. The API's messages are
// turned into these at the edge (as the switch does with its specs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace switchyard::kvm {

enum class NicKind { kVhostUser, kTap };
enum class Accel { kAuto, kKvm, kTcg };

struct DiskConfig {
  std::string path;
  uint64_t create_size_bytes = 0;  // 0: must exist; else made as qcow2 when absent
  std::string format = "qcow2";    // "qcow2" or "raw"
  bool read_only = false;

  bool operator==(const DiskConfig&) const = default;
};

inline constexpr size_t kMaxNicAddresses = 16;

struct NicConfig {
  std::string network;
  NicKind kind = NicKind::kVhostUser;
  std::string mac;  // "52:54:00:..."; filled by Normalize() when empty
  uint32_t vlan = 0;
  std::vector<std::string> ipv4{};  // addresses the guest sets itself
  bool allow_spoofing = false;      // port security off

  bool operator==(const NicConfig&) const = default;
};

struct VmConfig {
  std::string name;
  uint32_t vcpus = 1;
  uint32_t memory_mib = 256;
  std::vector<DiskConfig> disks;
  std::string kernel;
  std::string initrd;
  std::string cmdline;
  std::vector<std::string> boot_order;  // "disk", "network"
  std::vector<NicConfig> nics;
  bool autostart = false;
  Accel accel = Accel::kAuto;

  bool operator==(const VmConfig&) const = default;
};

inline constexpr size_t kMaxVmName = 24;
inline constexpr uint32_t kMaxVcpus = 64;
inline constexpr uint32_t kMinMemoryMib = 64;
inline constexpr uint32_t kMaxMemoryMib = 1u << 20;
inline constexpr size_t kMaxNics = 8;
inline constexpr size_t kMaxDisks = 8;

// Fills what a define may leave out: NIC MACs, a disk's format. Call before
// Validate().
void Normalize(VmConfig* vm);

// OK when `vm` is fine, else INVALID_ARGUMENT with the reason, starting
// with the API field ("vm.nics[1].mac: ...").
Status Validate(const VmConfig& vm);

// The MAC a NIC gets when none is given: QEMU's prefix 52:54:00 and three
// bytes of a hash of the VM's name and the NIC's place, so a VM keeps its
// MACs across defines and restarts, and two VMs' differ.
std::string StableMac(const std::string& vm, size_t nic);

// The switch port of NIC `nic`: "<vm>-n<nic>" (at most 32 characters, as
// port names are).
std::string PortName(const std::string& vm, size_t nic);

// The TAP a tap NIC's port makes: "yk" and a hash of the VM's name and the
// NIC's place, as netdev names are at most 15 characters.
std::string TapName(const std::string& vm, size_t nic);

std::string_view AccelName(Accel accel);

}  // namespace switchyard::kvm
