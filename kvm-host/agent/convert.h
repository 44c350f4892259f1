// switchyard.v1 VM messages to and from the agent's plain VmConfig.
#pragma once

#include <string>
#include <vector>

#include "kvm-host/vm/vm_config.h"
#include "switchyard/v1/vms.pb.h"

namespace switchyard::kvm {

// Empty on success, else the reason naming the field (an unknown enum).
// Defaults for zeros (1 vCPU, 256 MiB) are applied here.
std::string FromProto(const v1::VmSpec& in, VmConfig* out);
v1::VmSpec ToProto(const VmConfig& vm);

// The definitions saved in vms.json (a ListVmsResponse whose VMs carry
// their specs), each converted, normalized and validated into *out. Empty
// on success, else the reason, starting with `path`.
std::string VmsFromJson(const std::string& json, const std::string& path,
                        std::vector<VmConfig>* out);

}  // namespace switchyard::kvm
