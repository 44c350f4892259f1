// switchyardd: the switch daemon. Takes its state directory's lock, starts
// DPDK and the PMD threads, restores the saved networks and ports, serves
// the gRPC API, and runs the control loop until SIGTERM or SIGINT.
#include <grp.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/command_line.h"
#include "common/log.h"
#include "control/api/server.h"
#include "control/events/event_hub.h"
#include "control/model/controller.h"
#include "control/store/state_store.h"
#include "datapath/engine/dataplane.h"
#include "datapath/platform/dpdk/eal.h"
#include "datapath/platform/link_watcher.h"

namespace {

using switchyard::Status;
namespace dp = switchyard::dp;
namespace ctl = switchyard::ctl;

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

struct Args {
  std::string state_dir = "/var/lib/switchyard";
  long link_poll_ms = 50;
  ctl::ApiOptions api;
  dp::EalOptions eal;
  dp::DataplaneOptions dataplane;
};

bool ParseNumber(const std::string& text, long min, long max, long* out) {
  // from_chars, unlike stol, takes no leading spaces or '+'.
  long v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < min || v > max) {
    return false;
  }
  *out = v;
  return true;
}

// "1,3,5": CPUs appended to *out; false when an item is not a CPU number.
bool ParseCpuList(const std::string& text, std::vector<int>* out) {
  std::stringstream ss(text);
  std::string item;
  long n = 0;
  while (std::getline(ss, item, ',')) {
    if (!ParseNumber(item, 0, 4095, &n)) {
      return false;
    }
    out->push_back(static_cast<int>(n));
  }
  return true;
}

// A decimal integer from min to max, else the error "`what`: TEXT". The
// text is handed on in canonical form, because CLI11's own conversion
// would read "010" as octal and "0x10" as hex.
CLI::Validator Decimal(long min, long max, const std::string& what) {
  return CLI::Validator(
      [min, max, what](std::string& text) {
        long n = 0;
        if (!ParseNumber(text, min, max, &n)) {
          return what + ": " + text;
        }
        text = std::to_string(n);
        return std::string();
      },
      "");
}

// The option's value as it stands, or the error a check returns for it.
CLI::Validator Check(std::function<std::string(const std::string&)> check) {
  return CLI::Validator([check](std::string& text) { return check(text); }, "");
}

// Builds the options on `app` into *args and the repeatable lists; the
// rest of the checks, which look at several options, are in ParseArgs.
void AddOptions(CLI::App& app, Args* args, std::vector<std::string>* pmd_cpu_lists,
                std::vector<std::string>* admin_lists, std::vector<std::string>* reader_lists,
                std::string* hugepages) {
  app.add_option("--socket", args->api.socket_path,
                 "gRPC API unix socket (default /run/switchyard/switchyard.sock)")
      ->type_name("PATH");
  app.add_option("--state-dir", args->state_dir,
                 "saved config and lock (default /var/lib/switchyard)")
      ->type_name("DIR");
  app.add_option("--listen", args->api.tcp_listen, "also serve the API over TCP, with mutual TLS:")
      ->type_name("HOST:PORT");
  app.add_option("--tls-cert", args->api.tls_cert, "for --listen: server certificate chain (PEM)")
      ->type_name("FILE");
  app.add_option("--tls-key", args->api.tls_key, "the private key of --tls-cert (PEM)")
      ->type_name("FILE");
  app.add_option("--tls-client-ca", args->api.tls_client_ca,
                 "for --listen: CA that signs client certificates (PEM)")
      ->type_name("FILE");
  app.add_option("--tls-admin-names", *admin_lists,
                 "comma-separated certificate names (Subject CN, DNS or URI\n"
                 "subjectAltName) that may call every method")
      ->type_name("LIST")
      ->expected(1)
      ->allow_extra_args(false)  // one list per --tls-...-names; repeats add up
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--tls-reader-names", *reader_lists,
                 "names that may only read (Get*, List*, Watch, stats, health);\n"
                 "with either list, any other certificate is refused; with\n"
                 "neither, every certificate the CA signs may call everything")
      ->type_name("LIST")
      ->expected(1)
      ->allow_extra_args(false)  // one list per --tls-...-names; repeats add up
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--insecure-tcp", args->api.insecure_tcp,
               "serve --listen without TLS (anyone reaching it controls the switch)");
  app.add_option("--control-cpu", args->eal.control_cpu, "CPU of the control thread (default 0)")
      ->type_name("N")
      ->transform(Decimal(0, 4095, "not a CPU number"));
  app.add_option("--pmd-cpus", *pmd_cpu_lists,
                 "comma-separated CPUs that poll, one PMD each\n"
                 "(default: one PMD on a CPU other than control)")
      ->type_name("LIST")
      ->expected(1)
      ->allow_extra_args(false)  // one list per --pmd-cpus; repeats add up
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(Check([](const std::string& list) {
        std::vector<int> cpus;
        return ParseCpuList(list, &cpus) ? std::string() : "not a CPU list: " + list;
      }));
  app.add_option("--pmd-idle-sleep-max-us", args->dataplane.idle_sleep_max_us,
                 "longest back-off sleep of an idle PMD; 0 = busy-poll (default 500)")
      ->type_name("N")
      ->transform(Decimal(0, 100000, "expected 0..100000"));
  app.add_option("--link-poll-ms", args->link_poll_ms,
                 "how often port links are polled (default 50); kernel netdevs\n"
                 "also report changes at once through rtnetlink")
      ->type_name("N")
      ->transform(Decimal(1, 60000, "expected 1..60000"));
  app.add_option("--file-prefix", args->eal.file_prefix,
                 "DPDK runtime prefix, unique per instance (default switchyard-<pid>)")
      ->type_name("NAME")
      ->check(Check([](const std::string& value) {
        // The daemon removes /var/run/dpdk/<prefix> at exit: a prefix must
        // name one directory there, never a path out of it.
        if (value.empty() || value.size() > 64 || value == "." || value == ".." ||
            value.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
                std::string::npos) {
          return "'" + value +
                 "' is not a prefix (1-64 of letters, digits, '_', '-' and '.'; not '.' or '..')";
        }
        return std::string();
      }));
  app.add_option("--memory-mb", args->eal.memory_mb, "DPDK memory (default 512)")
      ->type_name("N")
      ->transform(Decimal(64, 1 << 20, "expected >= 64"));
  app.add_option("--hugepages", *hugepages, "use hugepages when reserved (default auto)")
      ->type_name("auto|on|off")
      ->check(Check([](const std::string& value) {
        return value == "auto" || value == "on" || value == "off"
                   ? std::string()
                   : "expected auto, on or off: " + value;
      }));
  app.add_option("--mbufs", args->dataplane.mbufs, "packet buffers (default 16383)")
      ->type_name("N")
      ->transform(Decimal(1023, 1 << 24, "expected >= 1023"));
  app.add_option("--vhost-socket-group", args->dataplane.vhost_socket_gid,
                 "group of the vhost-user sockets the switch makes (mode 0660;\n"
                 "default: the daemon's group), e.g. the group QEMU runs as")
      ->type_name("NAME")
      ->transform(CLI::Validator(
          [](std::string& name) {
            const group* g = getgrnam(name.c_str());
            if (g == nullptr) {
              return "no such group: " + name;
            }
            name = std::to_string(g->gr_gid);
            return std::string();
          },
          ""));
  app.add_option("--dpdk-log-level", args->eal.log_level, "DPDK log level (default *:notice)")
      ->type_name("LEVEL");
}

// Parses argv into *args: -1 to run, else the exit code. --help prints the
// options and gives 0; a bad option or value prints why and the options
// to stderr and gives 2.
int ParseArgs(int argc, char** argv, Args* args) {
  CLI::App app("The Switchyard switch: DPDK datapath, PMD threads and the gRPC API.",
               "switchyardd");
  app.get_formatter()->label("Usage", "usage");
  app.get_formatter()->column_width(29);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.footer(
      "Drive it with yardctl (docs/yardctl.md). SIGTERM or SIGINT stop it; the config "
      "stays saved.");
  app.allow_extras();  // reported below as "unknown option", as before
  std::vector<std::string> pmd_cpu_lists, admin_lists, reader_lists;
  std::string hugepages = "auto";
  AddOptions(app, args, &pmd_cpu_lists, &admin_lists, &reader_lists, &hugepages);

  bool help = false;
  std::string error = switchyard::ParseCommandLine(app, argc, argv, &help);
  if (help) {
    std::cout << app.help();
    return 0;
  }
  for (const std::string& list : pmd_cpu_lists) {
    ParseCpuList(list, &args->eal.pmd_cpus);  // checked while parsing
  }
  if (hugepages == "on") {
    args->eal.hugepages = dp::EalOptions::Hugepages::kOn;
  } else if (hugepages == "off") {
    args->eal.hugepages = dp::EalOptions::Hugepages::kOff;
  }
  for (const std::string& list : admin_lists) {
    if (error.empty()) {
      error = ctl::AppendNameList("--tls-admin-names", list, &args->api.authz.admin_names);
    }
  }
  for (const std::string& list : reader_lists) {
    if (error.empty()) {
      error = ctl::AppendNameList("--tls-reader-names", list, &args->api.authz.reader_names);
    }
  }
  if (error.empty()) {
    if (Status s = ctl::ValidateApiOptions(args->api); !s.ok()) {
      error = s.message();
    }
  }
  if (!error.empty()) {
    std::cerr << "switchyardd: " << error << "\n\n" << app.help();
    return 2;
  }
  return -1;
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
  if (int rc = ParseArgs(argc, argv, &args); rc >= 0) {
    return rc;
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
