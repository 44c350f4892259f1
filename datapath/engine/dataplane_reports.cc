// Dataplane: what it reports: ports, networks, endpoints, FDBs, PMDs,
// buffers and heap.
#include <rte_malloc.h>
#include <rte_mempool.h>

#include <algorithm>
#include <map>

#include "datapath/engine/dataplane.h"

namespace switchyard::dp {

uint32_t Dataplane::mbufs_total() const { return pool_ != nullptr ? pool_->size : 0; }

uint32_t Dataplane::mbufs_in_use() const {
  return pool_ != nullptr ? rte_mempool_in_use_count(pool_) : 0;
}

uint64_t Dataplane::dpdk_heap_allocated() const {
  uint64_t n = 0;
  for (unsigned socket = 0; socket < rte_socket_count(); ++socket) {
    rte_malloc_socket_stats stats{};
    if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(socket), &stats) == 0) {
      n += stats.heap_allocsz_bytes;
    }
  }
  return n;
}

uint64_t Dataplane::events_dropped() const {
  uint64_t n = 0;
  for (int i = 0; i < n_pmds(); ++i) {
    n += events_[i].dropped();
  }
  return n;
}

std::vector<PortReport> Dataplane::Ports() const {
  std::vector<PortReport> out;
  for (auto& [name, p] : ports_) {
    PortReport r;
    r.spec = p.spec;
    r.link_up = p.port->LinkUp();
    r.info = p.port->Info();
    r.totals = PortCountersOf(p);
    if (p.spec.IsUplink()) {
      r.uplink_mac = AddressOf(p).mac;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<EndpointReport> Dataplane::Endpoints() const {
  std::vector<EndpointReport> out;
  for (auto& [name, n] : networks_) {
    const PortState* u = FindUplink(n.spec.tunnel.uplink);
    for (const EndpointState& e : n.endpoints) {
      EndpointReport r;
      r.network = name;
      r.name = e.port->Name();
      r.remote = Ipv4ToString(e.port->remote_ip());
      if (u != nullptr) {
        const uint32_t hop = HostStack::NextHop(AddressOf(*u), e.port->remote_ip());
        r.next_hop = hop == 0 ? "" : Ipv4ToString(hop);
      }
      r.next_hop_mac = e.port->next_hop_mac();
      r.link_up = e.port->LinkUp();
      r.max_frame = e.port->max_frame();
      r.totals = SumPort(counters_.get(), n_counters(), e.index);
      r.totals -= e.base;
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<NetworkReport> Dataplane::Networks() const {
  std::vector<NetworkReport> out;
  for (auto& [name, n] : networks_) {
    NetworkReport r;
    r.spec = n.spec;
    r.fdb_entries = n.fdb->size();
    r.aged = n.aged;
    r.totals = SumNetwork(counters_.get(), n_counters(), n.index);
    r.totals -= n.base;
    r.ports = n.departed;
    for (auto& [pname, p] : ports_) {
      if (p.network == n.index) {
        r.ports += NetworkShareOf(p);
      }
    }
    for (const EndpointState& e : n.endpoints) {
      PortTotals t = SumPort(counters_.get(), n_counters(), e.index);
      t -= e.base;
      r.ports += t;
    }
    if (const GatewayState* g = n.gateway.get()) {
      GatewayReport& gr = r.gateway;
      gr.mac = g->mac;
      gr.totals = SumPort(counters_.get(), n_counters(), g->index);
      gr.totals -= g->base;
      r.ports += gr.totals;
      if (g->conns != nullptr) {
        gr.connections = g->conns->size();
        gr.connections_made = g->conns->created();
        gr.table_full = g->conns->full();
        gr.early_drops = g->conns->early_drops();
      }
      if (g->dhcp != nullptr) {
        const DhcpServer::Counters& c = g->dhcp->counters();
        gr.leases = static_cast<uint32_t>(g->dhcp->Leases().size());
        gr.dhcp_replies = c.offers + c.acks + c.naks;
        gr.dhcp_spoofed = c.spoofed;
        gr.dhcp_port_limited = c.port_limited;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

size_t Dataplane::RestoreFdb(const std::string& network, const std::vector<FdbRow>& rows) {
  auto it = networks_.find(network);
  if (it == networks_.end()) {
    return 0;
  }
  NetworkState& n = it->second;
  struct Member {
    PortIndex index;
    uint32_t mac_limit;
  };
  std::map<std::string, Member> members;
  for (auto& [name, p] : ports_) {
    if (!p.spec.IsUplink() && p.network == n.index) {
      members[name] = Member{p.index, p.spec.mac_limit};
    }
  }
  for (const EndpointState& e : n.endpoints) {
    members[e.port->Name()] = Member{e.index, 0};
  }
  const uint32_t now = clock_.Seconds();
  size_t learned = 0;
  for (const FdbRow& row : rows) {
    auto m = members.find(row.port);
    if (row.is_static || m == members.end()) {
      continue;
    }
    const Fdb::LearnResult r =
        n.fdb->Learn(row.vlan, row.mac, m->second.index, now, nullptr, m->second.mac_limit);
    learned += r == Fdb::LearnResult::kLearned || r == Fdb::LearnResult::kRefreshed ? 1 : 0;
  }
  return learned;
}

std::vector<FdbRow> Dataplane::FdbEntries(const std::string& network) const {
  std::vector<FdbRow> out;
  auto it = networks_.find(network);
  if (it == networks_.end()) {
    return out;
  }
  std::vector<std::string> port_names(kMaxPorts);
  for (auto& [name, p] : ports_) {
    port_names[p.index] = name;
  }
  for (const EndpointState& e : it->second.endpoints) {
    port_names[e.index] = e.port->Name();
  }
  if (it->second.gateway != nullptr) {
    port_names[it->second.gateway->index] = "gateway";
  }
  const uint32_t now = clock_.Seconds();
  for (const Fdb::Entry& e : it->second.fdb->Dump()) {
    out.push_back(FdbRow{port_names[e.port], e.mac, e.vlan, e.is_static,
                         e.last_seen >= now ? 0 : now - e.last_seen});
  }
  std::sort(out.begin(), out.end(), [](const FdbRow& a, const FdbRow& b) {
    return a.mac != b.mac ? a.mac < b.mac : a.vlan < b.vlan;
  });
  return out;
}

std::vector<PmdReport> Dataplane::Pmds() const {
  std::vector<PmdReport> out;
  const Snapshot* snap = snapshot_.load(std::memory_order_acquire);  // control owns publication
  for (int i = 0; i < n_pmds(); ++i) {
    const PmdCounters& c = counters_[i];
    PmdReport r{eal_.pmd_lcores[i],
                eal_.pmd_cpus[i],
                c.iterations.Get(),
                c.busy_cycles.Get(),
                c.idle_cycles.Get(),
                c.packets.Get(),
                {}};
    for (PortIndex p : snap->rx_by_pmd[i]) {
      if (const PortState* ps = FindPort(p)) {
        r.rx_ports.push_back(ps->spec.name);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace switchyard::dp
