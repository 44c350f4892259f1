#include "control/daemon/report.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <iomanip>
#include <sstream>

namespace switchyard::ctl {

namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

uint64_t TotalDrops(const dp::PortTotals& t) {
  uint64_t n = 0;
  for (uint64_t d : t.drops) {
    n += d;
  }
  return n;
}

}  // namespace

std::string RenderTables(const dp::Dataplane& dataplane) {
  std::ostringstream os;
  os << "PORT             NETWORK      KIND          LINK  RX-PKTS       TX-PKTS       DROPS\n";
  std::ostringstream drops;
  for (const auto& p : dataplane.Ports()) {
    os << std::left << std::setw(17) << p.spec.name << std::setw(13) << p.spec.network
       << std::setw(14) << dp::PortKindName(p.spec.kind) << std::setw(6)
       << (p.link_up ? "up" : "down") << std::setw(14) << p.totals.rx_packets << std::setw(14)
       << p.totals.tx_packets << TotalDrops(p.totals) << "\n";
    for (int r = 0; r < dp::kDropReasonCount; ++r) {
      if (p.totals.drops[r] != 0) {
        const auto reason = static_cast<dp::DropReason>(r);
        drops << "  " << p.spec.name << ": " << dp::DropReasonName(reason) << " "
              << p.totals.drops[r] << " (" << dp::DropReasonDescription(reason) << ")\n";
      }
    }
  }
  if (!drops.str().empty()) {
    os << "drops by reason:\n" << drops.str();
  }
  for (const auto& n : dataplane.Networks()) {
    os << "\nNETWORK " << n.spec.name << ": " << n.fdb_entries << "/" << n.spec.fdb_max
       << " FDB entries, aging " << n.spec.fdb_aging_s << " s; learned " << n.totals.learned
       << ", moves " << n.totals.moves << ", aged " << n.aged << ", unicast " << n.totals.unicast
       << ", flooded " << n.totals.flooded << "\n";
    os << "  MAC                VLAN  PORT             AGE\n";
    for (const auto& e : dataplane.FdbEntries(n.spec.name)) {
      os << "  " << std::left << std::setw(19) << dp::MacToString(e.mac) << std::setw(6) << e.vlan
         << std::setw(17) << e.port
         << (e.is_static ? std::string("static") : std::to_string(e.age_s) + "s") << "\n";
    }
  }
  os << "\nPMD  CPU  RX-PKTS       BUSY%  CYCLES/PKT  PORTS\n";
  for (const auto& pmd : dataplane.Pmds()) {
    const uint64_t total = pmd.busy_cycles + pmd.idle_cycles;
    os << std::left << std::setw(5) << pmd.lcore << std::setw(5) << pmd.cpu << std::setw(14)
       << pmd.packets << std::setw(7) << std::fixed << std::setprecision(1)
       << (total ? 100.0 * pmd.busy_cycles / total : 0.0) << std::setw(12)
       << (pmd.packets ? pmd.busy_cycles / pmd.packets : 0);
    for (const auto& name : pmd.rx_ports) {
      os << name << " ";
    }
    os << "\n";
  }
  return os.str();
}

std::string RenderJson(const dp::Dataplane& dataplane, double uptime_s) {
  std::ostringstream os;
  os << "{\"generation\":" << dataplane.generation() << ",\"uptime_s\":" << std::fixed
     << std::setprecision(3) << uptime_s << ",\"tsc_hz\":" << dataplane.tsc_hz() << ",\"pmds\":[";
  bool first = true;
  for (const auto& pmd : dataplane.Pmds()) {
    os << (first ? "" : ",") << "{\"lcore\":" << pmd.lcore << ",\"cpu\":" << pmd.cpu
       << ",\"iterations\":" << pmd.iterations << ",\"busy_cycles\":" << pmd.busy_cycles
       << ",\"idle_cycles\":" << pmd.idle_cycles << ",\"packets\":" << pmd.packets
       << ",\"rx_ports\":[";
    for (size_t i = 0; i < pmd.rx_ports.size(); ++i) {
      os << (i ? "," : "") << JsonString(pmd.rx_ports[i]);
    }
    os << "]}";
    first = false;
  }
  os << "],\"networks\":[";
  first = true;
  for (const auto& n : dataplane.Networks()) {
    os << (first ? "" : ",") << "{\"name\":" << JsonString(n.spec.name)
       << ",\"fdb_aging_s\":" << n.spec.fdb_aging_s << ",\"fdb_max\":" << n.spec.fdb_max
       << ",\"fdb_entries\":" << n.fdb_entries << ",\"learned\":" << n.totals.learned
       << ",\"moves\":" << n.totals.moves << ",\"learn_full\":" << n.totals.learn_full
       << ",\"aged\":" << n.aged << ",\"unicast\":" << n.totals.unicast
       << ",\"flooded\":" << n.totals.flooded << ",\"fdb\":[";
    bool first_entry = true;
    for (const auto& e : dataplane.FdbEntries(n.spec.name)) {
      os << (first_entry ? "" : ",") << "{\"mac\":\"" << dp::MacToString(e.mac)
         << "\",\"vlan\":" << e.vlan << ",\"port\":" << JsonString(e.port)
         << ",\"static\":" << (e.is_static ? "true" : "false") << ",\"age_s\":" << e.age_s << "}";
      first_entry = false;
    }
    os << "]}";
    first = false;
  }
  os << "],\"ports\":[";
  first = true;
  for (const auto& p : dataplane.Ports()) {
    os << (first ? "" : ",") << "{\"name\":" << JsonString(p.spec.name)
       << ",\"network\":" << JsonString(p.spec.network) << ",\"kind\":\""
       << dp::PortKindName(p.spec.kind) << "\",\"socket\":" << JsonString(p.spec.socket_path)
       << ",\"link\":\"" << (p.link_up ? "up" : "down") << "\",\"connects\":" << p.connects
       << ",\"rx_packets\":" << p.totals.rx_packets << ",\"rx_bytes\":" << p.totals.rx_bytes
       << ",\"tx_packets\":" << p.totals.tx_packets << ",\"tx_bytes\":" << p.totals.tx_bytes
       << ",\"drops\":{";
    for (int r = 0; r < dp::kDropReasonCount; ++r) {
      os << (r ? "," : "") << "\"" << dp::DropReasonName(static_cast<dp::DropReason>(r))
         << "\":" << p.totals.drops[r];
    }
    os << "}}";
    first = false;
  }
  os << "]}\n";
  return os.str();
}

bool ReplaceFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return false;
  }
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = close(fd) == 0 && ok;
  return ok && rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace switchyard::ctl
