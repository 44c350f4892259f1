#include "datapath/engine/dataplane.h"

#include <rte_errno.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <stdexcept>

#include "datapath/core/log.h"

namespace switchyard::dp {

namespace {
int TakeSlot(std::vector<bool>& used) {
  auto it = std::find(used.begin(), used.end(), false);
  if (it == used.end()) {
    return -1;
  }
  *it = true;
  return static_cast<int>(it - used.begin());
}
}  // namespace

Dataplane::Dataplane(const EalInfo& eal, const DataplaneOptions& options)
    : eal_(eal), options_(options) {
  pool_ = rte_pktmbuf_pool_create("sy_mbufs", options.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                  SOCKET_ID_ANY);
  if (pool_ == nullptr) {
    throw std::runtime_error(std::string("cannot create the mbuf pool: ") +
                             rte_strerror(rte_errno));
  }
  const int n = static_cast<int>(eal.pmd_lcores.size());
  rcu_ = std::make_unique<Rcu>(n);
  counters_ = std::make_unique<PmdCounters[]>(n);
  for (int i = 0; i < n; ++i) {
    pmds_.push_back(std::make_unique<PmdThread>(static_cast<uint16_t>(i), eal.pmd_lcores[i],
                                                &snapshot_, rcu_.get(), &clock_, &counters_[i],
                                                options.idle_sleep_max_us));
  }
  auto* empty = new Snapshot();
  empty->rx_by_pmd.resize(n);
  snapshot_.store(empty, std::memory_order_release);
}

Dataplane::~Dataplane() {
  Stop();
  delete snapshot_.load();
  rte_mempool_free(pool_);
}

Status Dataplane::Start() {
  for (auto& pmd : pmds_) {
    if (!pmd->Launch()) {
      return Status(StatusCode::kUnavailable,
                    "cannot launch PMD on lcore " + std::to_string(pmd->lcore()));
    }
  }
  SY_INFO("datapath: " << pmds_.size() << " PMD thread(s) running, idle sleep "
                       << (options_.idle_sleep_max_us == 0
                               ? std::string("off")
                               : "up to " + std::to_string(options_.idle_sleep_max_us) + " us"));
  return Status::Ok();
}

void Dataplane::Stop() {
  std::vector<std::string> names;
  for (auto& [name, p] : ports_) {
    names.push_back(name);
  }
  for (auto& name : names) {
    RemovePort(name);
  }
  for (auto& pmd : pmds_) {
    pmd->StopAndWait();
  }
}

void Dataplane::Publish() {
  auto* next = new Snapshot();
  next->generation = ++generation_;
  next->rx_by_pmd.resize(pmds_.size());
  for (auto& [name, n] : networks_) {
    next->networks[n.index].fdb = n.fdb.get();
  }
  for (auto& [name, p] : ports_) {
    next->ports[p.index] = PortSlot{p.port.get(), p.network};
    next->networks[p.network].members.push_back(p.index);
    // Spread rx queues over PMDs by slot; stable while ports come and go.
    next->rx_by_pmd[p.index % pmds_.size()].push_back(p.index);
  }
  const Snapshot* old = snapshot_.exchange(next, std::memory_order_acq_rel);
  rcu_->Synchronize();
  delete old;
}

Status Dataplane::AddNetwork(const NetworkSpec& spec) {
  if (Status s = ValidateNetworkSpec(spec); !s.ok()) {
    return s;
  }
  if (auto it = networks_.find(spec.name); it != networks_.end()) {
    return it->second.spec == spec
               ? Status::Ok()
               : Status(StatusCode::kAlreadyExists,
                        "network.name: '" + spec.name + "' exists with another spec");
  }
  const int slot = TakeSlot(network_slot_used_);
  if (slot < 0) {
    return Status(StatusCode::kResourceExhausted,
                  "network: limit of " + std::to_string(kMaxNetworks) + " networks reached");
  }
  NetworkState n{spec, static_cast<NetworkIndex>(slot), std::make_unique<Fdb>(spec.fdb_max),
                 SumNetwork(counters_.get(), n_pmds(), static_cast<NetworkIndex>(slot)), 0};
  networks_.emplace(spec.name, std::move(n));
  Publish();
  SY_INFO("network " << spec.name << ": created (fdb aging " << spec.fdb_aging_s << " s, max "
                     << spec.fdb_max << " entries)");
  return Status::Ok();
}

Status Dataplane::UpdateNetwork(const NetworkSpec& spec) {
  if (Status s = ValidateNetworkSpec(spec); !s.ok()) {
    return s;
  }
  auto it = networks_.find(spec.name);
  if (it == networks_.end()) {
    return Status(StatusCode::kNotFound, "network.name: '" + spec.name + "' does not exist");
  }
  NetworkState& n = it->second;
  std::unique_ptr<Fdb> old_fdb;
  if (spec.fdb_max != n.spec.fdb_max) {
    old_fdb = std::exchange(n.fdb, std::make_unique<Fdb>(spec.fdb_max));
  }
  n.spec = spec;
  if (old_fdb) {
    Publish();  // the old FDB is freed below, after the grace period
    SY_INFO("network " << spec.name << ": fdb_max now " << spec.fdb_max << ", FDB relearned");
  }
  return Status::Ok();
}

Status Dataplane::RemoveNetwork(const std::string& name) {
  auto it = networks_.find(name);
  if (it == networks_.end()) {
    return Status(StatusCode::kNotFound, "network.name: '" + name + "' does not exist");
  }
  std::string users;
  for (auto& [pname, p] : ports_) {
    if (p.network == it->second.index) {
      users += (users.empty() ? "" : ", ") + pname;
    }
  }
  if (!users.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "network '" + name + "' still has ports: " + users);
  }
  NetworkState gone = std::move(it->second);
  networks_.erase(it);
  Publish();
  network_slot_used_[gone.index] = false;
  SY_INFO("network " << name << ": removed");
  return Status::Ok();
}

Status Dataplane::AddPort(const PortSpec& spec) {
  if (Status s = ValidatePortSpec(spec); !s.ok()) {
    return s;
  }
  if (auto it = ports_.find(spec.name); it != ports_.end()) {
    return it->second.spec == spec
               ? Status::Ok()
               : Status(StatusCode::kAlreadyExists,
                        "port.name: '" + spec.name + "' exists with another spec");
  }
  auto net = networks_.find(spec.network);
  if (net == networks_.end()) {
    return Status(StatusCode::kNotFound, "port.network: '" + spec.network + "' does not exist");
  }
  const int slot = TakeSlot(port_slot_used_);
  if (slot < 0) {
    return Status(StatusCode::kResourceExhausted,
                  "port: limit of " + std::to_string(kMaxPorts) + " ports reached");
  }
  std::unique_ptr<VhostUserPort> port;
  VhostUserConfig config{spec.socket_path, spec.kind == PortKind::kVhostClient};
  if (Status s = VhostUserPort::Create(spec.name, config, pool_, rcu_.get(), &port); !s.ok()) {
    port_slot_used_[slot] = false;
    return s;
  }
  const auto index = static_cast<PortIndex>(slot);
  PortState p{spec, index, net->second.index, std::move(port),
              SumPort(counters_.get(), n_pmds(), index)};
  ports_.emplace(spec.name, std::move(p));
  Publish();
  return Status::Ok();
}

Status Dataplane::RemovePort(const std::string& name) {
  auto it = ports_.find(name);
  if (it == ports_.end()) {
    return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
  }
  PortState gone = std::move(it->second);
  ports_.erase(it);
  Publish();  // from here no PMD polls, learns on or sends to the port
  for (auto& [nname, n] : networks_) {
    if (n.index == gone.network) {
      n.fdb->FlushPort(gone.index, true);
    }
  }
  gone.port.reset();  // closes the socket; a connected guest sees it go
  port_slot_used_[gone.index] = false;
  SY_INFO("port " << name << ": removed");
  return Status::Ok();
}

void Dataplane::Tick() {
  const uint32_t now = clock_.Seconds();
  for (auto& [name, n] : networks_) {
    n.aged += n.fdb->Age(now, n.spec.fdb_aging_s);
  }
}

std::vector<NetworkSpec> Dataplane::NetworkSpecs() const {
  std::vector<NetworkSpec> out;
  for (auto& [name, n] : networks_) {
    out.push_back(n.spec);
  }
  return out;
}

std::vector<PortSpec> Dataplane::PortSpecs() const {
  std::vector<PortSpec> out;
  for (auto& [name, p] : ports_) {
    out.push_back(p.spec);
  }
  return out;
}

std::vector<PortReport> Dataplane::Ports() const {
  std::vector<PortReport> out;
  for (auto& [name, p] : ports_) {
    PortReport r;
    r.spec = p.spec;
    r.link_up = p.port->LinkUp();
    r.connects = p.port->connects();
    r.totals = SumPort(counters_.get(), n_pmds(), p.index);
    r.totals -= p.base;
    out.push_back(std::move(r));
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
    r.totals = SumNetwork(counters_.get(), n_pmds(), n.index);
    r.totals -= n.base;
    out.push_back(std::move(r));
  }
  return out;
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
  const uint32_t now = clock_.Seconds();
  for (const Fdb::Entry& e : it->second.fdb->Dump()) {
    out.push_back(FdbRow{port_names[e.port], e.mac, e.vlan, e.is_static,
                         e.last_seen >= now ? 0 : now - e.last_seen});
  }
  std::sort(out.begin(), out.end(), [](const FdbRow& a, const FdbRow& b) { return a.mac < b.mac; });
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
      for (auto& [name, ps] : ports_) {
        if (ps.index == p) {
          r.rx_ports.push_back(name);
        }
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace switchyard::dp
