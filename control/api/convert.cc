#include "control/api/convert.h"

#include "control/api/address_text.h"

namespace switchyard::ctl {

Status TunnelFromProto(const v1::Tunnel& msg, dp::TunnelSpec* spec) {
  dp::TunnelSpec t;
  switch (msg.type()) {
    case v1::TUNNEL_TYPE_UNSPECIFIED:
      t.kind = dp::TunnelKind::kNone;
      break;
    case v1::TUNNEL_TYPE_VXLAN:
      t.kind = dp::TunnelKind::kVxlan;
      break;
    case v1::TUNNEL_TYPE_GRE:
      t.kind = dp::TunnelKind::kGre;
      break;
    default:
      return Status(StatusCode::kInvalidArgument,
                    "network.tunnel.type: " + std::to_string(static_cast<int>(msg.type())) +
                        " is not a TunnelType");
  }
  t.id = msg.id();
  t.uplink = msg.uplink();
  if (Status s = ReadEach("network.tunnel.remotes", msg.remotes(), &t.remotes); !s.ok()) {
    return s;
  }
  if (t.kind == dp::TunnelKind::kVxlan) {
    t.udp_port = msg.udp_port() == 0 ? dp::kVxlanPort : msg.udp_port();
  } else if (msg.udp_port() != 0) {
    return Status(StatusCode::kInvalidArgument, "network.tunnel.udp_port: only VXLAN has one");
  }
  if (t.kind != dp::TunnelKind::kVxlan) {
    t.udp_port = dp::TunnelSpec{}.udp_port;
  }
  if (Status s = dp::ValidateTunnel(t); !s.ok()) {
    return s;
  }
  *spec = std::move(t);
  return Status::Ok();
}

Status NetworkModeFromProto(v1::NetworkMode mode, bool create, dp::NetworkMode* out) {
  switch (mode) {
    case v1::NETWORK_MODE_UNSPECIFIED:
      if (!create) {
        return Status(StatusCode::kInvalidArgument,
                      "network.mode: NETWORK_MODE_UNSPECIFIED; give the mode to change to");
      }
      *out = dp::NetworkMode::kBridge;
      return Status::Ok();
    case v1::NETWORK_MODE_BRIDGE:
      *out = dp::NetworkMode::kBridge;
      return Status::Ok();
    case v1::NETWORK_MODE_NAT:
      *out = dp::NetworkMode::kNat;
      return Status::Ok();
    case v1::NETWORK_MODE_ROUTED:
      *out = dp::NetworkMode::kRouted;
      return Status::Ok();
    case v1::NETWORK_MODE_ISOLATED:
      *out = dp::NetworkMode::kIsolated;
      return Status::Ok();
    default:
      break;
  }
  return Status(
      StatusCode::kInvalidArgument,
      "network.mode: " + std::to_string(static_cast<int>(mode)) + " is not a NetworkMode");
}

v1::NetworkMode NetworkModeToProto(dp::NetworkMode mode) {
  switch (mode) {
    case dp::NetworkMode::kNat:
      return v1::NETWORK_MODE_NAT;
    case dp::NetworkMode::kRouted:
      return v1::NETWORK_MODE_ROUTED;
    case dp::NetworkMode::kIsolated:
      return v1::NETWORK_MODE_ISOLATED;
    case dp::NetworkMode::kBridge:
      break;
  }
  return v1::NETWORK_MODE_BRIDGE;
}

Status DhcpFromProto(const v1::Dhcp& msg, dp::DhcpSpec* spec) {
  dp::DhcpSpec d;
  if (msg.range_start().empty() && msg.range_end().empty() && msg.dns().empty() &&
      msg.hosts().empty()) {
    *spec = d;  // off
    return Status::Ok();
  }
  if (Status s = ReadText("network.dhcp.range_start", msg.range_start(), &d.range_start); !s.ok()) {
    return s;
  }
  if (Status s = ReadText("network.dhcp.range_end", msg.range_end(), &d.range_end); !s.ok()) {
    return s;
  }
  if (msg.lease_seconds() != 0) {
    d.lease_s = msg.lease_seconds();
  }
  if (msg.leases_per_port() != 0) {
    d.leases_per_port = msg.leases_per_port();
  }
  if (Status s = ReadEach("network.dhcp.dns", msg.dns(), &d.dns); !s.ok()) {
    return s;
  }
  for (const v1::DhcpHost& h : msg.hosts()) {
    dp::DhcpHost host{.hostname = h.hostname()};
    if (Status s = ReadText("network.dhcp.hosts.mac", h.mac(), &host.mac); !s.ok()) {
      return s;
    }
    if (Status s = ReadText("network.dhcp.hosts.address", h.address(), &host.address); !s.ok()) {
      return s;
    }
    d.hosts.push_back(std::move(host));
  }
  *spec = std::move(d);
  return Status::Ok();
}

Status ForwardsFromProto(const google::protobuf::RepeatedPtrField<v1::PortForward>& msg,
                         std::vector<dp::PortForward>* forwards) {
  std::vector<dp::PortForward> out;
  for (const v1::PortForward& f : msg) {
    dp::PortForward forward;
    switch (f.protocol()) {
      case v1::FORWARD_PROTOCOL_TCP:
        forward.proto = dp::ForwardProto::kTcp;
        break;
      case v1::FORWARD_PROTOCOL_UDP:
        forward.proto = dp::ForwardProto::kUdp;
        break;
      default:
        return Status(
            StatusCode::kInvalidArgument,
            "network.forwards.protocol: " + std::to_string(static_cast<int>(f.protocol())) +
                " is not FORWARD_PROTOCOL_TCP or FORWARD_PROTOCOL_UDP");
    }
    forward.outside_port = f.outside_port();
    if (Status s =
            ReadText("network.forwards.guest_address", f.guest_address(), &forward.guest_address);
        !s.ok()) {
      return s;
    }
    forward.guest_port = f.guest_port();
    out.push_back(std::move(forward));
  }
  *forwards = std::move(out);
  return Status::Ok();
}

Status NetworkFromProto(const v1::Network& msg, dp::NetworkSpec* spec) {
  spec->name = msg.name();
  if (msg.fdb_aging_seconds() != 0) {
    spec->fdb_aging_s = msg.fdb_aging_seconds();
  }
  if (msg.fdb_max_entries() != 0) {
    spec->fdb_max = msg.fdb_max_entries();
  }
  if (msg.has_tunnel()) {
    if (Status s = TunnelFromProto(msg.tunnel(), &spec->tunnel); !s.ok()) {
      return s;
    }
  }
  if (Status s = NetworkModeFromProto(msg.mode(), true, &spec->mode); !s.ok()) {
    return s;
  }
  if (Status s = ReadText("network.gateway", msg.gateway(), &spec->gateway); !s.ok()) {
    return s;
  }
  spec->uplink = msg.uplink();
  if (msg.has_dhcp()) {
    if (Status s = DhcpFromProto(msg.dhcp(), &spec->dhcp); !s.ok()) {
      return s;
    }
  }
  if (Status s = ForwardsFromProto(msg.forwards(), &spec->forwards); !s.ok()) {
    return s;
  }
  if (msg.nat_max_connections() != 0) {
    spec->nat_max_connections = msg.nat_max_connections();
  }
  spec->nat_max_per_guest = msg.nat_max_per_guest();
  spec->nat_max_per_forward = msg.nat_max_per_forward();
  if (Status s = ReadText("network.nat_address", msg.nat_address(), &spec->nat_address); !s.ok()) {
    return s;
  }
  return ReadEach("network.underlay_allow", msg.underlay_allow(), &spec->underlay_allow);
}

v1::Network NetworkToProto(const dp::NetworkSpec& spec) {
  v1::Network msg;
  msg.set_name(spec.name);
  msg.set_fdb_aging_seconds(spec.fdb_aging_s);
  msg.set_fdb_max_entries(spec.fdb_max);
  const dp::TunnelSpec& t = spec.tunnel;
  if (t.kind != dp::TunnelKind::kNone) {
    auto* tunnel = msg.mutable_tunnel();
    tunnel->set_type(t.kind == dp::TunnelKind::kVxlan ? v1::TUNNEL_TYPE_VXLAN
                                                      : v1::TUNNEL_TYPE_GRE);
    tunnel->set_id(t.id);
    tunnel->set_uplink(t.uplink);
    for (const dp::Ipv4Address r : t.remotes) {
      tunnel->add_remotes(r.ToString());
    }
    if (t.kind == dp::TunnelKind::kVxlan) {
      tunnel->set_udp_port(t.udp_port);
    }
  }
  msg.set_mode(NetworkModeToProto(spec.mode));
  msg.set_gateway(TextOf(spec.gateway));
  msg.set_uplink(spec.uplink);
  if (!(spec.dhcp == dp::DhcpSpec{})) {
    v1::Dhcp* dhcp = msg.mutable_dhcp();
    dhcp->set_range_start(TextOf(spec.dhcp.range_start));
    dhcp->set_range_end(TextOf(spec.dhcp.range_end));
    dhcp->set_lease_seconds(spec.dhcp.lease_s);
    dhcp->set_leases_per_port(spec.dhcp.leases_per_port);
    for (const dp::Ipv4Address server : spec.dhcp.dns) {
      dhcp->add_dns(server.ToString());
    }
    for (const auto& h : spec.dhcp.hosts) {
      v1::DhcpHost* host = dhcp->add_hosts();
      host->set_mac(dp::MacToString(h.mac));
      host->set_address(h.address.ToString());
      host->set_hostname(h.hostname);
    }
  }
  for (const auto& f : spec.forwards) {
    v1::PortForward* forward = msg.add_forwards();
    forward->set_protocol(f.proto == dp::ForwardProto::kUdp ? v1::FORWARD_PROTOCOL_UDP
                                                            : v1::FORWARD_PROTOCOL_TCP);
    forward->set_outside_port(f.outside_port);
    forward->set_guest_address(f.guest_address.ToString());
    forward->set_guest_port(f.guest_port);
  }
  msg.set_nat_max_connections(spec.nat_max_connections);
  msg.set_nat_max_per_guest(spec.nat_max_per_guest);
  msg.set_nat_max_per_forward(spec.nat_max_per_forward);
  msg.set_nat_address(TextOf(spec.nat_address));
  for (const dp::Ipv4Cidr& allowed : spec.underlay_allow) {
    msg.add_underlay_allow(allowed.ToString());
  }
  return msg;
}

void GatewayToProto(const dp::NetworkSpec& spec, const dp::GatewayReport& gateway,
                    v1::NetworkStatus* status) {
  if (spec.HasGateway() && gateway.mac != 0) {
    status->set_gateway_mac(dp::MacToString(gateway.mac));
  }
  status->set_connections(gateway.connections);
  status->set_connections_made(gateway.connections_made);
  status->set_nat_table_full(gateway.table_full);
  status->set_nat_early_drops(gateway.early_drops);
  status->set_leases(gateway.leases);
  status->set_dhcp_replies(gateway.dhcp_replies);
  status->set_dhcp_spoofed(gateway.dhcp_spoofed);
  status->set_dhcp_port_limited(gateway.dhcp_port_limited);
}

v1::Lease LeaseToProto(const dp::LeaseReport& lease) {
  v1::Lease msg;
  msg.set_network(lease.network);
  msg.set_mac(dp::MacToString(lease.mac));
  msg.set_address(lease.address.ToString());
  msg.set_hostname(lease.hostname);
  msg.set_expires_unix_seconds(lease.is_static ? 0 : lease.expires_unix_s);
  msg.set_static_(lease.is_static);
  return msg;
}

Status LeaseFromProto(const v1::Lease& msg, dp::LeaseReport* lease) {
  if (Status s = ReadText("lease.mac", msg.mac(), &lease->mac); !s.ok()) {
    return s;
  }
  if (Status s = ReadText("lease.address", msg.address(), &lease->address); !s.ok()) {
    return s;
  }
  lease->network = msg.network();
  lease->hostname = msg.hostname();
  lease->is_static = msg.static_();
  // A static lease never expires, whatever a hand-edited leases.json says.
  lease->expires_unix_s = lease->is_static ? 0 : msg.expires_unix_seconds();
  return Status::Ok();
}

v1::TunnelEndpointStatus EndpointToProto(const dp::EndpointReport& e) {
  v1::TunnelEndpointStatus msg;
  msg.set_remote(e.remote);
  msg.set_port(e.name);
  msg.set_next_hop(e.next_hop);
  msg.set_next_hop_mac(e.next_hop_mac == 0 ? "" : dp::MacToString(e.next_hop_mac));
  msg.set_up(e.link_up);
  msg.set_max_frame(e.max_frame);
  return msg;
}

Status VhostUserFromProto(const v1::VhostUser& vhost, dp::PortSpec* spec) {
  switch (vhost.mode()) {
    case v1::VHOST_USER_MODE_SERVER:
      spec->kind = dp::PortKind::kVhostServer;
      break;
    case v1::VHOST_USER_MODE_CLIENT:
      spec->kind = dp::PortKind::kVhostClient;
      break;
    default:
      return Status(StatusCode::kInvalidArgument,
                    "port.vhost_user.mode: must be VHOST_USER_MODE_SERVER or "
                    "VHOST_USER_MODE_CLIENT");
  }
  spec->socket_path = vhost.socket_path();
  return Status::Ok();
}

dp::KernelDriver DriverFromProto(v1::KernelDriver d) {
  switch (d) {
    case v1::KERNEL_DRIVER_AF_XDP:
      return dp::KernelDriver::kAfXdp;
    case v1::KERNEL_DRIVER_AF_PACKET:
      return dp::KernelDriver::kAfPacket;
    default:
      return dp::KernelDriver::kAuto;
  }
}

v1::KernelDriver DriverToProto(dp::KernelDriver d) {
  switch (d) {
    case dp::KernelDriver::kAfXdp:
      return v1::KERNEL_DRIVER_AF_XDP;
    case dp::KernelDriver::kAfPacket:
      return v1::KERNEL_DRIVER_AF_PACKET;
    case dp::KernelDriver::kAuto:
      break;
  }
  return v1::KERNEL_DRIVER_AUTO;
}

// Unknown numbers (a newer client) are refused, not taken as auto.
Status CheckDriver(const std::string& field, v1::KernelDriver d) {
  if (!v1::KernelDriver_IsValid(d)) {
    return Status(StatusCode::kInvalidArgument,
                  field + ": " + std::to_string(static_cast<int>(d)) + " is not a KernelDriver");
  }
  return Status::Ok();
}

Status KernelFromProto(const v1::Kernel& kernel, dp::PortSpec* spec) {
  spec->kind = dp::PortKind::kKernel;
  spec->netdev = kernel.netdev();
  spec->driver = DriverFromProto(kernel.driver());
  return CheckDriver("port.kernel.driver", kernel.driver());
}

Status TapFromProto(const v1::Tap& tap, dp::PortSpec* spec) {
  spec->kind = dp::PortKind::kTap;
  spec->netdev = tap.name();
  spec->tap_owner_uid = tap.has_owner_uid() ? static_cast<int>(tap.owner_uid()) : -1;
  spec->mtu = tap.mtu();
  spec->tap_multi_queue = tap.multi_queue();
  spec->tap_adopt = tap.adopt();
  spec->driver = DriverFromProto(tap.driver());
  return CheckDriver("port.tap.driver", tap.driver());
}

Status InternalFromProto(const v1::Internal& internal, dp::PortSpec* spec) {
  spec->kind = dp::PortKind::kInternal;
  spec->netdev = internal.name();
  if (Status s = ReadEach("port.internal.addresses", internal.addresses(), &spec->addresses);
      !s.ok()) {
    return s;
  }
  spec->mtu = internal.mtu();
  spec->driver = DriverFromProto(internal.driver());
  return CheckDriver("port.internal.driver", internal.driver());
}

Status VlanFromProto(const v1::Vlan& vlan, dp::VlanSpec* spec) {
  *spec = dp::VlanSpec{};
  switch (vlan.mode()) {
    case v1::VLAN_MODE_UNSPECIFIED:
    case v1::VLAN_MODE_TRUNK:
      spec->mode = dp::VlanMode::kTrunk;
      break;
    case v1::VLAN_MODE_ACCESS:
      spec->mode = dp::VlanMode::kAccess;
      break;
    default:
      return Status(StatusCode::kInvalidArgument,
                    "port.vlan.mode: " + std::to_string(static_cast<int>(vlan.mode())) +
                        " is not a VlanMode");
  }
  spec->tag = vlan.tag();
  for (const auto& r : vlan.trunks()) {
    spec->trunks.push_back(dp::VlanRange{r.first(), r.last() == 0 ? r.first() : r.last()});
  }
  spec->native = vlan.native_vlan();
  spec->native_tagged = vlan.native_tagged();
  return dp::ValidateVlanSpec(*spec);
}

v1::Vlan VlanToProto(const dp::VlanSpec& spec) {
  v1::Vlan msg;
  msg.set_mode(spec.mode == dp::VlanMode::kAccess ? v1::VLAN_MODE_ACCESS : v1::VLAN_MODE_TRUNK);
  msg.set_tag(spec.tag);
  for (const auto& r : spec.trunks) {
    auto* range = msg.add_trunks();
    range->set_first(r.first);
    if (r.last != r.first) {
      range->set_last(r.last);
    }
  }
  msg.set_native_vlan(spec.native);
  msg.set_native_tagged(spec.native_tagged);
  return msg;
}

Status SecurityFromProto(const v1::PortSecurity& msg, dp::PortSecuritySpec* spec) {
  dp::PortSecuritySpec out;
  if (Status s = ReadEach("port.security.macs", msg.macs(), &out.macs); !s.ok()) {
    return s;
  }
  if (Status s = ReadEach("port.security.ipv4_addresses", msg.ipv4_addresses(), &out.ipv4);
      !s.ok()) {
    return s;
  }
  out.dhcp_snooping = msg.dhcp_snooping();
  *spec = std::move(out);
  return Status::Ok();
}

Status UnderlayFromProto(const v1::Underlay& msg, dp::UnderlaySpec* spec) {
  dp::UnderlaySpec out;
  if (Status s = ReadText("port.underlay.address", msg.address(), &out.address); !s.ok()) {
    return s;
  }
  if (Status s = ReadText("port.underlay.gateway", msg.gateway(), &out.gateway); !s.ok()) {
    return s;
  }
  *spec = out;
  return Status::Ok();
}

v1::PortSecurity SecurityToProto(const dp::PortSecuritySpec& spec) {
  v1::PortSecurity msg;
  for (const dp::MacKey m : spec.macs) {
    msg.add_macs(dp::MacToString(m));
  }
  for (const dp::Ipv4Address a : spec.ipv4) {
    msg.add_ipv4_addresses(a.ToString());
  }
  msg.set_dhcp_snooping(spec.dhcp_snooping);
  return msg;
}

Status PortFromProto(const v1::Port& msg, dp::PortSpec* spec) {
  spec->name = msg.name();
  spec->network = msg.network();
  spec->private_port = msg.private_port();
  spec->mac_limit = msg.mac_limit();
  spec->flood_limit = msg.flood_limit();
  if (msg.has_security()) {
    if (Status s = SecurityFromProto(msg.security(), &spec->security); !s.ok()) {
      return s;
    }
  }
  if (msg.has_underlay()) {
    if (Status s = UnderlayFromProto(msg.underlay(), &spec->underlay); !s.ok()) {
      return s;
    }
  }
  if (msg.has_vlan()) {
    if (Status s = VlanFromProto(msg.vlan(), &spec->vlan); !s.ok()) {
      return s;
    }
  }
  switch (msg.backend_case()) {
    case v1::Port::kVhostUser:
      return VhostUserFromProto(msg.vhost_user(), spec);
    case v1::Port::kKernel:
      return KernelFromProto(msg.kernel(), spec);
    case v1::Port::kTap:
      return TapFromProto(msg.tap(), spec);
    case v1::Port::kInternal:
      return InternalFromProto(msg.internal(), spec);
    case v1::Port::BACKEND_NOT_SET:
      break;
  }
  return Status(StatusCode::kInvalidArgument,
                "port.backend: one backend (vhost_user, kernel, tap or internal) is required");
}

v1::Port PortToProto(const dp::PortSpec& spec) {
  v1::Port msg;
  msg.set_name(spec.name);
  msg.set_network(spec.network);
  msg.set_private_port(spec.private_port);
  msg.set_mac_limit(spec.mac_limit);
  msg.set_flood_limit(spec.flood_limit);
  if (spec.security.Enabled()) {
    *msg.mutable_security() = SecurityToProto(spec.security);
  }
  if (spec.vlan != dp::VlanSpec{}) {
    *msg.mutable_vlan() = VlanToProto(spec.vlan);
  }
  if (spec.IsUplink()) {
    msg.mutable_underlay()->set_address(TextOf(spec.underlay.address));
    msg.mutable_underlay()->set_gateway(TextOf(spec.underlay.gateway));
  }
  if (spec.kind == dp::PortKind::kKernel) {
    msg.mutable_kernel()->set_netdev(spec.netdev);
    msg.mutable_kernel()->set_driver(DriverToProto(spec.driver));
    return msg;
  }
  if (spec.kind == dp::PortKind::kTap) {
    auto* tap = msg.mutable_tap();
    tap->set_name(spec.netdev);
    if (spec.tap_owner_uid >= 0) {
      tap->set_owner_uid(static_cast<uint32_t>(spec.tap_owner_uid));
    }
    tap->set_mtu(spec.mtu);
    tap->set_multi_queue(spec.tap_multi_queue);
    tap->set_adopt(spec.tap_adopt);
    tap->set_driver(DriverToProto(spec.driver));
    return msg;
  }
  if (spec.kind == dp::PortKind::kInternal) {
    auto* internal = msg.mutable_internal();
    internal->set_name(spec.netdev);
    for (const dp::IpCidr& a : spec.addresses) {
      internal->add_addresses(a.ToString());
    }
    internal->set_mtu(spec.mtu);
    internal->set_driver(DriverToProto(spec.driver));
    return msg;
  }
  auto* vhost = msg.mutable_vhost_user();
  vhost->set_socket_path(spec.socket_path);
  vhost->set_mode(spec.kind == dp::PortKind::kVhostClient ? v1::VHOST_USER_MODE_CLIENT
                                                          : v1::VHOST_USER_MODE_SERVER);
  return msg;
}

v1::Counters CountersToProto(const dp::PortTotals& totals) {
  v1::Counters c;
  c.set_rx_packets(totals.rx_packets);
  c.set_rx_bytes(totals.rx_bytes);
  c.set_tx_packets(totals.tx_packets);
  c.set_tx_bytes(totals.tx_bytes);
  for (int r = 0; r < dp::kDropReasonCount; ++r) {
    (*c.mutable_drops())[std::string(dp::DropReasonName(static_cast<dp::DropReason>(r)))] =
        totals.drops[r];
  }
  return c;
}

v1::FdbEntry FdbRowToProto(const std::string& network, const dp::FdbRow& row) {
  v1::FdbEntry e;
  e.set_network(network);
  e.set_mac(dp::MacToString(row.mac));
  e.set_vlan(row.vlan);
  e.set_port(row.port);
  e.set_static_(row.is_static);
  e.set_age_seconds(row.is_static ? 0 : row.age_s);
  return e;
}

Status FdbRowFromProto(const v1::FdbEntry& msg, dp::FdbRow* row) {
  if (Status s = ReadText("fdb.mac", msg.mac(), &row->mac); !s.ok()) {
    return s;
  }
  if (msg.vlan() > 4095) {
    return Status(StatusCode::kInvalidArgument,
                  "fdb.vlan: " + std::to_string(msg.vlan()) + " is outside 0..4095");
  }
  row->port = msg.port();
  row->vlan = static_cast<uint16_t>(msg.vlan());
  row->is_static = msg.static_();
  row->age_s = msg.age_seconds();
  return Status::Ok();
}

v1::StaticMac StaticMacToProto(const StaticMac& m) {
  v1::StaticMac out;
  out.set_network(m.network);
  out.set_mac(dp::MacToString(m.mac));
  out.set_port(m.port);
  out.set_vlan(m.vlan);
  return out;
}

v1::DesiredState DesiredStateToProto(const DesiredState& state) {
  v1::DesiredState msg;
  for (const auto& n : state.networks) {
    *msg.add_networks() = NetworkToProto(n);
  }
  for (const auto& p : state.ports) {
    *msg.add_ports() = PortToProto(p);
  }
  for (const auto& m : state.static_macs) {
    *msg.add_static_macs() = StaticMacToProto(m);
  }
  return msg;
}

Status DesiredStateFromProto(const v1::DesiredState& msg, DesiredState* state) {
  DesiredState out;
  for (const auto& n : msg.networks()) {
    dp::NetworkSpec spec;
    if (Status s = NetworkFromProto(n, &spec); !s.ok()) {
      return Status(s.code(), "network " + n.name() + ": " + s.message());
    }
    out.networks.push_back(std::move(spec));
  }
  for (const auto& p : msg.ports()) {
    dp::PortSpec spec;
    if (Status s = PortFromProto(p, &spec); !s.ok()) {
      return Status(s.code(), "port " + p.name() + ": " + s.message());
    }
    out.ports.push_back(std::move(spec));
  }
  for (const auto& m : msg.static_macs()) {
    auto mac = dp::ParseMac(m.mac());
    if (!mac) {
      return Status(StatusCode::kInvalidArgument, "static mac '" + m.mac() + "' is malformed");
    }
    out.static_macs.push_back(StaticMac{m.network(), *mac, m.port(), m.vlan()});
  }
  *state = std::move(out);
  return Status::Ok();
}

namespace {

v1::ObjectKind ObjectKindToProto(dp::ObjectKind kind) {
  switch (kind) {
    case dp::ObjectKind::kNetwork:
      return v1::OBJECT_KIND_NETWORK;
    case dp::ObjectKind::kPort:
      return v1::OBJECT_KIND_PORT;
    case dp::ObjectKind::kStaticMac:
      return v1::OBJECT_KIND_STATIC_MAC;
  }
  return v1::OBJECT_KIND_UNSPECIFIED;
}

v1::ChangeAction ChangeActionToProto(dp::ChangeAction action) {
  switch (action) {
    case dp::ChangeAction::kCreate:
      return v1::CHANGE_ACTION_CREATE;
    case dp::ChangeAction::kUpdate:
      return v1::CHANGE_ACTION_UPDATE;
    case dp::ChangeAction::kDelete:
      return v1::CHANGE_ACTION_DELETE;
    case dp::ChangeAction::kKeep:
      return v1::CHANGE_ACTION_KEEP;
  }
  return v1::CHANGE_ACTION_UNSPECIFIED;
}

}  // namespace

v1::PlannedChange ChangeToProto(const dp::Change& c) {
  v1::PlannedChange out;
  out.set_kind(ObjectKindToProto(c.kind));
  out.set_action(ChangeActionToProto(c.action));
  out.set_name(c.name);
  out.set_reopen(c.reopen);
  out.set_refusal(c.refusal.message());
  return out;
}

v1::ConfigChange ConfigChangeToProto(const ConfigChange& c) {
  v1::ConfigChange out;
  out.set_kind(ObjectKindToProto(c.kind));
  out.set_action(ChangeActionToProto(c.action));
  out.set_name(c.name);
  if (c.network) {
    *out.mutable_network() = NetworkToProto(*c.network);
  } else if (c.port) {
    *out.mutable_port() = PortToProto(*c.port);
  } else if (c.static_mac) {
    *out.mutable_static_mac() = StaticMacToProto(*c.static_mac);
  }
  return out;
}

store::State StateToProto(const DesiredState& state) {
  v1::DesiredState d = DesiredStateToProto(state);
  store::State msg;
  msg.set_version(1);
  msg.mutable_networks()->Swap(d.mutable_networks());
  msg.mutable_ports()->Swap(d.mutable_ports());
  msg.mutable_static_macs()->Swap(d.mutable_static_macs());
  return msg;
}

Status StateFromProto(const store::State& msg, DesiredState* state) {
  if (msg.version() != 1) {
    return Status(StatusCode::kFailedPrecondition,
                  "state: version " + std::to_string(msg.version()) + " is not supported");
  }
  v1::DesiredState d;
  *d.mutable_networks() = msg.networks();
  *d.mutable_ports() = msg.ports();
  *d.mutable_static_macs() = msg.static_macs();
  if (Status s = DesiredStateFromProto(d, state); !s.ok()) {
    return Status(s.code(), "state: " + s.message());
  }
  return Status::Ok();
}

}  // namespace switchyard::ctl
