// Starting DPDK's EAL for switchyardd: which CPUs poll, and whether
// hugepages are used. Everything about the EAL command line lives here.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace switchyard::dp {

struct EalOptions {
  int control_cpu = 0;
  std::vector<int> pmd_cpus;  // empty: one PMD on the first CPU that is not control_cpu
  std::string file_prefix;    // empty: "switchyard-<pid>"
  int memory_mb = 512;
  enum class Hugepages { kAuto, kOn, kOff } hugepages = Hugepages::kAuto;
  std::string log_level = "*:notice";
};

struct EalInfo {
  bool hugepages = false;
  std::string file_prefix;
  unsigned main_lcore = 0;
  std::vector<unsigned> pmd_lcores;
  std::vector<int> pmd_cpus;
};

// Builds the argument vector and calls rte_eal_init once per process.
Status InitEal(const EalOptions& options, EalInfo* info);
void CleanupEal();

// Free 2 MiB/1 GiB hugepage memory in MiB, from /proc/meminfo.
long FreeHugepageMb();

}  // namespace switchyard::dp
