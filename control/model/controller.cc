#include "control/model/controller.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <future>
#include <map>

#include "common/log.h"

namespace switchyard::ctl {

namespace {
constexpr auto kEventPeriod = std::chrono::milliseconds(50);  // MAC events from the PMDs
constexpr auto kTickPeriod = std::chrono::seconds(1);
constexpr auto kLeaseSavePeriod = std::chrono::seconds(5);
// ARP on uplinks: answered, and next hops asked for, within this.
constexpr auto kUnderlayPeriod = std::chrono::milliseconds(20);
}  // namespace

std::optional<dp::NetworkSpec> Controller::FindNetwork(const std::string& name) const {
  const dp::NetworkSpec* n = desired_.FindNetwork(name);
  return n != nullptr ? std::optional<dp::NetworkSpec>(*n) : std::nullopt;
}

std::optional<dp::PortSpec> Controller::FindPort(const std::string& name) const {
  const dp::PortSpec* p = desired_.FindPort(name);
  return p != nullptr ? std::optional<dp::PortSpec>(*p) : std::nullopt;
}

void Controller::Announce(EventType type, const std::string& network, const std::string& port,
                          const std::string& detail) {
  Event e;
  e.type = type;
  e.network = network;
  e.port = port;
  e.detail = detail;
  e.revision = revision_;
  hub_->Publish(std::move(e));
}

namespace {

std::string Describe(const ConfigChange& c) {
  std::string what = c.action == dp::ChangeAction::kCreate   ? "created"
                     : c.action == dp::ChangeAction::kDelete ? "deleted"
                                                             : "updated";
  switch (c.kind) {
    case dp::ObjectKind::kNetwork:
      return "network " + c.name + " " + what;
    case dp::ObjectKind::kPort:
      return "port " + c.name + " " + what;
    case dp::ObjectKind::kStaticMac:
      break;
  }
  return "static MAC " + c.name + " " + what;
}

Event FinishConfigEvent(dp::ChangeAction action, uint64_t revision, std::shared_ptr<ConfigChange> c,
                        Event e) {
  c->action = action;
  e.type = EventType::kConfigChanged;
  e.revision = revision;
  e.detail = Describe(*c);
  e.change = std::move(c);
  return e;
}

// The CONFIG_CHANGED event of one object, `what` it is (and, unless it
// was deleted, is now).
Event ConfigEvent(dp::ChangeAction action, uint64_t revision, const dp::NetworkSpec& what) {
  auto c = std::make_shared<ConfigChange>();
  c->kind = dp::ObjectKind::kNetwork;
  c->name = what.name;
  if (action != dp::ChangeAction::kDelete) {
    c->network = what;
  }
  Event e;
  e.network = what.name;
  return FinishConfigEvent(action, revision, std::move(c), std::move(e));
}

Event ConfigEvent(dp::ChangeAction action, uint64_t revision, const dp::PortSpec& what) {
  auto c = std::make_shared<ConfigChange>();
  c->kind = dp::ObjectKind::kPort;
  c->name = what.name;
  if (action != dp::ChangeAction::kDelete) {
    c->port = what;
  }
  Event e;
  e.network = what.network;
  e.port = what.name;
  return FinishConfigEvent(action, revision, std::move(c), std::move(e));
}

Event ConfigEvent(dp::ChangeAction action, uint64_t revision, const StaticMac& what) {
  auto c = std::make_shared<ConfigChange>();
  c->kind = dp::ObjectKind::kStaticMac;
  c->name = dp::StaticMacName(what);
  if (action != dp::ChangeAction::kDelete) {
    c->static_mac = what;
  }
  Event e;
  e.network = what.network;
  e.port = what.port;
  return FinishConfigEvent(action, revision, std::move(c), std::move(e));
}

}  // namespace

void Controller::Announce(const dp::Plan& plan, const DesiredState& before) {
  for (const dp::Change& change : plan.changes) {
    // A deleted object is found in the state before, the rest in the new one.
    const DesiredState& where = change.action == dp::ChangeAction::kDelete ? before : desired_;
    switch (change.kind) {
      case dp::ObjectKind::kNetwork:
        hub_->Publish(ConfigEvent(change.action, revision_, *where.FindNetwork(change.name)));
        break;
      case dp::ObjectKind::kPort: {
        const dp::PortSpec& spec = *where.FindPort(change.name);
        if (change.action == dp::ChangeAction::kCreate) {
          Announce(EventType::kPortAdded, spec.network, spec.name,
                   "port " + spec.name + " created in network " + spec.network);
        } else if (change.action == dp::ChangeAction::kDelete) {
          links_.erase(spec.name);  // a port of that name later starts afresh
          Announce(EventType::kPortRemoved, spec.network, spec.name,
                   "port " + spec.name + " deleted");
        }
        hub_->Publish(ConfigEvent(change.action, revision_, spec));
        break;
      }
      case dp::ObjectKind::kStaticMac:
        for (const StaticMac& m : where.static_macs) {
          if (dp::StaticMacName(m) == change.name) {
            hub_->Publish(ConfigEvent(change.action, revision_, m));
          }
        }
        break;
    }
  }
}

std::vector<Event> Controller::StateAsEvents() const {
  std::vector<Event> out;
  const auto now = std::chrono::system_clock::now();
  auto add = [&](Event e) {
    e.time = now;
    out.push_back(std::move(e));
  };
  for (const dp::NetworkSpec& n : desired_.networks) {
    add(ConfigEvent(dp::ChangeAction::kCreate, revision_, n));
  }
  for (const dp::PortSpec& p : desired_.ports) {
    add(ConfigEvent(dp::ChangeAction::kCreate, revision_, p));
  }
  for (const StaticMac& m : desired_.static_macs) {
    add(ConfigEvent(dp::ChangeAction::kCreate, revision_, m));
  }
  return out;
}

Status Controller::Restore() {
  DesiredState saved;
  bool found = false;
  uint64_t revision = 0;
  if (Status s = store_->Load(&saved, &found, &revision); !s.ok()) {
    return s;
  }
  if (!found) {
    SY_INFO("state: nothing saved in " << store_->dir() << " yet; starting empty");
    return Status::Ok();
  }
  if (Status s = dataplane_->Apply(saved, dp::ApplyMode::kRestore); !s.ok()) {
    return s;
  }
  desired_ = dataplane_->Running();
  revision_ = revision;
  hub_->StartAt(revision_);
  SY_INFO("state: restored " << saved.networks.size() << " network(s), " << saved.ports.size()
                             << " port(s), " << saved.static_macs.size()
                             << " static MAC(s) at revision " << revision_ << " from "
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
  RestoreWarm();
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
  SaveWarm();
}

void Controller::SaveWarm() {
  WarmState warm;
  warm.saved_unix_s = static_cast<uint64_t>(time(nullptr));
  for (const dp::NetworkSpec& n : desired_.networks) {
    for (const dp::FdbRow& row : dataplane_->FdbEntries(n.name)) {
      if (!row.is_static) {
        warm.fdb.emplace_back(n.name, row);
      }
    }
  }
  if (Status s = store_->SaveWarm(warm); !s.ok()) {
    SY_WARN("warm state: not saved, the next start is a cold one: " << s.message());
    return;
  }
  SY_INFO("warm state: " << warm.fdb.size() << " learned MAC(s) saved to " << store_->warm_path());
}

void Controller::RestoreWarm() {
  WarmState warm;
  bool found = false;
  if (Status s = store_->TakeWarm(&warm, &found); !s.ok()) {
    SY_WARN("warm state: not used: " << s.message());
    return;
  }
  if (!found) {
    return;  // a first start, or after a crash
  }
  const uint64_t now = static_cast<uint64_t>(time(nullptr));
  const uint64_t down = now > warm.saved_unix_s ? now - warm.saved_unix_s : uint64_t{0};
  std::map<std::string, std::vector<dp::FdbRow>> by_network;
  for (const auto& [network, row] : warm.fdb) {
    const dp::NetworkSpec* n = desired_.FindNetwork(network);
    if (n != nullptr && row.age_s + down < n->fdb_aging_s) {
      by_network[network].push_back(row);
    }
  }
  size_t learned = 0;
  for (const auto& [network, rows] : by_network) {
    learned += dataplane_->RestoreFdb(network, rows);
  }
  SY_INFO("warm state: " << learned << " of " << warm.fdb.size() << " learned MAC(s) back (down "
                         << down << " s)");
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
  e.revision = revision_;
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

Status Controller::Commit(DesiredState next, dp::Plan* plan_out) {
  next.Sort();
  dp::Plan plan;
  Status applied = dataplane_->Apply(next, dp::ApplyMode::kChange, &plan);
  if (plan_out != nullptr) {
    *plan_out = plan;
  }
  if (!applied.ok() || plan.changes.empty()) {
    return applied;
  }
  if (Status s = store_->Save(next, revision_ + 1); !s.ok()) {
    if (Status back = dataplane_->Apply(desired_); !back.ok()) {
      SY_ERROR("putting back the change that was not saved: " << back.message());
    }
    SY_ERROR("change undone, it could not be saved: " << s.message());
    return Status(StatusCode::kUnavailable, "change not saved, so undone: " + s.message());
  }
  DesiredState before = std::exchange(desired_, std::move(next));
  ++revision_;
  Announce(plan, before);
  return Status::Ok();
}

Status Controller::Apply(DesiredState next, std::optional<uint64_t> expected_revision, bool dry_run,
                         dp::Plan* plan, uint64_t* revision) {
  *revision = revision_;
  if (expected_revision && *expected_revision != revision_) {
    return Status(StatusCode::kAborted, "expected_revision: the config is at revision " +
                                            std::to_string(revision_) + ", not " +
                                            std::to_string(*expected_revision) +
                                            "; get it again and redo the change");
  }
  next.Sort();
  if (dry_run) {
    *plan = dp::MakePlan(dataplane_->Running(), next);
    return Status::Ok();
  }
  Status s = Commit(std::move(next), plan);
  *revision = revision_;
  return s;
}

Status Controller::CreateNetwork(const dp::NetworkSpec& spec) {
  if (auto old = FindNetwork(spec.name)) {
    return *old == spec ? Status::Ok()  // an identical create changes nothing
                        : Status(StatusCode::kAlreadyExists,
                                 "network.name: '" + spec.name + "' exists with another spec");
  }
  DesiredState next = desired_;
  next.networks.push_back(spec);
  return Commit(std::move(next));
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
    spec.gateway.reset();
    spec.uplink.clear();
    spec.dhcp = dp::DhcpSpec{};
    spec.forwards.clear();
    spec.nat_address.reset();
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
  DesiredState next = desired_;
  *std::find_if(next.networks.begin(), next.networks.end(),
                [&](const dp::NetworkSpec& n) { return n.name == name; }) = spec;
  if (Status s = Commit(std::move(next)); !s.ok()) {
    return s;
  }
  *updated = spec;
  return Status::Ok();
}

Status Controller::DeleteNetwork(const std::string& name) {
  if (!FindNetwork(name)) {
    return Status(StatusCode::kNotFound, "network.name: '" + name + "' does not exist");
  }
  DesiredState next = desired_;
  std::erase_if(next.networks, [&](const dp::NetworkSpec& n) { return n.name == name; });
  std::erase_if(next.static_macs, [&](const StaticMac& m) { return m.network == name; });
  return Commit(std::move(next));
}

Status Controller::CreatePort(const dp::PortSpec& spec) {
  if (auto f = failed_ports().find(spec.name); f != failed_ports().end()) {
    return Status(StatusCode::kAlreadyExists,
                  "port.name: '" + spec.name + "' exists (not working: " + f->second.error + ")");
  }
  if (auto old = FindPort(spec.name)) {
    return *old == spec ? Status::Ok()
                        : Status(StatusCode::kAlreadyExists,
                                 "port.name: '" + spec.name + "' exists with another spec");
  }
  DesiredState next = desired_;
  next.ports.push_back(spec);
  return Commit(std::move(next));
}

Status Controller::UpdatePort(const std::string& name, const PortUpdate& update,
                              dp::PortSpec* updated) {
  auto old = FindPort(name);
  if (!old) {
    return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
  }
  dp::PortSpec spec = *old;
  if (const auto& backend = update.backend) {
    dp::BackendOf(spec) = dp::BackendOf(*backend);
  }
  spec.network = update.network.value_or(spec.network);
  spec.vlan = update.vlan.value_or(spec.vlan);
  spec.underlay = update.underlay.value_or(spec.underlay);
  spec.private_port = update.private_port.value_or(spec.private_port);
  spec.mac_limit = update.mac_limit.value_or(spec.mac_limit);
  spec.security = update.security.value_or(spec.security);
  spec.flood_limit = update.flood_limit.value_or(spec.flood_limit);
  *updated = *old;
  DesiredState next = desired_;
  *std::find_if(next.ports.begin(), next.ports.end(),
                [&](const dp::PortSpec& p) { return p.name == name; }) = spec;
  // The port's static MACs go with a network move, and with a VLAN the
  // port no longer carries.
  const dp::VlanPolicy vlans = dp::MakeVlanPolicy(spec.vlan);
  std::erase_if(next.static_macs, [&](const StaticMac& m) {
    return m.port == name &&
           (spec.network != old->network ||
            (m.vlan <= dp::kMaxVlanId && !vlans.Carries(static_cast<uint16_t>(m.vlan))));
  });
  if (Status s = Commit(std::move(next)); !s.ok()) {
    return s;
  }
  *updated = spec;
  return Status::Ok();
}

Status Controller::DeletePort(const std::string& name) {
  if (!FindPort(name)) {
    return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
  }
  DesiredState next = desired_;
  std::erase_if(next.ports, [&](const dp::PortSpec& p) { return p.name == name; });
  std::erase_if(next.static_macs, [&](const StaticMac& m) { return m.port == name; });
  return Commit(std::move(next));
}

Status Controller::AddStaticMac(const StaticMac& entry) {
  DesiredState next = desired_;
  auto same =
      std::find_if(next.static_macs.begin(), next.static_macs.end(), [&](const StaticMac& m) {
        return m.network == entry.network && m.vlan == entry.vlan && m.mac == entry.mac;
      });
  if (same != next.static_macs.end()) {
    *same = entry;
  } else {
    next.static_macs.push_back(entry);
  }
  return Commit(std::move(next));
}

Status Controller::DeleteStaticMac(const std::string& network, uint32_t vlan, dp::MacKey mac) {
  if (!FindNetwork(network)) {
    return Status(StatusCode::kNotFound, "network: '" + network + "' does not exist");
  }
  if (dp::IsInfraMac(desired_, mac)) {
    return Status(StatusCode::kFailedPrecondition,
                  "mac: " + dp::MacToString(mac) +
                      " is a gateway's or an uplink's own MAC; the switch keeps it fixed");
  }
  DesiredState next = desired_;
  if (std::erase_if(next.static_macs, [&](const StaticMac& m) {
        return m.network == network && m.vlan == vlan && m.mac == mac;
      }) == 0) {
    return Status(StatusCode::kNotFound, "mac: no static entry for " + dp::MacToString(mac) +
                                             " in VLAN " + std::to_string(vlan) + " of network '" +
                                             network + "'");
  }
  return Commit(std::move(next));
}

Status Controller::FlushFdb(const std::string& network, const std::string& port,
                            bool include_static, size_t* flushed) {
  // Learned entries first: this also checks the network and the port.
  if (Status s = dataplane_->FlushFdb(network, port, false, flushed); !s.ok()) {
    return s;
  }
  if (!include_static) {
    return Status::Ok();
  }
  DesiredState next = desired_;
  const size_t pinned = std::erase_if(next.static_macs, [&](const StaticMac& m) {
    return m.network == network && (port.empty() || m.port == port);
  });
  if (Status s = Commit(std::move(next)); !s.ok()) {
    return s;
  }
  *flushed += pinned;
  return Status::Ok();
}

}  // namespace switchyard::ctl
