// fdb show|flush|add|del: the Fdb service (MAC tables).
#include <iostream>

#include "cli/output.h"
#include "cli/table.h"
#include "cli/verb.h"
#include "switchyard/v1/fdb.grpc.pb.h"

namespace switchyard::ctl {

namespace {

using Kind = OptionSpec::Kind;

std::unique_ptr<v1::Fdb::Stub> Stub(const Call& call) {
  return v1::Fdb::NewStub(call.connection().channel());
}

int Show(const Call& call) {
  v1::ListFdbRequest request;
  request.set_network(call.args().positional(0));
  v1::ListFdbResponse reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->ListFdb(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    Table table({{"MAC"},
                 {"VLAN", Table::Align::kRight},
                 {"PORT"},
                 {"TYPE"},
                 {"AGE", Table::Align::kRight}});
    for (const v1::FdbEntry& e : reply.entries()) {
      table.AddRow({e.mac(), std::to_string(e.vlan()), e.port(), e.static_() ? "static" : "learned",
                    e.static_() ? "-" : std::to_string(e.age_seconds()) + "s"});
    }
    table.Print(std::cout);
  });
}

int Flush(const Call& call) {
  v1::FlushFdbRequest request;
  request.set_network(call.args().positional(0));
  request.set_port(call.args().String("--port").value_or(""));
  request.set_include_static(call.args().Has("--include-static"));
  v1::FlushFdbResponse reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->FlushFdb(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    std::cout << "flushed " << reply.flushed() << (reply.flushed() == 1 ? " entry" : " entries")
              << " from network " << request.network();
    if (!request.port().empty()) {
      std::cout << " (port " << request.port() << ")";
    }
    std::cout << "\n";
  });
}

int Add(const Call& call) {
  v1::AddStaticMacRequest request;
  request.set_network(call.args().positional(0));
  request.set_mac(call.args().positional(1));
  request.set_port(call.args().positional(2));
  request.set_vlan(call.args().U32("--vlan").value_or(0));
  v1::FdbEntry reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->AddStaticMac(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    std::cout << "static MAC " << reply.mac() << " (VLAN " << reply.vlan() << ") added to network "
              << reply.network() << " on port " << reply.port() << "\n";
  });
}

int Del(const Call& call) {
  v1::DeleteStaticMacRequest request;
  request.set_network(call.args().positional(0));
  request.set_mac(call.args().positional(1));
  request.set_vlan(call.args().U32("--vlan").value_or(0));
  v1::DeleteStaticMacResponse reply;
  auto stub = Stub(call);
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->DeleteStaticMac(c, request, &reply); });
  return call.Reply(status, reply, [&] {
    std::cout << "static MAC " << request.mac() << " (VLAN " << request.vlan()
              << ") deleted from network " << request.network() << "\n";
  });
}

}  // namespace

std::vector<Verb> FdbVerbs() {
  return {
      {"fdb show", "NETWORK", {{"NETWORK"}, {}}, Show},
      {"fdb flush",
       "NETWORK [--port PORT] [--include-static]",
       {{"NETWORK"}, {{"--port"}, {"--include-static", Kind::kFlag}}},
       Flush},
      {"fdb add",
       "NETWORK MAC PORT [--vlan VID]",
       {{"NETWORK", "MAC", "PORT"}, {{"--vlan", Kind::kU32}}},
       Add},
      {"fdb del", "NETWORK MAC [--vlan VID]", {{"NETWORK", "MAC"}, {{"--vlan", Kind::kU32}}}, Del},
  };
}

}  // namespace switchyard::ctl
