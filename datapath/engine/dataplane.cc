#include "datapath/engine/dataplane.h"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <net/if.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "common/log.h"
#include "datapath/engine/snapshot_builder.h"
#include "datapath/ports/internal/internal_device.h"
#include "datapath/ports/kernel_port_factory.h"
#include "datapath/ports/tap/tap_device.h"
#include "datapath/ports/vhost/vhost_user_port.h"

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
  counters_ = std::make_unique<PmdCounters[]>(n + 1);  // the last: the control thread's
  events_ = std::make_unique<EventRing[]>(n);
  slow_path_ = std::make_unique<SlowPath>(n, pool_);
  for (int i = 0; i < n; ++i) {
    pmds_.push_back(std::make_unique<PmdThread>(
        static_cast<uint16_t>(i), eal.pmd_lcores[i], &snapshot_, rcu_.get(), &clock_, &counters_[i],
        &events_[i], pool_, slow_path_.get(), options.idle_sleep_max_us));
  }
  auto* empty = new Snapshot();
  empty->rx_by_pmd.resize(n);
  snapshot_.store(empty, std::memory_order_release);
}

Dataplane::~Dataplane() {
  Stop();
  delete snapshot_.load();
  slow_path_.reset();  // its queued frames go back to the pool first
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

namespace {

std::string LimitText(uint32_t limit) { return limit == 0 ? "none" : std::to_string(limit); }

}  // namespace

void Dataplane::Publish() {
  SnapshotModel model;
  model.generation = ++generation_;
  model.pmds = n_pmds();
  snooped_.clear();  // what this snapshot's guards allow
  for (auto& [name, p] : ports_) {
    SnapshotPort& sp = model.ports.emplace_back();
    sp.spec = &p.spec;
    sp.index = p.index;
    sp.network = p.network;
    sp.port = p.port.get();
    if (p.spec.IsUplink()) {
      sp.address = AddressOf(p);
    }
    if (p.spec.security.Enabled()) {
      sp.guard = GuardOf(p);
      if (p.spec.security.dhcp_snooping) {
        for (uint32_t ip : sp.guard->ipv4) {
          snooped_.emplace_back(p.index, ip);
        }
      }
    }
  }
  for (auto& [name, n] : networks_) {
    SnapshotNetwork& sn = model.networks.emplace_back();
    sn.spec = &n.spec;
    sn.index = n.index;
    sn.fdb = n.fdb.get();
    if (const GatewayState* g = n.gateway.get()) {
      sn.gateway = SnapshotGateway{g->port.get(), g->index,           g->address,     g->prefix,
                                   g->mac,        g->neighbors.get(), g->conns.get(), g->forwards};
    }
    for (const EndpointState& e : n.endpoints) {
      sn.endpoints.push_back(SnapshotEndpoint{e.port.get(), e.index});
    }
  }
  std::sort(snooped_.begin(), snooped_.end());  // as SnoopedBindings() sorts
  std::unique_ptr<Snapshot> next = BuildSnapshot(model);
  std::unique_ptr<Snapshot> between =
      BetweenSnapshot(*snapshot_.load(std::memory_order_acquire), *next);
  if (between) {
    const Snapshot* old = snapshot_.exchange(between.get(), std::memory_order_acq_rel);
    rcu_->Synchronize();
    delete old;
  }
  const Snapshot* old = snapshot_.exchange(next.release(), std::memory_order_acq_rel);
  rcu_->Synchronize();
  if (!between) {
    delete old;  // else it is `between`, freed on the way out
  }
}

Interface Dataplane::AddressOf(const PortState& uplink) {
  const UnderlaySpec& u = uplink.spec.underlay;
  const Ipv4Prefix a = *ParseIpv4Prefix(u.address);
  return Interface{uplink.index,
                   a.address,
                   a.length,
                   u.gateway.empty() ? 0 : *ParseIpv4(u.gateway),
                   HostStack::InterfaceMac(a.address, uplink.spec.name),
                   uplink.neighbors.get()};
}

const Dataplane::PortState* Dataplane::FindUplink(const std::string& name) const {
  auto it = ports_.find(name);
  return it != ports_.end() && it->second.spec.IsUplink() ? &it->second : nullptr;
}

bool Dataplane::SyncEndpoints(NetworkState& n, const TunnelSpec& old_tunnel,
                              std::vector<EndpointState>* gone) {
  const TunnelSpec& t = n.spec.tunnel;
  // Another type, id, port or uplink: every endpoint is another one.
  const bool same_tunnel = t.kind == old_tunnel.kind && t.id == old_tunnel.id &&
                           t.udp_port == old_tunnel.udp_port && t.uplink == old_tunnel.uplink;
  std::vector<uint32_t> wanted;
  if (t.kind != TunnelKind::kNone) {
    for (const std::string& r : t.remotes) {
      wanted.push_back(*ParseIpv4(r));
    }
  }
  auto kept = [&](uint32_t remote) {
    return same_tunnel &&
           std::any_of(n.endpoints.begin(), n.endpoints.end(),
                       [&](const EndpointState& e) { return e.port->remote_ip() == remote; });
  };
  const PortState* uplink = FindUplink(t.uplink);
  std::vector<EndpointState> added;
  for (uint32_t remote : wanted) {
    if (kept(remote)) {
      continue;
    }
    const int slot = TakeSlot(port_slot_used_);
    if (slot < 0) {
      for (const EndpointState& e : added) {  // nothing changes
        port_slot_used_[e.index] = false;
      }
      return false;
    }
    const auto index = static_cast<PortIndex>(slot);
    auto port = std::make_unique<TunnelEndpoint>(
        t.kind == TunnelKind::kVxlan ? TunnelType::kVxlan : TunnelType::kGre, remote);
    port->FollowUplink(uplink != nullptr ? uplink->port.get() : nullptr);
    added.push_back(
        EndpointState{std::move(port), index, SumPort(counters_.get(), n_counters(), index)});
  }
  std::vector<EndpointState> now;
  for (EndpointState& e : n.endpoints) {
    const bool wanted_still =
        same_tunnel && std::find(wanted.begin(), wanted.end(), e.port->remote_ip()) != wanted.end();
    (wanted_still ? now : *gone).push_back(std::move(e));
  }
  for (EndpointState& e : added) {
    now.push_back(std::move(e));
  }
  n.endpoints = std::move(now);
  return true;
}

void Dataplane::FreeEndpoints(NetworkState& n, std::vector<EndpointState> gone) {
  // Called after a Publish without them: no PMD sends to them any more.
  for (EndpointState& e : gone) {
    n.fdb->FlushPort(e.index, true);
    PortTotals t = SumPort(counters_.get(), n_counters(), e.index);
    t -= e.base;
    n.departed += t;
    ReleaseSlot(e.index);
    SY_INFO("network " << n.spec.name << ": tunnel endpoint " << e.port->Name() << " removed");
  }
}

void Dataplane::RefreshInterfaces() {
  std::vector<Interface> interfaces;
  for (auto& [name, p] : ports_) {
    if (p.spec.IsUplink()) {
      Interface a = AddressOf(p);
      // NAT networks' own outside addresses live on their uplink.
      for (auto& [net_name, n] : networks_) {
        if (n.spec.mode == NetworkMode::kNat && n.spec.uplink == name &&
            !n.spec.nat_address.empty()) {
          a.other_addresses.push_back(*ParseIpv4(n.spec.nat_address));
        }
      }
      interfaces.push_back(std::move(a));
    }
  }
  for (auto& [name, n] : networks_) {
    const GatewayState* g = n.gateway.get();
    if (g != nullptr && n.spec.HasGateway()) {
      interfaces.push_back(
          Interface{g->index, g->address, g->prefix, 0, g->mac, g->neighbors.get()});
    }
  }
  host_.SetInterfaces(std::move(interfaces));
}

bool Dataplane::SyncGateway(NetworkState& n, const NetworkSpec& before, Retired* retired) {
  const NetworkSpec& spec = n.spec;
  if (spec.gateway.empty() || spec.mode == NetworkMode::kBridge) {
    retired->gateway = std::move(n.gateway);
    return true;
  }
  const Ipv4Prefix a = *ParseIpv4Prefix(spec.gateway);
  const MacKey mac = HostStack::InterfaceMac(a.address, spec.name);
  GatewayState* g = n.gateway.get();
  if (g == nullptr) {
    const int slot = TakeSlot(port_slot_used_);
    if (slot < 0) {
      return false;
    }
    n.gateway = std::make_unique<GatewayState>();
    g = n.gateway.get();
    g->port = std::make_unique<GatewayPort>();
    g->index = static_cast<PortIndex>(slot);
    g->base = SumPort(counters_.get(), n_counters(), g->index);
    g->neighbors = std::make_unique<NeighborCache>();
  }
  if (g->mac != mac && g->mac != 0) {
    n.fdb->Delete(0, g->mac, /*static_only=*/true);
  }
  g->address = a.address;
  g->prefix = a.length;
  g->mac = mac;
  // Also after an FDB made anew (fdb_max changed).
  PinGatewayMac(n);
  // A new table whenever what its connections were made under changes.
  const bool nat = spec.mode == NetworkMode::kNat;
  const bool same_nat = before.mode == NetworkMode::kNat && before.gateway == spec.gateway &&
                        before.uplink == spec.uplink &&
                        before.nat_max_connections == spec.nat_max_connections &&
                        before.nat_address == spec.nat_address;
  if (!nat || !same_nat || g->conns == nullptr) {
    retired->conns = std::move(g->conns);
    if (nat) {
      g->conns = std::make_unique<ConnTable>(spec.nat_max_connections, kNatGroups);
    }
  }
  // A forward that stays keeps its group (its open connections count
  // against it); a new one takes a group no remaining forward has.
  std::vector<ForwardRule> forwards;
  std::vector<bool> group_used(kNatGroups - kForwardGroups, false);
  for (const PortForward& f : spec.forwards) {
    ForwardRule r{static_cast<uint8_t>(f.proto == ForwardProto::kTcp ? kIpProtoTcp : kIpProtoUdp),
                  static_cast<uint16_t>(f.outside_port), *ParseIpv4(f.guest_address),
                  static_cast<uint16_t>(f.guest_port)};
    for (const ForwardRule& old : g->forwards) {
      if (old.proto == r.proto && old.outside_port == r.outside_port && old.group != kNoNatGroup) {
        r.group = old.group;
        group_used[old.group - kForwardGroups] = true;
      }
    }
    forwards.push_back(r);
  }
  for (ForwardRule& r : forwards) {
    if (r.group == kNoNatGroup) {
      const auto free = std::find(group_used.begin(), group_used.end(), false);
      *free = true;
      r.group = static_cast<uint16_t>(kForwardGroups + (free - group_used.begin()));
    }
  }
  g->forwards = std::move(forwards);
  if (!spec.dhcp.Enabled()) {
    g->dhcp.reset();
  } else {
    DhcpConfig c;
    c.server_mac = mac;
    c.server = a.address;
    c.prefix = a.length;
    c.range_start = *ParseIpv4(spec.dhcp.range_start);
    c.range_end = *ParseIpv4(spec.dhcp.range_end);
    c.lease_s = spec.dhcp.lease_s;
    c.leases_per_port = spec.dhcp.leases_per_port;
    for (const std::string& d : spec.dhcp.dns) {
      c.dns.push_back(*ParseIpv4(d));
    }
    for (const DhcpHost& h : spec.dhcp.hosts) {
      c.hosts.push_back(DhcpStaticHost{*ParseMac(h.mac), *ParseIpv4(h.address), h.hostname});
    }
    if (g->dhcp == nullptr) {
      g->dhcp = std::make_unique<DhcpServer>(std::move(c));
    } else {
      g->dhcp->Configure(std::move(c));
    }
  }
  return true;
}

void Dataplane::FreeRetired(NetworkState* n, Retired retired) {
  // Called after a Publish without them: no PMD routes through them any more.
  if (retired.gateway != nullptr) {
    GatewayState& g = *retired.gateway;
    if (n != nullptr) {
      n->fdb->FlushPort(g.index, true);
      PortTotals t = SumPort(counters_.get(), n_counters(), g.index);
      t -= g.base;
      n->departed += t;
    }
    ReleaseSlot(g.index);
  }
}

PortGuard Dataplane::GuardOf(const PortState& p) {
  const PortSecuritySpec& spec = p.spec.security;
  PortGuard g;
  for (const std::string& mac : spec.macs) {
    g.macs.push_back(*ParseMac(mac));  // validated
  }
  for (const std::string& ip : spec.ipv4) {
    g.ipv4.push_back(*ParseIpv4(ip));
  }
  const NetworkState* n = FindNetwork(p.network);
  if (spec.dhcp_snooping && n != nullptr && n->gateway != nullptr && n->gateway->dhcp != nullptr) {
    for (const DhcpLease& lease : n->gateway->dhcp->Leases()) {
      if (g.AllowsMac(lease.mac) && !g.AllowsIpv4(lease.address)) {
        g.ipv4.push_back(lease.address);
      }
    }
  }
  return g;
}

std::vector<std::pair<PortIndex, uint32_t>> Dataplane::SnoopedBindings() {
  std::vector<std::pair<PortIndex, uint32_t>> out;
  for (const auto& [name, p] : ports_) {
    if (p.spec.security.dhcp_snooping) {
      for (uint32_t ip : GuardOf(p).ipv4) {
        out.emplace_back(p.index, ip);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Dataplane::PinGatewayMac(NetworkState& n) {
  // The bridge finds the gateway through the snapshot, never the FDB
  // (NetworkSlot::gateway_mac); the entry shows it in `fdb show`.
  const GatewayState* g = n.gateway.get();
  return g != nullptr && n.fdb->Lookup(0, g->mac) != g->index &&
         n.fdb->AddStatic(0, g->mac, g->index, clock_.Seconds());
}

Dataplane::GatewayState* Dataplane::GatewayAt(PortIndex port) {
  for (auto& [name, n] : networks_) {
    if (n.gateway != nullptr && n.gateway->index == port) {
      return n.gateway.get();
    }
  }
  return nullptr;
}

Status Dataplane::AddNetwork(const NetworkSpec& spec) {
  const int slot = TakeSlot(network_slot_used_);
  if (slot < 0) {
    return Status(StatusCode::kResourceExhausted,
                  "network: limit of " + std::to_string(kMaxNetworks) + " networks reached");
  }
  NetworkState n{spec,
                 static_cast<NetworkIndex>(slot),
                 std::make_unique<Fdb>(spec.fdb_max),
                 SumNetwork(counters_.get(), n_counters(), static_cast<NetworkIndex>(slot)),
                 0,
                 PortTotals{},
                 {},
                 nullptr};
  NetworkState& added = networks_.emplace(spec.name, std::move(n)).first->second;
  std::vector<EndpointState> none;  // a new network has no old endpoints
  if (!SyncEndpoints(added, TunnelSpec{}, &none)) {
    networks_.erase(spec.name);
    network_slot_used_[slot] = false;
    return Status(StatusCode::kResourceExhausted,
                  "network.tunnel.remotes: no port slots left for the endpoints");
  }
  Retired unused;  // a new network replaces nothing
  if (!SyncGateway(added, NetworkSpec{}, &unused)) {
    networks_.erase(spec.name);
    network_slot_used_[slot] = false;
    return Status(StatusCode::kResourceExhausted, "network.gateway: no port slot left for it");
  }
  RefreshInterfaces();
  Commit();
  SY_INFO("network " << spec.name << ": created (fdb aging " << spec.fdb_aging_s << " s, max "
                     << spec.fdb_max << " entries"
                     << (spec.tunnel.kind == TunnelKind::kNone
                             ? ""
                             : ", tunnel over " + spec.tunnel.uplink)
                     << ", mode " << NetworkModeName(spec.mode)
                     << (spec.gateway.empty() ? "" : ", gateway " + spec.gateway) << ")");
  return Status::Ok();
}

Status Dataplane::UpdateNetwork(const NetworkSpec& spec) {
  auto it = networks_.find(spec.name);
  if (it == networks_.end()) {
    return Status(StatusCode::kNotFound, "network.name: '" + spec.name + "' does not exist");
  }
  NetworkState& n = it->second;
  const NetworkSpec before = n.spec;
  n.spec = spec;
  std::unique_ptr<Fdb> old_fdb;
  if (spec.fdb_max != before.fdb_max) {
    old_fdb = std::exchange(n.fdb, std::make_unique<Fdb>(spec.fdb_max));
  }
  // The gateway first: it fails only before changing anything. A network
  // has a tunnel or a gateway, never both, so the endpoints, should they
  // fail, have only the gateway's removal to undo.
  Retired retired;
  if (!SyncGateway(n, before, &retired)) {
    n.spec = before;
    if (old_fdb) {
      n.fdb = std::move(old_fdb);
    }
    return Status(StatusCode::kResourceExhausted, "network.gateway: no port slot left for it");
  }
  std::vector<EndpointState> gone;
  if (!SyncEndpoints(n, before.tunnel, &gone)) {
    n.spec = before;
    n.gateway = std::move(retired.gateway);
    if (old_fdb) {
      n.fdb = std::move(old_fdb);
    }
    return Status(StatusCode::kResourceExhausted,
                  "network.tunnel.remotes: no port slots left for the endpoints");
  }
  const bool new_tunnel = !(spec.tunnel == before.tunnel);
  const bool free_old_fdb = old_fdb != nullptr;
  const bool new_gateway = spec.mode != before.mode || spec.gateway != before.gateway ||
                           spec.uplink != before.uplink || !(spec.forwards == before.forwards) ||
                           spec.nat_max_connections != before.nat_max_connections ||
                           spec.nat_max_per_guest != before.nat_max_per_guest ||
                           spec.nat_max_per_forward != before.nat_max_per_forward ||
                           spec.nat_address != before.nat_address ||
                           spec.underlay_allow != before.underlay_allow;
  if (new_gateway) {
    RefreshInterfaces();
  }
  // One grace period for all of it: the new routes, paths and FDB are in,
  // and no PMD sends to the old endpoints or uses the old FDB any more.
  auto gone_endpoints = std::make_shared<std::vector<EndpointState>>(std::move(gone));
  auto gone_gateway = std::make_shared<Retired>(std::move(retired));
  std::shared_ptr<Fdb> gone_fdb(std::move(old_fdb));
  auto free_old = [this, name = spec.name, gone_endpoints, gone_gateway, gone_fdb] {
    NetworkState& net = networks_.at(name);
    FreeEndpoints(net, std::move(*gone_endpoints));
    FreeRetired(&net, std::move(*gone_gateway));
  };
  if (new_tunnel || free_old_fdb || new_gateway) {
    Commit(std::move(free_old));
  } else {
    free_old();  // nothing to wait for: nothing went
  }
  if (new_gateway) {
    SY_INFO("network " << spec.name << ": mode " << NetworkModeName(spec.mode)
                       << (spec.gateway.empty() ? "" : ", gateway " + spec.gateway)
                       << (spec.uplink.empty() ? "" : " over " + spec.uplink));
  }
  if (new_tunnel) {
    SY_INFO("network " << spec.name << ": tunnel "
                       << (spec.tunnel.kind == TunnelKind::kNone
                               ? "removed"
                               : "now over " + spec.tunnel.uplink + " to " +
                                     std::to_string(spec.tunnel.remotes.size()) + " remote(s)"));
  }
  if (free_old_fdb) {
    SY_INFO("network " << spec.name << ": fdb_max now " << spec.fdb_max << ", FDB relearned");
  }
  return Status::Ok();
}

Status Dataplane::RemoveNetwork(const std::string& name) {
  auto it = networks_.find(name);
  if (it == networks_.end()) {
    return Status(StatusCode::kNotFound, "network.name: '" + name + "' does not exist");
  }
  auto gone = std::make_shared<NetworkState>(std::move(it->second));
  networks_.erase(it);
  RefreshInterfaces();
  Commit([this, gone] {
    FreeEndpoints(*gone, std::move(gone->endpoints));
    FreeRetired(nullptr, Retired{std::move(gone->gateway), nullptr});
    network_slot_used_[gone->index] = false;
  });
  SY_INFO("network " << name << ": removed");
  return Status::Ok();
}

Status Dataplane::AddPort(const PortSpec& spec, bool restoring) {
  auto net = networks_.find(spec.network);
  if (!spec.IsUplink() && net == networks_.end()) {
    return Status(StatusCode::kNotFound, "port.network: '" + spec.network + "' does not exist");
  }
  const int slot = TakeSlot(port_slot_used_);
  if (slot < 0) {
    return Status(StatusCode::kResourceExhausted,
                  "port: limit of " + std::to_string(kMaxPorts) + " ports reached");
  }
  std::unique_ptr<Port> port;
  Status made;
  if (!IsVhost(spec.kind)) {
    // tap and internal ports make their netdev first, then attach to it.
    std::unique_ptr<KernelDevice> device;
    std::string attach_to = spec.netdev;
    const KernelDriver driver = PreferredDriver(spec);
    if (spec.kind == PortKind::kTap) {
      std::unique_ptr<TapDevice> tap;
      made = TapDevice::Create(TapConfig{spec.netdev, spec.tap_owner_uid, spec.mtu,
                                         spec.tap_multi_queue, spec.tap_adopt, restoring},
                               &tap);
      device = std::move(tap);
    } else if (spec.kind == PortKind::kInternal) {
      std::unique_ptr<InternalDevice> internal;
      made = InternalDevice::Create(
          InternalConfig{spec.netdev, spec.addresses, spec.mtu, driver != KernelDriver::kAfXdp},
          &internal);
      device = std::move(internal);
      attach_to = InternalDevice::SwitchEnd(spec.netdev);
    }
    std::unique_ptr<KernelNetdevPort> kernel;
    if (made.ok()) {
      made = OpenKernelPort(spec.name, attach_to, driver, pool_, &kernel);
    }
    if (made.ok()) {
      kernel->TakeDevice(std::move(device));
    }
    port = std::move(kernel);
  } else {
    std::unique_ptr<VhostUserPort> vhost;
    VhostUserConfig config{spec.socket_path, spec.kind == PortKind::kVhostClient,
                           options_.vhost_socket_gid};
    made = VhostUserPort::Create(spec.name, config, pool_, rcu_.get(), &vhost);
    port = std::move(vhost);
  }
  if (!made.ok()) {
    port_slot_used_[slot] = false;
    return made;
  }
  const auto index = static_cast<PortIndex>(slot);
  PortState p{spec,
              index,
              spec.IsUplink() ? kInvalidNetwork : net->second.index,
              std::move(port),
              SumPort(counters_.get(), n_counters(), index),
              PortTotals{},
              spec.IsUplink() ? std::make_unique<NeighborCache>() : nullptr};
  ports_.emplace(spec.name, std::move(p));
  if (spec.IsUplink()) {
    RefreshInterfaces();
  }
  Commit([this, uplink = spec.IsUplink()] {
    if (uplink) {
      PollPorts();  // endpoints on it follow its link and MTU at once
    }
  });
  if (spec.IsUplink()) {
    SY_INFO("port " << spec.name << ": uplink with underlay address " << spec.underlay.address
                    << ", MAC " << MacToString(AddressOf(ports_.at(spec.name)).mac));
  }
  return Status::Ok();
}

Status Dataplane::RemovePort(const std::string& name) {
  auto it = ports_.find(name);
  if (it == ports_.end()) {
    return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
  }
  auto gone = std::make_shared<PortState>(std::move(it->second));
  ports_.erase(it);
  if (gone->spec.IsUplink()) {
    RefreshInterfaces();
  }
  // Once no PMD polls, learns on or sends to the port.
  Commit([this, gone] {
    if (NetworkState* n = FindNetwork(gone->network)) {
      n->fdb->FlushPort(gone->index, true);
      n->departed += NetworkShareOf(*gone);
    }
    gone->port.reset();  // closes the socket; a connected guest sees it go
    ReleaseSlot(gone->index);
    if (gone->spec.IsUplink()) {
      PollPorts();  // its endpoints go down
    }
    SY_INFO("port " << gone->spec.name << ": closed");
  });
  return Status::Ok();
}

Status Dataplane::MovePort(const std::string& name, const std::string& network) {
  auto it = ports_.find(name);
  if (it == ports_.end()) {
    return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
  }
  auto net = networks_.find(network);
  if (net == networks_.end()) {
    return Status(StatusCode::kNotFound, "port.network: '" + network + "' does not exist");
  }
  PortState& p = it->second;
  if (p.spec.IsUplink()) {
    return Status(StatusCode::kInvalidArgument,
                  "port.network: '" + name + "' is an uplink and belongs to no network");
  }
  if (p.network == net->second.index) {
    return Status::Ok();
  }
  const NetworkIndex was = p.network;
  p.network = net->second.index;
  p.spec.network = network;
  // Once no PMD learns on the old network for this port any more.
  Commit([this, was, name] {
    NetworkState* old = FindNetwork(was);
    auto moved = ports_.find(name);
    if (old != nullptr && moved != ports_.end()) {
      PortState& mp = moved->second;
      old->fdb->FlushPort(mp.index, true);
      // Counters so far stay with the network they were made in.
      old->departed += NetworkShareOf(mp);
      mp.net_base = PortCountersOf(mp);
    }
  });
  SY_INFO("port " << name << ": moved to network " << network);
  return Status::Ok();
}

Status Dataplane::SetPortVlan(const std::string& name, const VlanSpec& vlan) {
  auto it = ports_.find(name);
  if (it == ports_.end()) {
    return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
  }
  PortState& p = it->second;
  if (p.spec.vlan == vlan) {
    return Status::Ok();
  }
  if (p.spec.IsUplink()) {
    return Status(StatusCode::kInvalidArgument,
                  "port.vlan: '" + name + "' is an uplink; it carries tunnels untagged");
  }
  p.spec.vlan = vlan;
  // Once PMDs learn and forward by the new VLANs.
  Commit([this, network = p.network, index = p.index] {
    if (NetworkState* net = FindNetwork(network)) {
      net->fdb->FlushPort(index, false);
    }
  });
  SY_INFO("port " << name << ": vlan " << FormatVlan(vlan));
  return Status::Ok();
}

Status Dataplane::SetPortFences(const std::string& name, const PortSpec& fences) {
  auto it = ports_.find(name);
  if (it == ports_.end()) {
    return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
  }
  PortState& p = it->second;
  PortSpec next = p.spec;
  next.private_port = fences.private_port;
  next.mac_limit = fences.mac_limit;
  next.security = fences.security;
  next.flood_limit = fences.flood_limit;
  if (next == p.spec) {
    return Status::Ok();
  }
  p.spec = std::move(next);
  Commit();  // the next burst obeys it
  const PortSecuritySpec& security = p.spec.security;
  SY_INFO("port " << name << ": " << (p.spec.private_port ? "private" : "not private")
                  << ", mac limit " << LimitText(p.spec.mac_limit) << ", flood limit "
                  << LimitText(p.spec.flood_limit) << "/s, port security "
                  << (security.Enabled()
                          ? std::to_string(security.macs.size()) + " MAC(s), " +
                                std::to_string(security.ipv4.size()) + " address(es)" +
                                (security.dhcp_snooping ? ", DHCP snooping" : "")
                          : std::string("off")));
  return Status::Ok();
}

Status Dataplane::SetPortUnderlay(const std::string& name, const UnderlaySpec& underlay) {
  auto it = ports_.find(name);
  if (it == ports_.end()) {
    return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
  }
  PortState& p = it->second;
  if (!p.spec.IsUplink() || underlay.address.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "port.underlay: '" + name +
                      "' would change between uplink and network port; delete and add it");
  }
  if (p.spec.underlay == underlay) {
    return Status::Ok();
  }
  p.spec.underlay = underlay;
  RefreshInterfaces();
  Commit();
  SY_INFO("port " << name << ": underlay address " << underlay.address
                  << (underlay.gateway.empty() ? "" : " gateway " + underlay.gateway));
  return Status::Ok();
}

Status Dataplane::PinStaticMac(const StaticMac& m) {
  auto net = networks_.find(m.network);
  auto p = ports_.find(m.port);
  if (net == networks_.end() || p == ports_.end()) {
    return Status(StatusCode::kNotFound,
                  "static MAC " + StaticMacName(m) + ": port '" + m.port + "' is not running");
  }
  if (!net->second.fdb->AddStatic(static_cast<uint16_t>(m.vlan), m.mac, p->second.index,
                                  clock_.Seconds())) {
    return Status(StatusCode::kResourceExhausted, "network '" + m.network + "': FDB is full (" +
                                                      std::to_string(net->second.spec.fdb_max) +
                                                      " entries)");
  }
  return Status::Ok();
}

void Dataplane::UnpinStaticMac(const StaticMac& m) {
  if (auto net = networks_.find(m.network); net != networks_.end()) {
    net->second.fdb->Delete(static_cast<uint16_t>(m.vlan), m.mac, /*static_only=*/true);
  }
}

Status Dataplane::FlushFdb(const std::string& network, const std::string& port, bool include_static,
                           size_t* flushed) {
  auto net = networks_.find(network);
  if (net == networks_.end()) {
    return Status(StatusCode::kNotFound, "network: '" + network + "' does not exist");
  }
  if (port.empty()) {
    *flushed = net->second.fdb->FlushAll(include_static);
    if (include_static && PinGatewayMac(net->second)) {
      --*flushed;  // it is back: as far as anyone can see, it never left
    }
    return Status::Ok();
  }
  auto p = ports_.find(port);
  if (p == ports_.end() || p->second.network != net->second.index) {
    return Status(StatusCode::kNotFound,
                  "port: '" + port + "' is not a port of network '" + network + "'");
  }
  *flushed = net->second.fdb->FlushPort(p->second.index, include_static);
  return Status::Ok();
}

void Dataplane::PollPorts() {
  for (auto& [name, p] : ports_) {
    p.port->PollControl();
    // A kernel netdev that was deleted and has come back (a container
    // restarted) is attached again: same port, slot and counters. TAP and
    // internal devices are the switch's own and are not made again here.
    if (p.spec.kind == PortKind::kKernel && p.port->Vanished() &&
        if_nametoindex(p.spec.netdev.c_str()) != 0) {
      std::unique_ptr<KernelNetdevPort> fresh;
      if (!OpenKernelPort(name, p.spec.netdev, p.spec.driver, pool_, &fresh).ok()) {
        continue;  // tried again on the next poll
      }
      fresh->ContinueLinkCounts(p.port->Info());
      fresh->PollControl();
      std::unique_ptr<Port> old = std::exchange(p.port, std::move(fresh));
      Publish();  // no PMD touches the old socket after this
      old.reset();
      SY_INFO("port " << name << ": netdev " << p.spec.netdev << " came back, attached again");
    }
  }
  for (auto& [name, n] : networks_) {
    const PortState* u = FindUplink(n.spec.tunnel.uplink);
    for (EndpointState& e : n.endpoints) {
      e.port->FollowUplink(u != nullptr ? u->port.get() : nullptr);
    }
  }
}

void Dataplane::SendFromSlowPath(PortIndex port, const uint8_t* frame, uint32_t len) {
  if (!slow_path_->Inject(PmdOf(port), port, frame, len)) {
    control_counters().ports[port].drops[static_cast<int>(DropReason::kSlowPathFull)].Add(1);
  }
}

void Dataplane::ReleaseSlot(PortIndex index) {
  // Called after a Publish without the slot's port. Frames on their way to
  // it (waiting to be injected) or from it (punted) are settled while the
  // slot is empty, so none reaches the port that takes the slot next: the
  // PMDs send injected frames by the snapshot (the slot has nothing), and
  // punted ones find no interface or gateway at the slot. Each grace period
  // sees every PMD take a burst of its inject ring.
  for (int i = 0; i < kSettleRounds && slow_path_->InjectedPending() > 0; ++i) {
    rcu_->Synchronize();
  }
  HandlePunted(clock_.Milliseconds(), static_cast<uint64_t>(time(nullptr)));
  for (auto& [name, n] : networks_) {  // the slot's next port starts afresh
    if (n.gateway != nullptr && n.gateway->dhcp != nullptr) {
      n.gateway->dhcp->ForgetPort(index);
    }
  }
  port_slot_used_[index] = false;
}

void Dataplane::HandlePunted(uint64_t now_ms, uint64_t now_unix) {
  auto send = [this](PortIndex port, const uint8_t* frame, uint32_t len) {
    SendFromSlowPath(port, frame, len);
  };
  std::vector<uint8_t> reply;
  slow_path_->DrainPunted([&](const PuntTag& tag, const uint8_t* frame, uint32_t len) {
    if (tag.kind == PuntKind::kResolve) {
      host_.Resolve(tag.port, tag.next_hop, frame, len, now_ms, send);
      return;
    }
    if (GatewayState* g = GatewayAt(tag.port); g != nullptr && g->dhcp != nullptr) {
      reply.clear();
      if (g->dhcp->Handle(frame, len, tag.ingress, now_unix, &reply)) {
        if (!reply.empty()) {
          send(tag.port, reply.data(), static_cast<uint32_t>(reply.size()));
        }
        return;
      }
    }
    host_.HandleFrame(tag.port, frame, len, now_ms, send);
  });
}

void Dataplane::ServiceSlowPath() {
  const uint64_t now_ms = clock_.Milliseconds();
  const uint64_t now_unix = static_cast<uint64_t>(time(nullptr));
  auto send = [this](PortIndex port, const uint8_t* frame, uint32_t len) {
    SendFromSlowPath(port, frame, len);
  };
  HandlePunted(now_ms, now_unix);
  // wanted[i]: the (uplink, next hop) whose MAC endpoint asking[i] needs.
  std::vector<std::pair<PortIndex, uint32_t>> wanted;
  std::vector<TunnelEndpoint*> asking;
  for (auto& [name, n] : networks_) {
    const PortState* u = FindUplink(n.spec.tunnel.uplink);
    const Interface a = u != nullptr ? AddressOf(*u) : Interface{};
    for (EndpointState& e : n.endpoints) {
      if (u == nullptr) {
        e.port->set_next_hop_mac(0);
        continue;
      }
      wanted.emplace_back(u->index, HostStack::NextHop(a, e.port->remote_ip()));
      asking.push_back(e.port.get());
    }
  }
  host_.Tick(wanted, now_ms, send);
  for (size_t i = 0; i < asking.size(); ++i) {
    asking[i]->set_next_hop_mac(host_.Lookup(wanted[i].first, wanted[i].second));
  }
  // Leases: expired ones go once a second; any change is news for the store.
  const bool expire = now_ms - dhcp_expired_ms_ >= 1000;
  uint64_t generations = 0;
  for (auto& [name, n] : networks_) {
    if (n.gateway != nullptr && n.gateway->dhcp != nullptr) {
      if (expire) {
        n.gateway->dhcp->Expire(now_unix);
      }
      generations += n.gateway->dhcp->generation();
    }
  }
  if (expire) {
    dhcp_expired_ms_ = now_ms;
  }
  if (generations != dhcp_generations_) {
    dhcp_generations_ = generations;
    ++lease_generation_;
    // DHCP snooping: a lease made or ended binds or unbinds an address of
    // a guarded port. Renewals change nothing and cost no grace period.
    if (SnoopedBindings() != snooped_) {
      Publish();
    }
  }
}

void Dataplane::Tick(const std::function<void(const MacEvent&)>& on_aged) {
  const uint32_t now = clock_.Seconds();
  for (auto& [name, n] : networks_) {
    const std::string& net_name = name;
    n.aged += n.fdb->Age(now, n.spec.fdb_aging_s, [&](const Fdb::Entry& e) {
      if (on_aged) {
        on_aged(MacEvent{MacEvent::Type::kAged, net_name, PortName(e.port), "", e.mac, e.vlan});
      }
    });
  }
}

void Dataplane::DrainEvents(const std::function<void(const MacEvent&)>& fn) {
  for (int i = 0; i < n_pmds(); ++i) {
    events_[i].Drain([&](const DpEvent& e) {
      NetworkState* n = FindNetwork(e.network);
      const std::string port = PortName(e.port);
      if (n == nullptr || port.empty()) {
        return;  // gone since: nothing left to tell
      }
      const bool moved = e.type == DpEvent::Type::kMacMoved;
      const MacEvent::Type type = moved                                ? MacEvent::Type::kMoved
                                  : e.type == DpEvent::Type::kMacLimit ? MacEvent::Type::kLimit
                                                                       : MacEvent::Type::kLearned;
      fn(MacEvent{type, n->spec.name, port, moved ? PortName(e.previous_port) : "", e.mac, e.vlan});
    });
  }
}

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

PortTotals Dataplane::PortCountersOf(const PortState& p) const {
  PortTotals t = SumPort(counters_.get(), n_counters(), p.index);
  t -= p.base;
  return t;
}

PortTotals Dataplane::NetworkShareOf(const PortState& p) const {
  PortTotals t = PortCountersOf(p);
  t -= p.net_base;
  return t;
}

Dataplane::NetworkState* Dataplane::FindNetwork(NetworkIndex index) {
  for (auto& [name, n] : networks_) {
    if (n.index == index) {
      return &n;
    }
  }
  return nullptr;
}

std::string Dataplane::PortName(PortIndex index) const {
  if (const PortState* p = FindPort(index)) {
    return p->spec.name;
  }
  for (auto& [name, n] : networks_) {
    for (const EndpointState& e : n.endpoints) {
      if (e.index == index) {
        return e.port->Name();
      }
    }
    if (n.gateway != nullptr && n.gateway->index == index) {
      return "gateway";
    }
  }
  return "";
}

const Dataplane::PortState* Dataplane::FindPort(PortIndex index) const {
  for (auto& [name, p] : ports_) {
    if (p.index == index) {
      return &p;
    }
  }
  return nullptr;
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

namespace switchyard::dp {

std::vector<LeaseReport> Dataplane::Leases(const std::string& network) const {
  std::vector<LeaseReport> out;
  for (auto& [name, n] : networks_) {
    if ((!network.empty() && name != network) || n.gateway == nullptr ||
        n.gateway->dhcp == nullptr) {
      continue;
    }
    for (const DhcpLease& l : n.gateway->dhcp->Leases()) {
      out.push_back(
          LeaseReport{name, l.mac, Ipv4ToString(l.address), l.hostname, l.expires_s, l.is_static});
    }
  }
  return out;
}

void Dataplane::RestoreLeases(const std::vector<LeaseReport>& leases) {
  std::map<std::string, std::vector<DhcpLease>> by_network;
  for (const LeaseReport& l : leases) {
    const std::optional<uint32_t> address = ParseIpv4(l.address);
    if (address && !l.is_static) {
      by_network[l.network].push_back(
          DhcpLease{l.mac, *address, l.hostname, l.expires_unix_s, false});
    }
  }
  const uint64_t now_unix = static_cast<uint64_t>(time(nullptr));
  for (auto& [name, list] : by_network) {
    auto it = networks_.find(name);
    if (it != networks_.end() && it->second.gateway != nullptr &&
        it->second.gateway->dhcp != nullptr) {
      it->second.gateway->dhcp->Restore(list, now_unix);
    }
  }
}

}  // namespace switchyard::dp
