#include "datapath/engine/plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "datapath/core/vlan.h"
#include "datapath/gateway/host_stack.h"

namespace switchyard::dp {

size_t Plan::refused() const {
  return static_cast<size_t>(std::count_if(changes.begin(), changes.end(),
                                           [](const Change& c) { return !c.refusal.ok(); }));
}

Status Plan::Verdict() const {
  const size_t n = refused();
  for (const Change& c : changes) {
    if (!c.refusal.ok()) {
      return n == 1 ? c.refusal
                    : Status(c.refusal.code(), c.refusal.message() + " (and " +
                                                   std::to_string(n - 1) + " more refusal(s))");
    }
  }
  return Status::Ok();
}

const Change* Plan::Find(ObjectKind kind, const std::string& name) const {
  for (const Change& c : changes) {
    if (c.kind == kind && c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

bool IsInfraMac(const DesiredState& state, MacKey mac) {
  for (const NetworkSpec& n : state.networks) {
    // A gateway exists, on or off, while the spec names its address.
    if (n.mode != NetworkMode::kBridge && n.gateway &&
        HostStack::InterfaceMac(n.gateway->address.value(), n.name) == mac) {
      return true;
    }
  }
  for (const PortSpec& p : state.ports) {
    if (p.IsUplink() &&
        HostStack::InterfaceMac(p.underlay.address->address.value(), p.name) == mac) {
      return true;
    }
  }
  return false;
}

namespace {

template <typename T>
std::map<std::string, const T*> ByName(const std::vector<T>& list,
                                       std::vector<std::string>* twice) {
  std::map<std::string, const T*> out;
  for (const T& item : list) {
    if (!out.emplace(item.name, &item).second) {
      twice->push_back(item.name);
    }
  }
  return out;
}

std::map<std::string, const StaticMac*> MacsByName(const std::vector<StaticMac>& list,
                                                   std::vector<std::string>* twice) {
  std::map<std::string, const StaticMac*> out;
  for (const StaticMac& m : list) {
    if (!out.emplace(StaticMacName(m), &m).second) {
      twice->push_back(StaticMacName(m));
    }
  }
  return out;
}

// The checks of one state against itself; every message names the field.
class Checker {
 public:
  Checker(const DesiredState& running, const DesiredState& next) : next_(next) {
    for (const PortSpec& p : running.ports) {
      was_ports_.emplace(p.name);
    }
    for (const NetworkSpec& n : next.networks) {
      networks_.emplace(n.name, &n);
    }
    for (const PortSpec& p : next.ports) {
      ports_.emplace(p.name, &p);
    }
  }

  const PortSpec* Port(const std::string& name) const {
    auto it = ports_.find(name);
    return it != ports_.end() ? it->second : nullptr;
  }
  const NetworkSpec* Network(const std::string& name) const {
    auto it = networks_.find(name);
    return it != networks_.end() ? it->second : nullptr;
  }

  Status Uplink(const std::string& field, const std::string& name) const {
    const PortSpec* port = Port(name);
    if (port == nullptr && was_ports_.count(name) != 0) {
      return Status::Ok();  // its deletion is refused instead
    }
    if (port == nullptr) {
      return Status(StatusCode::kNotFound, field + ": port '" + name + "' does not exist");
    }
    if (!port->IsUplink()) {
      return Status(
          StatusCode::kFailedPrecondition,
          field + ": port '" + name + "' has no underlay address (Port.underlay); it is no uplink");
    }
    return Status::Ok();
  }

  // What a network relies on besides its own spec: its uplinks, a tunnel
  // that no other network's clashes with, an outside address of its own.
  Status NetworkReferences(const NetworkSpec& spec) const {
    if (spec.tunnel.kind != TunnelKind::kNone) {
      if (Status s = Uplink("network.tunnel.uplink", spec.tunnel.uplink); !s.ok()) {
        return s;
      }
    }
    if (spec.HasGateway()) {
      if (Status s = Uplink("network.uplink", spec.uplink); !s.ok()) {
        return s;
      }
    }
    if (Status s = TunnelClash(spec); !s.ok()) {
      return s;
    }
    return NatAddress(spec);
  }

  Status TunnelClash(const NetworkSpec& spec) const {
    const TunnelSpec& t = spec.tunnel;
    if (t.kind == TunnelKind::kNone) {
      return Status::Ok();
    }
    for (const NetworkSpec& n : next_.networks) {
      const TunnelSpec& o = n.tunnel;
      if (n.name == spec.name || o.kind == TunnelKind::kNone || o.uplink != t.uplink) {
        continue;
      }
      if (o.kind == t.kind && o.id == t.id) {
        return Status(StatusCode::kAlreadyExists,
                      "network.tunnel.id: network '" + n.name + "' uses " +
                          (t.kind == TunnelKind::kVxlan ? "VNI " : "GRE key ") +
                          std::to_string(t.id) + " on uplink " + t.uplink + " already");
      }
      if (o.kind == TunnelKind::kVxlan && t.kind == TunnelKind::kVxlan &&
          o.udp_port != t.udp_port) {
        return Status(StatusCode::kInvalidArgument, "network.tunnel.udp_port: uplink " + t.uplink +
                                                        " takes VXLAN on port " +
                                                        std::to_string(o.udp_port) + " (network '" +
                                                        n.name + "'); one port per uplink");
      }
    }
    return Status::Ok();
  }

  // Replies to a NAT network's own address must find its connections and
  // no other's: neither the uplink's own address nor another network's.
  Status NatAddress(const NetworkSpec& spec) const {
    if (!spec.nat_address) {
      return Status::Ok();
    }
    const Ipv4Address address = *spec.nat_address;
    if (const PortSpec* up = Port(spec.uplink);
        up != nullptr && up->IsUplink() && up->underlay.address->address == address) {
      return Status(StatusCode::kInvalidArgument,
                    "network.nat_address: " + address.ToString() + " is the uplink " + spec.uplink +
                        "'s own address; leave nat_address empty to use it");
    }
    for (const NetworkSpec& n : next_.networks) {
      if (n.name != spec.name && n.nat_address == address) {
        return Status(StatusCode::kAlreadyExists, "network.nat_address: " + address.ToString() +
                                                      " is network " + n.name + "'s already");
      }
    }
    return Status::Ok();
  }

  // Why `spec` may not replace `old` (nullptr: a new port), if it may not.
  // `network_was`: its network is in the running state (a network being
  // deleted under it is refused there instead).
  Status PortChange(const PortSpec* old, const PortSpec& spec, bool network_was) const {
    if (old != nullptr && old->kind != spec.kind && !(IsVhost(old->kind) && IsVhost(spec.kind))) {
      // vhost-user may switch between server and client; nothing else changes kind.
      return Status(StatusCode::kInvalidArgument,
                    "port: '" + spec.name + "' is a " + std::string(PortKindName(old->kind)) +
                        " port; its kind cannot change (delete and add it)");
    }
    if (old != nullptr && old->IsUplink() != spec.IsUplink()) {
      return Status(StatusCode::kInvalidArgument,
                    "port.underlay: '" + spec.name +
                        "' would change between uplink and network port; delete and add it");
    }
    if (Status s = ValidatePortSpec(spec); !s.ok()) {
      return s;
    }
    if (!spec.IsUplink() && Network(spec.network) == nullptr && !network_was) {
      return Status(StatusCode::kNotFound, "port.network: '" + spec.network + "' does not exist");
    }
    return PortClash(spec);
  }

  // What a port shares with others: its netdev or its socket.
  Status PortClash(const PortSpec& spec) const {
    for (const PortSpec& p : next_.ports) {
      if (p.name == spec.name) {
        break;  // the first of two claims keeps it
      }
      if (!IsVhost(spec.kind) && !IsVhost(p.kind) && p.netdev == spec.netdev) {
        return Status(StatusCode::kAlreadyExists, std::string(NetdevField(spec.kind)) + ": " +
                                                      spec.netdev +
                                                      " is already attached as port " + p.name);
      }
      if (IsVhost(spec.kind) && IsVhost(p.kind) && p.socket_path == spec.socket_path) {
        return Status(StatusCode::kAlreadyExists,
                      "port.vhost_user.socket_path: " + spec.socket_path + " is already port " +
                          p.name + "'s");
      }
    }
    return Status::Ok();
  }

  Status StaticMacFits(const StaticMac& m) const {
    const NetworkSpec* net = Network(m.network);
    if (net == nullptr) {
      return Status(StatusCode::kNotFound, "network: '" + m.network + "' does not exist");
    }
    if (IsMulticastMac(m.mac) || m.mac == 0) {
      return Status(StatusCode::kInvalidArgument,
                    "mac: " + MacToString(m.mac) + " is not a unicast address");
    }
    if (IsInfraMac(next_, m.mac)) {
      return Status(StatusCode::kFailedPrecondition,
                    "mac: " + MacToString(m.mac) +
                        " is a gateway's or an uplink's own MAC; the switch keeps it fixed");
    }
    const PortSpec* port = Port(m.port);
    if (port == nullptr) {
      return Status(StatusCode::kNotFound, "port: '" + m.port + "' does not exist");
    }
    if (port->IsUplink() || port->network != m.network) {
      return Status(
          StatusCode::kFailedPrecondition,
          "port: '" + m.port + "' is in network '" + port->network + "', not '" + m.network + "'");
    }
    if (m.vlan > kMaxVlanId) {
      return Status(StatusCode::kInvalidArgument,
                    "vlan: " + std::to_string(m.vlan) + " is outside 0..4094");
    }
    if (!MakeVlanPolicy(port->vlan).Carries(static_cast<uint16_t>(m.vlan))) {
      return Status(StatusCode::kFailedPrecondition,
                    "vlan: port '" + m.port + "' does not carry VLAN " + std::to_string(m.vlan) +
                        " (" + FormatVlan(port->vlan) + ")");
    }
    return Status::Ok();
  }

 private:
  const DesiredState& next_;
  std::map<std::string, const NetworkSpec*> networks_;
  std::map<std::string, const PortSpec*> ports_;
  std::set<std::string> was_ports_;
};

Change NewChange(ObjectKind kind, ChangeAction action, const std::string& name) {
  Change c;
  c.kind = kind;
  c.action = action;
  c.name = name;
  return c;
}

Status Twice(std::string_view field, const std::string& name) {
  return Status(StatusCode::kInvalidArgument,
                std::string(field) + ": '" + name + "' is given more than once");
}

}  // namespace

Plan MakePlan(const DesiredState& running, const DesiredState& next) {
  Plan plan;
  Checker check(running, next);
  std::vector<std::string> twice;
  const auto was_networks = ByName(running.networks, &twice);
  const auto was_ports = ByName(running.ports, &twice);
  const auto was_macs = MacsByName(running.static_macs, &twice);
  twice.clear();  // the running state is what it is
  std::vector<std::string> networks_twice;
  std::vector<std::string> ports_twice;
  std::vector<std::string> macs_twice;
  const auto networks = ByName(next.networks, &networks_twice);
  const auto ports = ByName(next.ports, &ports_twice);
  const auto macs = MacsByName(next.static_macs, &macs_twice);
  auto given_twice = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };

  // Ports of `network` in `next`, for a refused deletion.
  auto members = [&](const std::string& network) {
    std::string users;
    for (const auto& [name, p] : ports) {
      if (!p->IsUplink() && p->network == network) {
        users += (users.empty() ? "" : ", ") + name;
      }
    }
    return users;
  };
  // Networks of `next` that leave by `port`, for a refused deletion.
  auto riders = [&](const std::string& port) {
    std::string users;
    for (const auto& [name, n] : networks) {
      if ((n->tunnel.kind != TunnelKind::kNone && n->tunnel.uplink == port) ||
          (n->HasGateway() && n->uplink == port)) {
        users += (users.empty() ? "" : ", ") + name;
      }
    }
    return users;
  };

  for (const auto& [name, spec] : networks) {
    auto was = was_networks.find(name);
    Change c =
        NewChange(ObjectKind::kNetwork,
                  was == was_networks.end() ? ChangeAction::kCreate : ChangeAction::kUpdate, name);
    if (c.action == ChangeAction::kUpdate && *was->second == *spec) {
      c.action = ChangeAction::kKeep;
    }
    // What did not change was checked when it did; what it relies on
    // going away is refused there.
    if (given_twice(networks_twice, name)) {
      c.refusal = Twice("network.name", name);
    } else if (c.action != ChangeAction::kKeep) {
      c.refusal = ValidateNetworkSpec(*spec);
      if (c.refusal.ok()) {
        c.refusal = check.NetworkReferences(*spec);
      }
    }
    if (c.action != ChangeAction::kKeep || !c.refusal.ok()) {
      plan.changes.push_back(std::move(c));
    }
  }
  for (const auto& [name, was] : was_networks) {
    if (networks.count(name) == 0) {
      Change c = NewChange(ObjectKind::kNetwork, ChangeAction::kDelete, name);
      if (std::string users = members(name); !users.empty()) {
        c.refusal = Status(StatusCode::kFailedPrecondition,
                           "network '" + name + "' still has ports: " + users);
      }
      plan.changes.push_back(std::move(c));
    }
  }

  for (const auto& [name, spec] : ports) {
    auto was = was_ports.find(name);
    Change c =
        NewChange(ObjectKind::kPort,
                  was == was_ports.end() ? ChangeAction::kCreate : ChangeAction::kUpdate, name);
    const PortSpec* old = was == was_ports.end() ? nullptr : was->second;
    if (old != nullptr) {
      if (*old == *spec) {
        c.action = ChangeAction::kKeep;
      }
      c.reopen = BackendOf(*old) != BackendOf(*spec);
    }
    if (given_twice(ports_twice, name)) {
      c.refusal = Twice("port.name", name);
    } else if (c.action != ChangeAction::kKeep) {
      c.refusal = check.PortChange(old, *spec, was_networks.count(spec->network) != 0);
    }
    if (c.action != ChangeAction::kKeep || !c.refusal.ok()) {
      plan.changes.push_back(std::move(c));
    }
  }
  for (const auto& [name, was] : was_ports) {
    if (ports.count(name) == 0) {
      Change c = NewChange(ObjectKind::kPort, ChangeAction::kDelete, name);
      if (std::string users = riders(name); !users.empty()) {
        c.refusal = Status(StatusCode::kFailedPrecondition,
                           "port '" + name + "' is the uplink of network(s) " + users +
                               "; change their tunnel, uplink or mode first");
      }
      plan.changes.push_back(std::move(c));
    }
  }
  for (const auto& [name, m] : macs) {
    auto was = was_macs.find(name);
    Change c =
        NewChange(ObjectKind::kStaticMac,
                  was == was_macs.end() ? ChangeAction::kCreate : ChangeAction::kUpdate, name);
    if (c.action == ChangeAction::kUpdate && *was->second == *m) {
      c.action = ChangeAction::kKeep;
    }
    if (given_twice(macs_twice, name)) {
      c.refusal = Twice("static_mac", name);
    } else if (Status s = check.StaticMacFits(*m); !s.ok()) {
      c.refusal = s;
    }
    if (c.action != ChangeAction::kKeep || !c.refusal.ok()) {
      plan.changes.push_back(std::move(c));
    }
  }
  for (const auto& [name, was] : was_macs) {
    if (macs.count(name) == 0) {
      plan.changes.push_back(NewChange(ObjectKind::kStaticMac, ChangeAction::kDelete, name));
    }
  }
  return plan;
}

}  // namespace switchyard::dp
