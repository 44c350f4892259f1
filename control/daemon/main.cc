// switchyardd: the switch daemon. Starts DPDK, the PMD threads and the
// networks and ports of its config file, then runs the control loop:
// FDB aging, status reports, and config reloads on SIGHUP.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "control/config/apply.h"
#include "control/config/config_file.h"
#include "control/daemon/report.h"
#include "datapath/core/log.h"
#include "datapath/engine/dataplane.h"
#include "datapath/platform/dpdk/eal.h"

namespace {

using switchyard::Status;
namespace dp = switchyard::dp;
namespace ctl = switchyard::ctl;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
std::atomic<bool> g_dump{false};

void OnSignal(int sig) {
  if (sig == SIGHUP) {
    g_reload = true;
  } else if (sig == SIGUSR1) {
    g_dump = true;
  } else {
    g_stop = true;
  }
}

constexpr const char* kUsage = R"(usage: switchyardd --config FILE [options]

  --config FILE              networks and ports to start with (see docs/user-guide.md);
                             re-read on SIGHUP
  --status-file PATH         write a JSON status document here every second
  --control-cpu N            CPU of the control thread (default 0)
  --pmd-cpus LIST            comma-separated CPUs that poll, one PMD each
                             (default: one PMD on a CPU other than control)
  --pmd-idle-sleep-max-us N  longest back-off sleep of an idle PMD; 0 = busy-poll
                             (default 500)
  --file-prefix NAME         DPDK runtime prefix, unique per instance
                             (default switchyard-<pid>)
  --memory-mb N              DPDK memory (default 512)
  --hugepages auto|on|off    use hugepages when reserved (default auto)
  --mbufs N                  packet buffers (default 16383)
  --dpdk-log-level LEVEL     DPDK log level (default *:notice)

signals: SIGHUP reloads the config, SIGUSR1 prints tables, SIGTERM/SIGINT stop.
)";

struct Args {
  std::string config;
  std::string status_file;
  dp::EalOptions eal;
  dp::DataplaneOptions dataplane;
};

bool ParseNumber(const std::string& text, long min, long max, long* out) {
  try {
    size_t used = 0;
    long v = std::stol(text, &used);
    if (used != text.size() || v < min || v > max) {
      return false;
    }
    *out = v;
    return true;
  } catch (...) {
    return false;
  }
}

// Returns an error message, empty on success.
std::string ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) {
      return flag + ": missing value";
    }
    const std::string value = argv[++i];
    long n = 0;
    if (flag == "--config") {
      args->config = value;
    } else if (flag == "--status-file") {
      args->status_file = value;
    } else if (flag == "--control-cpu") {
      if (!ParseNumber(value, 0, 4095, &n)) return flag + ": not a CPU number: " + value;
      args->eal.control_cpu = static_cast<int>(n);
    } else if (flag == "--pmd-cpus") {
      std::stringstream ss(value);
      std::string item;
      while (std::getline(ss, item, ',')) {
        if (!ParseNumber(item, 0, 4095, &n)) return flag + ": not a CPU list: " + value;
        args->eal.pmd_cpus.push_back(static_cast<int>(n));
      }
    } else if (flag == "--pmd-idle-sleep-max-us") {
      if (!ParseNumber(value, 0, 100000, &n)) return flag + ": expected 0..100000: " + value;
      args->dataplane.idle_sleep_max_us = static_cast<uint32_t>(n);
    } else if (flag == "--file-prefix") {
      args->eal.file_prefix = value;
    } else if (flag == "--memory-mb") {
      if (!ParseNumber(value, 64, 1 << 20, &n)) return flag + ": expected >= 64: " + value;
      args->eal.memory_mb = static_cast<int>(n);
    } else if (flag == "--hugepages") {
      if (value == "auto") {
        args->eal.hugepages = dp::EalOptions::Hugepages::kAuto;
      } else if (value == "on") {
        args->eal.hugepages = dp::EalOptions::Hugepages::kOn;
      } else if (value == "off") {
        args->eal.hugepages = dp::EalOptions::Hugepages::kOff;
      } else {
        return flag + ": expected auto, on or off: " + value;
      }
    } else if (flag == "--mbufs") {
      if (!ParseNumber(value, 1023, 1 << 24, &n)) return flag + ": expected >= 1023: " + value;
      args->dataplane.mbufs = static_cast<uint32_t>(n);
    } else if (flag == "--dpdk-log-level") {
      args->eal.log_level = value;
    } else {
      return "unknown option " + flag;
    }
  }
  if (args->config.empty()) {
    return "--config is required";
  }
  return "";
}

void WriteStatus(const std::string& path, const dp::Dataplane& dataplane,
                 std::chrono::steady_clock::time_point started) {
  if (path.empty()) {
    return;
  }
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!ctl::ReplaceFile(path, ctl::RenderJson(dataplane, uptime))) {
    SY_WARN("cannot write status file " << path << ": " << std::strerror(errno));
  }
}

int Run(const Args& args) {
  ctl::SwitchConfig config;
  if (Status s = ctl::LoadConfigFile(args.config, &config); !s.ok()) {
    std::cerr << "switchyardd: " << s.message() << std::endl;
    return 2;
  }
  dp::EalInfo eal;
  if (Status s = dp::InitEal(args.eal, &eal); !s.ok()) {
    std::cerr << "switchyardd: " << s.message() << std::endl;
    return 1;
  }
  int rc = 0;
  {
    dp::Dataplane dataplane(eal, args.dataplane);
    if (Status s = dataplane.Start(); !s.ok()) {
      std::cerr << "switchyardd: " << s.message() << std::endl;
      return 1;
    }
    if (Status s = ctl::ApplyConfig(dataplane, config); !s.ok()) {
      std::cerr << "switchyardd: " << args.config << ": " << s.message() << std::endl;
      rc = 1;
    } else {
      SY_INFO("switchyardd: running (file prefix " << eal.file_prefix << ")");
      const auto started = std::chrono::steady_clock::now();
      auto next_tick = started;
      while (!g_stop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (g_reload.exchange(false)) {
          ctl::SwitchConfig next;
          Status reload = ctl::LoadConfigFile(args.config, &next);
          if (reload.ok()) {
            reload = ctl::ApplyConfig(dataplane, next);
          }
          if (reload.ok()) {
            SY_INFO("config reloaded from " << args.config);
          } else {
            SY_ERROR("config reload failed, nothing changed: " << reload.message());
          }
          WriteStatus(args.status_file, dataplane, started);
        }
        if (g_dump.exchange(false)) {
          std::cout << ctl::RenderTables(dataplane) << std::flush;
          WriteStatus(args.status_file, dataplane, started);
        }
        if (std::chrono::steady_clock::now() >= next_tick) {
          next_tick += std::chrono::seconds(1);
          dataplane.Tick();
          WriteStatus(args.status_file, dataplane, started);
        }
      }
      SY_INFO("switchyardd: stopping");
      WriteStatus(args.status_file, dataplane, started);
      std::cout << ctl::RenderTables(dataplane) << std::flush;
    }
    dataplane.Stop();
  }
  dp::CleanupEal();
  // DPDK leaves its runtime directory behind; it is ours, remove it.
  std::error_code ec;
  std::filesystem::remove_all("/var/run/dpdk/" + eal.file_prefix, ec);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (std::string err = ParseArgs(argc, argv, &args); !err.empty()) {
    std::cerr << "switchyardd: " << err << "\n\n" << kUsage;
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) {
    sigaction(sig, &sa, nullptr);
  }
  signal(SIGPIPE, SIG_IGN);
  return Run(args);
}
