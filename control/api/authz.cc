#include "control/api/authz.h"

#include <grpc/grpc_security_constants.h>

#include <algorithm>
#include <bit>
#include <sstream>

#include "common/log.h"

namespace switchyard::ctl {

namespace {

using enum MethodAccess;

// Sorted by method; MethodTableTest checks that, and that every rpc of
// proto/switchyard/v1 and grpc.health.v1 is here.
constexpr MethodEntry kMethods[] = {
    {"/grpc.health.v1.Health/Check", kRead},
    {"/grpc.health.v1.Health/Watch", kRead},
    // Describes the API, nothing of the switch's config.
    {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", kRead},
    {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", kRead},
    {"/switchyard.v1.Config/Apply", kWrite},
    {"/switchyard.v1.Config/Get", kRead},
    {"/switchyard.v1.Events/Watch", kRead},
    {"/switchyard.v1.Fdb/AddStaticMac", kWrite},
    {"/switchyard.v1.Fdb/DeleteStaticMac", kWrite},
    {"/switchyard.v1.Fdb/FlushFdb", kWrite},
    {"/switchyard.v1.Fdb/ListFdb", kRead},
    {"/switchyard.v1.Networks/CreateNetwork", kWrite},
    {"/switchyard.v1.Networks/DeleteNetwork", kWrite},
    {"/switchyard.v1.Networks/GetNetwork", kRead},
    {"/switchyard.v1.Networks/ListLeases", kRead},
    {"/switchyard.v1.Networks/ListNetworks", kRead},
    {"/switchyard.v1.Networks/UpdateNetwork", kWrite},
    {"/switchyard.v1.Ports/CreatePort", kWrite},
    {"/switchyard.v1.Ports/DeletePort", kWrite},
    {"/switchyard.v1.Ports/GetPort", kRead},
    {"/switchyard.v1.Ports/ListPorts", kRead},
    {"/switchyard.v1.Ports/UpdatePort", kWrite},
    {"/switchyard.v1.Stats/GetStats", kRead},
    {"/switchyard.v1.Vms/DefineVm", kWrite},
    {"/switchyard.v1.Vms/DestroyVm", kWrite},
    {"/switchyard.v1.Vms/GetVm", kRead},
    {"/switchyard.v1.Vms/ListVms", kRead},
    {"/switchyard.v1.Vms/PauseVm", kWrite},
    {"/switchyard.v1.Vms/RebootVm", kWrite},
    {"/switchyard.v1.Vms/ResumeVm", kWrite},
    {"/switchyard.v1.Vms/ShutdownVm", kWrite},
    {"/switchyard.v1.Vms/StartVm", kWrite},
    {"/switchyard.v1.Vms/UndefineVm", kWrite},
    {"/switchyard.v1.Vms/WatchVms", kRead},
};

bool HasName(const std::vector<std::string>& names, const PeerIdentity& peer) {
  auto listed = [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  if (!peer.common_name.empty() && listed(peer.common_name)) {
    return true;
  }
  return std::any_of(peer.dns_names.begin(), peer.dns_names.end(), listed) ||
         std::any_of(peer.uris.begin(), peer.uris.end(), listed);
}

}  // namespace

std::span<const MethodEntry> MethodTable() { return kMethods; }

std::optional<MethodAccess> AccessOf(std::string_view method) {
  auto it = std::lower_bound(std::begin(kMethods), std::end(kMethods), method,
                             [](const MethodEntry& e, std::string_view m) { return e.method < m; });
  if (it == std::end(kMethods) || it->method != method) {
    return std::nullopt;
  }
  return it->access;
}

const char* RoleName(ApiRole role) {
  switch (role) {
    case ApiRole::kAdmin:
      return "admin";
    case ApiRole::kReader:
      return "reader";
    case ApiRole::kNone:
      break;
  }
  return "none";
}

std::string PeerIdentity::Describe() const {
  std::ostringstream os;
  const char* sep = "";
  if (!common_name.empty()) {
    os << "CN=" << common_name;
    sep = " ";
  }
  for (auto [tag, list] : {std::pair{"DNS=", &dns_names}, std::pair{"URI=", &uris}}) {
    if (list->empty()) {
      continue;
    }
    os << sep << tag;
    for (size_t i = 0; i < list->size(); ++i) {
      os << (i ? "," : "") << (*list)[i];
    }
    sep = " ";
  }
  std::string out = os.str();
  return out.empty() ? "with no names" : out;
}

std::string AppendNameList(const std::string& flag, const std::string& list,
                           std::vector<std::string>* out) {
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    const std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name.empty()) {
      return flag + ": empty name in '" + list + "'";
    }
    out->push_back(name);
    if (comma == std::string::npos) {
      return "";
    }
    start = comma + 1;
  }
}

std::string ValidatePolicy(const AuthzPolicy& policy) {
  for (const std::string& name : policy.admin_names) {
    if (std::find(policy.reader_names.begin(), policy.reader_names.end(), name) !=
        policy.reader_names.end()) {
      return "'" + name + "' is in both --tls-admin-names and --tls-reader-names";
    }
  }
  return "";
}

ApiRole RoleOf(const AuthzPolicy& policy, const PeerIdentity& peer) {
  if (policy.empty() || HasName(policy.admin_names, peer)) {
    return ApiRole::kAdmin;
  }
  if (HasName(policy.reader_names, peer)) {
    return ApiRole::kReader;
  }
  return ApiRole::kNone;
}

AuthzDecision Authorize(const AuthzPolicy& policy, const PeerIdentity& peer,
                        std::string_view method) {
  AuthzDecision d;
  d.role = RoleOf(policy, peer);
  switch (d.role) {
    case ApiRole::kAdmin:
      d.allowed = true;
      return d;
    case ApiRole::kReader: {
      const std::optional<MethodAccess> access = AccessOf(method);
      if (access == MethodAccess::kRead) {
        d.allowed = true;
        return d;
      }
      d.message = "certificate " + peer.Describe() +
                  " is a reader (--tls-reader-names): " + std::string(method) +
                  (access ? " changes the switch and needs an admin name (--tls-admin-names)"
                          : " is not a read method of the API and needs an admin name "
                            "(--tls-admin-names)");
      return d;
    }
    case ApiRole::kNone:
      break;
  }
  d.message =
      "certificate " + peer.Describe() +
      " has none of the names of --tls-admin-names or --tls-reader-names: " + std::string(method) +
      " refused";
  return d;
}

PeerIdentity TlsAuthorizer::IdentityOf(const grpc::AuthContext& context) {
  PeerIdentity peer;
  for (const grpc::string_ref& v : context.FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
    peer.common_name.assign(v.data(), v.size());
  }
  for (const grpc::string_ref& v : context.FindPropertyValues(GRPC_PEER_DNS_PROPERTY_NAME)) {
    peer.dns_names.emplace_back(v.data(), v.size());
  }
  for (const grpc::string_ref& v : context.FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    peer.uris.emplace_back(v.data(), v.size());
  }
  return peer;
}

grpc::Status TlsAuthorizer::Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                                    OutputMetadata*, OutputMetadata*) {
  std::string method = "(no method)";
  if (auto it = auth_metadata.find(":path"); it != auth_metadata.end()) {
    method.assign(it->second.data(), it->second.size());
  }
  const PeerIdentity peer = IdentityOf(*context);
  const AuthzDecision d = Authorize(policy_, peer, method);
  if (d.allowed) {
    return grpc::Status::OK;
  }
  uint64_t count = 0;
  bool shared = false;
  if (CountDenied(peer.Describe(), &count, &shared)) {
    SY_WARN("api: " << d.message << " (refused calls of "
                    << (shared ? "certificates past the first " + std::to_string(max_identities_)
                               : std::string("this certificate"))
                    << ": " << count << ")");
  }
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, d.message);
}

bool TlsAuthorizer::CountDenied(const std::string& identity, uint64_t* count, bool* shared) {
  std::lock_guard<std::mutex> lock(mu_);
  ++denied_total_;
  auto it = denied_.find(identity);
  if (it == denied_.end()) {
    if (denied_.size() >= max_identities_) {
      *shared = true;
      *count = ++denied_other_;
      return std::has_single_bit(*count);
    }
    it = denied_.emplace(identity, 0).first;
  }
  *count = ++it->second;
  return std::has_single_bit(*count);
}

uint64_t TlsAuthorizer::denied_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return denied_total_;
}

uint64_t TlsAuthorizer::denied_of(const std::string& identity) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = denied_.find(identity);
  return it == denied_.end() ? 0 : it->second;
}

}  // namespace switchyard::ctl
