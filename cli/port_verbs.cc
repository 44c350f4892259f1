// port add|list|show|set|delete: the Ports service.
#include <charconv>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/output.h"
#include "cli/table.h"
#include "cli/verb.h"
#include "switchyard/v1/port.grpc.pb.h"

namespace switchyard::ctl {

namespace {

using Kind = OptionSpec::Kind;

std::unique_ptr<v1::Ports::Stub> Stub(const Call& call) {
  return v1::Ports::NewStub(call.connection().channel());
}

// "vhost-server", "vhost-client" or "kernel", the words of the command line.
std::string KindName(const v1::Port& port) {
  if (port.backend_case() == v1::Port::kKernel) {
    return "kernel";
  }
  if (port.backend_case() == v1::Port::kTap) {
    return "tap";
  }
  if (port.backend_case() == v1::Port::kInternal) {
    return "internal";
  }
  if (port.backend_case() != v1::Port::kVhostUser) {
    return "unknown";  // a kind added to the API after this yardctl
  }
  switch (port.vhost_user().mode()) {
    case v1::VHOST_USER_MODE_SERVER:
      return "vhost-server";
    case v1::VHOST_USER_MODE_CLIENT:
      return "vhost-client";
    default:
      return "vhost-user";
  }
}

// The socket of a vhost-user port, the netdev of a kernel port.
std::string BackendName(const v1::Port& port) {
  if (port.has_kernel()) {
    return port.kernel().netdev();
  }
  if (port.has_tap()) {
    return port.tap().name();
  }
  if (port.has_internal()) {
    return port.internal().name();
  }
  return port.has_vhost_user() ? port.vhost_user().socket_path() : "-";
}

// --vhost-server SOCKET, --vhost-client SOCKET, --kernel NETDEV, --tap NAME
// (with --tap-owner UID, --multi-queue, --tap-adopt) or --internal NAME (with
// --address CIDR...), at most one; --mtu N goes with --tap and --internal,
// --driver with the last three.
struct BackendArgs {
  std::optional<v1::VhostUser> vhost_user;
  std::optional<v1::Kernel> kernel;
  std::optional<v1::Tap> tap;
  std::optional<v1::Internal> internal;
  bool given() const { return vhost_user || kernel || tap || internal; }
};

std::optional<v1::KernelDriver> ParseDriver(const std::string& word) {
  if (word == "auto") {
    return v1::KERNEL_DRIVER_AUTO;
  }
  if (word == "af_xdp") {
    return v1::KERNEL_DRIVER_AF_XDP;
  }
  if (word == "af_packet") {
    return v1::KERNEL_DRIVER_AF_PACKET;
  }
  return std::nullopt;
}

// Returns a usage reason when the options do not fit together, else "".
std::string BackendFromArgs(const ParsedArgs& args, BackendArgs* out) {
  auto server = args.String("--vhost-server");
  auto client = args.String("--vhost-client");
  auto kernel = args.String("--kernel");
  auto tap = args.String("--tap");
  auto internal = args.String("--internal");
  if (!!server + !!client + !!kernel + !!tap + !!internal > 1) {
    return "--vhost-server, --vhost-client, --kernel, --tap and --internal exclude each other";
  }
  if ((args.U32("--tap-owner") || args.Has("--multi-queue") || args.Has("--tap-adopt")) && !tap) {
    return "--tap-owner, --multi-queue and --tap-adopt go with --tap";
  }
  if (args.U32("--mtu") && !tap && !internal) {
    return "--mtu goes with --tap or --internal";
  }
  if (!args.All("--address").empty() && !internal) {
    return "--address goes with --internal";
  }
  v1::KernelDriver driver = v1::KERNEL_DRIVER_AUTO;
  if (auto word = args.String("--driver")) {
    if (!kernel && !tap && !internal) {
      return "--driver goes with --kernel, --tap or --internal";
    }
    auto parsed = ParseDriver(*word);
    if (!parsed) {
      return "--driver: '" + *word + "' is not auto, af_xdp or af_packet";
    }
    driver = *parsed;
  }
  if (server || client) {
    v1::VhostUser vhost;
    vhost.set_socket_path(server ? *server : *client);
    vhost.set_mode(server ? v1::VHOST_USER_MODE_SERVER : v1::VHOST_USER_MODE_CLIENT);
    out->vhost_user = vhost;
  } else if (kernel) {
    v1::Kernel k;
    k.set_netdev(*kernel);
    k.set_driver(driver);
    out->kernel = k;
  } else if (tap) {
    v1::Tap t;
    t.set_name(*tap);
    if (auto uid = args.U32("--tap-owner")) {
      t.set_owner_uid(*uid);
    }
    t.set_mtu(args.U32("--mtu").value_or(0));
    t.set_multi_queue(args.Has("--multi-queue"));
    t.set_adopt(args.Has("--tap-adopt"));
    t.set_driver(driver);
    out->tap = t;
  } else if (internal) {
    v1::Internal i;
    i.set_name(*internal);
    for (const std::string& cidr : args.All("--address")) {
      i.add_addresses(cidr);
    }
    i.set_mtu(args.U32("--mtu").value_or(0));
    i.set_driver(driver);
    out->internal = i;
  }
  return "";
}

// "access 10", "trunk all", "trunk 10,20-30 native 5 tagged".
std::string VlanText(const v1::Port& port) {
  if (port.has_underlay()) {
    return "-";  // an uplink: tunnels leave untagged
  }
  const v1::Vlan& v = port.vlan();
  if (v.mode() == v1::VLAN_MODE_ACCESS) {
    return "access " + std::to_string(v.tag());
  }
  std::string out = "trunk ";
  if (v.trunks().empty()) {
    out += "all";
  }
  for (int i = 0; i < v.trunks_size(); ++i) {
    const auto& r = v.trunks(i);
    out += (i > 0 ? "," : "") + std::to_string(r.first());
    if (r.last() != 0 && r.last() != r.first()) {
      out += "-" + std::to_string(r.last());
    }
  }
  if (v.native_vlan() != 0) {
    out += " native " + std::to_string(v.native_vlan()) + (v.native_tagged() ? " tagged" : "");
  }
  return out;
}

// "yes" or "no"; "-" for an uplink, which is never private.
std::string PrivateText(const v1::Port& port) {
  if (port.has_underlay()) {
    return "-";
  }
  return port.private_port() ? "yes" : "no";
}

std::optional<uint32_t> ParseId(const std::string& word) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc() || end != word.data() + word.size() || word.empty()) {
    return std::nullopt;
  }
  return v;
}

// "10,20-30" into ranges; "all" into none (a trunk of every VLAN).
bool ParseTrunks(const std::string& list, v1::Vlan* vlan) {
  if (list == "all") {
    return true;
  }
  std::stringstream items(list);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto dash = item.find('-');
    auto first = ParseId(item.substr(0, dash));
    auto last = dash == std::string::npos ? first : ParseId(item.substr(dash + 1));
    if (!first || !last) {
      return false;
    }
    auto* range = vlan->add_trunks();
    range->set_first(*first);
    range->set_last(*last);
  }
  return vlan->trunks_size() > 0;
}

// --access VID, or --trunk LIST|all with --native VID [--native-tagged]:
// a whole VLAN setting, or none when no VLAN option is given. Returns a
// usage reason when the options do not fit together, else "".
std::string VlanFromArgs(const ParsedArgs& args, std::optional<v1::Vlan>* out) {
  auto access = args.U32("--access");
  auto trunk = args.String("--trunk");
  auto native = args.U32("--native");
  const bool native_tagged = args.Has("--native-tagged");
  if (access && (trunk || native || native_tagged)) {
    return "--access excludes --trunk, --native and --native-tagged";
  }
  if (native_tagged && !native) {
    return "--native-tagged goes with --native";
  }
  if (!access && !trunk && !native) {
    return "";
  }
  v1::Vlan vlan;
  if (access) {
    vlan.set_mode(v1::VLAN_MODE_ACCESS);
    vlan.set_tag(*access);
  } else {
    vlan.set_mode(v1::VLAN_MODE_TRUNK);
    if (trunk && !ParseTrunks(*trunk, &vlan)) {
      return "--trunk: '" + *trunk + "' is not a VLAN list (e.g. 10,20-30) or all";
    }
    vlan.set_native_vlan(native.value_or(0));
    vlan.set_native_tagged(native_tagged);
  }
  *out = vlan;
  return "";
}

// Port security from --allow-mac (repeated), --allow-ip (repeated) and
// --dhcp-snooping, or --no-port-security (set only: off), when given.
// Empty when fine, else the reason.
std::string SecurityFromArgs(const ParsedArgs& args, bool allow_off,
                             std::optional<v1::PortSecurity>* out) {
  const std::vector<std::string> macs = args.All("--allow-mac");
  const std::vector<std::string> ips = args.All("--allow-ip");
  const bool snooping = args.Has("--dhcp-snooping");
  const bool off = args.Has("--no-port-security");
  if (off && !allow_off) {
    return "--no-port-security goes with port set";
  }
  if (off && (!macs.empty() || !ips.empty() || snooping)) {
    return "--no-port-security excludes --allow-mac, --allow-ip and --dhcp-snooping";
  }
  if (macs.empty() && (!ips.empty() || snooping)) {
    return "--allow-ip and --dhcp-snooping need --allow-mac (the MACs the port may use)";
  }
  if (off || !macs.empty()) {
    v1::PortSecurity s;
    for (const std::string& m : macs) {
      s.add_macs(m);
    }
    for (const std::string& ip : ips) {
      s.add_ipv4_addresses(ip);
    }
    s.set_dhcp_snooping(snooping);
    *out = s;
  }
  return "";
}

// "MAC,MAC ip IP,IP +dhcp", or "off".
std::string SecurityText(const v1::Port& port) {
  if (!port.has_security()) {
    return "off";
  }
  const v1::PortSecurity& s = port.security();
  std::string text = Join(s.macs(), ",");
  if (!s.ipv4_addresses().empty()) {
    text += " ip " + Join(s.ipv4_addresses(), ",");
  }
  return text + (s.dhcp_snooping() ? " +dhcp-snooping" : "");
}

// --private (add, set) or --no-private (set only), when given. Empty when
// fine, else the reason.
std::string PrivateFromArgs(const ParsedArgs& args, bool allow_no, std::optional<bool>* out) {
  const bool on = args.Has("--private");
  const bool off = args.Has("--no-private");
  if (off && !allow_no) {
    return "--no-private goes with port set";
  }
  if (on && off) {
    return "--private and --no-private exclude each other";
  }
  if (on || off) {
    *out = on;
  }
  return "";
}

// --underlay CIDR [--gateway IP]: the port is an uplink.
std::string UnderlayFromArgs(const ParsedArgs& args, std::optional<v1::Underlay>* out) {
  auto address = args.String("--underlay");
  auto gateway = args.String("--gateway");
  if (gateway && !address) {
    return "--gateway goes with --underlay";
  }
  if (address) {
    v1::Underlay u;
    u.set_address(*address);
    u.set_gateway(gateway.value_or(""));
    *out = u;
  }
  return "";
}

int Add(const Call& call) {
  v1::CreatePortRequest request;
  v1::Port* port = request.mutable_port();
  port->set_name(call.args().positional(0));
  std::optional<v1::Underlay> underlay;
  if (auto reason = UnderlayFromArgs(call.args(), &underlay); !reason.empty()) {
    return call.Usage(reason);
  }
  auto network = call.args().String("--network");
  if (!network && !underlay) {
    return call.Usage("--network is required (or --underlay, for an uplink)");
  }
  if (network && underlay) {
    return call.Usage("--network and --underlay exclude each other: an uplink has no network");
  }
  port->set_network(network.value_or(""));
  if (underlay) {
    *port->mutable_underlay() = *underlay;
  }
  BackendArgs backend;
  if (auto reason = BackendFromArgs(call.args(), &backend); !reason.empty()) {
    return call.Usage(reason);
  }
  if (!backend.given()) {
    return call.Usage(
        "give --vhost-server SOCKET, --vhost-client SOCKET, --kernel NETDEV, --tap NAME or "
        "--internal NAME");
  }
  std::optional<v1::Vlan> vlan;
  if (auto reason = VlanFromArgs(call.args(), &vlan); !reason.empty()) {
    return call.Usage(reason);
  }
  if (vlan) {
    *port->mutable_vlan() = *vlan;
  }
  std::optional<bool> private_port;
  if (auto reason = PrivateFromArgs(call.args(), false, &private_port); !reason.empty()) {
    return call.Usage(reason);
  }
  port->set_private_port(private_port.value_or(false));
  port->set_mac_limit(call.args().U32("--mac-limit").value_or(0));
  port->set_flood_limit(call.args().U32("--flood-limit").value_or(0));
  std::optional<v1::PortSecurity> security;
  if (auto reason = SecurityFromArgs(call.args(), false, &security); !reason.empty()) {
    return call.Usage(reason);
  }
  if (security) {
    *port->mutable_security() = *security;
  }
  if (backend.vhost_user) {
    *port->mutable_vhost_user() = *backend.vhost_user;
  } else if (backend.kernel) {
    *port->mutable_kernel() = *backend.kernel;
  } else if (backend.tap) {
    *port->mutable_tap() = *backend.tap;
  } else {
    *port->mutable_internal() = *backend.internal;
  }
  v1::Port reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->CreatePort(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    if (reply.has_underlay()) {
      std::cout << "uplink " << reply.name() << " added with underlay address "
                << reply.underlay().address() << "\n";
    } else {
      std::cout << "port " << reply.name() << " added to network " << reply.network() << "\n";
    }
  });
}

int List(const Call& call) {
  v1::ListPortsRequest request;
  request.set_network(call.args().String("--network").value_or(""));
  v1::ListPortsResponse reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->ListPorts(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    Table table({{"NAME"},
                 {"NETWORK"},
                 {"KIND"},
                 {"BACKEND"},
                 {"VLAN"},
                 {"PRIVATE"},
                 {"LINK"},
                 {"CONNECTS", Table::Align::kRight}});
    std::vector<std::string> errors;
    for (const v1::Port& p : reply.ports()) {
      table.AddRow({p.name(), p.has_underlay() ? "(uplink)" : p.network(), KindName(p),
                    BackendName(p), VlanText(p), PrivateText(p), LinkName(p.status().link()),
                    std::to_string(p.status().guest_connects())});
      if (!p.status().error().empty()) {
        errors.push_back("  " + p.name() + ": " + p.status().error());
      }
    }
    table.Print(std::cout);
    // Below the table, as sentences do not fit in a column.
    if (!errors.empty()) {
      std::cout << "errors:\n";
      for (const auto& line : errors) {
        std::cout << line << '\n';
      }
    }
  });
}

int Show(const Call& call) {
  v1::GetPortRequest request;
  request.set_name(call.args().positional(0));
  v1::Port reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->GetPort(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    std::vector<std::pair<std::string, std::string>> lines = {
        {"name", reply.name()},
        {"network", reply.network()},
        {"kind", KindName(reply)},
        {reply.has_vhost_user() ? "socket" : "netdev", BackendName(reply)},
        {"vlan", VlanText(reply)},
        {"private", PrivateText(reply)},
        {"port-security", reply.has_underlay() ? "-" : SecurityText(reply)},
        {"mac-limit",
         reply.has_underlay() || reply.mac_limit() == 0 ? "-" : std::to_string(reply.mac_limit())},
        {"flood-limit", reply.has_underlay() || reply.flood_limit() == 0
                            ? "-"
                            : std::to_string(reply.flood_limit()) + "/s"},
        {"driver", reply.status().driver().empty() ? "-" : reply.status().driver()},
        {"link", LinkName(reply.status().link())},
        {"guest-connects", std::to_string(reply.status().guest_connects())}};
    if (reply.has_underlay()) {
      lines[1] = {"network", "- (uplink)"};
      lines.emplace_back("underlay", reply.underlay().address());
      lines.emplace_back("gateway",
                         reply.underlay().gateway().empty() ? "-" : reply.underlay().gateway());
      lines.emplace_back("uplink-mac", reply.status().uplink_mac());
    }
    if (!reply.status().fallback_reason().empty()) {
      lines.emplace_back("fallback-reason", reply.status().fallback_reason());
    }
    if (!reply.status().error().empty()) {
      lines.emplace_back("error", reply.status().error());
    }
    PrintKeyValues(std::cout, lines);
  });
}

int Set(const Call& call) {
  v1::UpdatePortRequest request;
  request.set_name(call.args().positional(0));
  if (auto network = call.args().String("--network")) {
    request.set_network(*network);
  }
  BackendArgs backend;
  if (auto reason = BackendFromArgs(call.args(), &backend); !reason.empty()) {
    return call.Usage(reason);
  }
  if (backend.vhost_user) {
    *request.mutable_vhost_user() = *backend.vhost_user;
  } else if (backend.kernel) {
    *request.mutable_kernel() = *backend.kernel;
  } else if (backend.tap) {
    *request.mutable_tap() = *backend.tap;
  } else if (backend.internal) {
    *request.mutable_internal() = *backend.internal;
  }
  std::optional<v1::Vlan> vlan;
  if (auto reason = VlanFromArgs(call.args(), &vlan); !reason.empty()) {
    return call.Usage(reason);
  }
  if (vlan) {
    *request.mutable_vlan() = *vlan;
  }
  std::optional<v1::Underlay> underlay;
  if (auto reason = UnderlayFromArgs(call.args(), &underlay); !reason.empty()) {
    return call.Usage(reason);
  }
  if (underlay) {
    *request.mutable_underlay() = *underlay;
  }
  std::optional<bool> private_port;
  if (auto reason = PrivateFromArgs(call.args(), true, &private_port); !reason.empty()) {
    return call.Usage(reason);
  }
  if (private_port) {
    request.set_private_port(*private_port);
  }
  if (auto limit = call.args().U32("--mac-limit")) {
    request.set_mac_limit(*limit);
  }
  if (auto limit = call.args().U32("--flood-limit")) {
    request.set_flood_limit(*limit);
  }
  std::optional<v1::PortSecurity> security;
  if (auto reason = SecurityFromArgs(call.args(), true, &security); !reason.empty()) {
    return call.Usage(reason);
  }
  if (security) {
    *request.mutable_security() = *security;
  }
  if (!request.has_network() && !backend.given() && !vlan && !underlay && !private_port &&
      !request.has_mac_limit() && !request.has_flood_limit() && !security) {
    return call.Usage(
        "nothing to change: give --network, "
        "--vhost-server/--vhost-client/--kernel/--tap/--internal, "
        "--access/--trunk/--native, --underlay, --private/--no-private, --mac-limit, "
        "--flood-limit and/or --allow-mac/--allow-ip/--dhcp-snooping/--no-port-security");
  }
  v1::Port reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->UpdatePort(c, request, &reply); });
  return call.Reply(status, reply, [&] { std::cout << "port " << reply.name() << " updated\n"; });
}

int Delete(const Call& call) {
  v1::DeletePortRequest request;
  request.set_name(call.args().positional(0));
  v1::DeletePortResponse reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->DeletePort(c, request, &reply); });
  return call.Reply(status, reply, [&] { std::cout << "port " << request.name() << " deleted\n"; });
}

std::vector<OptionSpec> PortOptions() {
  return {{"--network"},
          {"--vhost-server"},
          {"--vhost-client"},
          {"--kernel"},
          {"--tap"},
          {"--tap-owner", OptionSpec::Kind::kU32},
          {"--mtu", OptionSpec::Kind::kU32},
          {"--multi-queue", OptionSpec::Kind::kFlag},
          {"--tap-adopt", OptionSpec::Kind::kFlag},
          {"--internal"},
          {"--address", OptionSpec::Kind::kString, true},
          {"--driver"},
          {"--access", OptionSpec::Kind::kU32},
          {"--trunk"},
          {"--native", OptionSpec::Kind::kU32},
          {"--native-tagged", OptionSpec::Kind::kFlag},
          {"--underlay"},
          {"--gateway"},
          {"--private", OptionSpec::Kind::kFlag},
          {"--no-private", OptionSpec::Kind::kFlag},
          {"--mac-limit", OptionSpec::Kind::kU32},
          {"--flood-limit", OptionSpec::Kind::kU32},
          {"--allow-mac", OptionSpec::Kind::kString, true},
          {"--allow-ip", OptionSpec::Kind::kString, true},
          {"--dhcp-snooping", OptionSpec::Kind::kFlag},
          {"--no-port-security", OptionSpec::Kind::kFlag}};
}

}  // namespace

std::vector<Verb> PortVerbs() {
  return {
      {"port add",
       "NAME (--network NET | --underlay CIDR [--gateway IP])\n"
       "    (--vhost-server SOCKET | --vhost-client SOCKET | --kernel NETDEV |\n"
       "    --tap NAME [--tap-owner UID] [--mtu N] [--multi-queue] [--tap-adopt] |\n"
       "    --internal NAME [--address CIDR]... [--mtu N])\n"
       "    [--driver auto|af_xdp|af_packet]\n"
       "    [--access VID | [--trunk VIDS|all] [--native VID [--native-tagged]]] [--private]\n"
       "    [--mac-limit N] [--flood-limit PPS] [--allow-mac MAC... [--allow-ip IP]... "
       "[--dhcp-snooping]]",
       {{"NAME"}, PortOptions()},
       Add},
      {"port list", "[--network NET]", {{}, {{"--network"}}}, List},
      {"port show", "NAME", {{"NAME"}, {}}, Show},
      {"port set",
       "NAME [--network NET] [--vhost-server SOCKET | --vhost-client SOCKET | --kernel NETDEV |\n"
       "    --tap NAME [--tap-owner UID] [--mtu N] [--multi-queue] [--tap-adopt] |\n"
       "    --internal NAME [--address CIDR]... [--mtu N]] [--driver auto|af_xdp|af_packet]\n"
       "    [--access VID | [--trunk VIDS|all] [--native VID [--native-tagged]]]\n"
       "    [--underlay CIDR [--gateway IP]] [--private | --no-private] [--mac-limit N (0: none)]\n"
       "    [--flood-limit PPS (0: none)]\n"
       "    [--allow-mac MAC... [--allow-ip IP]... [--dhcp-snooping] | --no-port-security]",
       {{"NAME"}, PortOptions()},
       Set},
      {"port delete", "NAME", {{"NAME"}, {}}, Delete},
  };
}

}  // namespace switchyard::ctl
