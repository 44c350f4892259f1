#include "kvm-host/agent/switch_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <utility>

namespace switchyard::kvm {

namespace {

// Port calls touch the datapath (a snapshot, a grace period): quick, but
// not instant; a switch that does not answer in this long is down.
constexpr auto kDeadline = std::chrono::seconds(10);

void Deadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + kDeadline);
}

Status Unavailable(std::string why) { return Status(StatusCode::kUnavailable, std::move(why)); }

bool NotAnswering(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

// A switch restarting comes back in well under a second: reconnect within
// one (gRPC's default backoff grows to two minutes).
std::shared_ptr<grpc::Channel> SwitchChannel(const std::string& socket) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel("unix://" + socket, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

SwitchClient::SwitchClient(const std::string& socket)
    : socket_(socket), ports_(v1::Ports::NewStub(SwitchChannel(socket))) {}

Status SwitchClient::Answers() {
  // Any answer will do: a port named "" is refused at once.
  v1::GetPortRequest req;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  v1::Port port;
  const grpc::Status s = ports_->GetPort(&ctx, req, &port);
  if (NotAnswering(s)) {
    return Unavailable("switch " + socket_ + " does not answer: " + s.error_message());
  }
  return Status::Ok();
}

Status SwitchClient::AddPort(const VmConfig& vm, size_t nic, const std::string& vhost_socket) {
  const NicConfig& n = vm.nics[nic];
  v1::CreatePortRequest req;
  v1::Port* port = req.mutable_port();
  port->set_name(PortName(vm.name, nic));
  port->set_network(n.network);
  if (n.kind == NicKind::kVhostUser) {
    port->mutable_vhost_user()->set_socket_path(vhost_socket);
    port->mutable_vhost_user()->set_mode(v1::VHOST_USER_MODE_SERVER);
  } else {
    port->mutable_tap()->set_name(TapName(vm.name, nic));
  }
  if (n.vlan != 0) {
    port->mutable_vlan()->set_mode(v1::VLAN_MODE_ACCESS);
    port->mutable_vlan()->set_tag(n.vlan);
  }
  if (!n.allow_spoofing) {
    // The agent knows the NIC's MAC; DHCP snooping binds its address.
    v1::PortSecurity* security = port->mutable_security();
    security->add_macs(n.mac);
    for (const std::string& ip : n.ipv4) {
      security->add_ipv4_addresses(ip);
    }
    security->set_dhcp_snooping(true);
  }
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v1::Port made;
  const grpc::Status s = ports_->CreatePort(&ctx, req, &made);
  if (s.ok()) {
    return Status::Ok();
  }
  if (NotAnswering(s)) {
    return Unavailable("switch " + socket_ + " does not answer (port " + port->name() +
                       "): " + s.error_message());
  }
  return Status(StatusCode::kFailedPrecondition,
                "switch " + socket_ + ": port " + port->name() + ": " + s.error_message());
}

Status SwitchClient::RemovePort(const std::string& name, const std::string& backend) {
  {
    v1::GetPortRequest get;
    get.set_name(name);
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v1::Port port;
    const grpc::Status s = ports_->GetPort(&ctx, get, &port);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
      return Status::Ok();
    }
    if (!s.ok()) {
      return Unavailable("switch " + socket_ + ": port " + name + ": " + s.error_message());
    }
    const std::string& has =
        port.has_vhost_user() ? port.vhost_user().socket_path() : port.tap().name();
    if (has != backend) {
      return Status(StatusCode::kFailedPrecondition, "switch " + socket_ + ": port " + name +
                                                         " is not this agent's (its backend is '" +
                                                         has + "', not '" + backend +
                                                         "'); left alone");
    }
  }
  v1::DeletePortRequest req;
  req.set_name(name);
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v1::DeletePortResponse resp;
  const grpc::Status s = ports_->DeletePort(&ctx, req, &resp);
  if (s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND) {
    return Status::Ok();
  }
  return Unavailable("switch " + socket_ + ": port " + name + ": " + s.error_message());
}

}  // namespace switchyard::kvm
