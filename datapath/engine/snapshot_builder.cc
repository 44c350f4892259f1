#include "datapath/engine/snapshot_builder.h"

#include <algorithm>
#include <map>
#include <string>

#include "datapath/overlay/tunnel_endpoint.h"

namespace switchyard::dp {

namespace {

// A gateway takes untagged frames only: VLAN 0, native.
VlanPolicy GatewayVlan() {
  VlanSpec v;
  v.trunks = {VlanRange{0, 0}};
  return MakeVlanPolicy(v);
}

// Guests: VMs (vhost-user, tap) and namespaces or containers (kernel
// netdevs). Not guests: the host (internal ports), and what the switch
// adds itself (gateways, tunnel endpoints).
uint8_t PortFlags(const PortSpec& spec) {
  const bool guest = spec.kind != PortKind::kInternal && !spec.IsUplink();
  return static_cast<uint8_t>((guest ? kPortGuest : 0) | (spec.private_port ? kPortPrivate : 0));
}

uint32_t PrefixMask(int length) { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }

const SnapshotPort* FindUplink(const SnapshotModel& model, const std::string& name) {
  for (const SnapshotPort& p : model.ports) {
    if (p.spec->name == name && p.spec->IsUplink()) {
      return &p;
    }
  }
  return nullptr;
}

int PmdOf(const SnapshotModel& model, PortIndex port) { return port % model.pmds; }

}  // namespace

int RxPmdOf(const SnapshotModel& model, const SnapshotPort& port) {
  for (const SnapshotNetwork& n : model.networks) {
    if (n.index == port.network && n.spec->mode == NetworkMode::kNat) {
      if (const SnapshotPort* u = FindUplink(model, n.spec->uplink)) {
        return PmdOf(model, u->index);
      }
    }
  }
  return PmdOf(model, port.index);
}

std::unique_ptr<Snapshot> BuildSnapshot(const SnapshotModel& model) {
  auto next = std::make_unique<Snapshot>();
  next->generation = model.generation;
  next->rx_by_pmd.resize(static_cast<size_t>(model.pmds));
  // Slots point into these: reserved once, so they never move.
  next->tunnel_paths.reserve(kMaxPorts);
  next->uplinks.reserve(kMaxPorts);
  next->gateways.reserve(kMaxNetworks);
  next->guards.reserve(kMaxPorts);
  std::map<std::string, UplinkSlot*> uplinks;
  for (const SnapshotPort& p : model.ports) {
    const PortSpec& spec = *p.spec;
    PortSlot& slot = next->ports[p.index];
    slot = PortSlot{p.port,
                    p.network,
                    nullptr,
                    nullptr,
                    nullptr,
                    PortFlags(spec),
                    MakeVlanPolicy(spec.vlan),
                    spec.mac_limit};
    slot.flood_limit = spec.flood_limit;
    if (p.guard) {
      slot.guard = &next->guards.emplace_back(*p.guard);
    }
    if (spec.IsUplink()) {
      const Interface& a = p.address;
      UplinkSlot& up = next->uplinks.emplace_back();
      up.address = a.address;
      up.prefix_mask = PrefixMask(a.prefix);
      up.gateway = a.gateway;
      up.mac = a.mac;
      up.neighbors = a.cache;
      next->infra_macs.push_back(a.mac);
      slot.underlay = &up;
      uplinks[spec.name] = &up;
    } else {
      next->networks[p.network].members.push_back(p.index);
    }
    next->rx_by_pmd[RxPmdOf(model, p)].push_back(p.index);
  }
  for (const SnapshotNetwork& n : model.networks) {
    const NetworkSpec& spec = *n.spec;
    next->networks[n.index].fdb = n.fdb;
    next->networks[n.index].isolated = spec.mode == NetworkMode::kIsolated;
    if (const std::optional<SnapshotGateway>& g = n.gateway) {
      GatewaySlot& gw = next->gateways.emplace_back();
      gw.network = n.index;
      gw.port = g->index;
      gw.nat = spec.mode == NetworkMode::kNat;
      gw.enabled = spec.HasGateway();
      gw.address = g->address;
      gw.mask = PrefixMask(g->prefix);
      gw.subnet = g->address & gw.mask;
      gw.mac = g->mac;
      gw.neighbors = g->neighbors;
      gw.conns = g->conns;
      gw.forwards = g->forwards;
      gw.guest_limit = spec.NatGuestLimit();
      gw.forward_limit = spec.NatForwardLimit();
      for (const Ipv4Cidr& allowed : spec.underlay_allow) {
        gw.underlay_allow.push_back(AllowedPrefix{allowed.network().value(), allowed.mask()});
      }
      const SnapshotPort* u = FindUplink(model, spec.uplink);
      auto up = uplinks.find(spec.uplink);
      if (u != nullptr && up != uplinks.end() && gw.enabled) {
        gw.outside = spec.nat_address ? spec.nat_address->value() : up->second->address;
        gw.uplink = u->index;
        gw.pmd = static_cast<uint16_t>(PmdOf(model, u->index));
        up->second->gateways.push_back(&gw);
      }
      next->ports[g->index] = PortSlot{g->port, n.index, nullptr, nullptr, &gw, 0, GatewayVlan()};
      next->networks[n.index].members.push_back(g->index);
      next->networks[n.index].gateway_mac = g->mac;
      next->networks[n.index].gateway_port = g->index;
      next->infra_macs.push_back(g->mac);
    }
    if (n.endpoints.empty()) {
      continue;
    }
    const TunnelSpec& t = spec.tunnel;
    const SnapshotPort* u = FindUplink(model, t.uplink);
    auto up = uplinks.find(t.uplink);
    TunnelRoute route{
        t.kind == TunnelKind::kVxlan ? TunnelType::kVxlan : TunnelType::kGre, t.id, n.index, {}};
    for (const SnapshotEndpoint& e : n.endpoints) {
      TunnelPath& path = next->tunnel_paths.emplace_back();
      path.type = route.type;
      path.id = t.id;
      path.udp_port = static_cast<uint16_t>(t.udp_port);
      path.remote_ip = e.port->remote_ip();
      path.next_hop_mac = e.port->next_hop_mac_cell();
      if (u != nullptr) {
        path.local_ip = u->address.address;
        path.local_mac = u->address.mac;
        path.uplink = u->index;
      }
      next->ports[e.index] =
          PortSlot{e.port, n.index, &path, nullptr, nullptr, 0, VlanPolicy::TrunkOfAll()};
      next->networks[n.index].members.push_back(e.index);
      route.endpoints.emplace_back(path.remote_ip, e.index);
    }
    if (up != uplinks.end()) {
      if (route.type == TunnelType::kVxlan) {
        up->second->vxlan_port = static_cast<uint16_t>(t.udp_port);
      }
      up->second->routes.push_back(std::move(route));
    }
  }
  return next;
}

std::unique_ptr<Snapshot> BetweenSnapshot(const Snapshot& current, const Snapshot& next) {
  std::vector<int> polled_by(kMaxPorts, -1);
  for (size_t pmd = 0; pmd < current.rx_by_pmd.size(); ++pmd) {
    for (PortIndex p : current.rx_by_pmd[pmd]) {
      polled_by[p] = static_cast<int>(pmd);
    }
  }
  std::unique_ptr<Snapshot> between;
  for (size_t pmd = 0; pmd < next.rx_by_pmd.size(); ++pmd) {
    for (PortIndex p : next.rx_by_pmd[pmd]) {
      if (polled_by[p] >= 0 && polled_by[p] != static_cast<int>(pmd)) {
        if (!between) {
          between = std::make_unique<Snapshot>(next);  // points into `next`
        }
        auto& list = between->rx_by_pmd[pmd];
        list.erase(std::remove(list.begin(), list.end(), p), list.end());
      }
    }
  }
  for (const GatewaySlot& g : next.gateways) {
    for (const GatewaySlot& was : current.gateways) {
      if (was.conns == g.conns && g.conns != nullptr && was.pmd != g.pmd) {
        if (!between) {
          between = std::make_unique<Snapshot>(next);
        }
        for (GatewaySlot& b : between->gateways) {
          b.pmd = b.conns == g.conns ? kNoPmd : b.pmd;
        }
      }
    }
  }
  return between;
}

}  // namespace switchyard::dp
