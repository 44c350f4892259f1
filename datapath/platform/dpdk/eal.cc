#include "datapath/platform/dpdk/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace switchyard::dp {

long FreeHugepageMb() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  long free_pages = 0;
  long page_kb = 0;
  while (in >> key) {
    long value;
    in >> value;
    if (key == "HugePages_Free:") {
      free_pages = value;
    } else if (key == "Hugepagesize:") {
      page_kb = value;
    }
    in.ignore(256, '\n');
  }
  return free_pages * page_kb / 1024;
}

namespace {
bool HugetlbfsMounted() {
  std::ifstream in("/proc/mounts");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" hugetlbfs ") != std::string::npos) {
      return true;
    }
  }
  return false;
}
}  // namespace

Status InitEal(const EalOptions& options, EalInfo* info) {
  const int n_cpus = static_cast<int>(std::thread::hardware_concurrency());
  std::vector<int> pmd_cpus = options.pmd_cpus;
  if (pmd_cpus.empty()) {
    // One PMD on another CPU than control; on a one-CPU host they share it
    // and the idle back-off keeps the control thread alive.
    pmd_cpus.push_back(n_cpus > 1 ? (options.control_cpu == 0 ? 1 : 0) : options.control_cpu);
  }
  for (int cpu : pmd_cpus) {
    if (cpu < 0 || cpu >= n_cpus) {
      return Status(StatusCode::kInvalidArgument, "pmd cpu " + std::to_string(cpu) +
                                                      " does not exist (this host has " +
                                                      std::to_string(n_cpus) + " CPUs)");
    }
  }
  if (options.control_cpu < 0 || options.control_cpu >= n_cpus) {
    return Status(StatusCode::kInvalidArgument,
                  "control cpu " + std::to_string(options.control_cpu) + " does not exist");
  }

  bool huge = false;
  const long free_mb = FreeHugepageMb();
  switch (options.hugepages) {
    case EalOptions::Hugepages::kOn:
      if (free_mb < options.memory_mb || !HugetlbfsMounted()) {
        return Status(StatusCode::kFailedPrecondition,
                      "hugepages requested but only " + std::to_string(free_mb) +
                          " MiB free (need " + std::to_string(options.memory_mb) +
                          ") or hugetlbfs not mounted");
      }
      huge = true;
      break;
    case EalOptions::Hugepages::kAuto:
      huge = free_mb >= options.memory_mb && HugetlbfsMounted();
      break;
    case EalOptions::Hugepages::kOff:
      break;
  }

  info->file_prefix =
      options.file_prefix.empty() ? "switchyard-" + std::to_string(getpid()) : options.file_prefix;
  // lcore 0 is the control thread, lcores 1..N the PMDs, each pinned to
  // the CPU asked for, so lcore ids stay dense whatever the CPUs are.
  std::ostringstream lcores;
  lcores << "0@" << options.control_cpu;
  for (size_t i = 0; i < pmd_cpus.size(); ++i) {
    lcores << "," << (i + 1) << "@" << pmd_cpus[i];
  }
  std::vector<std::string> args = {"switchyardd",
                                   "--lcores",
                                   lcores.str(),
                                   "--main-lcore",
                                   "0",
                                   "--file-prefix",
                                   info->file_prefix,
                                   "--no-pci",
                                   "-m",
                                   std::to_string(options.memory_mb),
                                   "--log-level",
                                   options.log_level};
  if (!huge) {
    args.push_back("--no-huge");
    // One memfd-backed segment, so vhost-user peers can map our memory.
    args.push_back("--single-file-segments");
  }
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  if (huge) {
    std::cout << "switchyardd: using " << options.memory_mb << " MiB of hugepages (" << free_mb
              << " MiB free)" << std::endl;
  } else {
    std::cout << "switchyardd: "
              << (options.hugepages == EalOptions::Hugepages::kOff
                      ? "hugepages disabled by option"
                      : "no hugepages reserved (HugePages_Free=" + std::to_string(free_mb) +
                            " MiB)")
              << ": running with --no-huge; reserve hugepages for production throughput"
              << std::endl;
  }
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    return Status(StatusCode::kUnavailable,
                  std::string("DPDK EAL init failed: ") + rte_strerror(rte_errno));
  }
  info->hugepages = huge;
  info->main_lcore = rte_get_main_lcore();
  info->pmd_lcores.clear();
  for (size_t i = 0; i < pmd_cpus.size(); ++i) {
    info->pmd_lcores.push_back(static_cast<unsigned>(i + 1));
  }
  info->pmd_cpus = pmd_cpus;
  return Status::Ok();
}

void CleanupEal() { rte_eal_cleanup(); }

}  // namespace switchyard::dp
