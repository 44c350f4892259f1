// network create|list|show|set|delete: the Networks service.
#include <iostream>

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

int Create(const Call& call) {
  v1::CreateNetworkRequest request;
  v1::Network* network = request.mutable_network();
  network->set_name(call.args().positional(0));
  // Unset means 0, which the server takes as "the default".
  network->set_fdb_aging_seconds(call.args().U32("--fdb-aging").value_or(0));
  network->set_fdb_max_entries(call.args().U32("--fdb-max").value_or(0));
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
    Table table({{"NAME"}, {"FDB-AGING", Table::Align::kRight}, {"FDB-MAX", Table::Align::kRight}});
    for (const v1::Network& n : reply.networks()) {
      table.AddRow({n.name(), std::to_string(n.fdb_aging_seconds()) + "s",
                    std::to_string(n.fdb_max_entries())});
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
                               {"fdb-max", std::to_string(reply.fdb_max_entries())}});
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
  if (!request.has_fdb_aging_seconds() && !request.has_fdb_max_entries()) {
    return call.Usage("nothing to change: give --fdb-aging and/or --fdb-max");
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

std::vector<OptionSpec> FdbOptions() {
  return {{"--fdb-aging", Kind::kU32}, {"--fdb-max", Kind::kU32}};
}

}  // namespace

std::vector<Verb> NetworkVerbs() {
  return {
      {"network create",
       "NAME [--fdb-aging SECONDS] [--fdb-max N]",
       {{"NAME"}, FdbOptions()},
       Create},
      {"network list", "", {}, List},
      {"network show", "NAME", {{"NAME"}, {}}, Show},
      {"network set", "NAME [--fdb-aging SECONDS] [--fdb-max N]", {{"NAME"}, FdbOptions()}, Set},
      {"network delete", "NAME", {{"NAME"}, {}}, Delete},
  };
}

}  // namespace switchyard::ctl
