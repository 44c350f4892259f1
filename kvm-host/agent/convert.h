// switchyard.v1 VM messages to and from the agent's plain VmConfig.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "kvm-host/vm/vm_config.h"
#include "switchyard/v1/vms.pb.h"

namespace switchyard::kvm {

// OK, or INVALID_ARGUMENT with the reason naming the field (an unknown
// enum). Defaults for zeros (1 vCPU, 256 MiB) are applied here.
Status FromProto(const v1::VmSpec& in, VmConfig* out);
v1::VmSpec ToProto(const VmConfig& vm);

// The definitions saved in vms.json (a ListVmsResponse whose VMs carry
// their specs), each converted, normalized and validated into *out. OK,
// or FAILED_PRECONDITION with the reason, starting with `path` (the file is
// corrupt, or holds a definition the agent would refuse); *out is then
// empty.
Status VmsFromJson(const std::string& json, const std::string& path, std::vector<VmConfig>* out);

}  // namespace switchyard::kvm
