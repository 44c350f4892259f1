// The connection to switchyardd: one gRPC channel made from the global
// options, the deadline of unary calls, and how a failed call is reported.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>

#include "control/cli/options.h"

namespace switchyard::ctl {

class Connection {
 public:
  // Makes the channel; it connects on the first call. Returns nullptr and
  // sets `*error` when a TLS file cannot be read.
  static std::unique_ptr<Connection> Open(const GlobalOptions& options, std::string* error);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  bool json() const { return options_.json; }

  // Gives `context` the --timeout deadline. Streaming calls skip this:
  // they last until the user stops them.
  void SetDeadline(grpc::ClientContext* context) const;

  // Prints "yardctl: CODE_NAME: message" to stderr and returns exit code 1.
  // When the daemon was never reached, the message names the socket or
  // server that was tried.
  int Fail(const grpc::Status& status) const;

 private:
  Connection(GlobalOptions options, std::shared_ptr<grpc::Channel> channel)
      : options_(std::move(options)), channel_(std::move(channel)) {}

  // "socket /run/switchyard/switchyard.sock" or "server host:port".
  std::string Where() const;

  GlobalOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
};

// "NOT_FOUND" for grpc::StatusCode::NOT_FOUND, and so on.
std::string StatusCodeName(grpc::StatusCode code);

}  // namespace switchyard::ctl
