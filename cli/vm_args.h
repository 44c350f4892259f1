// The words of the vm verbs, apart from the calls: the values of `vm define`'s
// options (--disk PATH,size=10G,ro and --nic NETWORK,kind=tap,vlan=10), and
// the short names of the API's enums that people see and type. Pure
// functions of text and messages, so they can be tested without yard-kvmd.
//
// They are in the sy_cli_args library, and tests/unit/cli/vm_args_test.cc
// tests them; that test is not built yet, as tests/unit/CMakeLists.txt has
// no CLI target (its header says how to add one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "switchyard/v1/vms.pb.h"

namespace switchyard::ctl {

// SIZE: a whole number of bytes, or one followed by K, M, G or T (either
// case; powers of 1024): "10G", "512M", "1073741824". Returns false when
// `text` is not one, or when it does not fit in 64 bits.
bool ParseSize(std::string_view text, uint64_t* bytes);

// The other way: the largest of T, G, M and K that divides `bytes` exactly
// ("10G", "1536M"), else the number of bytes.
std::string SizeText(uint64_t bytes);

// --disk PATH[,size=SIZE][,format=qcow2|raw][,ro] into `*out`. Returns ""
// on success, else the reason for a usage error, starting with "--disk: ".
// The path is everything before the first comma. size=0 is refused: an
// image that must exist takes no size.
std::string ParseDiskOption(const std::string& value, v1::Disk* out);

// --nic NETWORK[,kind=vhost-user|tap][,mac=MAC][,vlan=N][,ip=ADDR]...[,allow-spoofing]
// into `*out`, as ParseDiskOption. Whether the MAC, VLAN and addresses are
// valid is for yard-kvmd to say; here vlan only has to be a whole number.
std::string ParseNicOption(const std::string& value, v1::Nic* out);

// "auto", "kvm", "tcg" (--accel). nullopt for another word.
std::optional<v1::Accelerator> ParseAccelerator(std::string_view word);
// The word back; UNSPECIFIED is "auto", as the agent takes it.
std::string AcceleratorName(v1::Accelerator accel);

// "vhost-user" or "tap" (kind=); UNSPECIFIED is "vhost-user", as the agent
// takes it.
std::string NicKindName(v1::NicKind kind);

// VM_STATE_SHUTOFF -> "shutoff": the enum name without its prefix,
// lowercase. UNSPECIFIED is "-"; values this build does not know are
// "state-N".
std::string VmStateName(v1::VmState state);

}  // namespace switchyard::ctl
