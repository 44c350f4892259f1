// Dataplane: the port table. Ports opened, closed, moved, retagged and
// fenced; static MAC pins; what port security lets a port send.
#include <net/if.h>

#include <algorithm>

#include "common/log.h"
#include "datapath/engine/dataplane.h"
#include "datapath/ports/internal/internal_device.h"
#include "datapath/ports/kernel_port_factory.h"
#include "datapath/ports/tap/tap_device.h"
#include "datapath/ports/vhost/vhost_user_port.h"

namespace switchyard::dp {

namespace {

std::string LimitText(uint32_t limit) { return limit == 0 ? "none" : std::to_string(limit); }

}  // namespace

PortGuard Dataplane::GuardOf(const PortState& p) {
  const PortSecuritySpec& spec = p.spec.security;
  PortGuard g;
  g.macs = spec.macs;
  for (const Ipv4Address ip : spec.ipv4) {
    g.ipv4.push_back(ip.value());
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
    SY_INFO("port " << spec.name << ": uplink with underlay address "
                    << spec.underlay.address->ToString() << ", MAC "
                    << MacToString(AddressOf(ports_.at(spec.name)).mac));
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
  if (!p.spec.IsUplink() || !underlay.address) {
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
  SY_INFO("port " << name << ": underlay address " << underlay.address->ToString()
                  << (underlay.gateway ? " gateway " + underlay.gateway->ToString() : ""));
  return Status::Ok();
}

void Dataplane::RetryFailedPorts() {
  std::vector<std::string> due;
  for (const auto& [name, f] : failed_ports_) {
    if (f.spec.kind != PortKind::kKernel || if_nametoindex(f.spec.netdev.c_str()) != 0) {
      due.push_back(name);
    }
  }
  for (const std::string& name : due) {
    auto it = failed_ports_.find(name);
    if (it == failed_ports_.end()) {
      continue;
    }
    const FailedPort failed = it->second;
    // Not as restoring: a TAP of its name that appeared meanwhile is taken
    // over only if the switch made it (marked), never a VM's.
    if (Status s = AddPort(failed.spec, /*restoring=*/false); !s.ok()) {
      if (s.message() != failed.error) {  // once per new reason, not every second
        SY_WARN("port " << name << ": still not open: " << s.message());
        it->second.error = s.message();
      }
      continue;
    }
    failed_ports_.erase(name);
    for (const StaticMac& m : static_macs_) {
      if (m.port == name) {
        if (Status s = PinStaticMac(m); !s.ok()) {
          SY_ERROR("static MAC " << StaticMacName(m) << ": not pinned: " << s.message());
        }
      }
    }
    SY_INFO("port " << name << ": open now (it was not: " << failed.error << ")");
  }
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

}  // namespace switchyard::dp
