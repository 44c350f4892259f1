// Authorisation of TLS clients of the API by the names in their
// certificates (issue 15, item 12).
//
// Mutual TLS proves that a client holds a certificate the client CA
// signed; it does not say what that client may do. As etcd does with
// --client-cert-auth and Kubernetes with CN=user, the daemon takes the
// certificate's names as the client's identity and looks them up in two
// lists an operator configures: admin names may call every method, reader
// names only the methods that change nothing (kRead in the table below).
// Any other certificate is refused with PERMISSION_DENIED.
//
// The unix socket is not affected: its file mode is its fence, and
// yard-kvmd and local yardctl reach the switch through it.
//
// Layout: the method table and the decision (Authorize) are pure
// functions of their arguments, unit-tested without gRPC; TlsAuthorizer is
// the gRPC glue, an AuthMetadataProcessor on the TLS listener's
// credentials only. It runs before any handler, for every call on that
// listener, and cannot be bypassed by a method it does not know: a method
// missing from the table is refused to readers. (A server interceptor of
// gRPC 1.51 has no supported way to fail a call before its handler runs;
// this processor fails it with the status it returns.)
#pragma once

#include <grpcpp/security/auth_metadata_processor.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::ctl {

// What a method does to the switch.
enum class MethodAccess {
  kRead,   // reads config, state or counters, or streams events: readers may call it
  kWrite,  // changes config or state: admins only
};

struct MethodEntry {
  std::string_view method;  // full path, "/package.Service/Method"
  MethodAccess access;
};

// Every method of the API, in one table: switchyard.v1 in full (Vms too,
// which yard-kvmd serves today, so that one table classifies the whole
// package), grpc.health.v1 and server reflection. A unit test fails when an
// rpc of proto/switchyard/v1 has no entry; until it has one it is refused to
// readers.
std::span<const MethodEntry> MethodTable();
// nullopt for a method that is not in the table.
std::optional<MethodAccess> AccessOf(std::string_view method);

enum class ApiRole { kNone, kReader, kAdmin };
const char* RoleName(ApiRole role);

// The names a certificate presents: its Subject CN and its subjectAltName
// DNS and URI entries (IP and email SANs are not names here).
struct PeerIdentity {
  std::string common_name;  // empty when the subject has no CN
  std::vector<std::string> dns_names;
  std::vector<std::string> uris;

  // "CN=x DNS=a,b URI=spiffe://..." for messages; "no names" when empty.
  std::string Describe() const;
};

// The configured names (--tls-admin-names, --tls-reader-names). Names are
// compared exactly, byte for byte.
struct AuthzPolicy {
  std::vector<std::string> admin_names;
  std::vector<std::string> reader_names;

  // No names: every certificate the client CA signs is an admin (the
  // behaviour before names existed).
  bool empty() const { return admin_names.empty() && reader_names.empty(); }
};

// Splits "a,b,c" into names and appends them to `out`. Returns an error
// message naming `flag` for an empty name (e.g. "a,,b"), else "".
std::string AppendNameList(const std::string& flag, const std::string& list,
                           std::vector<std::string>* out);
// An error message for a policy that cannot be meant (a name in both
// lists), else "".
std::string ValidatePolicy(const AuthzPolicy& policy);

// The role of a certificate: admin when any of its names is an admin name,
// else reader when any is a reader name, else none. With an empty policy
// every certificate is an admin.
ApiRole RoleOf(const AuthzPolicy& policy, const PeerIdentity& peer);

struct AuthzDecision {
  bool allowed = false;
  ApiRole role = ApiRole::kNone;
  // Why a call is refused, naming the identity and the method; empty when
  // allowed.
  std::string message;
};

// The decision for one call of `method` (full path) by `peer`.
AuthzDecision Authorize(const AuthzPolicy& policy, const PeerIdentity& peer,
                        std::string_view method);

// The gRPC side: on the TLS listener's credentials, it reads the peer's
// names from the connection's AuthContext and the method from ":path", and
// fails refused calls with PERMISSION_DENIED before any handler runs.
// Refusals are counted per identity (at most `max_identities` distinct
// ones; later ones share one count) and logged: the first of each
// identity, then at every power of two of its count, so a client retrying
// in a loop cannot flood the log.
//
// Process runs on gRPC's threads, several at once; the counts are guarded
// by mu_.
class TlsAuthorizer : public grpc::AuthMetadataProcessor {
 public:
  static constexpr size_t kMaxIdentities = 1024;

  explicit TlsAuthorizer(AuthzPolicy policy, size_t max_identities = kMaxIdentities)
      : policy_(std::move(policy)), max_identities_(max_identities) {}

  // The decision is a few string compares: run it on the call's thread.
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

  // Refused calls so far, in total and of one identity (its Describe()).
  uint64_t denied_total() const;
  uint64_t denied_of(const std::string& identity) const;

  // The peer's names as the AuthContext of a TLS connection holds them.
  static PeerIdentity IdentityOf(const grpc::AuthContext& context);

 private:
  // Counts one refusal of `identity`; sets the count so far and whether it
  // is the count shared by identities past max_identities_. True when this
  // refusal should be logged.
  bool CountDenied(const std::string& identity, uint64_t* count, bool* shared);

  const AuthzPolicy policy_;
  const size_t max_identities_;
  mutable std::mutex mu_;
  uint64_t denied_total_ = 0;               // guarded by mu_
  std::map<std::string, uint64_t> denied_;  // by identity; guarded by mu_
  uint64_t denied_other_ = 0;               // of identities past max_identities_; guarded by mu_
};

}  // namespace switchyard::ctl
