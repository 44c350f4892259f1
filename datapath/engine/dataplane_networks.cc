// Dataplane: networks, their FDBs, and the remote endpoints of their
// overlay tunnels.
#include <algorithm>

#include "common/log.h"
#include "datapath/engine/dataplane.h"

namespace switchyard::dp {

bool Dataplane::SyncEndpoints(NetworkState& n, const TunnelSpec& old_tunnel,
                              std::vector<EndpointState>* gone) {
  const TunnelSpec& t = n.spec.tunnel;
  // Another type, id, port or uplink: every endpoint is another one.
  const bool same_tunnel = t.kind == old_tunnel.kind && t.id == old_tunnel.id &&
                           t.udp_port == old_tunnel.udp_port && t.uplink == old_tunnel.uplink;
  std::vector<uint32_t> wanted;
  if (t.kind != TunnelKind::kNone) {
    for (const Ipv4Address r : t.remotes) {
      wanted.push_back(r.value());
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
                     << (spec.gateway ? ", gateway " + spec.gateway->ToString() : "") << ")");
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
                       << (spec.gateway ? ", gateway " + spec.gateway->ToString() : "")
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

}  // namespace switchyard::dp
