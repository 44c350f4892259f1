#include "datapath/engine/spec.h"

#include <cctype>
#include <charconv>
#include <set>
#include <utility>

#include "datapath/core/types.h"

namespace switchyard::dp {

std::string_view PortKindName(PortKind kind) {
  switch (kind) {
    case PortKind::kVhostServer:
      return "vhost-server";
    case PortKind::kVhostClient:
      return "vhost-client";
    case PortKind::kKernel:
      return "kernel";
    case PortKind::kTap:
      return "tap";
    case PortKind::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string_view KernelDriverName(KernelDriver driver) {
  switch (driver) {
    case KernelDriver::kAuto:
      return "auto";
    case KernelDriver::kAfXdp:
      return "af_xdp";
    case KernelDriver::kAfPacket:
      return "af_packet";
  }
  return "unknown";
}

KernelDriver PreferredDriver(const PortSpec& spec) {
  if (spec.driver == KernelDriver::kAuto &&
      (spec.kind == PortKind::kTap || spec.kind == PortKind::kInternal)) {
    return KernelDriver::kAfPacket;
  }
  return spec.driver;
}

std::string_view NetworkModeName(NetworkMode mode) {
  switch (mode) {
    case NetworkMode::kBridge:
      return "bridge";
    case NetworkMode::kNat:
      return "nat";
    case NetworkMode::kRouted:
      return "routed";
    case NetworkMode::kIsolated:
      return "isolated";
  }
  return "unknown";
}

std::optional<NetworkMode> ParseNetworkMode(std::string_view text) {
  for (NetworkMode mode :
       {NetworkMode::kBridge, NetworkMode::kNat, NetworkMode::kRouted, NetworkMode::kIsolated}) {
    if (text == NetworkModeName(mode)) {
      return mode;
    }
  }
  return std::nullopt;
}

std::string_view ForwardProtoName(ForwardProto proto) {
  switch (proto) {
    case ForwardProto::kTcp:
      return "tcp";
    case ForwardProto::kUdp:
      return "udp";
  }
  return "unknown";
}

std::string_view NetdevField(PortKind kind) {
  switch (kind) {
    case PortKind::kTap:
      return "port.tap.name";
    case PortKind::kInternal:
      return "port.internal.name";
    default:
      return "port.kernel.netdev";
  }
}

Status ValidateName(std::string_view field, std::string_view name) {
  auto bad = [&](const std::string& why) {
    return Status(StatusCode::kInvalidArgument,
                  std::string(field) + ": '" + std::string(name) + "' " + why);
  };
  if (name.empty() || name.size() > 32) {
    return bad("must be 1-32 characters long");
  }
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) {
    return bad("must start with a letter or digit");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return bad("may only contain letters, digits, '_', '-' and '.'");
    }
  }
  return Status::Ok();
}

Status ValidateNetworkSpec(const NetworkSpec& spec) {
  if (Status s = ValidateName("network.name", spec.name); !s.ok()) {
    return s;
  }
  if (spec.fdb_aging_s < kMinFdbAgingS || spec.fdb_aging_s > kMaxFdbAgingS) {
    return Status(StatusCode::kInvalidArgument,
                  "network.fdb_aging_seconds: " + std::to_string(spec.fdb_aging_s) +
                      " is outside " + std::to_string(kMinFdbAgingS) + ".." +
                      std::to_string(kMaxFdbAgingS));
  }
  if (spec.fdb_max < kMinFdbMax || spec.fdb_max > kMaxFdbMax) {
    return Status(StatusCode::kInvalidArgument,
                  "network.fdb_max_entries: " + std::to_string(spec.fdb_max) + " is outside " +
                      std::to_string(kMinFdbMax) + ".." + std::to_string(kMaxFdbMax));
  }
  if (Status s = ValidateTunnel(spec.tunnel); !s.ok()) {
    return s;
  }
  return ValidateModeSettings(spec);
}

Status ValidateUnderlay(const UnderlaySpec& spec) {
  auto bad = [](const std::string& why) {
    return Status(StatusCode::kInvalidArgument, "port.underlay." + why);
  };
  if (!spec.address) {
    return bad("address: required on an uplink");
  }
  const Ipv4Cidr& own = *spec.address;
  if (!own.address.IsUnicast() || own.length == 0 || own.length > 30) {
    return bad("address: '" + own.ToString() +
               "' is not a unicast IPv4 ADDRESS/PREFIX with a prefix of 1..30");
  }
  if (!spec.gateway) {
    return Status::Ok();
  }
  const Ipv4Address gateway = *spec.gateway;
  if (!gateway.IsUnicast() || !own.Contains(gateway) || gateway == own.address) {
    return bad("gateway: '" + gateway.ToString() + "' is not another address in " + own.ToString());
  }
  return Status::Ok();
}

Status ValidateTunnel(const TunnelSpec& spec) {
  auto bad = [](const std::string& why) {
    return Status(StatusCode::kInvalidArgument, "network.tunnel." + why);
  };
  if (spec.kind == TunnelKind::kNone) {
    return spec == TunnelSpec{} ? Status::Ok() : bad("type: settings given without a type");
  }
  if (spec.kind == TunnelKind::kVxlan && (spec.id < 1 || spec.id > (1u << 24) - 1)) {
    return bad("id: " + std::to_string(spec.id) + " is not a VNI (1..16777215)");
  }
  if (spec.kind == TunnelKind::kVxlan && (spec.udp_port < 1 || spec.udp_port > 65535)) {
    return bad("udp_port: " + std::to_string(spec.udp_port) + " is outside 1..65535");
  }
  if (Status s = ValidateName("network.tunnel.uplink", spec.uplink); !s.ok()) {
    return s;
  }
  if (spec.remotes.size() > kMaxTunnelRemotes) {
    return bad("remotes: more than " + std::to_string(kMaxTunnelRemotes) + " endpoints");
  }
  std::set<Ipv4Address> seen;
  for (const Ipv4Address r : spec.remotes) {
    if (!r.IsUnicast()) {
      return bad("remotes: '" + r.ToString() + "' is not a unicast IPv4 address");
    }
    if (!seen.insert(r).second) {
      return bad("remotes: " + r.ToString() + " is given twice");
    }
  }
  return Status::Ok();
}

namespace {

// Empty when `a` may be a guest's address on the gateway's subnet, else
// why not.
std::string CheckGuestAddress(const Ipv4Cidr& gateway, Ipv4Address a) {
  const std::string text = a.ToString();
  if (!gateway.Contains(a)) {
    return text + " is outside the gateway's subnet " + gateway.SubnetString();
  }
  if (a == gateway.network()) {
    return text + " is the network address of " + gateway.SubnetString();
  }
  if (a == gateway.broadcast()) {
    return text + " is the broadcast address of " + gateway.SubnetString();
  }
  if (a == gateway.address) {
    return text + " is the gateway's address";
  }
  return "";
}

bool ValidHostname(const std::string& name) {
  if (name.empty() || name.size() > 63) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return true;
}

Status BadMode(const std::string& field, const std::string& why) {
  return Status(StatusCode::kInvalidArgument, "network." + field + ": " + why);
}

Status ValidateDhcp(const DhcpSpec& d, const Ipv4Cidr& net) {
  if (!d.range_start) {
    // DhcpSpec::Enabled(): without a range the server is off, so the rest
    // would be kept and never used.
    return BadMode("dhcp.range_start",
                   "required with range_end, dns or hosts (the DHCP server is off without a "
                   "range)");
  }
  if (!d.range_end) {
    return BadMode("dhcp.range_end", "required with range_start");
  }
  const Ipv4Address first = *d.range_start;
  const Ipv4Address last = *d.range_end;
  if (std::string why = CheckGuestAddress(net, first); !why.empty()) {
    return BadMode("dhcp.range_start", why);
  }
  if (std::string why = CheckGuestAddress(net, last); !why.empty()) {
    return BadMode("dhcp.range_end", why);
  }
  if (first > last) {
    return BadMode("dhcp.range_end",
                   last.ToString() + " comes before range_start " + first.ToString());
  }
  if (net.address >= first && net.address <= last) {
    return BadMode("dhcp.range_start", "the range " + first.ToString() + "-" + last.ToString() +
                                           " holds the gateway's address " +
                                           net.address.ToString());
  }
  if (d.dns.size() > kMaxDnsServers) {
    return BadMode("dhcp.dns", "more than " + std::to_string(kMaxDnsServers) + " servers");
  }
  for (const Ipv4Address server : d.dns) {
    if (!server.IsUnicast()) {
      return BadMode("dhcp.dns", "'" + server.ToString() + "' is not a unicast IPv4 address");
    }
  }
  if (d.hosts.size() > kMaxDhcpHosts) {
    return BadMode("dhcp.hosts", "more than " + std::to_string(kMaxDhcpHosts) + " hosts");
  }
  std::set<MacKey> macs;
  std::set<Ipv4Address> addresses;
  for (const DhcpHost& h : d.hosts) {
    if (h.mac == 0 || IsMulticastMac(h.mac)) {
      return BadMode("dhcp.hosts.mac", "'" + MacToString(h.mac) + "' is not a unicast MAC");
    }
    if (!macs.insert(h.mac).second) {
      return BadMode("dhcp.hosts.mac", MacToString(h.mac) + " is given twice");
    }
    if (std::string why = CheckGuestAddress(net, h.address); !why.empty()) {
      return BadMode("dhcp.hosts.address", why);
    }
    if (!addresses.insert(h.address).second) {
      return BadMode("dhcp.hosts.address", h.address.ToString() + " is given to two hosts");
    }
    if (!h.hostname.empty() && !ValidHostname(h.hostname)) {
      return BadMode("dhcp.hosts.hostname",
                     "'" + h.hostname + "' is not 1-63 letters, digits and '-'");
    }
  }
  return Status::Ok();
}

Status ValidateForwards(const std::vector<PortForward>& forwards, const Ipv4Cidr& net) {
  if (forwards.size() > kMaxForwards) {
    return BadMode("forwards", "more than " + std::to_string(kMaxForwards) + " forwards");
  }
  std::set<std::pair<ForwardProto, uint32_t>> outside;
  for (const PortForward& f : forwards) {
    if (f.outside_port < 1 || f.outside_port > 65535) {
      return BadMode("forwards.outside_port",
                     std::to_string(f.outside_port) + " is outside 1..65535");
    }
    if (f.guest_port < 1 || f.guest_port > 65535) {
      return BadMode("forwards.guest_port", std::to_string(f.guest_port) + " is outside 1..65535");
    }
    if (std::string why = CheckGuestAddress(net, f.guest_address); !why.empty()) {
      return BadMode("forwards.guest_address", why);
    }
    if (!outside.insert({f.proto, f.outside_port}).second) {
      return BadMode("forwards", std::string(ForwardProtoName(f.proto)) + " port " +
                                     std::to_string(f.outside_port) + " is forwarded twice");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateModeSettings(const NetworkSpec& spec) {
  const std::string mode(NetworkModeName(spec.mode));
  // Kept in every mode, so checked in every mode.
  if (spec.nat_max_connections < kMinNatConnections ||
      spec.nat_max_connections > kMaxNatConnections) {
    return BadMode("nat_max_connections", std::to_string(spec.nat_max_connections) +
                                              " is outside " + std::to_string(kMinNatConnections) +
                                              ".." + std::to_string(kMaxNatConnections));
  }
  if (spec.nat_max_per_guest > kMaxNatConnections) {
    return BadMode("nat_max_per_guest", std::to_string(spec.nat_max_per_guest) + " is outside 0.." +
                                            std::to_string(kMaxNatConnections));
  }
  if (spec.nat_max_per_forward > kMaxNatConnections) {
    return BadMode("nat_max_per_forward", std::to_string(spec.nat_max_per_forward) +
                                              " is outside 0.." +
                                              std::to_string(kMaxNatConnections));
  }
  if (spec.dhcp.lease_s < kMinLeaseS || spec.dhcp.lease_s > kMaxLeaseS) {
    return BadMode("dhcp.lease_seconds", std::to_string(spec.dhcp.lease_s) + " is outside " +
                                             std::to_string(kMinLeaseS) + ".." +
                                             std::to_string(kMaxLeaseS));
  }
  if (spec.dhcp.leases_per_port < 1 || spec.dhcp.leases_per_port > kMaxLeasesPerPort) {
    return BadMode("dhcp.leases_per_port", std::to_string(spec.dhcp.leases_per_port) +
                                               " is outside 1.." +
                                               std::to_string(kMaxLeasesPerPort));
  }
  const DhcpSpec& d = spec.dhcp;
  const bool dhcp_given = d.range_start || d.range_end || !d.dns.empty() || !d.hosts.empty();
  if (spec.mode == NetworkMode::kBridge) {
    if (spec.gateway) {
      return BadMode("gateway",
                     "a bridge network has none (the switch has no address on it); "
                     "modes nat, routed and isolated have one");
    }
    if (!spec.uplink.empty()) {
      return BadMode("uplink",
                     "a bridge network has none (a tunnel names its own: network.tunnel.uplink)");
    }
    if (dhcp_given) {
      return BadMode("dhcp",
                     "a bridge network has no DHCP server (the switch has no address on it)");
    }
    if (!spec.forwards.empty()) {
      return BadMode("forwards", "only nat networks have port forwards");
    }
    if (spec.nat_address) {
      return BadMode("nat_address", "only nat networks have one");
    }
    if (!spec.underlay_allow.empty()) {
      return BadMode("underlay_allow", "a bridge network reaches no underlay through the switch");
    }
    return Status::Ok();
  }
  if (spec.tunnel.kind != TunnelKind::kNone) {
    if (spec.mode == NetworkMode::kIsolated) {
      return BadMode("tunnel", "isolated networks reach no other host");
    }
    return BadMode("tunnel", "a " + mode + " network's traffic leaves by its uplink, not a tunnel");
  }
  const std::optional<Ipv4Cidr>& subnet = spec.gateway;
  if (subnet) {
    const Ipv4Cidr& net = *subnet;
    if (!net.address.IsUnicast() || net.length < kMinGatewayPrefix ||
        net.length > kMaxGatewayPrefix) {
      return BadMode("gateway", "'" + net.ToString() +
                                    "' is not a unicast IPv4 ADDRESS/PREFIX with a prefix of " +
                                    std::to_string(kMinGatewayPrefix) + ".." +
                                    std::to_string(kMaxGatewayPrefix));
    }
    if (net.address == net.network() || net.address == net.broadcast()) {
      return BadMode("gateway", "'" + net.ToString() + "' is the " +
                                    (net.address == net.network() ? "network" : "broadcast") +
                                    " address of " + net.SubnetString() + ", not a host's");
    }
  } else if (spec.HasGateway()) {
    return BadMode("gateway", "required in a " + mode +
                                  " network: the switch's address on it, e.g. 192.168.100.1/24");
  }
  if (!spec.uplink.empty()) {
    if (Status s = ValidateName("network.uplink", spec.uplink); !s.ok()) {
      return s;
    }
  } else if (spec.HasGateway()) {
    return BadMode("uplink", "required in a " + mode + " network: the port its traffic leaves by");
  }
  if (dhcp_given) {
    if (!subnet) {
      return BadMode("dhcp", "needs network.gateway, the DHCP server's address and subnet");
    }
    if (Status s = ValidateDhcp(d, *subnet); !s.ok()) {
      return s;
    }
  }
  if (!spec.forwards.empty()) {
    if (spec.mode == NetworkMode::kRouted) {
      return BadMode("forwards",
                     "only nat networks have port forwards (a routed network's guests are "
                     "reached at their own addresses)");
    }
    if (!subnet) {
      return BadMode("forwards", "need network.gateway, whose subnet the guests are in");
    }
    if (Status s = ValidateForwards(spec.forwards, *subnet); !s.ok()) {
      return s;
    }
  }
  if (spec.nat_address) {
    if (spec.mode == NetworkMode::kRouted) {
      return BadMode("nat_address",
                     "only nat networks have one (a routed network's guests "
                     "leave as themselves)");
    }
    const Ipv4Address a = *spec.nat_address;
    if (!a.IsUnicast()) {
      return BadMode("nat_address", "'" + a.ToString() + "' is not a unicast IPv4 address");
    }
    if (subnet && subnet->Contains(a)) {
      return BadMode("nat_address", "'" + a.ToString() + "' is inside the network's own subnet " +
                                        subnet->SubnetString());
    }
  }
  if (spec.underlay_allow.size() > kMaxUnderlayAllow) {
    return BadMode("underlay_allow", "more than " + std::to_string(kMaxUnderlayAllow) + " entries");
  }
  return Status::Ok();
}

Status ValidateVlanSpec(const VlanSpec& spec) {
  auto bad = [](const std::string& why) {
    return Status(StatusCode::kInvalidArgument, "port.vlan." + why);
  };
  auto id = [](uint32_t v) { return std::to_string(v); };
  if (spec.mode == VlanMode::kAccess) {
    if (spec.tag < 1 || spec.tag > kMaxVlanId) {
      return bad("tag: " + id(spec.tag) + " is outside 1..4094 (an access port needs its VLAN)");
    }
    if (!spec.trunks.empty() || spec.native != 0 || spec.native_tagged) {
      return bad("mode: an access port has one VLAN; trunks and native_vlan are for trunks");
    }
    return Status::Ok();
  }
  if (spec.tag != 0) {
    return bad("tag: only access ports have one; a trunk's untagged VLAN is native_vlan");
  }
  for (const VlanRange& r : spec.trunks) {
    if (r.first > r.last || r.last > kMaxVlanId) {
      return bad("trunks: " + id(r.first) + "-" + id(r.last) +
                 " is not a range of VLAN ids within 0..4094");
    }
  }
  if (spec.native > kMaxVlanId) {
    return bad("native_vlan: " + id(spec.native) + " is outside 1..4094");
  }
  if (spec.native_tagged && spec.native == 0) {
    return bad("native_tagged: needs a native_vlan");
  }
  return Status::Ok();
}

VlanPolicy MakeVlanPolicy(const VlanSpec& spec) {
  VlanPolicy p;
  if (spec.mode == VlanMode::kAccess) {
    p.access = true;
    p.native = static_cast<uint16_t>(spec.tag);
    p.carries.Add(p.native, p.native);
    return p;
  }
  p.native = static_cast<uint16_t>(spec.native);
  p.native_tagged = spec.native_tagged;
  if (spec.trunks.empty()) {
    p.carries = VlanSet::All();
  }
  for (const VlanRange& r : spec.trunks) {
    p.carries.Add(static_cast<uint16_t>(r.first), static_cast<uint16_t>(r.last));
  }
  if (spec.native != 0) {
    p.carries.Add(p.native, p.native);
  }
  return p;
}

std::string FormatVlan(const VlanSpec& spec) {
  if (spec.mode == VlanMode::kAccess) {
    return "access " + std::to_string(spec.tag);
  }
  std::string out = "trunk ";
  if (spec.trunks.empty()) {
    out += "all";
  }
  for (size_t i = 0; i < spec.trunks.size(); ++i) {
    const VlanRange& r = spec.trunks[i];
    out += (i > 0 ? "," : "") + std::to_string(r.first);
    if (r.last != r.first) {
      out += "-" + std::to_string(r.last);
    }
  }
  if (spec.native != 0) {
    out += " native " + std::to_string(spec.native) + (spec.native_tagged ? " tagged" : "");
  }
  return out;
}

Status ValidatePortSecurity(const PortSecuritySpec& spec) {
  if (!spec.Enabled()) {
    if (!spec.ipv4.empty() || spec.dhcp_snooping) {
      return Status(StatusCode::kInvalidArgument,
                    "port.security.macs: addresses or DHCP snooping need at least one MAC");
    }
    return Status::Ok();
  }
  if (spec.macs.size() > kMaxSecurityMacs || spec.ipv4.size() > kMaxSecurityAddresses) {
    return Status(StatusCode::kInvalidArgument,
                  "port.security: at most " + std::to_string(kMaxSecurityMacs) + " MACs and " +
                      std::to_string(kMaxSecurityAddresses) + " addresses");
  }
  for (const MacKey mac : spec.macs) {
    if (mac == 0 || IsMulticastMac(mac)) {
      return Status(StatusCode::kInvalidArgument,
                    "port.security.macs: '" + MacToString(mac) + "' is not a unicast MAC address");
    }
  }
  for (const Ipv4Address ip : spec.ipv4) {
    const uint32_t v = ip.value();
    if (v == 0 || v == 0xffffffff || (v >> 28) == 0xe) {
      return Status(
          StatusCode::kInvalidArgument,
          "port.security.ipv4_addresses: '" + ip.ToString() + "' is not a unicast IPv4 address");
    }
  }
  return Status::Ok();
}

Status ValidatePortSpec(const PortSpec& spec) {
  if (Status s = ValidateName("port.name", spec.name); !s.ok()) {
    return s;
  }
  if (spec.IsUplink()) {
    if (Status s = ValidateUnderlay(spec.underlay); !s.ok()) {
      return s;
    }
    if (!spec.network.empty() || !(spec.vlan == VlanSpec{})) {
      return Status(StatusCode::kInvalidArgument,
                    "port.underlay: an uplink belongs to no network and has no VLANs; "
                    "networks reach it through their tunnel");
    }
    if (spec.private_port) {
      return Status(StatusCode::kInvalidArgument,
                    "port.private_port: an uplink belongs to no network, so it cannot be "
                    "private");
    }
    if (spec.mac_limit != 0) {
      return Status(StatusCode::kInvalidArgument,
                    "port.mac_limit: an uplink learns no MACs, so it has no MAC limit");
    }
    if (spec.flood_limit != 0) {
      return Status(StatusCode::kInvalidArgument,
                    "port.flood_limit: an uplink floods nothing into a network");
    }
    if (!(spec.security == PortSecuritySpec{})) {
      return Status(StatusCode::kInvalidArgument,
                    "port.security: an uplink carries tunnels, not a guest's frames");
    }
  } else {
    if (spec.underlay.gateway) {
      return Status(StatusCode::kInvalidArgument,
                    "port.underlay.gateway: given without an address");
    }
    if (Status s = ValidateName("port.network", spec.network); !s.ok()) {
      return s;
    }
    if (Status s = ValidateVlanSpec(spec.vlan); !s.ok()) {
      return s;
    }
    if (Status s = ValidatePortSecurity(spec.security); !s.ok()) {
      return s;
    }
    if (spec.mac_limit > kMaxPortMacLimit) {
      return Status(StatusCode::kInvalidArgument,
                    "port.mac_limit: " + std::to_string(spec.mac_limit) + " is above " +
                        std::to_string(kMaxPortMacLimit) + " (0: no limit)");
    }
  }
  if (!IsVhost(spec.kind)) {
    const std::string field(NetdevField(spec.kind));
    // IFNAMSIZ - 1 (an internal port's switch end adds ".sw"), and what the
    // kernel refuses in a name. A '%' would have the kernel pick the name
    // itself ("eth%d"), so the device made would not be the one named.
    const size_t max = spec.kind == PortKind::kInternal ? 12 : 15;
    if (spec.netdev.empty() || spec.netdev.size() > max || spec.netdev == "." ||
        spec.netdev == ".." || spec.netdev.find_first_of("/:% \t\n") != std::string::npos) {
      return Status(StatusCode::kInvalidArgument,
                    field + ": '" + spec.netdev + "' is not a netdev name (1-" +
                        std::to_string(max) +
                        " characters, not '.' or '..', no '/', ':', '%' or spaces)");
    }
    if (spec.mtu != 0 && (spec.mtu < 68 || spec.mtu > 65521)) {
      return Status(
          StatusCode::kInvalidArgument,
          std::string(spec.kind == PortKind::kTap ? "port.tap.mtu: " : "port.internal.mtu: ") +
              std::to_string(spec.mtu) + " is outside 68..65521");
    }
    return Status::Ok();
  }
  if (spec.socket_path.empty() || spec.socket_path[0] != '/') {
    return Status(
        StatusCode::kInvalidArgument,
        "port.vhost_user.socket_path: must be an absolute path, got '" + spec.socket_path + "'");
  }
  if (spec.socket_path.size() > 107) {
    return Status(StatusCode::kInvalidArgument,
                  "port.vhost_user.socket_path: longer than 107 bytes (a unix socket path limit)");
  }
  return Status::Ok();
}

}  // namespace switchyard::dp
