// network create|list|show|set|delete: the Networks service.
#include <iostream>
#include <optional>
#include <string>

#include "control/cli/output.h"
#include "control/cli/table.h"
#include "control/cli/verb.h"
#include "switchyard/v1/network.grpc.pb.h"

namespace switchyard::ctl {

namespace {

using Kind = OptionSpec::Kind;

std::unique_ptr<v1::Networks::Stub> Stub(const Call& call) {
  return v1::Networks::NewStub(call.connection().channel());
}

// --vxlan VNI | --gre KEY, with --uplink PORT, --remote IP... and (VXLAN)
// --udp-port N; or --no-tunnel (set only). Empty when fine, else the reason.
std::string TunnelFromArgs(const ParsedArgs& args, bool allow_none,
                           std::optional<v1::Tunnel>* out) {
  auto vxlan = args.U32("--vxlan");
  auto gre = args.U32("--gre");
  const bool none = args.Has("--no-tunnel");
  const bool details =
      args.String("--uplink") || !args.All("--remote").empty() || args.U32("--udp-port");
  if ((vxlan ? 1 : 0) + (gre ? 1 : 0) + (none ? 1 : 0) > 1) {
    return allow_none ? "--vxlan, --gre and --no-tunnel exclude each other"
                      : "--vxlan and --gre exclude each other";
  }
  if (none && !allow_none) {
    return "--no-tunnel goes with network set";
  }
  if (!vxlan && !gre) {
    if (details) {
      return "--uplink, --remote and --udp-port go with --vxlan VNI or --gre KEY";
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
  }
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
                 {"FDB-AGING", Table::Align::kRight},
                 {"FDB-MAX", Table::Align::kRight},
                 {"TUNNEL"},
                 {"REMOTES", Table::Align::kRight}});
    for (const v1::Network& n : reply.networks()) {
      table.AddRow({n.name(), std::to_string(n.fdb_aging_seconds()) + "s",
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
    PrintKeyValues(std::cout, {{"name", reply.name()},
                               {"fdb-aging", std::to_string(reply.fdb_aging_seconds()) + "s"},
                               {"fdb-max", std::to_string(reply.fdb_max_entries())},
                               {"tunnel", TunnelText(reply)}});
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
  }
  if (!request.has_fdb_aging_seconds() && !request.has_fdb_max_entries() && !tunnel) {
    return call.Usage(
        "nothing to change: give --fdb-aging, --fdb-max, --vxlan/--gre (the whole tunnel) or "
        "--no-tunnel");
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

std::vector<OptionSpec> NetworkOptions() {
  return {{"--fdb-aging", Kind::kU32},
          {"--fdb-max", Kind::kU32},
          {"--vxlan", Kind::kU32},
          {"--gre", Kind::kU32},
          {"--uplink"},
          {"--remote", Kind::kString, true},
          {"--udp-port", Kind::kU32},
          {"--no-tunnel", Kind::kFlag}};
}

}  // namespace

std::vector<Verb> NetworkVerbs() {
  return {
      {"network create",
       "NAME [--fdb-aging SECONDS] [--fdb-max N]\n"
       "    [(--vxlan VNI [--udp-port N] | --gre KEY) --uplink PORT [--remote IP]...]",
       {{"NAME"}, NetworkOptions()},
       Create},
      {"network list", "", {}, List},
      {"network show", "NAME", {{"NAME"}, {}}, Show},
      {"network set",
       "NAME [--fdb-aging SECONDS] [--fdb-max N]\n"
       "    [(--vxlan VNI [--udp-port N] | --gre KEY) --uplink PORT [--remote IP]... |\n"
       "    --no-tunnel]",
       {{"NAME"}, NetworkOptions()},
       Set},
      {"network delete", "NAME", {{"NAME"}, {}}, Delete},
  };
}

}  // namespace switchyard::ctl
