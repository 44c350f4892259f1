#include "cli/connection.h"

#include <grpc/support/log.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace switchyard::ctl {

namespace {

// A large FDB comes back in one ListFdbResponse (about 100 bytes an
// entry, up to 1048576 entries), far over gRPC's 4 MiB default.
constexpr int kMaxReceiveBytes = 1 << 30;

bool ReadFile(const std::string& option, const std::string& path, std::string* out,
              std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = option + ": cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream content;
  content << in.rdbuf();
  *out = content.str();
  if (out->empty()) {
    // Also what a directory reads as; gRPC would only say "handshake failed".
    *error = option + ": " + path + " is empty or not a file";
    return false;
  }
  return true;
}

void DropGrpcLog(gpr_log_func_args*) {}

grpc::ChannelArguments ChannelArgs() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  return args;
}

}  // namespace

std::unique_ptr<Connection> Connection::Open(const GlobalOptions& options, std::string* error) {
  // gRPC logs failures such as a TLS handshake error to stderr on its own,
  // next to the one line Fail() prints about the same thing. GRPC_VERBOSITY
  // brings them back for debugging.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) {
    gpr_set_log_function(DropGrpcLog);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string target;
  if (options.server.empty()) {
    target = "unix:" + options.socket;
    credentials = grpc::InsecureChannelCredentials();
  } else if (options.insecure) {
    target = options.server;
    credentials = grpc::InsecureChannelCredentials();
  } else {
    target = options.server;
    grpc::SslCredentialsOptions tls;
    if (!ReadFile("--tls-ca", options.tls_ca, &tls.pem_root_certs, error)) {
      return nullptr;
    }
    if (!options.tls_cert.empty() &&
        (!ReadFile("--tls-cert", options.tls_cert, &tls.pem_cert_chain, error) ||
         !ReadFile("--tls-key", options.tls_key, &tls.pem_private_key, error))) {
      return nullptr;
    }
    credentials = grpc::SslCredentials(tls);
  }
  return std::unique_ptr<Connection>(
      new Connection(options, grpc::CreateCustomChannel(target, credentials, ChannelArgs())));
}

const std::shared_ptr<grpc::Channel>& Connection::kvmd_channel() const {
  if (kvmd_channel_ == nullptr) {
    kvmd_channel_ = grpc::CreateCustomChannel("unix:" + options_.kvmd_socket,
                                              grpc::InsecureChannelCredentials(), ChannelArgs());
  }
  return kvmd_channel_;
}

void Connection::SetDeadline(grpc::ClientContext* context, uint32_t min_seconds) const {
  deadline_seconds_ = std::max(options_.timeout_seconds, min_seconds);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(deadline_seconds_));
}

std::string Connection::Where() const {
  return options_.server.empty() ? "socket " + options_.socket : "server " + options_.server;
}

int Connection::Fail(const grpc::Status& status, Daemon daemon) const {
  std::string message = status.error_message();
  const std::shared_ptr<grpc::Channel>& channel =
      daemon == Daemon::kKvmd ? kvmd_channel() : channel_;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      channel->GetState(/*try_to_connect=*/false) != GRPC_CHANNEL_READY) {
    // The call never reached the daemon, or lost it mid-stream (a READY
    // channel means the daemon itself answered UNAVAILABLE, e.g. for a port
    // whose socket it could not open). gRPC's own text names an address,
    // not what to check.
    message = daemon == Daemon::kKvmd
                  ? "yard-kvmd not reachable at socket " + options_.kvmd_socket +
                        " (is it running?): " + message
                  : "no connection to switchyardd at " + Where() + " (is it running?): " + message;
  } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    message += " (no answer within " + std::to_string(deadline_seconds_) + " s; see --timeout)";
  }
  std::cerr << "yardctl: " << StatusCodeName(status.error_code()) << ": " << message << std::endl;
  return 1;
}

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "CODE_" + std::to_string(static_cast<int>(code));
  }
}

}  // namespace switchyard::ctl
