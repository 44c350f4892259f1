// The authorisation of TLS clients (control/api/authz.h): the method table
// against the .proto files, the decision for admins, readers and others,
// the name lists, and the gRPC processor with a fake AuthContext.
#include "control/api/authz.h"

#include <google/protobuf/descriptor.pb.h>
#include <grpc/grpc_security_constants.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

namespace switchyard::ctl {

// For gtest's messages (found by argument-dependent lookup, so outside the
// anonymous namespace).
void PrintTo(MethodAccess access, std::ostream* os) {
  *os << (access == MethodAccess::kRead ? "kRead" : "kWrite");
}

namespace {

// Every rpc of proto/switchyard/v1/*.proto and grpc/health/v1/health.proto
// by full path, from the descriptor set protoc writes at build time
// (tests/unit/CMakeLists.txt), so that a new .proto file or rpc is seen
// without anyone listing it here.
std::set<std::string> ProtoMethods() {
  std::ifstream in(SY_API_DESCRIPTORS, std::ios::binary);
  google::protobuf::FileDescriptorSet set;
  EXPECT_TRUE(in && set.ParseFromIstream(&in)) << SY_API_DESCRIPTORS;
  std::set<std::string> methods;
  for (const auto& file : set.file()) {
    for (const auto& service : file.service()) {
      for (const auto& method : service.method()) {
        methods.insert("/" + file.package() + "." + service.name() + "/" + method.name());
      }
    }
  }
  return methods;
}

TEST(MethodTableTest, EveryRpcOfTheProtoFilesHasAClass) {
  const std::set<std::string> methods = ProtoMethods();
  ASSERT_GT(methods.size(), 20u);  // the descriptor set was read
  EXPECT_TRUE(methods.count("/switchyard.v1.Networks/CreateNetwork"));
  EXPECT_TRUE(methods.count("/grpc.health.v1.Health/Check"));
  for (const std::string& m : methods) {
    EXPECT_TRUE(AccessOf(m).has_value())
        << m << " has no class in control/api/authz.cc: readers are refused it";
  }
}

TEST(MethodTableTest, EveryEntryIsAnRpcSortedOnce) {
  const std::set<std::string> methods = ProtoMethods();
  std::string_view previous;
  for (const MethodEntry& e : MethodTable()) {
    EXPECT_LT(previous, e.method) << "the table must be sorted, each method once";
    previous = e.method;
    if (e.method.starts_with("/grpc.reflection.")) {
      continue;  // gRPC's own reflection service: its .proto is not ours
    }
    EXPECT_TRUE(methods.count(std::string(e.method))) << e.method << " is no rpc of the .protos";
  }
}

// The API's names say what a method does: Get*, List* and Watch* read,
// everything else changes the switch. A read method of another name must
// be added here on purpose.
TEST(MethodTableTest, ReadMethodsAreGetListWatchStatsAndHealth) {
  for (const std::string& m : ProtoMethods()) {
    const std::string name = m.substr(m.rfind('/') + 1);
    const bool read = name.starts_with("Get") || name.starts_with("List") ||
                      name.starts_with("Watch") || m.starts_with("/grpc.health.v1.Health/");
    EXPECT_EQ(AccessOf(m), read ? MethodAccess::kRead : MethodAccess::kWrite) << m;
  }
}

TEST(MethodTableTest, UnknownMethodsHaveNoClass) {
  EXPECT_FALSE(AccessOf("/switchyard.v1.Networks/NukeEverything").has_value());
  EXPECT_FALSE(AccessOf("").has_value());
  EXPECT_FALSE(AccessOf("/switchyard.v1.Networks/ListNetworks/").has_value());
  EXPECT_EQ(AccessOf("/switchyard.v1.Stats/GetStats"), MethodAccess::kRead);
}

PeerIdentity Cn(const std::string& cn) { return PeerIdentity{cn, {}, {}}; }

AuthzPolicy Policy() {
  return AuthzPolicy{{"sy-admin", "ops.example.net"}, {"sy-reader", "spiffe://example/monitor"}};
}

constexpr std::string_view kCreate = "/switchyard.v1.Networks/CreateNetwork";
constexpr std::string_view kList = "/switchyard.v1.Networks/ListNetworks";

TEST(AuthorizeTest, AdminMayCallEverythingEvenUnknownMethods) {
  for (const MethodEntry& e : MethodTable()) {
    AuthzDecision d = Authorize(Policy(), Cn("sy-admin"), e.method);
    EXPECT_TRUE(d.allowed) << e.method;
    EXPECT_EQ(d.role, ApiRole::kAdmin);
    EXPECT_EQ(d.message, "");
  }
  EXPECT_TRUE(Authorize(Policy(), Cn("sy-admin"), "/switchyard.v1.X/New").allowed);
}

TEST(AuthorizeTest, ReaderMayCallReadMethodsOnly) {
  for (const MethodEntry& e : MethodTable()) {
    AuthzDecision d = Authorize(Policy(), Cn("sy-reader"), e.method);
    EXPECT_EQ(d.role, ApiRole::kReader);
    EXPECT_EQ(d.allowed, e.access == MethodAccess::kRead) << e.method;
  }
  AuthzDecision d = Authorize(Policy(), Cn("sy-reader"), kCreate);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.message,
            "certificate CN=sy-reader is a reader (--tls-reader-names): "
            "/switchyard.v1.Networks/CreateNetwork changes the switch and needs an admin name "
            "(--tls-admin-names)");
}

TEST(AuthorizeTest, ReaderIsRefusedMethodsNotInTheTable) {
  AuthzDecision d = Authorize(Policy(), Cn("sy-reader"), "/switchyard.v1.Networks/Nuke");
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.message.find("/switchyard.v1.Networks/Nuke is not a read method"), std::string::npos)
      << d.message;
}

TEST(AuthorizeTest, OtherCertificatesAreRefusedEverything) {
  for (const MethodEntry& e : MethodTable()) {
    EXPECT_FALSE(Authorize(Policy(), Cn("stranger"), e.method).allowed) << e.method;
  }
  PeerIdentity peer{"stranger", {"stranger.example.net"}, {}};
  AuthzDecision d = Authorize(Policy(), peer, kList);
  EXPECT_EQ(d.role, ApiRole::kNone);
  EXPECT_EQ(d.message,
            "certificate CN=stranger DNS=stranger.example.net has none of the names of "
            "--tls-admin-names or --tls-reader-names: /switchyard.v1.Networks/ListNetworks "
            "refused");
  // A certificate with no names at all.
  d = Authorize(Policy(), PeerIdentity{}, kList);
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.message.find("certificate with no names"), std::string::npos) << d.message;
}

TEST(AuthorizeTest, DnsAndUriSubjectAltNamesCountAsNames) {
  EXPECT_EQ(RoleOf(Policy(), PeerIdentity{"whoever", {"x.example", "ops.example.net"}, {}}),
            ApiRole::kAdmin);
  EXPECT_EQ(RoleOf(Policy(), PeerIdentity{"", {}, {"spiffe://example/monitor"}}), ApiRole::kReader);
  EXPECT_EQ(RoleOf(Policy(), PeerIdentity{"", {"sy-reader.example"}, {"spiffe://example/x"}}),
            ApiRole::kNone);
}

TEST(AuthorizeTest, NamesMatchExactly) {
  for (const char* near : {"SY-ADMIN", "sy-admin ", "sy-admi", "sy-admin.example", ""}) {
    EXPECT_EQ(RoleOf(Policy(), Cn(near)), ApiRole::kNone) << "'" << near << "'";
  }
}

TEST(AuthorizeTest, AnAdminNameWinsOverAReaderName) {
  EXPECT_EQ(RoleOf(Policy(), PeerIdentity{"sy-reader", {"ops.example.net"}, {}}), ApiRole::kAdmin);
}

TEST(AuthorizeTest, WithoutNamesEveryCertificateIsAnAdmin) {
  AuthzPolicy none;
  ASSERT_TRUE(none.empty());
  AuthzDecision d = Authorize(none, Cn("anyone"), kCreate);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.role, ApiRole::kAdmin);
  EXPECT_TRUE(Authorize(none, PeerIdentity{}, kCreate).allowed);
}

TEST(AuthorizeTest, OnlyReaderNamesMakeNoTlsAdmin) {
  AuthzPolicy readers{{}, {"sy-reader"}};
  EXPECT_FALSE(readers.empty());
  EXPECT_TRUE(Authorize(readers, Cn("sy-reader"), kList).allowed);
  EXPECT_FALSE(Authorize(readers, Cn("sy-admin"), kList).allowed);
}

TEST(NameListTest, CommaSeparatedNamesAppend) {
  std::vector<std::string> names{"a"};
  EXPECT_EQ(AppendNameList("--tls-admin-names", "b,spiffe://x/y", &names), "");
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "spiffe://x/y"}));
  for (const char* bad : {"", ",", "a,,b", "a,", ",a"}) {
    EXPECT_EQ(AppendNameList("--tls-admin-names", bad, &names),
              "--tls-admin-names: empty name in '" + std::string(bad) + "'");
  }
}

TEST(NameListTest, ANameInBothListsIsRefused) {
  EXPECT_EQ(ValidatePolicy(Policy()), "");
  AuthzPolicy both{{"a", "b"}, {"c", "b"}};
  EXPECT_EQ(ValidatePolicy(both), "'b' is in both --tls-admin-names and --tls-reader-names");
}

TEST(PeerIdentityTest, DescribeNamesEveryName) {
  EXPECT_EQ((PeerIdentity{"c", {"d1", "d2"}, {"u"}}).Describe(), "CN=c DNS=d1,d2 URI=u");
  EXPECT_EQ((PeerIdentity{"", {}, {"u"}}).Describe(), "URI=u");
  EXPECT_EQ(PeerIdentity{}.Describe(), "with no names");
}

// An AuthContext as a TLS connection's: properties by name.
using Props = std::multimap<std::string, std::string>;

class FakeAuthContext : public grpc::AuthContext {
 public:
  explicit FakeAuthContext(Props props) : props_(std::move(props)) {}
  bool IsPeerAuthenticated() const override { return true; }
  std::vector<grpc::string_ref> GetPeerIdentity() const override {
    return FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
  }
  std::string GetPeerIdentityPropertyName() const override { return GRPC_X509_CN_PROPERTY_NAME; }
  std::vector<grpc::string_ref> FindPropertyValues(const std::string& name) const override {
    std::vector<grpc::string_ref> out;
    auto [first, last] = props_.equal_range(name);
    for (auto it = first; it != last; ++it) {
      out.emplace_back(it->second);
    }
    return out;
  }
  grpc::AuthPropertyIterator begin() const override { return Iter(); }
  grpc::AuthPropertyIterator end() const override { return Iter(); }
  void AddProperty(const std::string& key, const grpc::string_ref& value) override {
    props_.emplace(key, std::string(value.data(), value.size()));
  }
  bool SetPeerIdentityPropertyName(const std::string&) override { return false; }

 private:
  struct Iter : grpc::AuthPropertyIterator {};
  Props props_;
};

TEST(TlsAuthorizerTest, ReadsNamesFromTheAuthContext) {
  FakeAuthContext ctx(Props{{GRPC_X509_CN_PROPERTY_NAME, "c"},
                            {GRPC_PEER_DNS_PROPERTY_NAME, "d1"},
                            {GRPC_PEER_DNS_PROPERTY_NAME, "d2"},
                            {GRPC_PEER_URI_PROPERTY_NAME, "spiffe://u"},
                            {GRPC_PEER_IP_PROPERTY_NAME, "127.0.0.1"},
                            {GRPC_PEER_EMAIL_PROPERTY_NAME, "e@x"}});
  PeerIdentity peer = TlsAuthorizer::IdentityOf(ctx);
  EXPECT_EQ(peer.common_name, "c");
  EXPECT_EQ(peer.dns_names, (std::vector<std::string>{"d1", "d2"}));
  EXPECT_EQ(peer.uris, (std::vector<std::string>{"spiffe://u"}));
}

grpc::Status Call(TlsAuthorizer* authz, grpc::AuthContext* ctx, const std::string& path) {
  grpc::AuthMetadataProcessor::InputMetadata md;
  md.emplace(":path", path);
  grpc::AuthMetadataProcessor::OutputMetadata consumed, response;
  return authz->Process(md, ctx, &consumed, &response);
}

TEST(TlsAuthorizerTest, RefusesWithPermissionDeniedAndCountsPerIdentity) {
  TlsAuthorizer authz(Policy());
  FakeAuthContext reader(Props{{GRPC_X509_CN_PROPERTY_NAME, "sy-reader"}});
  FakeAuthContext stranger(Props{{GRPC_X509_CN_PROPERTY_NAME, "stranger"}});
  EXPECT_TRUE(Call(&authz, &reader, std::string(kList)).ok());
  grpc::Status s = Call(&authz, &reader, std::string(kCreate));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), Authorize(Policy(), Cn("sy-reader"), kCreate).message);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call(&authz, &stranger, std::string(kList)).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(authz.denied_of("CN=sy-reader"), 1u);
  EXPECT_EQ(authz.denied_of("CN=stranger"), 3u);
  EXPECT_EQ(authz.denied_total(), 4u);
}

TEST(TlsAuthorizerTest, ACallWithoutAPathIsRefusedToReaders) {
  TlsAuthorizer authz(Policy());
  FakeAuthContext reader(Props{{GRPC_X509_CN_PROPERTY_NAME, "sy-reader"}});
  grpc::AuthMetadataProcessor::InputMetadata md;
  grpc::AuthMetadataProcessor::OutputMetadata consumed, response;
  EXPECT_EQ(authz.Process(md, &reader, &consumed, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST(TlsAuthorizerTest, IdentitiesPastTheLimitShareOneCount) {
  TlsAuthorizer authz(Policy(), 3);
  for (int i = 0; i < 5; ++i) {
    FakeAuthContext ctx(Props{{GRPC_X509_CN_PROPERTY_NAME, "stranger" + std::to_string(i)}});
    Call(&authz, &ctx, std::string(kList));
  }
  EXPECT_EQ(authz.denied_total(), 5u);
  EXPECT_EQ(authz.denied_of("CN=stranger2"), 1u);
  EXPECT_EQ(authz.denied_of("CN=stranger3"), 0u);  // counted, not remembered
}

}  // namespace
}  // namespace switchyard::ctl
