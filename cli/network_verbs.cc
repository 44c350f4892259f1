// network create|list|show|set|delete|leases: the Networks service.
#include <ctime>
#include <iostream>
#include <optional>
#include <string>

#include "cli/output.h"
#include "cli/table.h"
#include "cli/verb.h"
#include "switchyard/v1/network.grpc.pb.h"

namespace switchyard::ctl {

namespace {

using Kind = OptionSpec::Kind;

std::unique_ptr<v1::Networks::Stub> Stub(const Call& call) {
  return v1::Networks::NewStub(call.connection().channel());
}

// --vxlan VNI | --gre KEY, with --uplink PORT, --remote IP... and (VXLAN)
// --udp-port N; or --no-tunnel (set only). Empty when fine, else the reason.
// Without --vxlan or --gre, --uplink is the network's own (modes nat and
// routed), not the tunnel's.
std::string TunnelFromArgs(const ParsedArgs& args, bool allow_none,
                           std::optional<v1::Tunnel>* out) {
  auto vxlan = args.U32("--vxlan");
  auto gre = args.U32("--gre");
  const bool none = args.Has("--no-tunnel");
  const bool details = !args.All("--remote").empty() || args.U32("--udp-port");
  if ((vxlan ? 1 : 0) + (gre ? 1 : 0) + (none ? 1 : 0) > 1) {
    return allow_none ? "--vxlan, --gre and --no-tunnel exclude each other"
                      : "--vxlan and --gre exclude each other";
  }
  if (none && !allow_none) {
    return "--no-tunnel goes with network set";
  }
  if (!vxlan && !gre) {
    if (details) {
      return "--remote and --udp-port go with --vxlan VNI or --gre KEY";
    }
    if (none) {
      *out = v1::Tunnel();  // type UNSPECIFIED: no tunnel
    }
    return "";
  }
  if (gre && args.U32("--udp-port")) {
    return "--udp-port goes with --vxlan";
  }
  auto uplink = args.String("--uplink");
  if (!uplink) {
    return "--uplink PORT is required with --vxlan or --gre";
  }
  v1::Tunnel t;
  t.set_type(vxlan ? v1::TUNNEL_TYPE_VXLAN : v1::TUNNEL_TYPE_GRE);
  t.set_id(vxlan ? *vxlan : *gre);
  t.set_uplink(*uplink);
  for (const std::string& r : args.All("--remote")) {
    t.add_remotes(r);
  }
  t.set_udp_port(args.U32("--udp-port").value_or(0));
  *out = t;
  return "";
}

std::optional<v1::NetworkMode> ParseMode(const std::string& word) {
  if (word == "bridge") {
    return v1::NETWORK_MODE_BRIDGE;
  }
  if (word == "nat") {
    return v1::NETWORK_MODE_NAT;
  }
  if (word == "routed") {
    return v1::NETWORK_MODE_ROUTED;
  }
  if (word == "isolated") {
    return v1::NETWORK_MODE_ISOLATED;
  }
  return std::nullopt;
}

// "nat", the word --mode takes; "-" when the server did not say.
std::string ModeName(v1::NetworkMode mode) {
  switch (mode) {
    case v1::NETWORK_MODE_BRIDGE:
      return "bridge";
    case v1::NETWORK_MODE_NAT:
      return "nat";
    case v1::NETWORK_MODE_ROUTED:
      return "routed";
    case v1::NETWORK_MODE_ISOLATED:
      return "isolated";
    default:
      return mode == v1::NETWORK_MODE_UNSPECIFIED
                 ? "-"
                 : "mode-" + std::to_string(static_cast<int>(mode));
  }
}

// --mode bridge|nat|routed|isolated, when given. Empty when fine, else the
// reason.
std::string ModeFromArgs(const ParsedArgs& args, std::optional<v1::NetworkMode>* out) {
  auto word = args.String("--mode");
  if (!word) {
    return "";
  }
  *out = ParseMode(*word);
  if (!*out) {
    return "--mode: '" + *word + "' is not bridge, nat, routed or isolated";
  }
  return "";
}

// --dhcp-range FIRST-LAST with --lease SECONDS, --dhcp-port-leases N,
// --dns IP... and --dhcp-host
// MAC=IP[,HOSTNAME]...: the DHCP settings as a whole; or --no-dhcp (set
// only). Addresses are for the daemon to check. Empty when fine, else the
// reason.
std::string DhcpFromArgs(const ParsedArgs& args, bool allow_none, std::optional<v1::Dhcp>* out) {
  auto range = args.String("--dhcp-range");
  const bool none = args.Has("--no-dhcp");
  const bool details = args.U32("--lease") || args.U32("--dhcp-port-leases") ||
                       !args.All("--dns").empty() || !args.All("--dhcp-host").empty();
  if (none && !allow_none) {
    return "--no-dhcp goes with network set";
  }
  if (none && (range || details)) {
    return "--no-dhcp excludes --dhcp-range, --lease, --dhcp-port-leases, --dns and --dhcp-host";
  }
  if (none) {
    *out = v1::Dhcp();  // no range: DHCP off
    return "";
  }
  if (!range) {
    return details ? "--lease, --dhcp-port-leases, --dns and --dhcp-host go with --dhcp-range "
                     "FIRST-LAST"
                   : "";
  }
  const auto dash = range->find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == range->size()) {
    return "--dhcp-range: '" + *range +
           "' is not FIRST-LAST (e.g. 192.168.100.100-192.168.100.200)";
  }
  v1::Dhcp dhcp;
  dhcp.set_range_start(range->substr(0, dash));
  dhcp.set_range_end(range->substr(dash + 1));
  dhcp.set_lease_seconds(args.U32("--lease").value_or(0));
  dhcp.set_leases_per_port(args.U32("--dhcp-port-leases").value_or(0));
  for (const std::string& server : args.All("--dns")) {
    dhcp.add_dns(server);
  }
  for (const std::string& item : args.All("--dhcp-host")) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return "--dhcp-host: '" + item + "' is not MAC=IP[,HOSTNAME]";
    }
    const std::string rest = item.substr(eq + 1);
    const auto comma = rest.find(',');
    v1::DhcpHost* host = dhcp.add_hosts();
    host->set_mac(item.substr(0, eq));
    host->set_address(rest.substr(0, comma));
    if (comma != std::string::npos) {
      host->set_hostname(rest.substr(comma + 1));
    }
  }
  *out = dhcp;
  return "";
}

// "tcp:8080=192.168.100.10:80", or nullopt.
std::optional<v1::PortForward> ParseForward(const std::string& item) {
  const auto colon = item.find(':');
  const auto eq = item.find('=');
  const auto last_colon = item.rfind(':');
  if (colon == std::string::npos || eq == std::string::npos || eq < colon || last_colon < eq) {
    return std::nullopt;
  }
  const std::string proto = item.substr(0, colon);
  v1::PortForward f;
  if (proto == "tcp") {
    f.set_protocol(v1::FORWARD_PROTOCOL_TCP);
  } else if (proto == "udp") {
    f.set_protocol(v1::FORWARD_PROTOCOL_UDP);
  } else {
    return std::nullopt;
  }
  uint32_t outside = 0;
  uint32_t guest_port = 0;
  const std::string guest = item.substr(eq + 1, last_colon - eq - 1);
  if (!ParseU32(item.substr(colon + 1, eq - colon - 1), &outside) || guest.empty() ||
      !ParseU32(item.substr(last_colon + 1), &guest_port)) {
    return std::nullopt;
  }
  f.set_outside_port(outside);
  f.set_guest_address(guest);
  f.set_guest_port(guest_port);
  return f;
}

// A repeatable `flag` as a whole list, or `none_flag` for an empty one
// (network set only): `out` holds the items given, and stays unset when
// neither is. Empty when fine, else the reason.
std::string ListFromArgs(const ParsedArgs& args, const std::string& flag,
                         const std::string& none_flag, bool allow_none,
                         std::optional<std::vector<std::string>>* out) {
  auto items = args.All(flag);
  const bool none = args.Has(none_flag);
  if (none && !allow_none) {
    return none_flag + " goes with network set";
  }
  if (none && !items.empty()) {
    return none_flag + " and " + flag + " exclude each other";
  }
  if (none || !items.empty()) {
    *out = std::move(items);
  }
  return "";
}

// --forward PROTO:OUTSIDE_PORT=GUEST_IP:GUEST_PORT...: the whole list; or
// --no-forwards (set only). Empty when fine, else the reason.
std::string ForwardsFromArgs(const ParsedArgs& args, bool allow_none,
                             std::optional<v1::PortForwards>* out) {
  std::optional<std::vector<std::string>> items;
  if (auto reason = ListFromArgs(args, "--forward", "--no-forwards", allow_none, &items);
      !reason.empty() || !items) {
    return reason;
  }
  v1::PortForwards forwards;
  for (const std::string& item : *items) {
    auto f = ParseForward(item);
    if (!f) {
      return "--forward: '" + item + "' is not tcp|udp:OUTSIDE_PORT=GUEST_IP:GUEST_PORT";
    }
    *forwards.add_forwards() = *f;
  }
  *out = forwards;
  return "";
}

// --allow-underlay ADDRESS/PREFIX...: the whole list; or
// --no-allow-underlay (set only). Prefixes are for the daemon to check.
std::string UnderlayAllowFromArgs(const ParsedArgs& args, bool allow_none,
                                  std::optional<v1::UnderlayAllow>* out) {
  std::optional<std::vector<std::string>> items;
  if (auto reason =
          ListFromArgs(args, "--allow-underlay", "--no-allow-underlay", allow_none, &items);
      !reason.empty() || !items) {
    return reason;
  }
  v1::UnderlayAllow allow;
  for (const std::string& item : *items) {
    allow.add_prefixes(item);
  }
  *out = allow;
  return "";
}

std::string ForwardProtocolName(v1::ForwardProtocol p) {
  return p == v1::FORWARD_PROTOCOL_TCP   ? "tcp"
         : p == v1::FORWARD_PROTOCOL_UDP ? "udp"
                                         : "proto-" + std::to_string(static_cast<int>(p));
}

// A lease's time left, as "59m12s", "3h0m5s" or "2d1h0m0s"; "expired" when
// none is.
std::string Remaining(uint64_t expires, uint64_t now) {
  if (expires <= now) {
    return "expired";
  }
  uint64_t left = expires - now;
  const uint64_t days = left / 86400;
  const uint64_t hours = left / 3600 % 24;
  const uint64_t minutes = left / 60 % 60;
  const uint64_t seconds = left % 60;
  std::string out;
  if (days > 0) {
    out += std::to_string(days) + "d";
  }
  if (!out.empty() || hours > 0) {
    out += std::to_string(hours) + "h";
  }
  if (!out.empty() || minutes > 0) {
    out += std::to_string(minutes) + "m";
  }
  return out + std::to_string(seconds) + "s";
}

std::string TunnelText(const v1::Network& n) {
  if (!n.has_tunnel() || n.tunnel().type() == v1::TUNNEL_TYPE_UNSPECIFIED) {
    return "-";
  }
  const v1::Tunnel& t = n.tunnel();
  std::string text = t.type() == v1::TUNNEL_TYPE_VXLAN ? "vxlan " : "gre ";
  text += std::to_string(t.id()) + " via " + t.uplink();
  if (t.type() == v1::TUNNEL_TYPE_VXLAN && t.udp_port() != 4789) {
    text += " port " + std::to_string(t.udp_port());
  }
  return text;
}

// The key: value lines of `network show`: the mode's settings and
// counters only where the mode has them.
std::vector<std::pair<std::string, std::string>> ShowLines(const v1::Network& n) {
  const v1::NetworkStatus& st = n.status();
  std::vector<std::pair<std::string, std::string>> lines = {{"name", n.name()},
                                                            {"mode", ModeName(n.mode())}};
  const bool gateway_on = n.mode() == v1::NETWORK_MODE_NAT || n.mode() == v1::NETWORK_MODE_ROUTED;
  if (!n.gateway().empty()) {
    lines.emplace_back("gateway",
                       n.gateway() + (gateway_on ? "" : " (off: " + ModeName(n.mode()) + ")"));
  }
  if (gateway_on) {
    lines.emplace_back("gateway-mac", st.gateway_mac().empty() ? "-" : st.gateway_mac());
  }
  if (!n.uplink().empty()) {
    lines.emplace_back("uplink", n.uplink());
  }
  if (!n.nat_address().empty()) {
    lines.emplace_back("nat-address", n.nat_address());
  }
  if (n.mode() != v1::NETWORK_MODE_BRIDGE) {
    lines.emplace_back("underlay-allowed",
                       n.underlay_allow().empty() ? "none" : Join(n.underlay_allow()));
  }
  lines.emplace_back("fdb-aging", std::to_string(n.fdb_aging_seconds()) + "s");
  lines.emplace_back("fdb-max", std::to_string(n.fdb_max_entries()));
  lines.emplace_back("tunnel", TunnelText(n));
  if (n.mode() == v1::NETWORK_MODE_BRIDGE) {
    return lines;
  }
  if (!n.has_dhcp() || n.dhcp().range_start().empty()) {
    lines.emplace_back("dhcp", "off");
  } else {
    const v1::Dhcp& d = n.dhcp();
    lines.emplace_back("dhcp", d.range_start() + "-" + d.range_end() + ", lease " +
                                   std::to_string(d.lease_seconds()) + "s, " +
                                   std::to_string(d.leases_per_port()) + " clients a port");
    lines.emplace_back("dns", d.dns().empty() ? "-" : Join(d.dns()));
  }
  if (n.mode() == v1::NETWORK_MODE_NAT) {
    lines.emplace_back("connections", std::to_string(st.connections()) + " / " +
                                          std::to_string(n.nat_max_connections()) + " (" +
                                          std::to_string(st.connections_made()) + " made, " +
                                          std::to_string(st.nat_early_drops()) +
                                          " dropped early, table full " +
                                          std::to_string(st.nat_table_full()) + " times)");
    auto limit = [&n](uint32_t v) {
      return v != 0 ? std::to_string(v)
                    : std::to_string(std::max<uint32_t>(1, n.nat_max_connections() / 4)) +
                          " (a quarter)";
    };
    lines.emplace_back("nat limits", limit(n.nat_max_per_guest()) + " a guest port, " +
                                         limit(n.nat_max_per_forward()) + " a forward");
  }
  lines.emplace_back(
      "leases", std::to_string(st.leases()) + " (" + std::to_string(st.dhcp_replies()) +
                    " DHCP replies, " + std::to_string(st.dhcp_spoofed()) + " spoofed refused, " +
                    std::to_string(st.dhcp_port_limited()) + " over a port's limit)");
  return lines;
}

// The static DHCP hosts and the forwards of `network show`, each a table
// after a blank line, when there are any.
void PrintModeTables(const v1::Network& n) {
  if (n.dhcp().hosts_size() > 0) {
    std::cout << "\n";
    Table hosts({{"DHCP-HOST"}, {"ADDRESS"}, {"HOSTNAME"}});
    for (const v1::DhcpHost& h : n.dhcp().hosts()) {
      hosts.AddRow({h.mac(), h.address(), h.hostname().empty() ? "-" : h.hostname()});
    }
    hosts.Print(std::cout);
  }
  if (n.forwards_size() > 0) {
    std::cout << "\n";
    Table forwards({{"FORWARD"},
                    {"OUTSIDE-PORT", Table::Align::kRight},
                    {"GUEST"},
                    {"GUEST-PORT", Table::Align::kRight}});
    for (const v1::PortForward& f : n.forwards()) {
      forwards.AddRow({ForwardProtocolName(f.protocol()), std::to_string(f.outside_port()),
                       f.guest_address(), std::to_string(f.guest_port())});
    }
    forwards.Print(std::cout);
  }
}

int Create(const Call& call) {
  v1::CreateNetworkRequest request;
  v1::Network* network = request.mutable_network();
  network->set_name(call.args().positional(0));
  // Unset means 0, which the server takes as "the default".
  network->set_fdb_aging_seconds(call.args().U32("--fdb-aging").value_or(0));
  network->set_fdb_max_entries(call.args().U32("--fdb-max").value_or(0));
  std::optional<v1::Tunnel> tunnel;
  if (auto reason = TunnelFromArgs(call.args(), false, &tunnel); !reason.empty()) {
    return call.Usage(reason);
  }
  if (tunnel) {
    *network->mutable_tunnel() = *tunnel;
  } else {
    network->set_uplink(call.args().String("--uplink").value_or(""));
  }
  std::optional<v1::NetworkMode> mode;
  std::optional<v1::Dhcp> dhcp;
  std::optional<v1::PortForwards> forwards;
  std::optional<v1::UnderlayAllow> allow;
  for (const std::string& reason :
       {ModeFromArgs(call.args(), &mode), DhcpFromArgs(call.args(), false, &dhcp),
        ForwardsFromArgs(call.args(), false, &forwards),
        UnderlayAllowFromArgs(call.args(), false, &allow)}) {
    if (!reason.empty()) {
      return call.Usage(reason);
    }
  }
  if (allow) {
    *network->mutable_underlay_allow() = allow->prefixes();
  }
  network->set_nat_address(call.args().String("--nat-address").value_or(""));
  network->set_mode(mode.value_or(v1::NETWORK_MODE_UNSPECIFIED));
  network->set_gateway(call.args().String("--gateway").value_or(""));
  if (dhcp) {
    *network->mutable_dhcp() = *dhcp;
  }
  if (forwards) {
    *network->mutable_forwards() = forwards->forwards();
  }
  network->set_nat_max_connections(call.args().U32("--nat-max").value_or(0));
  network->set_nat_max_per_guest(call.args().U32("--nat-max-per-guest").value_or(0));
  network->set_nat_max_per_forward(call.args().U32("--nat-max-per-forward").value_or(0));
  v1::Network reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->CreateNetwork(c, request, &reply); });
  return call.Reply(status, reply,
                    [&] { std::cout << "network " << reply.name() << " created\n"; });
}

int List(const Call& call) {
  v1::ListNetworksResponse reply;
  auto stub = Stub(call);
  auto status = call.Unary([&](grpc::ClientContext* c) {
    return stub->ListNetworks(c, v1::ListNetworksRequest(), &reply);
  });
  return call.Reply(status, reply, [&] {
    Table table({{"NAME"},
                 {"MODE"},
                 {"GATEWAY"},
                 {"FDB-AGING", Table::Align::kRight},
                 {"FDB-MAX", Table::Align::kRight},
                 {"TUNNEL"},
                 {"REMOTES", Table::Align::kRight}});
    for (const v1::Network& n : reply.networks()) {
      table.AddRow({n.name(), ModeName(n.mode()), n.gateway().empty() ? "-" : n.gateway(),
                    std::to_string(n.fdb_aging_seconds()) + "s",
                    std::to_string(n.fdb_max_entries()), TunnelText(n),
                    std::to_string(n.tunnel().remotes_size())});
    }
    table.Print(std::cout);
  });
}

int Show(const Call& call) {
  v1::GetNetworkRequest request;
  request.set_name(call.args().positional(0));
  v1::Network reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->GetNetwork(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    PrintKeyValues(std::cout, ShowLines(reply));
    PrintModeTables(reply);
    if (reply.status().endpoints_size() == 0) {
      return;
    }
    std::cout << "\n";
    Table table({{"REMOTE"},
                 {"PORT"},
                 {"NEXT-HOP"},
                 {"NEXT-HOP-MAC"},
                 {"LINK"},
                 {"MAX-FRAME", Table::Align::kRight}});
    for (const v1::TunnelEndpointStatus& e : reply.status().endpoints()) {
      table.AddRow({e.remote(), e.port(), e.next_hop().empty() ? "(no route)" : e.next_hop(),
                    e.next_hop_mac().empty() ? "(resolving)" : e.next_hop_mac(),
                    e.up() ? "up" : "down", std::to_string(e.max_frame())});
    }
    table.Print(std::cout);
  });
}

int Set(const Call& call) {
  v1::UpdateNetworkRequest request;
  request.set_name(call.args().positional(0));
  if (auto aging = call.args().U32("--fdb-aging")) {
    request.set_fdb_aging_seconds(*aging);
  }
  if (auto max = call.args().U32("--fdb-max")) {
    request.set_fdb_max_entries(*max);
  }
  std::optional<v1::Tunnel> tunnel;
  if (auto reason = TunnelFromArgs(call.args(), true, &tunnel); !reason.empty()) {
    return call.Usage(reason);
  }
  if (tunnel) {
    *request.mutable_tunnel() = *tunnel;
  } else if (auto uplink = call.args().String("--uplink")) {
    request.set_uplink(*uplink);
  }
  std::optional<v1::NetworkMode> mode;
  std::optional<v1::Dhcp> dhcp;
  std::optional<v1::PortForwards> forwards;
  std::optional<v1::UnderlayAllow> allow;
  for (const std::string& reason :
       {ModeFromArgs(call.args(), &mode), DhcpFromArgs(call.args(), true, &dhcp),
        ForwardsFromArgs(call.args(), true, &forwards),
        UnderlayAllowFromArgs(call.args(), true, &allow)}) {
    if (!reason.empty()) {
      return call.Usage(reason);
    }
  }
  if (allow) {
    *request.mutable_underlay_allow() = *allow;
  }
  if (auto address = call.args().String("--nat-address")) {
    request.set_nat_address(*address);
  }
  if (mode) {
    request.set_mode(*mode);
  }
  if (auto gateway = call.args().String("--gateway")) {
    request.set_gateway(*gateway);
  }
  if (dhcp) {
    *request.mutable_dhcp() = *dhcp;
  }
  if (forwards) {
    *request.mutable_forwards() = *forwards;
  }
  if (auto max = call.args().U32("--nat-max")) {
    request.set_nat_max_connections(*max);
  }
  if (auto max = call.args().U32("--nat-max-per-guest")) {
    request.set_nat_max_per_guest(*max);
  }
  if (auto max = call.args().U32("--nat-max-per-forward")) {
    request.set_nat_max_per_forward(*max);
  }
  if (!request.has_fdb_aging_seconds() && !request.has_fdb_max_entries() && !tunnel &&
      !request.has_mode() && !request.has_gateway() && !request.has_uplink() && !dhcp &&
      !forwards && !request.has_nat_max_connections() && !request.has_nat_max_per_guest() &&
      !request.has_nat_max_per_forward() && !allow && !request.has_nat_address()) {
    return call.Usage(
        "nothing to change: give --fdb-aging, --fdb-max, --vxlan/--gre (the whole tunnel), "
        "--no-tunnel, --mode, --gateway, --uplink, --dhcp-range (the whole DHCP setting), "
        "--no-dhcp, --forward (the whole list), --no-forwards, --nat-max, "
        "--nat-max-per-guest, --nat-max-per-forward, --nat-address, --allow-underlay (the "
        "whole list) or --no-allow-underlay");
  }
  v1::Network reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->UpdateNetwork(c, request, &reply); });
  return call.Reply(status, reply,
                    [&] { std::cout << "network " << reply.name() << " updated\n"; });
}

int Delete(const Call& call) {
  v1::DeleteNetworkRequest request;
  request.set_name(call.args().positional(0));
  v1::DeleteNetworkResponse reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->DeleteNetwork(c, request, &reply); });
  return call.Reply(status, reply,
                    [&] { std::cout << "network " << request.name() << " deleted\n"; });
}

int Leases(const Call& call) {
  v1::ListLeasesRequest request;
  if (call.args().positional_count() > 0) {
    request.set_network(call.args().positional(0));
  }
  v1::ListLeasesResponse reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->ListLeases(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    const auto now = static_cast<uint64_t>(std::time(nullptr));
    Table table(
        {{"NETWORK"}, {"MAC"}, {"ADDRESS"}, {"HOSTNAME"}, {"EXPIRES", Table::Align::kRight}});
    for (const v1::Lease& l : reply.leases()) {
      table.AddRow({l.network(), l.mac(), l.address(), l.hostname().empty() ? "-" : l.hostname(),
                    l.static_() ? "static" : Remaining(l.expires_unix_seconds(), now)});
    }
    table.Print(std::cout);
  });
}

std::vector<OptionSpec> NetworkOptions() {
  return {{"--fdb-aging", Kind::kU32},
          {"--fdb-max", Kind::kU32},
          {"--vxlan", Kind::kU32},
          {"--gre", Kind::kU32},
          {"--uplink"},
          {"--remote", Kind::kString, true},
          {"--udp-port", Kind::kU32},
          {"--no-tunnel", Kind::kFlag},
          {"--mode"},
          {"--gateway"},
          {"--dhcp-range"},
          {"--lease", Kind::kU32},
          {"--dhcp-port-leases", Kind::kU32},
          {"--dns", Kind::kString, true},
          {"--dhcp-host", Kind::kString, true},
          {"--no-dhcp", Kind::kFlag},
          {"--forward", Kind::kString, true},
          {"--no-forwards", Kind::kFlag},
          {"--nat-max", Kind::kU32},
          {"--nat-max-per-guest", Kind::kU32},
          {"--nat-max-per-forward", Kind::kU32},
          {"--nat-address"},
          {"--allow-underlay", Kind::kString, true},
          {"--no-allow-underlay", Kind::kFlag}};
}

}  // namespace

std::vector<Verb> NetworkVerbs() {
  return {
      {"network create",
       "NAME [--fdb-aging SECONDS] [--fdb-max N]\n"
       "    [(--vxlan VNI [--udp-port N] | --gre KEY) --uplink PORT [--remote IP]...]\n"
       "    [--mode bridge|nat|routed|isolated] [--gateway CIDR] [--uplink PORT]\n"
       "    [--dhcp-range FIRST-LAST [--lease SECONDS] [--dhcp-port-leases N] [--dns IP]...\n"
       "    [--dhcp-host MAC=IP[,HOSTNAME]]...]\n"
       "    [--forward tcp|udp:OUTSIDE_PORT=GUEST_IP:GUEST_PORT]... [--nat-max N]\n"
       "    [--nat-max-per-guest N] [--nat-max-per-forward N] [--nat-address IP]\n"
       "    [--allow-underlay ADDRESS/PREFIX]...",
       {{"NAME"}, NetworkOptions()},
       Create},
      {"network list", "", {}, List},
      {"network show", "NAME", {{"NAME"}, {}}, Show},
      {"network set",
       "NAME [--fdb-aging SECONDS] [--fdb-max N]\n"
       "    [(--vxlan VNI [--udp-port N] | --gre KEY) --uplink PORT [--remote IP]... |\n"
       "    --no-tunnel] [--mode bridge|nat|routed|isolated] [--gateway CIDR] [--uplink PORT]\n"
       "    [--dhcp-range FIRST-LAST [--lease SECONDS] [--dhcp-port-leases N] [--dns IP]...\n"
       "    [--dhcp-host MAC=IP[,HOSTNAME]]... | --no-dhcp]\n"
       "    [(--forward tcp|udp:OUTSIDE_PORT=GUEST_IP:GUEST_PORT)... | --no-forwards]\n"
       "    [--nat-max N] [--nat-max-per-guest N] [--nat-max-per-forward N] [--nat-address IP]\n"
       "    [--allow-underlay ADDRESS/PREFIX... | --no-allow-underlay]",
       {{"NAME"}, NetworkOptions()},
       Set},
      {"network delete", "NAME", {{"NAME"}, {}}, Delete},
      {"network leases", "[NAME]", {{}, {}, {"NAME"}}, Leases},
  };
}

}  // namespace switchyard::ctl
