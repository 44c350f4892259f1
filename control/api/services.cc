#include "control/api/services.h"

#include <google/protobuf/util/time_util.h>

#include <map>
#include <set>

#include "control/api/address_text.h"
#include "control/api/convert.h"

namespace switchyard::ctl {

namespace {

v1::Port PortWithStatus(const dp::PortReport& r) {
  v1::Port p = PortToProto(r.spec);
  p.mutable_status()->set_link(r.link_up ? v1::LINK_STATE_UP : v1::LINK_STATE_DOWN);
  p.mutable_status()->set_guest_connects(r.info.connects);
  p.mutable_status()->set_driver(r.info.driver);
  p.mutable_status()->set_fallback_reason(r.info.fallback_reason);
  if (r.uplink_mac != 0) {
    p.mutable_status()->set_uplink_mac(dp::MacToString(r.uplink_mac));
  }
  return p;
}

// What the Dataplane reports of networks, gathered once per call.
struct NetworkReports {
  explicit NetworkReports(const dp::Engine& dp) : endpoints(dp.Endpoints()) {
    for (auto& r : dp.Networks()) {
      gateways[r.spec.name] = r.gateway;
    }
  }
  std::vector<dp::EndpointReport> endpoints;
  std::map<std::string, dp::GatewayReport> gateways;
};

v1::Network NetworkWithStatus(const dp::NetworkSpec& spec, const NetworkReports& reports) {
  v1::Network n = NetworkToProto(spec);
  for (const auto& e : reports.endpoints) {
    if (e.network == spec.name) {
      *n.mutable_status()->add_endpoints() = EndpointToProto(e);
    }
  }
  auto gateway = reports.gateways.find(spec.name);
  GatewayToProto(spec, gateway == reports.gateways.end() ? dp::GatewayReport{} : gateway->second,
                 n.mutable_status());
  return n;
}

v1::Port FailedPortToProto(const FailedPort& f) {
  v1::Port p = PortToProto(f.spec);
  p.mutable_status()->set_link(v1::LINK_STATE_DOWN);
  p.mutable_status()->set_error(f.error);
  return p;
}

Status NoSuchPort(const std::string& name) {
  return Status(StatusCode::kNotFound, "port.name: '" + name + "' does not exist");
}

}  // namespace

// --- Networks ---------------------------------------------------------------

grpc::Status NetworksService::CreateNetwork(grpc::ServerContext*,
                                            const v1::CreateNetworkRequest* req,
                                            v1::Network* resp) {
  dp::NetworkSpec spec;
  if (Status s = NetworkFromProto(req->network(), &spec); !s.ok()) {
    return ToGrpc(s);
  }
  Status s;
  c_->Run([&] {
    s = c_->CreateNetwork(spec);
    if (s.ok()) {
      *resp = NetworkWithStatus(*c_->FindNetwork(spec.name), NetworkReports(c_->dataplane()));
    }
  });
  return ToGrpc(s);
}

grpc::Status NetworksService::GetNetwork(grpc::ServerContext*, const v1::GetNetworkRequest* req,
                                         v1::Network* resp) {
  Status s;
  c_->Run([&] {
    if (auto n = c_->FindNetwork(req->name())) {
      *resp = NetworkWithStatus(*n, NetworkReports(c_->dataplane()));
    } else {
      s = Status(StatusCode::kNotFound, "network.name: '" + req->name() + "' does not exist");
    }
  });
  return ToGrpc(s);
}

grpc::Status NetworksService::ListNetworks(grpc::ServerContext*, const v1::ListNetworksRequest*,
                                           v1::ListNetworksResponse* resp) {
  c_->Run([&] {
    const NetworkReports reports(c_->dataplane());
    for (const auto& n : c_->desired().networks) {
      *resp->add_networks() = NetworkWithStatus(n, reports);
    }
  });
  return grpc::Status::OK;
}

grpc::Status NetworksService::UpdateNetwork(grpc::ServerContext*,
                                            const v1::UpdateNetworkRequest* req,
                                            v1::Network* resp) {
  NetworkUpdate update;
  if (req->has_fdb_aging_seconds()) {
    update.fdb_aging_s = req->fdb_aging_seconds();
  }
  if (req->has_fdb_max_entries()) {
    update.fdb_max = req->fdb_max_entries();
  }
  if (req->has_tunnel()) {
    update.tunnel.emplace();
    if (Status s = TunnelFromProto(req->tunnel(), &*update.tunnel); !s.ok()) {
      return ToGrpc(s);
    }
  }
  if (req->has_mode()) {
    update.mode.emplace();
    if (Status s = NetworkModeFromProto(req->mode(), false, &*update.mode); !s.ok()) {
      return ToGrpc(s);
    }
  }
  if (req->has_gateway()) {
    if (Status s = ReadText("network.gateway", req->gateway(), &update.gateway.emplace());
        !s.ok()) {
      return ToGrpc(s);
    }
  }
  if (req->has_uplink()) {
    update.uplink = req->uplink();
  }
  if (req->has_dhcp()) {
    update.dhcp.emplace();
    if (Status s = DhcpFromProto(req->dhcp(), &*update.dhcp); !s.ok()) {
      return ToGrpc(s);
    }
  }
  if (req->has_forwards()) {
    update.forwards.emplace();
    if (Status s = ForwardsFromProto(req->forwards().forwards(), &*update.forwards); !s.ok()) {
      return ToGrpc(s);
    }
  }
  if (req->has_nat_max_connections()) {
    update.nat_max_connections = req->nat_max_connections();
  }
  if (req->has_nat_max_per_guest()) {
    update.nat_max_per_guest = req->nat_max_per_guest();
  }
  if (req->has_nat_max_per_forward()) {
    update.nat_max_per_forward = req->nat_max_per_forward();
  }
  if (req->has_nat_address()) {
    if (Status s =
            ReadText("network.nat_address", req->nat_address(), &update.nat_address.emplace());
        !s.ok()) {
      return ToGrpc(s);
    }
  }
  if (req->has_underlay_allow()) {
    if (Status s = ReadEach("network.underlay_allow", req->underlay_allow().prefixes(),
                            &update.underlay_allow.emplace());
        !s.ok()) {
      return ToGrpc(s);
    }
  }
  Status s;
  c_->Run([&] {
    dp::NetworkSpec updated;
    s = c_->UpdateNetwork(req->name(), update, &updated);
    if (s.ok()) {
      *resp = NetworkWithStatus(updated, NetworkReports(c_->dataplane()));
    }
  });
  return ToGrpc(s);
}

grpc::Status NetworksService::DeleteNetwork(grpc::ServerContext*,
                                            const v1::DeleteNetworkRequest* req,
                                            v1::DeleteNetworkResponse*) {
  Status s;
  c_->Run([&] { s = c_->DeleteNetwork(req->name()); });
  return ToGrpc(s);
}

grpc::Status NetworksService::ListLeases(grpc::ServerContext*, const v1::ListLeasesRequest* req,
                                         v1::ListLeasesResponse* resp) {
  Status s;
  c_->Run([&] {
    if (!req->network().empty() && !c_->FindNetwork(req->network())) {
      s = Status(StatusCode::kNotFound, "network: '" + req->network() + "' does not exist");
      return;
    }
    for (const auto& lease : c_->dataplane().Leases(req->network())) {
      *resp->add_leases() = LeaseToProto(lease);
    }
  });
  return ToGrpc(s);
}

// --- Ports ------------------------------------------------------------------

grpc::Status PortsService::CreatePort(grpc::ServerContext*, const v1::CreatePortRequest* req,
                                      v1::Port* resp) {
  dp::PortSpec spec;
  if (Status s = PortFromProto(req->port(), &spec); !s.ok()) {
    return ToGrpc(s);
  }
  Status s;
  c_->Run([&] {
    s = c_->CreatePort(spec);
    if (s.ok()) {
      *resp = PortToProto(*c_->FindPort(spec.name));
    }
  });
  return ToGrpc(s);
}

grpc::Status PortsService::GetPort(grpc::ServerContext*, const v1::GetPortRequest* req,
                                   v1::Port* resp) {
  Status s = NoSuchPort(req->name());
  c_->Run([&] {
    for (const auto& r : c_->dataplane().Ports()) {
      if (r.spec.name == req->name()) {
        *resp = PortWithStatus(r);
        s = Status::Ok();
      }
    }
    if (auto f = c_->failed_ports().find(req->name()); f != c_->failed_ports().end()) {
      *resp = FailedPortToProto(f->second);
      s = Status::Ok();
    }
  });
  return ToGrpc(s);
}

grpc::Status PortsService::ListPorts(grpc::ServerContext*, const v1::ListPortsRequest* req,
                                     v1::ListPortsResponse* resp) {
  c_->Run([&] {
    std::map<std::string, v1::Port> sorted;
    for (const auto& r : c_->dataplane().Ports()) {
      sorted[r.spec.name] = PortWithStatus(r);
    }
    for (const auto& [name, f] : c_->failed_ports()) {
      sorted[name] = FailedPortToProto(f);
    }
    for (auto& [name, p] : sorted) {
      if (req->network().empty() || p.network() == req->network()) {
        *resp->add_ports() = std::move(p);
      }
    }
  });
  return grpc::Status::OK;
}

grpc::Status PortsService::UpdatePort(grpc::ServerContext*, const v1::UpdatePortRequest* req,
                                      v1::Port* resp) {
  PortUpdate update;
  if (req->has_network()) {
    update.network = req->network();
  }
  if (req->has_vhost_user() + req->has_kernel() + req->has_tap() + req->has_internal() > 1) {
    return ToGrpc(Status(StatusCode::kInvalidArgument,
                         "vhost_user, kernel, tap, internal: at most one backend may be given"));
  }
  if (req->has_vhost_user() || req->has_kernel() || req->has_tap() || req->has_internal()) {
    dp::PortSpec b;
    Status s = req->has_vhost_user() ? VhostUserFromProto(req->vhost_user(), &b)
               : req->has_kernel()   ? KernelFromProto(req->kernel(), &b)
               : req->has_tap()      ? TapFromProto(req->tap(), &b)
                                     : InternalFromProto(req->internal(), &b);
    if (!s.ok()) {
      return ToGrpc(s);
    }
    update.backend = b;
  }
  if (req->has_vlan()) {
    update.vlan.emplace();
    if (Status s = VlanFromProto(req->vlan(), &*update.vlan); !s.ok()) {
      return ToGrpc(s);
    }
  }
  if (req->has_underlay()) {
    update.underlay.emplace();
    if (Status s = UnderlayFromProto(req->underlay(), &*update.underlay); !s.ok()) {
      return ToGrpc(s);
    }
  }
  if (req->has_mac_limit()) {
    update.mac_limit = req->mac_limit();
  }
  if (req->has_flood_limit()) {
    update.flood_limit = req->flood_limit();
  }
  if (req->has_security()) {
    update.security.emplace();
    if (Status s = SecurityFromProto(req->security(), &*update.security); !s.ok()) {
      return ToGrpc(s);
    }
  }
  if (req->has_private_port()) {
    update.private_port = req->private_port();
  }
  Status s;
  c_->Run([&] {
    dp::PortSpec updated;
    s = c_->UpdatePort(req->name(), update, &updated);
    if (s.ok()) {
      *resp = PortToProto(updated);
    }
  });
  return ToGrpc(s);
}

grpc::Status PortsService::DeletePort(grpc::ServerContext*, const v1::DeletePortRequest* req,
                                      v1::DeletePortResponse*) {
  Status s;
  c_->Run([&] { s = c_->DeletePort(req->name()); });
  return ToGrpc(s);
}

// --- FDB --------------------------------------------------------------------

grpc::Status FdbService::ListFdb(grpc::ServerContext*, const v1::ListFdbRequest* req,
                                 v1::ListFdbResponse* resp) {
  Status s;
  c_->Run([&] {
    if (!c_->FindNetwork(req->network())) {
      s = Status(StatusCode::kNotFound, "network: '" + req->network() + "' does not exist");
      return;
    }
    for (const auto& row : c_->dataplane().FdbEntries(req->network())) {
      *resp->add_entries() = FdbRowToProto(req->network(), row);
    }
  });
  return ToGrpc(s);
}

grpc::Status FdbService::FlushFdb(grpc::ServerContext*, const v1::FlushFdbRequest* req,
                                  v1::FlushFdbResponse* resp) {
  Status s;
  c_->Run([&] {
    size_t flushed = 0;
    s = c_->FlushFdb(req->network(), req->port(), req->include_static(), &flushed);
    resp->set_flushed(flushed);
  });
  return ToGrpc(s);
}

grpc::Status FdbService::AddStaticMac(grpc::ServerContext*, const v1::AddStaticMacRequest* req,
                                      v1::FdbEntry* resp) {
  auto mac = dp::ParseMac(req->mac());
  if (!mac) {
    return ToGrpc(Status(StatusCode::kInvalidArgument,
                         "mac: '" + req->mac() + "' is not of the form xx:xx:xx:xx:xx:xx"));
  }
  Status s;
  c_->Run([&] {
    s = c_->AddStaticMac(StaticMac{req->network(), *mac, req->port(), req->vlan()});
    if (s.ok()) {
      resp->set_network(req->network());
      resp->set_mac(dp::MacToString(*mac));
      resp->set_vlan(req->vlan());
      resp->set_port(req->port());
      resp->set_static_(true);
    }
  });
  return ToGrpc(s);
}

grpc::Status FdbService::DeleteStaticMac(grpc::ServerContext*,
                                         const v1::DeleteStaticMacRequest* req,
                                         v1::DeleteStaticMacResponse*) {
  auto mac = dp::ParseMac(req->mac());
  if (!mac) {
    return ToGrpc(Status(StatusCode::kInvalidArgument,
                         "mac: '" + req->mac() + "' is not of the form xx:xx:xx:xx:xx:xx"));
  }
  Status s;
  c_->Run([&] { s = c_->DeleteStaticMac(req->network(), req->vlan(), *mac); });
  return ToGrpc(s);
}

// --- Stats ------------------------------------------------------------------

grpc::Status StatsService::GetStats(grpc::ServerContext*, const v1::GetStatsRequest* req,
                                    v1::GetStatsResponse* resp) {
  const std::set<std::string> want_ports(req->ports().begin(), req->ports().end());
  const std::set<std::string> want_nets(req->networks().begin(), req->networks().end());
  Status s;
  c_->Run([&] {
    const dp::Engine& dp = c_->dataplane();
    std::set<std::string> seen;
    for (const auto& r : dp.Ports()) {
      if (!want_ports.empty() && !want_ports.count(r.spec.name)) {
        continue;
      }
      seen.insert(r.spec.name);
      auto* p = resp->add_ports();
      p->set_name(r.spec.name);
      p->set_network(r.spec.network);
      p->set_link(r.link_up ? v1::LINK_STATE_UP : v1::LINK_STATE_DOWN);
      *p->mutable_counters() = CountersToProto(r.totals);
      for (const auto& [name, value] : r.info.backend_counters) {
        (*p->mutable_backend_counters())[name] = value;
      }
    }
    for (const auto& name : want_ports) {
      if (!seen.count(name)) {
        s = NoSuchPort(name);
        return;
      }
    }
    for (const auto& e : dp.Endpoints()) {
      if (!want_ports.empty() || (!want_nets.empty() && !want_nets.count(e.network))) {
        continue;
      }
      auto* p = resp->add_tunnel_endpoints();
      p->set_name(e.name);
      p->set_network(e.network);
      p->set_link(e.link_up ? v1::LINK_STATE_UP : v1::LINK_STATE_DOWN);
      *p->mutable_counters() = CountersToProto(e.totals);
    }
    seen.clear();
    for (const auto& r : dp.Networks()) {
      if (!want_nets.empty() && !want_nets.count(r.spec.name)) {
        continue;
      }
      seen.insert(r.spec.name);
      auto* n = resp->add_networks();
      n->set_name(r.spec.name);
      *n->mutable_counters() = CountersToProto(r.ports);
      n->set_fdb_entries(r.fdb_entries);
      n->set_fdb_learned(r.totals.learned);
      n->set_fdb_moves(r.totals.moves);
      n->set_fdb_aged(r.aged);
      n->set_fdb_learn_full(r.totals.learn_full);
      n->set_flooded(r.totals.flooded);
      n->set_unicast(r.totals.unicast);
    }
    for (const auto& name : want_nets) {
      if (!seen.count(name)) {
        s = Status(StatusCode::kNotFound, "network: '" + name + "' does not exist");
        return;
      }
    }
    uint32_t id = 0;
    for (const auto& r : dp.Pmds()) {
      auto* p = resp->add_pmds();
      p->set_id(id++);
      p->set_lcore(r.lcore);
      p->set_cpu(r.cpu);
      p->set_packets(r.packets);
      p->set_busy_cycles(r.busy_cycles);
      p->set_idle_cycles(r.idle_cycles);
      p->set_cycles_per_packet(r.packets ? static_cast<double>(r.busy_cycles) / r.packets : 0);
      p->set_iterations(r.iterations);
      for (const auto& name : r.rx_ports) {
        p->add_rx_ports(name);
      }
    }
    resp->set_tsc_hz(dp.tsc_hz());
    resp->set_events_dropped(dp.events_dropped());
    resp->set_mbufs_total(dp.mbufs_total());
    resp->set_mbufs_in_use(dp.mbufs_in_use());
    resp->set_dpdk_heap_allocated_bytes(dp.dpdk_heap_allocated());
  });
  resp->set_uptime_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  if (!s.ok()) {
    resp->Clear();
  }
  return ToGrpc(s);
}

// --- Config -----------------------------------------------------------------

grpc::Status ConfigService::Get(grpc::ServerContext*, const v1::GetConfigRequest*,
                                v1::GetConfigResponse* resp) {
  c_->Run([&] {
    *resp->mutable_state() = DesiredStateToProto(c_->desired());
    resp->set_revision(c_->revision());
  });
  return grpc::Status::OK;
}

grpc::Status ConfigService::Apply(grpc::ServerContext*, const v1::ApplyConfigRequest* req,
                                  v1::ApplyConfigResponse* resp) {
  DesiredState next;
  if (Status s = DesiredStateFromProto(req->state(), &next); !s.ok()) {
    return ToGrpc(s);
  }
  const std::optional<uint64_t> expected = req->has_expected_revision()
                                               ? std::optional<uint64_t>(req->expected_revision())
                                               : std::nullopt;
  Status s;
  dp::Plan plan;
  uint64_t revision = 0;
  c_->Run([&] { s = c_->Apply(std::move(next), expected, req->dry_run(), &plan, &revision); });
  for (const dp::Change& c : plan.changes) {
    *resp->add_changes() = ChangeToProto(c);
  }
  resp->set_revision(revision);
  return ToGrpc(s);
}

// --- Events -----------------------------------------------------------------

namespace {

v1::Event EventToProto(const Event& e) {
  v1::Event msg;
  msg.set_sequence(e.sequence);
  *msg.mutable_time() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::nanoseconds>(e.time.time_since_epoch()).count());
  msg.set_type(static_cast<v1::EventType>(e.type));
  msg.set_network(e.network);
  msg.set_port(e.port);
  msg.set_mac(e.mac);
  msg.set_vlan(e.vlan);
  msg.set_previous_port(e.previous_port);
  msg.set_detail(e.detail);
  msg.set_missed(e.missed);
  msg.set_revision(e.revision);
  if (e.change != nullptr) {
    *msg.mutable_change() = ConfigChangeToProto(*e.change);
  }
  return msg;
}

}  // namespace

grpc::Status EventsService::Watch(grpc::ServerContext* ctx, const v1::WatchRequest* req,
                                  grpc::ServerWriter<v1::Event>* writer) {
  std::set<int> types;
  for (int t : req->types()) {
    if (!v1::EventType_IsValid(t) || t == v1::EVENT_TYPE_UNSPECIFIED) {
      return ToGrpc(Status(StatusCode::kInvalidArgument,
                           "types: " + std::to_string(t) + " is not an event type"));
    }
    types.insert(t);
  }
  std::shared_ptr<EventHub::Subscription> sub;
  Status s;
  // On the control thread, where config events are published: the list or
  // the resume ends exactly where the subscription starts.
  c_->Run([&] {
    if (!req->has_from_revision()) {
      sub = hub_->Subscribe();
      return;
    }
    const uint64_t from = req->from_revision();
    std::vector<Event> first;
    if (from == 0) {
      first = c_->StateAsEvents();
    } else if (from > c_->revision() || !hub_->ChangesSince(from, &first)) {
      s = Status(
          StatusCode::kOutOfRange,
          "from_revision: " + std::to_string(from) +
              (from > c_->revision() ? " is ahead of the config's revision "
                                     : " is older than the changes kept; the config is at ") +
              std::to_string(c_->revision()) + "; watch again from 0 to list it");
      return;
    }
    Event sync;
    sync.type = EventType::kSync;
    sync.time = std::chrono::system_clock::now();
    sync.revision = c_->revision();
    sync.detail = "in sync at revision " + std::to_string(sync.revision);
    first.push_back(std::move(sync));
    sub = hub_->Subscribe(std::move(first));
  });
  if (!s.ok()) {
    return ToGrpc(s);
  }
  while (!ctx->IsCancelled() && !sub->Done()) {
    Event e;
    if (!sub->Next(&e, std::chrono::milliseconds(200))) {
      continue;
    }
    if (e.type != EventType::kSync && ((!types.empty() && !types.count(static_cast<int>(e.type))) ||
                                       (!req->network().empty() && e.network != req->network()))) {
      continue;
    }
    if (!writer->Write(EventToProto(e))) {
      break;
    }
  }
  hub_->Unsubscribe(sub);
  return grpc::Status::OK;
}

}  // namespace switchyard::ctl
