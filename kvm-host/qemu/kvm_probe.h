// Whether /dev/kvm really runs guest code here. Opening it is not enough:
// under some nested hypervisors KVM creates VMs whose vCPUs never run, or
// hang (see docs/kvm-host.md). The probe runs five bytes of real-mode code
// in a throwaway VM, in a child process it kills after a deadline.
#pragma once

#include <string>

namespace switchyard::kvm {

// True when a vCPU ran the probe to its HLT; else false and why ("no
// /dev/kvm", "the vCPU did not run within 3 s", ...). The answer is worked
// out once per process.
bool KvmRunsVcpus(std::string* why);

}  // namespace switchyard::kvm
