// health: grpc.health.v1 Check of the server as a whole, for scripts and
// readiness probes: exit 0 only when it answers SERVING.
#include <iostream>

#include "cli/output.h"
#include "cli/verb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace switchyard::ctl {

namespace {

namespace health = grpc::health::v1;

int Health(const Call& call) {
  health::HealthCheckRequest request;  // empty service: the whole server
  health::HealthCheckResponse reply;
  auto stub = health::Health::NewStub(call.connection().channel());
  auto status = call.Unary([&](grpc::ClientContext* c) { return stub->Check(c, request, &reply); });
  const int rc = call.Reply(status, reply, [&] {
    const std::string name = health::HealthCheckResponse::ServingStatus_Name(reply.status());
    std::cout << (name.empty() ? "status " + std::to_string(reply.status()) : name) << '\n';
  });
  if (rc != 0) {
    return rc;
  }
  return reply.status() == health::HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace

std::vector<Verb> HealthVerbs() { return {{"health", "", {}, Health}}; }

}  // namespace switchyard::ctl
