#include "datapath/engine/spec.h"

#include <arpa/inet.h>

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

std::string CheckCidr(const std::string& cidr) {
  const auto slash = cidr.find('/');
  if (slash == std::string::npos) {
    return "'" + cidr + "' has no /PREFIX";
  }
  const std::string ip = cidr.substr(0, slash);
  const std::string prefix = cidr.substr(slash + 1);
  unsigned char buf[16];
  int max_prefix = 0;
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
    max_prefix = 128;
  } else {
    return "'" + ip + "' is not an IPv4 or IPv6 address";
  }
  int len = -1;
  auto [ptr, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), len);
  if (ec != std::errc() || ptr != prefix.data() + prefix.size() || len < 0 || len > max_prefix) {
    return "prefix '" + prefix + "' is not 0.." + std::to_string(max_prefix);
  }
  return "";
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

std::optional<uint32_t> ParseIpv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) {
    return std::nullopt;
  }
  return ntohl(a.s_addr);
}

std::optional<Ipv4Prefix> ParseIpv4Prefix(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) {
    return std::nullopt;
  }
  auto address = ParseIpv4(text.substr(0, slash));
  int length = -1;
  const char* first = text.data() + slash + 1;
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(first, last, length);
  if (!address || ec != std::errc() || end != last || first == last || length < 0 || length > 32) {
    return std::nullopt;
  }
  return Ipv4Prefix{*address, length};
}

namespace {

// Unicast and usable as an endpoint: not 0.0.0.0, loopback, multicast or
// broadcast.
bool UsableUnicast(uint32_t a) {
  return a != 0 && (a >> 24) != 127 && (a >> 28) != 0xe && a != 0xffffffffu;
}

}  // namespace

Status ValidateUnderlay(const UnderlaySpec& spec) {
  auto bad = [](const std::string& why) {
    return Status(StatusCode::kInvalidArgument, "port.underlay." + why);
  };
  auto prefix = ParseIpv4Prefix(spec.address);
  if (!prefix || !UsableUnicast(prefix->address) || prefix->length == 0 || prefix->length > 30) {
    return bad("address: '" + spec.address +
               "' is not a unicast IPv4 ADDRESS/PREFIX with a prefix of 1..30");
  }
  if (spec.gateway.empty()) {
    return Status::Ok();
  }
  auto gateway = ParseIpv4(spec.gateway);
  const uint32_t mask = ~uint32_t{0} << (32 - prefix->length);
  if (!gateway || !UsableUnicast(*gateway) || (*gateway & mask) != (prefix->address & mask) ||
      *gateway == prefix->address) {
    return bad("gateway: '" + spec.gateway + "' is not another address in " + spec.address);
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
  std::vector<uint32_t> seen;
  for (const std::string& r : spec.remotes) {
    auto a = ParseIpv4(r);
    if (!a || !UsableUnicast(*a)) {
      return bad("remotes: '" + r + "' is not a unicast IPv4 address");
    }
    for (uint32_t other : seen) {
      if (other == *a) {
        return bad("remotes: " + r + " is given twice");
      }
    }
    seen.push_back(*a);
  }
  return Status::Ok();
}

namespace {

std::string Ipv4ToString(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
         std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

// The subnet a gateway address makes, which guests' addresses (DHCP range,
// static hosts, forward targets) must lie in.
struct GatewaySubnet {
  uint32_t gateway = 0;
  uint32_t mask = 0;
  int length = 0;

  uint32_t network() const { return gateway & mask; }
  uint32_t broadcast() const { return network() | ~mask; }
  std::string text() const { return Ipv4ToString(network()) + "/" + std::to_string(length); }
};

// Empty when `a` may be a guest's address on `net`, else why not.
std::string CheckGuestAddress(const GatewaySubnet& net, uint32_t a, const std::string& text) {
  if ((a & net.mask) != net.network()) {
    return text + " is outside the gateway's subnet " + net.text();
  }
  if (a == net.network()) {
    return text + " is the network address of " + net.text();
  }
  if (a == net.broadcast()) {
    return text + " is the broadcast address of " + net.text();
  }
  if (a == net.gateway) {
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

Status ValidateDhcp(const DhcpSpec& d, const GatewaySubnet& net) {
  if (d.range_start.empty()) {
    // DhcpSpec::Enabled(): without a range the server is off, so the rest
    // would be kept and never used.
    return BadMode("dhcp.range_start",
                   "required with range_end, dns or hosts (the DHCP server is off without a "
                   "range)");
  }
  if (d.range_end.empty()) {
    return BadMode("dhcp.range_end", "required with range_start");
  }
  auto first = ParseIpv4(d.range_start);
  if (!first) {
    return BadMode("dhcp.range_start", "'" + d.range_start + "' is not an IPv4 address");
  }
  auto last = ParseIpv4(d.range_end);
  if (!last) {
    return BadMode("dhcp.range_end", "'" + d.range_end + "' is not an IPv4 address");
  }
  if (std::string why = CheckGuestAddress(net, *first, d.range_start); !why.empty()) {
    return BadMode("dhcp.range_start", why);
  }
  if (std::string why = CheckGuestAddress(net, *last, d.range_end); !why.empty()) {
    return BadMode("dhcp.range_end", why);
  }
  if (*first > *last) {
    return BadMode("dhcp.range_end", d.range_end + " comes before range_start " + d.range_start);
  }
  if (net.gateway >= *first && net.gateway <= *last) {
    return BadMode("dhcp.range_start", "the range " + d.range_start + "-" + d.range_end +
                                           " holds the gateway's address " +
                                           Ipv4ToString(net.gateway));
  }
  if (d.dns.size() > kMaxDnsServers) {
    return BadMode("dhcp.dns", "more than " + std::to_string(kMaxDnsServers) + " servers");
  }
  for (const std::string& server : d.dns) {
    auto a = ParseIpv4(server);
    if (!a || !UsableUnicast(*a)) {
      return BadMode("dhcp.dns", "'" + server + "' is not a unicast IPv4 address");
    }
  }
  if (d.hosts.size() > kMaxDhcpHosts) {
    return BadMode("dhcp.hosts", "more than " + std::to_string(kMaxDhcpHosts) + " hosts");
  }
  std::set<MacKey> macs;
  std::set<uint32_t> addresses;
  for (const DhcpHost& h : d.hosts) {
    auto mac = ParseMac(h.mac);
    if (!mac || *mac == 0 || IsMulticastMac(*mac)) {
      return BadMode("dhcp.hosts.mac", "'" + h.mac + "' is not a unicast MAC (xx:xx:xx:xx:xx:xx)");
    }
    if (!macs.insert(*mac).second) {
      return BadMode("dhcp.hosts.mac", h.mac + " is given twice");
    }
    auto a = ParseIpv4(h.address);
    if (!a) {
      return BadMode("dhcp.hosts.address", "'" + h.address + "' is not an IPv4 address");
    }
    if (std::string why = CheckGuestAddress(net, *a, h.address); !why.empty()) {
      return BadMode("dhcp.hosts.address", why);
    }
    if (!addresses.insert(*a).second) {
      return BadMode("dhcp.hosts.address", h.address + " is given to two hosts");
    }
    if (!h.hostname.empty() && !ValidHostname(h.hostname)) {
      return BadMode("dhcp.hosts.hostname",
                     "'" + h.hostname + "' is not 1-63 letters, digits and '-'");
    }
  }
  return Status::Ok();
}

Status ValidateForwards(const std::vector<PortForward>& forwards, const GatewaySubnet& net) {
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
    auto a = ParseIpv4(f.guest_address);
    if (!a) {
      return BadMode("forwards.guest_address", "'" + f.guest_address + "' is not an IPv4 address");
    }
    if (std::string why = CheckGuestAddress(net, *a, f.guest_address); !why.empty()) {
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
  const bool dhcp_given =
      !d.range_start.empty() || !d.range_end.empty() || !d.dns.empty() || !d.hosts.empty();
  if (spec.mode == NetworkMode::kBridge) {
    if (!spec.gateway.empty()) {
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
    if (!spec.nat_address.empty()) {
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
  std::optional<GatewaySubnet> subnet;
  if (!spec.gateway.empty()) {
    auto p = ParseIpv4Prefix(spec.gateway);
    if (!p || !UsableUnicast(p->address) || p->length < kMinGatewayPrefix ||
        p->length > kMaxGatewayPrefix) {
      return BadMode("gateway", "'" + spec.gateway +
                                    "' is not a unicast IPv4 ADDRESS/PREFIX with a prefix of " +
                                    std::to_string(kMinGatewayPrefix) + ".." +
                                    std::to_string(kMaxGatewayPrefix));
    }
    GatewaySubnet net{p->address, ~uint32_t{0} << (32 - p->length), p->length};
    if (p->address == net.network() || p->address == net.broadcast()) {
      return BadMode("gateway", "'" + spec.gateway + "' is the " +
                                    (p->address == net.network() ? "network" : "broadcast") +
                                    " address of " + net.text() + ", not a host's");
    }
    subnet = net;
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
  if (!spec.nat_address.empty()) {
    if (spec.mode == NetworkMode::kRouted) {
      return BadMode("nat_address",
                     "only nat networks have one (a routed network's guests "
                     "leave as themselves)");
    }
    auto a = ParseIpv4(spec.nat_address);
    if (!a || !UsableUnicast(*a)) {
      return BadMode("nat_address", "'" + spec.nat_address + "' is not a unicast IPv4 address");
    }
    if (subnet && (*a & subnet->mask) == subnet->network()) {
      return BadMode("nat_address", "'" + spec.nat_address +
                                        "' is inside the network's own "
                                        "subnet " +
                                        subnet->text());
    }
  }
  if (spec.underlay_allow.size() > kMaxUnderlayAllow) {
    return BadMode("underlay_allow", "more than " + std::to_string(kMaxUnderlayAllow) + " entries");
  }
  for (const std::string& allowed : spec.underlay_allow) {
    auto p = ParseIpv4Prefix(allowed);
    if (!p) {
      return BadMode("underlay_allow", "'" + allowed + "' is not an IPv4 ADDRESS/PREFIX");
    }
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
  for (const std::string& text : spec.macs) {
    const std::optional<MacKey> mac = ParseMac(text);
    if (!mac || *mac == 0 || IsMulticastMac(*mac)) {
      return Status(StatusCode::kInvalidArgument,
                    "port.security.macs: '" + text + "' is not a unicast MAC address");
    }
  }
  for (const std::string& text : spec.ipv4) {
    const std::optional<uint32_t> ip = ParseIpv4(text);
    if (!ip || *ip == 0 || *ip == 0xffffffff || (*ip >> 28) == 0xe) {
      return Status(StatusCode::kInvalidArgument,
                    "port.security.ipv4_addresses: '" + text + "' is not a unicast IPv4 address");
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
    if (!spec.underlay.gateway.empty()) {
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
    for (const std::string& cidr : spec.addresses) {
      if (std::string why = CheckCidr(cidr); !why.empty()) {
        return Status(StatusCode::kInvalidArgument, "port.internal.addresses: " + why);
      }
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
