// The switchyard.v1 gRPC services. Each handler turns its request into
// plain structs, runs the operation on the control thread through the
// Controller, and turns the result back; no handler touches the Dataplane
// from its own thread.
#pragma once

#include <chrono>

#include "control/events/event_hub.h"
#include "control/model/controller.h"
#include "switchyard/v1/config.grpc.pb.h"
#include "switchyard/v1/events.grpc.pb.h"
#include "switchyard/v1/fdb.grpc.pb.h"
#include "switchyard/v1/network.grpc.pb.h"
#include "switchyard/v1/port.grpc.pb.h"
#include "switchyard/v1/stats.grpc.pb.h"

namespace switchyard::ctl {

class NetworksService final : public v1::Networks::Service {
 public:
  explicit NetworksService(Controller* c) : c_(c) {}
  grpc::Status CreateNetwork(grpc::ServerContext*, const v1::CreateNetworkRequest* req,
                             v1::Network* resp) override;
  grpc::Status GetNetwork(grpc::ServerContext*, const v1::GetNetworkRequest* req,
                          v1::Network* resp) override;
  grpc::Status ListNetworks(grpc::ServerContext*, const v1::ListNetworksRequest* req,
                            v1::ListNetworksResponse* resp) override;
  grpc::Status UpdateNetwork(grpc::ServerContext*, const v1::UpdateNetworkRequest* req,
                             v1::Network* resp) override;
  grpc::Status DeleteNetwork(grpc::ServerContext*, const v1::DeleteNetworkRequest* req,
                             v1::DeleteNetworkResponse* resp) override;
  grpc::Status ListLeases(grpc::ServerContext*, const v1::ListLeasesRequest* req,
                          v1::ListLeasesResponse* resp) override;

 private:
  Controller* c_;
};

class PortsService final : public v1::Ports::Service {
 public:
  explicit PortsService(Controller* c) : c_(c) {}
  grpc::Status CreatePort(grpc::ServerContext*, const v1::CreatePortRequest* req,
                          v1::Port* resp) override;
  grpc::Status GetPort(grpc::ServerContext*, const v1::GetPortRequest* req,
                       v1::Port* resp) override;
  grpc::Status ListPorts(grpc::ServerContext*, const v1::ListPortsRequest* req,
                         v1::ListPortsResponse* resp) override;
  grpc::Status UpdatePort(grpc::ServerContext*, const v1::UpdatePortRequest* req,
                          v1::Port* resp) override;
  grpc::Status DeletePort(grpc::ServerContext*, const v1::DeletePortRequest* req,
                          v1::DeletePortResponse* resp) override;

 private:
  Controller* c_;
};

class FdbService final : public v1::Fdb::Service {
 public:
  explicit FdbService(Controller* c) : c_(c) {}
  grpc::Status ListFdb(grpc::ServerContext*, const v1::ListFdbRequest* req,
                       v1::ListFdbResponse* resp) override;
  grpc::Status FlushFdb(grpc::ServerContext*, const v1::FlushFdbRequest* req,
                        v1::FlushFdbResponse* resp) override;
  grpc::Status AddStaticMac(grpc::ServerContext*, const v1::AddStaticMacRequest* req,
                            v1::FdbEntry* resp) override;
  grpc::Status DeleteStaticMac(grpc::ServerContext*, const v1::DeleteStaticMacRequest* req,
                               v1::DeleteStaticMacResponse* resp) override;

 private:
  Controller* c_;
};

class StatsService final : public v1::Stats::Service {
 public:
  explicit StatsService(Controller* c) : c_(c), started_(std::chrono::steady_clock::now()) {}
  grpc::Status GetStats(grpc::ServerContext*, const v1::GetStatsRequest* req,
                        v1::GetStatsResponse* resp) override;

 private:
  Controller* c_;
  std::chrono::steady_clock::time_point started_;
};

class ConfigService final : public v1::Config::Service {
 public:
  explicit ConfigService(Controller* c) : c_(c) {}
  grpc::Status Get(grpc::ServerContext*, const v1::GetConfigRequest* req,
                   v1::GetConfigResponse* resp) override;
  grpc::Status Apply(grpc::ServerContext*, const v1::ApplyConfigRequest* req,
                     v1::ApplyConfigResponse* resp) override;

 private:
  Controller* c_;
};

class EventsService final : public v1::Events::Service {
 public:
  EventsService(Controller* c, EventHub* hub) : c_(c), hub_(hub) {}
  grpc::Status Watch(grpc::ServerContext* ctx, const v1::WatchRequest* req,
                     grpc::ServerWriter<v1::Event>* writer) override;

 private:
  Controller* c_;
  EventHub* hub_;
};

}  // namespace switchyard::ctl
