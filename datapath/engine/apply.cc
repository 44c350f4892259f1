// Dataplane::Apply(): a desired state made real, in as few snapshots as
// the ports' sockets and netdevs allow.
#include <set>

#include "common/log.h"
#include "datapath/engine/dataplane.h"

namespace switchyard::dp {

namespace {

// What only one port can hold at a time.
std::string BackendKey(const PortSpec& p) {
  return IsVhost(p.kind) ? "socket " + p.socket_path : "netdev " + p.netdev;
}

}  // namespace

void Dataplane::Commit(std::function<void()> after) {
  if (batching_) {
    batch_dirty_ = true;
    if (after) {
      after_publish_.push_back(std::move(after));
    }
    return;
  }
  Publish();
  if (after) {
    after();
  }
}

void Dataplane::EndBatch() {
  batching_ = false;
  if (!batch_dirty_) {
    return;
  }
  batch_dirty_ = false;
  Publish();
  std::vector<std::function<void()>> work = std::move(after_publish_);
  after_publish_.clear();
  for (auto& fn : work) {
    fn();
  }
}

DesiredState Dataplane::Running() const {
  DesiredState d;
  d.networks = NetworkSpecs();
  d.ports = PortSpecs();
  for (const auto& [name, f] : failed_ports_) {
    d.ports.push_back(f.spec);
  }
  d.static_macs = static_macs_;
  d.Sort();
  return d;
}

Status Dataplane::Apply(const DesiredState& next, ApplyMode mode, Plan* plan_out) {
  const DesiredState before = Running();
  const Plan plan = MakePlan(before, next);
  if (plan_out != nullptr) {
    *plan_out = plan;
  }
  if (mode == ApplyMode::kRestore) {
    for (const Change& c : plan.changes) {
      if (c.kind == ObjectKind::kNetwork && !c.refusal.ok()) {
        return Status(c.refusal.code(), "restoring network " + c.name + ": " + c.refusal.message());
      }
    }
    return Execute(next, plan, Pass::kRestore);
  }
  if (Status verdict = plan.Verdict(); !verdict.ok()) {
    return verdict;
  }
  Status s = Execute(next, plan, Pass::kChange);
  if (!s.ok()) {
    SY_ERROR("change not applied, putting back what ran: " << s.message());
    if (Status back = Execute(before, MakePlan(Running(), before), Pass::kPutBack); !back.ok()) {
      SY_ERROR("putting back: " << back.message());
    }
  }
  return s;
}

Status Dataplane::Execute(const DesiredState& next, const Plan& plan, Pass pass) {
  const bool keep_going = pass != Pass::kChange;
  Status failed;
  std::set<std::string> refused_macs;
  // A port that cannot open: the change fails, or the port waits as a
  // FailedPort. False: stop here.
  auto port_failed = [&](const PortSpec& spec, const Status& why) {
    if (!keep_going) {
      failed = why;
      return false;
    }
    SY_ERROR("port " << spec.name << ": "
                     << (pass == Pass::kRestore ? "not restored" : "could not be put back")
                     << ", kept in the config: " << why.message());
    failed_ports_[spec.name] = FailedPort{spec, why.message()};
    return true;
  };
  auto network_failed = [&](const Status& why) {
    if (failed.ok()) {
      failed = why;
    }
    return keep_going;
  };
  auto want_port = [&](const std::string& name) { return next.FindPort(name); };
  auto running = [&](const std::string& name) { return ports_.count(name) != 0; };
  // Backends given up in this pass: a port that takes one of them opens
  // once the old one is closed, in a second snapshot.
  std::set<std::string> released;
  for (const Change& c : plan.changes) {
    if (c.kind == ObjectKind::kPort && running(c.name) &&
        (c.action == ChangeAction::kDelete || (c.action == ChangeAction::kUpdate && c.reopen))) {
      released.insert(BackendKey(ports_.at(c.name).spec));
    }
  }
  std::vector<PortSpec> late;
  std::set<std::string> reopening;  // closed in the first snapshot, opened in the second
  // Opens a port now, or after the old backends are closed.
  auto open = [&](const PortSpec& spec, bool again) {
    if (again || released.count(BackendKey(spec)) != 0) {
      late.push_back(spec);
      return true;
    }
    if (Status s = AddPort(spec, pass == Pass::kRestore); !s.ok()) {
      return port_failed(spec, s);
    }
    failed_ports_.erase(spec.name);
    return true;
  };
  auto port_changes = [&](bool uplinks, const std::function<bool(const Change&)>& fn) {
    for (const Change& c : plan.changes) {
      if (c.kind != ObjectKind::kPort) {
        continue;
      }
      const PortSpec* want = want_port(c.name);
      const PortSpec* have = running(c.name) ? &ports_.at(c.name).spec : nullptr;
      const PortSpec* either = want != nullptr ? want : have;
      if (either != nullptr && either->IsUplink() == uplinks && !fn(c)) {
        return false;
      }
    }
    return true;
  };
  // Refused in a restore: kept as a FailedPort, not opened.
  auto refused_port = [&](const Change& c) {
    if (c.refusal.ok() || c.action == ChangeAction::kDelete) {
      return false;
    }
    port_failed(*want_port(c.name), c.refusal);
    return true;
  };

  BeginBatch();
  bool ok = [&] {
    // Static MACs that go or move: their pins first.
    for (const Change& c : plan.changes) {
      if (c.kind != ObjectKind::kStaticMac) {
        continue;
      }
      if (!c.refusal.ok()) {
        refused_macs.insert(c.name);
        SY_ERROR("static MAC " << c.name << ": not applied, dropped from the config: "
                               << c.refusal.message());
      }
      if (c.action == ChangeAction::kDelete || c.action == ChangeAction::kUpdate) {
        for (auto it = static_macs_.begin(); it != static_macs_.end(); ++it) {
          if (StaticMacName(*it) == c.name) {
            UnpinStaticMac(*it);
            static_macs_.erase(it);
            break;
          }
        }
      }
    }
    // Network ports that go, or open again.
    bool go_on = port_changes(false, [&](const Change& c) {
      if (c.action == ChangeAction::kDelete) {
        failed_ports_.erase(c.name);
        if (running(c.name)) {
          RemovePort(c.name);
        }
      } else if (c.action == ChangeAction::kUpdate && c.reopen && running(c.name) &&
                 !refused_port(c)) {
        RemovePort(c.name);
        late.push_back(*want_port(c.name));
        reopening.insert(c.name);
      }
      return true;
    });
    // Uplinks: new ones, new addresses, new backends.
    go_on = go_on && port_changes(true, [&](const Change& c) {
              if (c.action == ChangeAction::kDelete || refused_port(c)) {
                return true;
              }
              const PortSpec& want = *want_port(c.name);
              if (!running(c.name)) {
                return open(want, false);
              }
              if (c.reopen) {
                RemovePort(c.name);
                return open(want, true);
              }
              Status s = SetPortUnderlay(c.name, want.underlay);
              return s.ok() || port_failed(want, s);
            });
    if (!go_on) {
      return false;
    }
    for (const Change& c : plan.changes) {
      if (c.kind != ObjectKind::kNetwork || !c.refusal.ok()) {
        continue;
      }
      Status s;
      if (c.action == ChangeAction::kCreate) {
        s = AddNetwork(*next.FindNetwork(c.name));
      } else if (c.action == ChangeAction::kUpdate) {
        s = UpdateNetwork(*next.FindNetwork(c.name));
      }
      if (!s.ok() && !network_failed(s)) {
        return false;
      }
    }
    // Network ports: moved, retagged, fenced, or new.
    go_on = port_changes(false, [&](const Change& c) {
      if (c.action == ChangeAction::kDelete || refused_port(c)) {
        return true;
      }
      const PortSpec& want = *want_port(c.name);
      if (reopening.count(c.name) != 0) {
        return true;  // opened late
      }
      if (!running(c.name)) {
        return open(want, false);
      }
      for (Status s : {MovePort(c.name, want.network), SetPortVlan(c.name, want.vlan),
                       SetPortFences(c.name, want)}) {
        if (!s.ok()) {
          return port_failed(want, s);
        }
      }
      return true;
    });
    if (!go_on) {
      return false;
    }
    for (const Change& c : plan.changes) {
      if (c.kind == ObjectKind::kNetwork && c.action == ChangeAction::kDelete) {
        if (Status s = RemoveNetwork(c.name); !s.ok() && !network_failed(s)) {
          return false;
        }
      }
    }
    return port_changes(true, [&](const Change& c) {
      if (c.action == ChangeAction::kDelete) {
        failed_ports_.erase(c.name);
        if (running(c.name)) {
          RemovePort(c.name);
        }
      }
      return true;
    });
  }();
  EndBatch();
  if (ok && !late.empty()) {
    BeginBatch();
    for (const PortSpec& spec : late) {
      if (Status s = AddPort(spec, pass == Pass::kRestore); !s.ok()) {
        if (!port_failed(spec, s)) {
          ok = false;
          break;
        }
      } else {
        failed_ports_.erase(spec.name);
      }
    }
    EndBatch();
  }
  if (!ok) {
    return failed;
  }
  // Every pin again: a new FDB (fdb_max), a port opened again or moved
  // lost its own.
  static_macs_.clear();
  for (const StaticMac& m : next.static_macs) {
    if (refused_macs.count(StaticMacName(m)) != 0) {
      continue;
    }
    if (failed_ports_.count(m.port) != 0) {
      static_macs_.push_back(m);  // pinned when its port comes back
      continue;
    }
    if (Status s = PinStaticMac(m); !s.ok()) {
      if (!keep_going) {
        return s;
      }
      SY_ERROR("static MAC " << StaticMacName(m) << ": dropped from the config: " << s.message());
      continue;
    }
    static_macs_.push_back(m);
  }
  return failed;
}

}  // namespace switchyard::dp
