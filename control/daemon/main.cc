// switchyardd: the switch daemon. Takes its state directory's lock, starts
// DPDK and the PMD threads, restores the saved networks and ports, serves
// the gRPC API, and runs the control loop until SIGTERM or SIGINT.
#include <grp.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "control/api/server.h"
#include "control/events/event_hub.h"
#include "control/model/controller.h"
#include "control/store/state_store.h"
#include "datapath/core/log.h"
#include "datapath/engine/dataplane.h"
#include "datapath/platform/dpdk/eal.h"
#include "datapath/platform/link_watcher.h"

namespace {

using switchyard::Status;
namespace dp = switchyard::dp;
namespace ctl = switchyard::ctl;

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

constexpr const char* kUsage = R"(usage: switchyardd [options]

  --socket PATH              gRPC API unix socket (default /run/switchyard/switchyard.sock)
  --state-dir DIR            saved config and lock (default /var/lib/switchyard)
  --listen HOST:PORT         also serve the API over TCP, with mutual TLS:
    --tls-cert FILE            server certificate chain (PEM)
    --tls-key FILE             its private key (PEM)
    --tls-client-ca FILE       CA that signs client certificates (PEM)
    --tls-admin-names LIST     comma-separated certificate names (Subject CN, DNS or URI
                               subjectAltName) that may call every method
    --tls-reader-names LIST    names that may only read (Get*, List*, Watch, stats, health);
                               with either list, any other certificate is refused; with
                               neither, every certificate the CA signs may call everything
  --insecure-tcp             serve --listen without TLS (anyone reaching it controls the switch)
  --control-cpu N            CPU of the control thread (default 0)
  --pmd-cpus LIST            comma-separated CPUs that poll, one PMD each
                             (default: one PMD on a CPU other than control)
  --pmd-idle-sleep-max-us N  longest back-off sleep of an idle PMD; 0 = busy-poll (default 500)
  --link-poll-ms N           how often port links are polled (default 50); kernel netdevs
                             also report changes at once through rtnetlink
  --file-prefix NAME         DPDK runtime prefix, unique per instance (default switchyard-<pid>)
  --memory-mb N              DPDK memory (default 512)
  --hugepages auto|on|off    use hugepages when reserved (default auto)
  --mbufs N                  packet buffers (default 16383)
  --vhost-socket-group NAME  group of the vhost-user sockets the switch makes (mode 0660;
                             default: the daemon's group), e.g. the group QEMU runs as
  --dpdk-log-level LEVEL     DPDK log level (default *:notice)

Drive it with yardctl (docs/yardctl.md). SIGTERM or SIGINT stop it; the config stays saved.
)";

struct Args {
  std::string state_dir = "/var/lib/switchyard";
  long link_poll_ms = 50;
  ctl::ApiOptions api;
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
    if (flag == "--insecure-tcp") {
      args->api.insecure_tcp = true;
      continue;
    }
    if (i + 1 >= argc) {
      return flag + ": missing value";
    }
    const std::string value = argv[++i];
    long n = 0;
    if (flag == "--socket") {
      args->api.socket_path = value;
    } else if (flag == "--state-dir") {
      args->state_dir = value;
    } else if (flag == "--listen") {
      args->api.tcp_listen = value;
    } else if (flag == "--tls-cert") {
      args->api.tls_cert = value;
    } else if (flag == "--tls-key") {
      args->api.tls_key = value;
    } else if (flag == "--tls-client-ca") {
      args->api.tls_client_ca = value;
    } else if (flag == "--tls-admin-names") {
      if (std::string err = ctl::AppendNameList(flag, value, &args->api.authz.admin_names);
          !err.empty()) {
        return err;
      }
    } else if (flag == "--tls-reader-names") {
      if (std::string err = ctl::AppendNameList(flag, value, &args->api.authz.reader_names);
          !err.empty()) {
        return err;
      }
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
    } else if (flag == "--link-poll-ms") {
      if (!ParseNumber(value, 1, 60000, &n)) return flag + ": expected 1..60000: " + value;
      args->link_poll_ms = n;
    } else if (flag == "--vhost-socket-group") {
      const group* g = getgrnam(value.c_str());
      if (g == nullptr) return flag + ": no such group: " + value;
      args->dataplane.vhost_socket_gid = static_cast<int>(g->gr_gid);
    } else if (flag == "--file-prefix") {
      // The daemon removes /var/run/dpdk/<prefix> at exit: a prefix must
      // name one directory there, never a path out of it.
      if (value.empty() || value.size() > 64 || value == "." || value == ".." ||
          value.find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
              std::string::npos) {
        return flag + ": '" + value +
               "' is not a prefix (1-64 of letters, digits, '_', '-' and '.'; not '.' or '..')";
      }
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
  if (Status s = ctl::ValidateApiOptions(args->api); !s.ok()) {
    return s.message();
  }
  return "";
}

int Fail(const Status& s) {
  std::cerr << "switchyardd: " << s.message() << std::endl;
  return 1;
}

int Run(const Args& args) {
  // The lock first: a second daemon on the same state must not touch DPDK.
  std::unique_ptr<ctl::StateStore> store;
  if (Status s = ctl::StateStore::Open(args.state_dir, &store); !s.ok()) {
    return Fail(s);
  }
  dp::EalInfo eal;
  if (Status s = dp::InitEal(args.eal, &eal); !s.ok()) {
    return Fail(s);
  }
  int rc = 0;
  {
    dp::Dataplane dataplane(eal, args.dataplane);
    ctl::EventHub hub;
    ctl::Controller controller(&dataplane, store.get(), &hub);
    controller.set_link_poll_period(std::chrono::milliseconds(args.link_poll_ms));
    ctl::ApiServer api(&controller, &hub);
    // Declared after the controller it wakes: stopped before it goes.
    switchyard::LinkWatcher links([&controller] { controller.WakeForLinks(); });
    if (Status w = links.Start(); !w.ok()) {
      SY_WARN(w.message() << "; link changes are seen by polling only");
    }
    Status s = dataplane.Start();
    if (s.ok()) {
      s = controller.Restore();
    }
    if (s.ok()) {
      s = api.Start(args.api);
    }
    if (!s.ok()) {
      rc = Fail(s);
    } else {
      SY_INFO("switchyardd: running (state " << args.state_dir << ", file prefix "
                                             << eal.file_prefix << ")");
      // On a signal, stop the API on another thread while this one keeps
      // serving the calls still in flight, then leave the loop.
      std::atomic<bool> api_down{false};
      std::thread stopper;
      controller.Loop([&] {
        if (g_stop && !stopper.joinable()) {
          SY_INFO("switchyardd: stopping");
          hub.Close();
          stopper = std::thread([&] {
            api.Shutdown(2000);
            api_down = true;
          });
        }
        return api_down.load();
      });
      stopper.join();
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
  for (int sig : {SIGINT, SIGTERM}) {
    sigaction(sig, &sa, nullptr);
  }
  signal(SIGPIPE, SIG_IGN);
  return Run(args);
}
