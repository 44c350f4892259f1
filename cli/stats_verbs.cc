// stats: the Stats service. Once, it prints the counters as they are;
// with --watch it samples every --interval and prints rates computed from
// two successive samples, since totals since start say little about now.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>

#include "cli/output.h"
#include "cli/stop_signal.h"
#include "cli/table.h"
#include "cli/verb.h"
#include "switchyard/v1/stats.grpc.pb.h"

namespace switchyard::ctl {

namespace {

using Kind = OptionSpec::Kind;
constexpr auto kRight = Table::Align::kRight;
constexpr uint32_t kDefaultIntervalSeconds = 1;

std::string Fixed(double value, int decimals) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

uint64_t TotalDrops(const v1::Counters& c) {
  uint64_t total = 0;
  for (const auto& [reason, n] : c.drops()) {
    total += n;
  }
  return total;
}

using NamedCounters = google::protobuf::Map<std::string, uint64_t>;

// "  vm2: port_down 17" for each non-zero counter of each object, sorted,
// under `heading`; nothing when every counter is zero.
void PrintNamedCounters(const std::string& heading,
                        const std::vector<std::pair<std::string, const NamedCounters*>>& objects) {
  std::vector<std::string> lines;
  for (const auto& [name, counters] : objects) {
    // A protobuf map has no order; sort for a stable output.
    std::map<std::string, uint64_t> sorted(counters->begin(), counters->end());
    for (const auto& [reason, n] : sorted) {
      if (n != 0) {
        lines.push_back("  " + name + ": " + reason + " " + std::to_string(n));
      }
    }
  }
  if (!lines.empty()) {
    std::cout << heading << ":\n";
    for (const auto& line : lines) {
      std::cout << line << '\n';
    }
  }
}

std::string BusyPercent(uint64_t busy, uint64_t idle) {
  const uint64_t total = busy + idle;
  return total == 0 ? "-" : Fixed(100.0 * static_cast<double>(busy) / total, 1);
}

std::string CpuName(int32_t cpu) { return cpu < 0 ? "-" : std::to_string(cpu); }

// "a,b" or "-".
std::string NameList(const google::protobuf::RepeatedPtrField<std::string>& names) {
  return names.empty() ? "-" : Join(names, ",");
}

// "3d 04:05:06", or "04:05:06" under a day.
std::string Duration(double seconds) {
  const auto s = static_cast<uint64_t>(std::max(0.0, seconds));
  char buf[64];
  snprintf(buf, sizeof(buf), "%02u:%02u:%02u", static_cast<unsigned>(s / 3600 % 24),
           static_cast<unsigned>(s / 60 % 60), static_cast<unsigned>(s % 60));
  return s >= 86400 ? std::to_string(s / 86400) + "d " + buf : std::string(buf);
}

// A section per non-empty part of the response, separated by blank lines.
// Empty parts are left out: with --port only, there may be no networks.
void PrintTotals(const v1::GetStatsResponse& r) {
  bool first = true;
  auto next_section = [&] {
    if (!first) {
      std::cout << '\n';
    }
    first = false;
  };
  if (r.ports_size() + r.tunnel_endpoints_size() > 0) {
    next_section();
    Table table({{"PORT"},
                 {"NETWORK"},
                 {"LINK"},
                 {"RX-PKTS", kRight},
                 {"RX-BYTES", kRight},
                 {"TX-PKTS", kRight},
                 {"TX-BYTES", kRight},
                 {"DROPS", kRight}});
    std::vector<std::pair<std::string, const NamedCounters*>> drops;
    std::vector<std::pair<std::string, const NamedCounters*>> backend;
    for (const v1::PortStats& p : r.ports()) {
      const v1::Counters& c = p.counters();
      table.AddRow({p.name(), p.network(), LinkName(p.link()), std::to_string(c.rx_packets()),
                    std::to_string(c.rx_bytes()), std::to_string(c.tx_packets()),
                    std::to_string(c.tx_bytes()), std::to_string(TotalDrops(c))});
      drops.emplace_back(p.name(), &c.drops());
      backend.emplace_back(p.name(), &p.backend_counters());
    }
    // Remote tunnel endpoints, as ports of their network.
    for (const v1::PortStats& p : r.tunnel_endpoints()) {
      const v1::Counters& c = p.counters();
      table.AddRow({p.name(), p.network(), LinkName(p.link()), std::to_string(c.rx_packets()),
                    std::to_string(c.rx_bytes()), std::to_string(c.tx_packets()),
                    std::to_string(c.tx_bytes()), std::to_string(TotalDrops(c))});
      drops.emplace_back(p.name() + "@" + p.network(), &c.drops());
    }
    table.Print(std::cout);
    PrintNamedCounters("drops by reason", drops);
    PrintNamedCounters("backend counters", backend);
  }
  if (r.networks_size() > 0) {
    next_section();
    Table table({{"NETWORK"},
                 {"RX-PKTS", kRight},
                 {"TX-PKTS", kRight},
                 {"DROPS", kRight},
                 {"FDB", kRight},
                 {"LEARNED", kRight},
                 {"MOVES", kRight},
                 {"AGED", kRight},
                 {"LEARN-FULL", kRight},
                 {"FLOODED", kRight},
                 {"UNICAST", kRight}});
    std::vector<std::pair<std::string, const NamedCounters*>> drops;
    for (const v1::NetworkStats& n : r.networks()) {
      const v1::Counters& c = n.counters();
      table.AddRow({n.name(), std::to_string(c.rx_packets()), std::to_string(c.tx_packets()),
                    std::to_string(TotalDrops(c)), std::to_string(n.fdb_entries()),
                    std::to_string(n.fdb_learned()), std::to_string(n.fdb_moves()),
                    std::to_string(n.fdb_aged()), std::to_string(n.fdb_learn_full()),
                    std::to_string(n.flooded()), std::to_string(n.unicast())});
      drops.emplace_back(n.name(), &c.drops());
    }
    table.Print(std::cout);
    PrintNamedCounters("drops by reason", drops);
  }
  if (r.pmds_size() > 0) {
    next_section();
    Table table({{"PMD", kRight},
                 {"CPU", kRight},
                 {"PACKETS", kRight},
                 {"BUSY%", kRight},
                 {"CYCLES/PKT", kRight},
                 {"PORTS"}});
    for (const v1::PmdStats& p : r.pmds()) {
      table.AddRow({std::to_string(p.id()), CpuName(p.cpu()), std::to_string(p.packets()),
                    BusyPercent(p.busy_cycles(), p.idle_cycles()),
                    p.packets() == 0 ? "-" : Fixed(p.cycles_per_packet(), 1),
                    NameList(p.rx_ports())});
    }
    table.Print(std::cout);
  }
  next_section();
  std::cout << "uptime " << Duration(r.uptime_seconds()) << ", TSC "
            << Fixed(static_cast<double>(r.tsc_hz()) / 1e9, 2) << " GHz, events dropped "
            << r.events_dropped() << '\n';
}

// (now - before) / seconds, or "-" when a counter went back (the port was
// deleted and made again between the samples).
std::string Rate(uint64_t before, uint64_t now, double seconds, double scale, int decimals) {
  if (now < before) {
    return "-";
  }
  return Fixed(static_cast<double>(now - before) * scale / seconds, decimals);
}

void PrintRates(const v1::GetStatsResponse& before, const v1::GetStatsResponse& now,
                double seconds) {
  const std::time_t t = std::time(nullptr);
  std::tm local = {};
  localtime_r(&t, &local);
  char clock[16];
  strftime(clock, sizeof(clock), "%H:%M:%S", &local);
  std::cout << clock << "  rates over " << Fixed(seconds, 2) << " s\n";

  std::map<std::string, const v1::PortStats*> old_ports;
  for (const v1::PortStats& p : before.ports()) {
    old_ports[p.name()] = &p;
  }
  Table ports({{"PORT"},
               {"LINK"},
               {"RX-PPS", kRight},
               {"TX-PPS", kRight},
               {"RX-MBIT/S", kRight},
               {"TX-MBIT/S", kRight},
               {"DROPS/S", kRight}});
  constexpr double kMbit = 8.0 / 1e6;
  for (const v1::PortStats& p : now.ports()) {
    auto it = old_ports.find(p.name());
    if (it == old_ports.end()) {
      ports.AddRow({p.name(), LinkName(p.link()), "-", "-", "-", "-", "-"});  // new port
      continue;
    }
    const v1::Counters& a = it->second->counters();
    const v1::Counters& b = p.counters();
    ports.AddRow({p.name(), LinkName(p.link()), Rate(a.rx_packets(), b.rx_packets(), seconds, 1, 0),
                  Rate(a.tx_packets(), b.tx_packets(), seconds, 1, 0),
                  Rate(a.rx_bytes(), b.rx_bytes(), seconds, kMbit, 1),
                  Rate(a.tx_bytes(), b.tx_bytes(), seconds, kMbit, 1),
                  Rate(TotalDrops(a), TotalDrops(b), seconds, 1, 0)});
  }
  ports.Print(std::cout);

  std::map<uint32_t, const v1::PmdStats*> old_pmds;
  for (const v1::PmdStats& p : before.pmds()) {
    old_pmds[p.id()] = &p;
  }
  Table pmds({{"PMD", kRight}, {"CPU", kRight}, {"PPS", kRight}, {"BUSY%", kRight}, {"PORTS"}});
  for (const v1::PmdStats& p : now.pmds()) {
    auto it = old_pmds.find(p.id());
    if (it == old_pmds.end() || p.busy_cycles() < it->second->busy_cycles() ||
        p.idle_cycles() < it->second->idle_cycles()) {
      continue;
    }
    pmds.AddRow({std::to_string(p.id()), CpuName(p.cpu()),
                 Rate(it->second->packets(), p.packets(), seconds, 1, 0),
                 BusyPercent(p.busy_cycles() - it->second->busy_cycles(),
                             p.idle_cycles() - it->second->idle_cycles()),
                 NameList(p.rx_ports())});
  }
  if (!pmds.empty()) {
    std::cout << '\n';
    pmds.Print(std::cout);
  }
  std::cout << std::endl;  // a blank line between samples, and flushed
}

int Watch(const Call& call, const v1::GetStatsRequest& request) {
  const auto interval =
      std::chrono::seconds(call.args().U32("--interval").value_or(kDefaultIntervalSeconds));
  const uint32_t count = call.args().U32("--count").value_or(0);  // 0: until stopped
  auto stub = v1::Stats::NewStub(call.connection().channel());
  StopSignal stop;
  std::optional<v1::GetStatsResponse> previous;
  std::chrono::steady_clock::time_point previous_time;
  uint32_t printed = 0;
  auto next = std::chrono::steady_clock::now();
  while (!stop.stopped()) {
    v1::GetStatsResponse sample;
    grpc::Status status = call.Unary([&](grpc::ClientContext* c) {
      StopSignal::Guard guard(stop, c);
      return stub->GetStats(c, request, &sample);
    });
    if (!status.ok()) {
      return stop.stopped() ? 0 : call.connection().Fail(status);
    }
    const auto now = std::chrono::steady_clock::now();
    if (call.json()) {
      // Scripts get every sample and compute what they like.
      if (PrintJson(sample) != 0) {
        return 1;
      }
      ++printed;
    } else if (previous && sample.uptime_seconds() < previous->uptime_seconds()) {
      std::cout << "switchyardd restarted; rates resume with the next sample\n" << std::flush;
    } else if (previous) {
      PrintRates(*previous, sample, std::chrono::duration<double>(now - previous_time).count());
      ++printed;
    }
    if (count != 0 && printed >= count) {
      break;
    }
    previous = std::move(sample);
    previous_time = now;
    // Fixed ticks, so the samples do not drift by the call's latency; after
    // a slow call, start again from now rather than catch up in a burst.
    next = std::max(next + interval, std::chrono::steady_clock::now());
    if (!stop.SleepUntil(next)) {
      break;
    }
  }
  return 0;
}

int Stats(const Call& call) {
  v1::GetStatsRequest request;
  for (const auto& port : call.args().All("--port")) {
    request.add_ports(port);
  }
  for (const auto& network : call.args().All("--network")) {
    request.add_networks(network);
  }
  if (call.args().Has("--watch")) {
    return Watch(call, request);
  }
  for (const char* option : {"--interval", "--count"}) {
    if (call.args().Has(option)) {
      return call.Usage(std::string(option) + " needs --watch");
    }
  }
  v1::GetStatsResponse reply;
  auto stub = v1::Stats::NewStub(call.connection().channel());
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->GetStats(c, request, &reply); });
  return call.Reply(status, reply, [&] { PrintTotals(reply); });
}

}  // namespace

std::vector<Verb> StatsVerbs() {
  return {
      {"stats",
       "[--port PORT]... [--network NET]... [--watch [--interval SECONDS] [--count N]]",
       {{},
        {{"--port", Kind::kString, /*repeatable=*/true},
         {"--network", Kind::kString, /*repeatable=*/true},
         {"--watch", Kind::kFlag},
         {"--interval", Kind::kU32, false, /*min=*/1},
         {"--count", Kind::kU32, false, /*min=*/1}}},
       Stats},
  };
}

}  // namespace switchyard::ctl
