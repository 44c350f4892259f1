// The gRPC server of switchyardd: a unix socket (0660, root) always, and
// TCP when asked: with TLS and required client certificates (mTLS), or
// plain only behind an explicit insecure flag. Serves switchyard.v1,
// grpc.health.v1 and server reflection. TLS clients are authorised by the
// names in their certificates when names are configured (authz.h).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "control/api/authz.h"
#include "control/api/services.h"

namespace switchyard::ctl {

struct ApiOptions {
  std::string socket_path = "/run/switchyard/switchyard.sock";
  std::string tcp_listen;     // HOST:PORT; empty: no TCP
  std::string tls_cert;       // server certificate chain (PEM)
  std::string tls_key;        // its private key (PEM)
  std::string tls_client_ca;  // CA that signs client certificates (PEM)
  bool insecure_tcp = false;  // plain TCP, no TLS: only when asked for
  // Certificate names of admins and readers over TLS; none: every
  // certificate the client CA signs is an admin.
  AuthzPolicy authz;
};

// Checks the TCP/TLS combination before anything starts.
Status ValidateApiOptions(const ApiOptions& options);

class ApiServer {
 public:
  ApiServer(Controller* controller, EventHub* hub);
  ~ApiServer();

  Status Start(const ApiOptions& options);
  // Stops accepting calls; in-flight calls get until `deadline_ms` to end.
  void Shutdown(int deadline_ms);

 private:
  NetworksService networks_;
  PortsService ports_;
  FdbService fdb_;
  StatsService stats_;
  ConfigService config_;
  EventsService events_;
  // Set when names are configured; shared with the TLS credentials.
  std::shared_ptr<TlsAuthorizer> authorizer_;
  std::unique_ptr<grpc::Server> server_;
  std::string socket_path_;
};

}  // namespace switchyard::ctl
