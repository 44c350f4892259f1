#include "control/model/controller.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "datapath/core/log.h"

namespace switchyard::ctl {

namespace {
constexpr auto kEventPeriod = std::chrono::milliseconds(50);  // MAC events from the PMDs
constexpr auto kTickPeriod = std::chrono::seconds(1);
constexpr auto kLeaseSavePeriod = std::chrono::seconds(5);
// ARP on uplinks: answered, and next hops asked for, within this.
constexpr auto kUnderlayPeriod = std::chrono::milliseconds(20);
}  // namespace

std::optional<dp::NetworkSpec> Controller::FindNetwork(const std::string& name) const {
  for (auto& n : dataplane_->NetworkSpecs()) {
    if (n.name == name) {
      return n;
    }
  }
  return std::nullopt;
}

std::optional<dp::PortSpec> Controller::FindPort(const std::string& name) const {
  for (auto& p : dataplane_->PortSpecs()) {
    if (p.name == name) {
      return p;
    }
  }
  return std::nullopt;
}

DesiredState Controller::Desired() const {
  DesiredState d;
  d.networks = dataplane_->NetworkSpecs();
  d.ports = dataplane_->PortSpecs();
  for (const auto& [name, f] : failed_ports_) {
    d.ports.push_back(f.spec);
  }
  std::sort(d.ports.begin(), d.ports.end(),
            [](const dp::PortSpec& a, const dp::PortSpec& b) { return a.name < b.name; });
  d.static_macs = static_macs_;
  return d;
}

Status Controller::Persist(const std::function<void()>& undo) {
  Status s = store_->Save(Desired());
  if (!s.ok()) {
    undo();
    SY_ERROR("change undone, it could not be saved: " << s.message());
    return Status(StatusCode::kUnavailable, "change not saved, so undone: " + s.message());
  }
  return s;
}

void Controller::Announce(EventType type, const std::string& network, const std::string& port,
                          const std::string& detail) {
  Event e;
  e.type = type;
  e.network = network;
  e.port = port;
  e.detail = detail;
  hub_->Publish(std::move(e));
}

Status Controller::Restore() {
  DesiredState saved;
  bool found = false;
  if (Status s = store_->Load(&saved, &found); !s.ok()) {
    return s;
  }
  if (!found) {
    SY_INFO("state: nothing saved in " << store_->dir() << " yet; starting empty");
    return Status::Ok();
  }
  auto restore_port = [&](const dp::PortSpec& p) {
    if (Status s = dataplane_->AddPort(p, /*restoring=*/true); !s.ok()) {
      SY_ERROR("port " << p.name << ": not restored, kept in the config: " << s.message());
      failed_ports_[p.name] = FailedPort{p, s.message()};
    }
  };
  // Uplinks first, so tunnels find them; they belong to no network.
  for (const auto& p : saved.ports) {
    if (p.IsUplink()) {
      restore_port(p);
    }
  }
  for (const auto& n : saved.networks) {
    if (Status s = dataplane_->AddNetwork(n); !s.ok()) {
      return Status(s.code(), "restoring network " + n.name + ": " + s.message());
    }
  }
  for (const auto& p : saved.ports) {
    if (!p.IsUplink()) {
      restore_port(p);
    }
  }
  for (const auto& m : saved.static_macs) {
    if (failed_ports_.count(m.port) != 0) {
      static_macs_.push_back(m);  // comes back with its port
      continue;
    }
    // A pin that no longer fits its port (saved by a release that kept the
    // pins of a moved port) must not keep the switch from starting.
    if (Status s = Pin(m); !s.ok()) {
      SY_ERROR("static mac " << dp::MacToString(m.mac) << " (VLAN " << m.vlan << ") on port "
                             << m.port
                             << ": not restored, dropped from the config: " << s.message());
      continue;
    }
    static_macs_.push_back(m);
  }
  SY_INFO("state: restored " << saved.networks.size() << " network(s), " << saved.ports.size()
                             << " port(s), " << saved.static_macs.size() << " static MAC(s) from "
                             << store_->state_path());
  // Leases last, once their networks and the ports of their guests are
  // back. Without them guests only ask again, so nothing here is fatal.
  std::vector<dp::LeaseReport> leases;
  bool leases_found = false;
  if (Status s = store_->LoadLeases(&leases, &leases_found); !s.ok()) {
    SY_ERROR("leases: not restored, starting without them: " << s.message());
  } else if (leases_found) {
    dataplane_->RestoreLeases(leases);
    SY_INFO("leases: " << leases.size() << " read from " << store_->leases_path());
  }
  return Status::Ok();
}

void Controller::Run(const std::function<void()>& fn) {
  std::packaged_task<void()> task(fn);
  auto done = task.get_future();
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    tasks_.emplace_back([&task] { task(); });
  }
  tasks_cv_.notify_one();
  done.wait();
}

void Controller::WakeForLinks() {
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    links_changed_ = true;
  }
  tasks_cv_.notify_one();
}

void Controller::Loop(const std::function<bool()>& should_stop) {
  auto now = std::chrono::steady_clock::now();
  auto next_events = now;
  auto next_links = now;
  auto next_tick = now;
  auto next_underlay = now;
  while (!should_stop()) {
    std::deque<std::function<void()>> batch;
    bool links_changed = false;
    {
      std::unique_lock<std::mutex> lock(tasks_mu_);
      tasks_cv_.wait_until(lock, std::min({next_events, next_links, next_underlay}),
                           [&] { return !tasks_.empty() || links_changed_; });
      batch.swap(tasks_);
      std::swap(links_changed, links_changed_);
    }
    if (!batch.empty()) {
      // Name the PMDs' MAC events while their ports still exist.
      dataplane_->DrainEvents([&](const dp::MacEvent& e) { PublishMacEvent(e); });
    }
    for (auto& task : batch) {
      task();
    }
    now = std::chrono::steady_clock::now();
    if (now >= next_events) {
      next_events = now + kEventPeriod;
      dataplane_->DrainEvents([&](const dp::MacEvent& e) { PublishMacEvent(e); });
    }
    if (links_changed || now >= next_links) {
      next_links = now + link_poll_period_;
      PollLinks();
    }
    if (now >= next_underlay) {
      next_underlay = now + kUnderlayPeriod;
      dataplane_->ServiceSlowPath();
    }
    if (now >= next_tick) {
      next_tick = now + kTickPeriod;
      dataplane_->Tick([&](const dp::MacEvent& e) { PublishMacEvent(e); });
      SaveLeasesIfChanged(now);
    }
  }
  SaveLeasesIfChanged(std::nullopt);  // what changed since the last write
}

void Controller::SaveLeasesIfChanged(std::optional<std::chrono::steady_clock::time_point> now) {
  const uint64_t generation = dataplane_->lease_generation();
  if (generation == leases_saved_ || (now && *now - leases_written_ < kLeaseSavePeriod)) {
    return;
  }
  if (now) {
    leases_written_ = *now;
  }
  if (Status s = store_->SaveLeases(dataplane_->Leases("")); !s.ok()) {
    if (!lease_save_failing_) {
      SY_ERROR("leases: not saved, trying again each second: " << s.message());
    }
    lease_save_failing_ = true;
    return;
  }
  if (lease_save_failing_) {
    SY_INFO("leases: saved again");
  }
  lease_save_failing_ = false;
  leases_saved_ = generation;
}

void Controller::PublishMacEvent(const dp::MacEvent& m) {
  Event e;
  e.network = m.network;
  e.port = m.port;
  e.mac = dp::MacToString(m.mac);
  e.vlan = m.vlan;
  switch (m.type) {
    case dp::MacEvent::Type::kLearned:
      e.type = EventType::kMacLearned;
      e.detail = "MAC " + e.mac + " learned on port " + m.port;
      break;
    case dp::MacEvent::Type::kMoved:
      e.type = EventType::kMacMoved;
      e.previous_port = m.previous_port;
      e.detail = "MAC " + e.mac + " moved from port " + m.previous_port + " to " + m.port;
      break;
    case dp::MacEvent::Type::kAged:
      e.type = EventType::kMacAged;
      e.detail = "MAC " + e.mac + " aged out (was on port " + m.port + ")";
      break;
    case dp::MacEvent::Type::kLimit:
      e.type = EventType::kMacLimit;
      e.detail = "port " + m.port + " reached its MAC limit with " + e.mac +
                 "; new source MACs are dropped (port_mac_limit)";
      break;
  }
  hub_->Publish(std::move(e));
}

void Controller::PollLinks() {
  dataplane_->PollPorts();
  std::map<std::string, LinkSeen> now;
  for (const auto& p : dataplane_->Ports()) {
    const LinkSeen seen{p.info.connects, p.info.disconnects};
    const bool guest = dp::IsVhost(p.spec.kind);  // kernel ports have links, not guests
    const LinkSeen before = links_.count(p.spec.name) ? links_[p.spec.name] : LinkSeen{};
    now[p.spec.name] = seen;
    // Sessions alternate connect, disconnect, ...: replay every one that
    // started or ended since the last poll, however short, in order.
    uint64_t c = before.connects;
    uint64_t d = before.disconnects;
    const std::string& name = p.spec.name;
    const std::string& net = p.spec.network;
    while (c < seen.connects || d < seen.disconnects) {
      if (c == d) {  // down: the next change is a connect
        ++c;
        Announce(EventType::kPortUp, net, name, "port " + name + " is up");
        if (guest) {
          Announce(EventType::kGuestConnected, net, name, "guest attached to port " + name);
        }
      } else {
        ++d;
        if (guest) {
          Announce(EventType::kGuestDisconnected, net, name, "guest left port " + name);
        }
        Announce(EventType::kPortDown, net, name, "port " + name + " is down");
      }
    }
  }
  links_.swap(now);
}

void Controller::PinStaticMacsOf(const std::string& port) {
  for (const auto& m : static_macs_) {
    if (m.port == port) {
      Pin(m);
    }
  }
}

void Controller::ForgetStaticMacs(const std::function<bool(const StaticMac&)>& match) {
  static_macs_.erase(std::remove_if(static_macs_.begin(), static_macs_.end(), match),
                     static_macs_.end());
}

Status Controller::CheckUplink(const std::string& field, const std::string& name) const {
  std::optional<dp::PortSpec> port = FindPort(name);
  if (auto f = failed_ports_.find(name); f != failed_ports_.end()) {
    port = f->second.spec;
  }
  if (!port) {
    return Status(StatusCode::kNotFound, field + ": port '" + name + "' does not exist");
  }
  if (!port->IsUplink()) {
    return Status(
        StatusCode::kFailedPrecondition,
        field + ": port '" + name + "' has no underlay address (Port.underlay); it is no uplink");
  }
  return Status::Ok();
}

Status Controller::CheckUplinksOf(const dp::NetworkSpec& spec) const {
  if (spec.tunnel.kind != dp::TunnelKind::kNone) {
    if (Status s = CheckUplink("network.tunnel.uplink", spec.tunnel.uplink); !s.ok()) {
      return s;
    }
  }
  if (spec.HasGateway()) {
    if (Status s = CheckUplink("network.uplink", spec.uplink); !s.ok()) {
      return s;
    }
  }
  return CheckNatAddress(spec);
}

Status Controller::CheckNatAddress(const dp::NetworkSpec& spec) const {
  if (spec.nat_address.empty()) {
    return Status::Ok();
  }
  // Replies to it must find this network's connections, and no other's:
  // neither the uplink's own address nor another NAT network's.
  const std::optional<uint32_t> address = dp::ParseIpv4(spec.nat_address);
  if (std::optional<dp::PortSpec> up = FindPort(spec.uplink); up && up->IsUplink()) {
    const std::optional<dp::Ipv4Prefix> own = dp::ParseIpv4Prefix(up->underlay.address);
    if (own && address == own->address) {
      return Status(StatusCode::kInvalidArgument,
                    "network.nat_address: " + spec.nat_address + " is the uplink " + spec.uplink +
                        "'s own address; leave nat_address empty to use it");
    }
  }
  for (const dp::NetworkSpec& n : dataplane_->NetworkSpecs()) {
    if (n.name != spec.name && !n.nat_address.empty() && dp::ParseIpv4(n.nat_address) == address) {
      return Status(StatusCode::kAlreadyExists, "network.nat_address: " + spec.nat_address +
                                                    " is network " + n.name + "'s already");
    }
  }
  return Status::Ok();
}

std::string Controller::NetworksOverUplink(const std::string& port) const {
  std::string users;
  for (const auto& n : dataplane_->NetworkSpecs()) {
    if ((n.tunnel.kind != dp::TunnelKind::kNone && n.tunnel.uplink == port) ||
        (n.HasGateway() && n.uplink == port)) {
      users += (users.empty() ? "" : ", ") + n.name;
    }
  }
  return users;
}

Status Controller::CreateNetwork(const dp::NetworkSpec& spec) {
  const bool existed = FindNetwork(spec.name).has_value();
  if (!existed) {
    // The spec's own mistakes first, then what it refers to.
    if (Status s = dp::ValidateNetworkSpec(spec); !s.ok()) {
      return s;
    }
    if (Status s = CheckUplinksOf(spec); !s.ok()) {
      return s;
    }
  }
  if (Status s = dataplane_->AddNetwork(spec); !s.ok() || existed) {
    return s;  // an identical create changes nothing
  }
  if (Status s = Persist([&] { dataplane_->RemoveNetwork(spec.name); }); !s.ok()) {
    return s;
  }
  Announce(EventType::kConfigChanged, spec.name, "", "network " + spec.name + " created");
  return Status::Ok();
}

Status Controller::UpdateNetwork(const std::string& name, const NetworkUpdate& update,
                                 dp::NetworkSpec* updated) {
  auto old = FindNetwork(name);
  if (!old) {
    return Status(StatusCode::kNotFound, "network.name: '" + name + "' does not exist");
  }
  dp::NetworkSpec spec = *old;
  spec.fdb_aging_s = update.fdb_aging_s.value_or(spec.fdb_aging_s);
  spec.fdb_max = update.fdb_max.value_or(spec.fdb_max);
  spec.tunnel = update.tunnel.value_or(spec.tunnel);
  spec.mode = update.mode.value_or(spec.mode);
  if (spec.mode == dp::NetworkMode::kBridge && old->mode != dp::NetworkMode::kBridge) {
    // A bridge has none of these; what the caller sets is still checked.
    spec.gateway.clear();
    spec.uplink.clear();
    spec.dhcp = dp::DhcpSpec{};
    spec.forwards.clear();
    spec.nat_address.clear();
    spec.underlay_allow.clear();
  }
  spec.gateway = update.gateway.value_or(spec.gateway);
  spec.uplink = update.uplink.value_or(spec.uplink);
  spec.dhcp = update.dhcp.value_or(spec.dhcp);
  spec.forwards = update.forwards.value_or(spec.forwards);
  spec.nat_max_connections = update.nat_max_connections.value_or(spec.nat_max_connections);
  spec.nat_max_per_guest = update.nat_max_per_guest.value_or(spec.nat_max_per_guest);
  spec.nat_max_per_forward = update.nat_max_per_forward.value_or(spec.nat_max_per_forward);
  spec.nat_address = update.nat_address.value_or(spec.nat_address);
  spec.underlay_allow = update.underlay_allow.value_or(spec.underlay_allow);
  *updated = *old;
  if (spec == *old) {
    return Status::Ok();
  }
  if (Status s = dp::ValidateNetworkSpec(spec); !s.ok()) {
    return s;
  }
  // Only uplinks newly relied on: a restored network may name one that is
  // gone, and may still change its FDB settings.
  if (!(spec.tunnel == old->tunnel) && spec.tunnel.kind != dp::TunnelKind::kNone) {
    if (Status s = CheckUplink("network.tunnel.uplink", spec.tunnel.uplink); !s.ok()) {
      return s;
    }
  }
  if (spec.HasGateway() && (spec.uplink != old->uplink || !old->HasGateway())) {
    if (Status s = CheckUplink("network.uplink", spec.uplink); !s.ok()) {
      return s;
    }
  }
  if (spec.nat_address != old->nat_address || spec.uplink != old->uplink) {
    if (Status s = CheckNatAddress(spec); !s.ok()) {
      return s;
    }
  }
  if (Status s = dataplane_->UpdateNetwork(spec); !s.ok()) {
    return s;
  }
  if (Status s = Persist([&] { dataplane_->UpdateNetwork(*old); }); !s.ok()) {
    return s;
  }
  *updated = spec;
  if (spec.fdb_max != old->fdb_max) {
    // A new FDB starts empty: put the pinned entries back.
    for (const auto& m : static_macs_) {
      if (m.network == name) {
        Pin(m);
      }
    }
  }
  Announce(EventType::kConfigChanged, name, "", "network " + name + " updated");
  return Status::Ok();
}

Status Controller::DeleteNetwork(const std::string& name) {
  auto old = FindNetwork(name);
  std::string failed_users;
  for (const auto& [pname, f] : failed_ports_) {
    if (f.spec.network == name) {
      failed_users += (failed_users.empty() ? "" : ", ") + pname;
    }
  }
  if (old && !failed_users.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "network '" + name + "' still has ports: " + failed_users);
  }
  if (Status s = dataplane_->RemoveNetwork(name); !s.ok()) {
    return s;
  }
  if (Status s = Persist([&] { dataplane_->AddNetwork(*old); }); !s.ok()) {
    return s;
  }
  ForgetStaticMacs([&](const StaticMac& m) { return m.network == name; });
  Announce(EventType::kConfigChanged, name, "", "network " + name + " deleted");
  return Status::Ok();
}

Status Controller::CreatePort(const dp::PortSpec& spec) {
  if (auto f = failed_ports_.find(spec.name); f != failed_ports_.end()) {
    return Status(StatusCode::kAlreadyExists,
                  "port.name: '" + spec.name + "' exists (not working: " + f->second.error + ")");
  }
  const bool existed = FindPort(spec.name).has_value();
  if (Status s = dataplane_->AddPort(spec); !s.ok() || existed) {
    return s;
  }
  if (Status s = Persist([&] { dataplane_->RemovePort(spec.name); }); !s.ok()) {
    return s;
  }
  Announce(EventType::kPortAdded, spec.network, spec.name,
           "port " + spec.name + " created in network " + spec.network);
  Announce(EventType::kConfigChanged, spec.network, spec.name, "port " + spec.name + " created");
  return Status::Ok();
}

Status Controller::UpdatePort(const std::string& name, const PortUpdate& update,
                              dp::PortSpec* updated) {
  auto old = FindPort(name);
  if (!old) {
    return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
  }
  dp::PortSpec spec = *old;
  if (const auto& backend = update.backend) {
    // vhost-user may switch between server and client; nothing else changes kind.
    if (backend->kind != old->kind && !(dp::IsVhost(backend->kind) && dp::IsVhost(old->kind))) {
      return Status(StatusCode::kInvalidArgument,
                    "port: '" + name + "' is a " + std::string(dp::PortKindName(old->kind)) +
                        " port; its kind cannot change (delete and add it)");
    }
    spec.kind = backend->kind;
    spec.socket_path = backend->socket_path;
    spec.netdev = backend->netdev;
    spec.tap_owner_uid = backend->tap_owner_uid;
    spec.mtu = backend->mtu;
    spec.tap_multi_queue = backend->tap_multi_queue;
    spec.tap_adopt = backend->tap_adopt;
    spec.addresses = backend->addresses;
    spec.driver = backend->driver;
  }
  spec.network = update.network.value_or(spec.network);
  spec.vlan = update.vlan.value_or(spec.vlan);
  spec.underlay = update.underlay.value_or(spec.underlay);
  spec.private_port = update.private_port.value_or(spec.private_port);
  spec.mac_limit = update.mac_limit.value_or(spec.mac_limit);
  spec.security = update.security.value_or(spec.security);
  spec.flood_limit = update.flood_limit.value_or(spec.flood_limit);
  *updated = *old;
  if (spec == *old) {
    return Status::Ok();
  }
  if (spec.IsUplink() != old->IsUplink()) {
    return Status(StatusCode::kInvalidArgument,
                  "port.underlay: '" + name +
                      "' would change between uplink and network port; delete and add it");
  }
  if (Status s = dp::ValidatePortSpec(spec); !s.ok()) {
    return s;
  }
  if (!spec.IsUplink() && !FindNetwork(spec.network)) {
    return Status(StatusCode::kNotFound, "port.network: '" + spec.network + "' does not exist");
  }
  // Any backend setting (a TAP's MTU, an internal port's addresses, the
  // driver) makes the port again; a network, VLAN, underlay or private
  // change alone is live.
  dp::PortSpec backend_only = spec;
  backend_only.network = old->network;
  backend_only.vlan = old->vlan;
  backend_only.underlay = old->underlay;
  backend_only.private_port = old->private_port;
  backend_only.mac_limit = old->mac_limit;
  backend_only.security = old->security;
  backend_only.flood_limit = old->flood_limit;
  const bool new_backend = !(backend_only == *old);
  if (new_backend) {
    // Close the old backend, open the new; if the new one fails, reopen the old.
    dataplane_->RemovePort(name);
    if (Status s = dataplane_->AddPort(spec); !s.ok()) {
      dataplane_->AddPort(*old);
      return s;
    }
  } else if (spec.IsUplink()) {
    if (Status s = dataplane_->SetPortUnderlay(name, spec.underlay); !s.ok()) {
      return s;
    }
  } else {
    if (Status s = dataplane_->MovePort(name, spec.network); !s.ok()) {
      return s;
    }
    if (Status s = dataplane_->SetPortVlan(name, spec.vlan); !s.ok()) {
      dataplane_->MovePort(name, old->network);
      return s;
    }
    if (Status s = dataplane_->SetPortFences(name, spec); !s.ok()) {
      dataplane_->SetPortVlan(name, old->vlan);
      dataplane_->MovePort(name, old->network);
      return s;
    }
  }
  // The port's static MACs go with a network move, and with a VLAN the port
  // no longer carries; the rest are pinned again on a new backend (removing
  // the old one flushed them). Done before saving, so state.json never
  // holds a pin that cannot be restored.
  const auto statics_before = static_macs_;
  const bool moved = spec.network != old->network;
  const dp::VlanPolicy vlans = dp::MakeVlanPolicy(spec.vlan);
  auto goes = [&](const StaticMac& m) {
    return m.port == name && (moved || !vlans.Carries(static_cast<uint16_t>(m.vlan)));
  };
  for (const auto& m : statics_before) {
    // A move or a new backend flushed the port's pins from the FDB already.
    if (goes(m) && !moved && !new_backend) {
      dataplane_->DeleteStaticMac(m.network, m.vlan, m.mac);
    }
  }
  ForgetStaticMacs(goes);
  if (new_backend) {
    PinStaticMacsOf(name);
  }
  auto undo = [&] {
    if (new_backend) {
      dataplane_->RemovePort(name);
      dataplane_->AddPort(*old);
    } else if (spec.IsUplink()) {
      dataplane_->SetPortUnderlay(name, old->underlay);
    } else {
      dataplane_->MovePort(name, old->network);
      dataplane_->SetPortVlan(name, old->vlan);
      dataplane_->SetPortFences(name, *old);
    }
    static_macs_ = statics_before;
    PinStaticMacsOf(name);
  };
  if (Status s = Persist(undo); !s.ok()) {
    return s;
  }
  *updated = spec;
  Announce(EventType::kConfigChanged, spec.network, name, "port " + name + " updated");
  return Status::Ok();
}

Status Controller::DeletePort(const std::string& name) {
  if (std::string users = NetworksOverUplink(name); !users.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "port '" + name + "' is the uplink of network(s) " + users +
                      "; change their tunnel, uplink or mode first");
  }
  if (auto f = failed_ports_.find(name); f != failed_ports_.end()) {
    FailedPort gone = f->second;
    failed_ports_.erase(f);
    if (Status s = Persist([&] { failed_ports_[name] = gone; }); !s.ok()) {
      return s;
    }
    ForgetStaticMacs([&](const StaticMac& m) { return m.port == name; });
    Announce(EventType::kConfigChanged, gone.spec.network, name, "port " + name + " deleted");
    return Status::Ok();
  }
  auto old = FindPort(name);
  if (Status s = dataplane_->RemovePort(name); !s.ok()) {
    return s;
  }
  const auto statics = static_macs_;
  ForgetStaticMacs([&](const StaticMac& m) { return m.port == name; });
  auto undo = [&] {
    dataplane_->AddPort(*old);
    static_macs_ = statics;
    PinStaticMacsOf(name);
  };
  if (Status s = Persist(undo); !s.ok()) {
    return s;
  }
  links_.erase(name);
  Announce(EventType::kPortRemoved, old->network, name, "port " + name + " deleted");
  Announce(EventType::kConfigChanged, old->network, name, "port " + name + " deleted");
  return Status::Ok();
}

Status Controller::AddStaticMac(const StaticMac& entry) {
  auto same = std::find_if(static_macs_.begin(), static_macs_.end(), [&](const StaticMac& m) {
    return m.network == entry.network && m.vlan == entry.vlan && m.mac == entry.mac;
  });
  if (same != static_macs_.end() && *same == entry) {
    return Status::Ok();
  }
  const auto before = static_macs_;
  if (Status s = Pin(entry); !s.ok()) {
    return s;
  }
  if (same != static_macs_.end()) {
    *same = entry;
  } else {
    static_macs_.push_back(entry);
  }
  auto undo = [&] {
    dataplane_->DeleteStaticMac(entry.network, entry.vlan, entry.mac);
    static_macs_ = before;
    for (const auto& m : before) {
      if (m.network == entry.network && m.vlan == entry.vlan && m.mac == entry.mac) {
        Pin(m);
      }
    }
  };
  if (Status s = Persist(undo); !s.ok()) {
    return s;
  }
  Announce(EventType::kConfigChanged, entry.network, entry.port,
           "static MAC " + dp::MacToString(entry.mac) + " (VLAN " + std::to_string(entry.vlan) +
               ") pinned to port " + entry.port);
  return Status::Ok();
}

Status Controller::DeleteStaticMac(const std::string& network, uint32_t vlan, dp::MacKey mac) {
  auto it = std::find_if(static_macs_.begin(), static_macs_.end(), [&](const StaticMac& m) {
    return m.network == network && m.vlan == vlan && m.mac == mac;
  });
  if (Status s = dataplane_->DeleteStaticMac(network, vlan, mac); !s.ok()) {
    return s;
  }
  if (it == static_macs_.end()) {
    return Status::Ok();
  }
  const StaticMac gone = *it;
  static_macs_.erase(it);
  if (Status s = Persist([&] {
        static_macs_.push_back(gone);
        Pin(gone);
      });
      !s.ok()) {
    return s;
  }
  Announce(EventType::kConfigChanged, network, gone.port,
           "static MAC " + dp::MacToString(mac) + " (VLAN " + std::to_string(vlan) + ") removed");
  return Status::Ok();
}

Status Controller::FlushFdb(const std::string& network, const std::string& port,
                            bool include_static, size_t* flushed) {
  if (Status s = dataplane_->FlushFdb(network, port, include_static, flushed); !s.ok()) {
    return s;
  }
  if (!include_static) {
    return Status::Ok();
  }
  const auto before = static_macs_;
  ForgetStaticMacs(
      [&](const StaticMac& m) { return m.network == network && (port.empty() || m.port == port); });
  if (before.size() == static_macs_.size()) {
    return Status::Ok();
  }
  // The entries are gone from the FDB already; if saving fails, pin them again.
  if (Status s = Persist([&] {
        static_macs_ = before;
        for (const auto& m : before) {
          Pin(m);
        }
      });
      !s.ok()) {
    return s;
  }
  Announce(EventType::kConfigChanged, network, port,
           "static MACs of network " + network + " flushed");
  return Status::Ok();
}

}  // namespace switchyard::ctl
