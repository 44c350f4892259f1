// Dataplane: the switch as a network's gateway (router, NAT table, DHCP
// server) and the slow path the control thread runs for it: punted frames,
// next hops, lease expiry.
#include <algorithm>
#include <ctime>

#include "common/log.h"
#include "datapath/engine/dataplane.h"

namespace switchyard::dp {

bool Dataplane::SyncGateway(NetworkState& n, const NetworkSpec& before, Retired* retired) {
  const NetworkSpec& spec = n.spec;
  if (!spec.gateway || spec.mode == NetworkMode::kBridge) {
    retired->gateway = std::move(n.gateway);
    return true;
  }
  const Ipv4Cidr& a = *spec.gateway;
  const MacKey mac = HostStack::InterfaceMac(a.address.value(), spec.name);
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
  g->address = a.address.value();
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
                  static_cast<uint16_t>(f.outside_port), f.guest_address.value(),
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
    c.server = a.address.value();
    c.prefix = a.length;
    c.range_start = spec.dhcp.range_start->value();
    c.range_end = spec.dhcp.range_end->value();
    c.lease_s = spec.dhcp.lease_s;
    c.leases_per_port = spec.dhcp.leases_per_port;
    for (const Ipv4Address d : spec.dhcp.dns) {
      c.dns.push_back(d.value());
    }
    for (const DhcpHost& h : spec.dhcp.hosts) {
      c.hosts.push_back(DhcpStaticHost{h.mac, h.address.value(), h.hostname});
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

void Dataplane::SendFromSlowPath(PortIndex port, const uint8_t* frame, uint32_t len) {
  if (!slow_path_->Inject(PmdOf(port), port, frame, len)) {
    control_counters().ports[port].drops[static_cast<int>(DropReason::kSlowPathFull)].Add(1);
  }
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

std::vector<LeaseReport> Dataplane::Leases(const std::string& network) const {
  std::vector<LeaseReport> out;
  for (auto& [name, n] : networks_) {
    if ((!network.empty() && name != network) || n.gateway == nullptr ||
        n.gateway->dhcp == nullptr) {
      continue;
    }
    for (const DhcpLease& l : n.gateway->dhcp->Leases()) {
      out.push_back(
          LeaseReport{name, l.mac, Ipv4Address(l.address), l.hostname, l.expires_s, l.is_static});
    }
  }
  return out;
}

void Dataplane::RestoreLeases(const std::vector<LeaseReport>& leases) {
  std::map<std::string, std::vector<DhcpLease>> by_network;
  for (const LeaseReport& l : leases) {
    if (!l.is_static) {
      by_network[l.network].push_back(
          DhcpLease{l.mac, l.address.value(), l.hostname, l.expires_unix_s, false});
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
