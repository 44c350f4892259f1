// A verb is one yardctl command ("network create", "stats"): its words, its
// synopsis for the help, the arguments it takes and the function that runs
// it. Each verb group's file returns its verbs; main.cc matches the command
// line against all of them.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/args.h"
#include "cli/connection.h"

namespace switchyard::ctl {

class Call;

struct Verb {
  std::string words;     // "network create"
  std::string synopsis;  // "NAME [--fdb-aging SECONDS] [--fdb-max N]"
  ArgSpec args;
  // Returns the exit code: 0 done, 1 the call failed, 2 usage error.
  int (*run)(const Call& call);
  // Whom it calls: failures name that daemon's socket or server.
  Daemon daemon = Daemon::kSwitchyardd;
};

// One run of a verb: its checked arguments and the connection.
class Call {
 public:
  Call(const Verb& verb, const ParsedArgs& args, const Connection& connection)
      : verb_(verb), args_(args), connection_(connection) {}

  const ParsedArgs& args() const { return args_; }
  const Connection& connection() const { return connection_; }
  bool json() const { return connection_.json(); }

  // For mistakes only the verb can see (a missing required option): prints
  // the reason and the verb's synopsis to stderr; returns exit code 2.
  int Usage(const std::string& reason) const;

  // The channel to the verb's daemon.
  const std::shared_ptr<grpc::Channel>& channel() const;

  // Runs one unary RPC with the --timeout deadline (or `min_seconds`, when
  // longer): `rpc` gets a fresh context and makes the call, e.g.
  //   [&](grpc::ClientContext* c) { return stub->GetPort(c, request, &port); }
  grpc::Status Unary(const std::function<grpc::Status(grpc::ClientContext*)>& rpc,
                     uint32_t min_seconds = 0) const;

  // Reports a failed call to the verb's daemon; returns exit code 1.
  int Fail(const grpc::Status& status) const;

  // Ends a verb after its RPC: reports a failure (exit 1), or prints
  // `response` as JSON with --json, else calls `print_for_people` (exit 0).
  int Reply(const grpc::Status& status, const google::protobuf::Message& response,
            const std::function<void()>& print_for_people) const;

 private:
  const Verb& verb_;
  const ParsedArgs& args_;
  const Connection& connection_;
};

// Prints "yardctl: [context: ]reason" and a short usage to stderr: the
// synopses of `verbs`, or a pointer to --help when there are none. Returns
// exit code 2.
int UsageError(std::string_view context, std::string_view reason,
               const std::vector<const Verb*>& verbs);

// The full --help text: every verb and the global options.
void PrintHelp(std::ostream& os, const std::vector<Verb>& verbs);

// The verb groups, in the order --help lists them.
std::vector<Verb> ConfigVerbs();
std::vector<Verb> NetworkVerbs();
std::vector<Verb> PortVerbs();
std::vector<Verb> FdbVerbs();
std::vector<Verb> StatsVerbs();
std::vector<Verb> EventsVerbs();
std::vector<Verb> HealthVerbs();
std::vector<Verb> VmVerbs();

}  // namespace switchyard::ctl
