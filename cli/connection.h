// The connections to switchyardd and to yard-kvmd (the VM agent): a gRPC
// channel each, made from the global options, the deadline of unary calls,
// and how a failed call is reported.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <cstdint>
#include <memory>
#include <string>

#include "cli/options.h"

namespace switchyard::ctl {

// Which daemon a verb talks to, for the channel and for messages.
enum class Daemon {
  kSwitchyardd,  // the switch: --socket or --server
  kKvmd,         // yard-kvmd: --kvmd-socket
};

class Connection {
 public:
  // Makes the channel to switchyardd; it connects on the first call.
  // Returns nullptr and sets `*error` when a TLS file cannot be read.
  static std::unique_ptr<Connection> Open(const GlobalOptions& options, std::string* error);

  // The channel to switchyardd.
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // The channel to yard-kvmd over --kvmd-socket (never TLS: the agent
  // serves only its unix socket), made on first use; it too connects on
  // the first call.
  const std::shared_ptr<grpc::Channel>& kvmd_channel() const;
  bool json() const { return options_.json; }

  // Gives `context` the --timeout deadline, or `min_seconds` when that is
  // longer (for calls the daemon answers only once work is done). Streaming
  // calls skip this: they last until the user stops them.
  void SetDeadline(grpc::ClientContext* context, uint32_t min_seconds = 0) const;

  // Prints "yardctl: CODE_NAME: message" to stderr and returns exit code 1.
  // When `daemon` was never reached, the message names the socket or
  // server that was tried.
  int Fail(const grpc::Status& status, Daemon daemon = Daemon::kSwitchyardd) const;

 private:
  Connection(GlobalOptions options, std::shared_ptr<grpc::Channel> channel)
      : options_(std::move(options)),
        channel_(std::move(channel)),
        deadline_seconds_(options_.timeout_seconds) {}

  // "socket /run/switchyard/switchyard.sock" or "server host:port".
  std::string Where() const;

  GlobalOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  mutable std::shared_ptr<grpc::Channel> kvmd_channel_;  // made by kvmd_channel()
  // The deadline SetDeadline gave last, for Fail's message.
  mutable uint32_t deadline_seconds_;
};

// "NOT_FOUND" for grpc::StatusCode::NOT_FOUND, and so on.
std::string StatusCodeName(grpc::StatusCode code);

}  // namespace switchyard::ctl
