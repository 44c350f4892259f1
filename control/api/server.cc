#include "control/api/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "datapath/platform/unix_socket.h"

namespace switchyard::ctl {

namespace {

Status ReadPem(const std::string& flag, const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) {
    return Status(StatusCode::kInvalidArgument, flag + ": cannot read " + path);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  *out = buf.str();
  return Status::Ok();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i ? ", " : "") + names[i];
  }
  return out + "]";
}

}  // namespace

Status ValidateApiOptions(const ApiOptions& o) {
  const bool any_tls =
      !o.tls_cert.empty() || !o.tls_key.empty() || !o.tls_client_ca.empty() || !o.authz.empty();
  if (o.tcp_listen.empty()) {
    if (any_tls || o.insecure_tcp) {
      return Status(StatusCode::kInvalidArgument, "--tls-*/--insecure-tcp need --listen HOST:PORT");
    }
    return Status::Ok();
  }
  if (o.insecure_tcp && any_tls) {
    return Status(StatusCode::kInvalidArgument, "--insecure-tcp and --tls-* exclude each other");
  }
  if (!o.insecure_tcp && (o.tls_cert.empty() || o.tls_key.empty() || o.tls_client_ca.empty())) {
    return Status(StatusCode::kInvalidArgument,
                  "--listen needs --tls-cert, --tls-key and --tls-client-ca (mutual TLS), or "
                  "--insecure-tcp for plain TCP");
  }
  if (std::string err = ValidatePolicy(o.authz); !err.empty()) {
    return Status(StatusCode::kInvalidArgument, err);
  }
  return Status::Ok();
}

ApiServer::ApiServer(Controller* controller, EventHub* hub)
    : networks_(controller),
      ports_(controller),
      fdb_(controller),
      stats_(controller),
      config_(controller),
      events_(controller, hub) {}

ApiServer::~ApiServer() { Shutdown(0); }

Status ApiServer::Start(const ApiOptions& o) {
  if (Status s = ValidateApiOptions(o); !s.ok()) {
    return s;
  }
  const std::string dir = std::filesystem::path(o.socket_path).parent_path();
  std::error_code ec;
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
  }
  if (Status s = PrepareServerSocketPath(o.socket_path); !s.ok()) {
    return Status(s.code(), "api socket " + o.socket_path + ": " + s.message());
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + o.socket_path, grpc::InsecureServerCredentials());
  int tcp_port = 0;
  if (!o.tcp_listen.empty()) {
    std::shared_ptr<grpc::ServerCredentials> creds;
    if (o.insecure_tcp) {
      SY_WARN("api: plain TCP on " << o.tcp_listen
                                   << " without TLS: anyone who reaches it controls the switch");
      creds = grpc::InsecureServerCredentials();
    } else {
      grpc::SslServerCredentialsOptions ssl(
          GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
      grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
      for (auto [flag, path, out] :
           {std::tuple{"--tls-cert", o.tls_cert, &pair.cert_chain},
            std::tuple{"--tls-key", o.tls_key, &pair.private_key},
            std::tuple{"--tls-client-ca", o.tls_client_ca, &ssl.pem_root_certs}}) {
        if (Status s = ReadPem(flag, path, out); !s.ok()) {
          return s;
        }
      }
      ssl.pem_key_cert_pairs.push_back(pair);
      creds = grpc::SslServerCredentials(ssl);
      if (o.authz.empty()) {
        SY_WARN(
            "api: no --tls-admin-names or --tls-reader-names: every client certificate "
            "signed by the CA of "
            << o.tls_client_ca
            << " has full (admin) access over TLS; name the admins and readers to limit it");
      } else {
        authorizer_ = std::make_shared<TlsAuthorizer>(o.authz);
        creds->SetAuthMetadataProcessor(authorizer_);
        SY_INFO("api: TLS clients by certificate name: admins "
                << JoinNames(o.authz.admin_names) << ", readers " << JoinNames(o.authz.reader_names)
                << "; other certificates are refused");
      }
    }
    builder.AddListeningPort(o.tcp_listen, creds, &tcp_port);
  }
  builder.RegisterService(&networks_);
  builder.RegisterService(&ports_);
  builder.RegisterService(&fdb_);
  builder.RegisterService(&stats_);
  builder.RegisterService(&config_);
  builder.RegisterService(&events_);
  server_ = builder.BuildAndStart();
  if (!server_) {
    return Status(StatusCode::kUnavailable,
                  "api: cannot listen on unix:" + o.socket_path +
                      (o.tcp_listen.empty() ? "" : " and " + o.tcp_listen));
  }
  if (!o.tcp_listen.empty() && tcp_port == 0) {
    server_->Shutdown();
    server_.reset();
    return Status(StatusCode::kUnavailable, "api: cannot listen on " + o.tcp_listen);
  }
  // Root and its group only: the API controls the host's networking.
  chmod(o.socket_path.c_str(), 0660);
  socket_path_ = o.socket_path;
  SY_INFO("api: serving on unix:" << o.socket_path
                                  << (o.tcp_listen.empty()
                                          ? ""
                                          : " and " + o.tcp_listen +
                                                (o.insecure_tcp ? " (insecure)" : " (mTLS)")));
  return Status::Ok();
}

void ApiServer::Shutdown(int deadline_ms) {
  if (!server_) {
    return;
  }
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
  server_->Wait();
  server_.reset();
  unlink(socket_path_.c_str());
}

}  // namespace switchyard::ctl
