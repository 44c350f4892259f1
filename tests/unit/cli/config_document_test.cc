// yardctl's config documents: YAML or JSON in, YAML out, and back.
#include "cli/config_document.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace switchyard::ctl {
namespace {

TEST(ConfigDocumentTest, ReadsYamlWithTypedScalars) {
  v1::DesiredState s;
  ASSERT_EQ(ParseConfigDocument(R"(
networks:
  - name: lan0
    fdb_max_entries: 1024
    mode: NETWORK_MODE_ISOLATED
ports:
  - name: a
    network: lan0
    private_port: true
    vhost_user: {socket_path: /run/a.sock, mode: VHOST_USER_MODE_SERVER}
static_macs:
  - {network: lan0, mac: "02:00:00:00:00:01", port: a, vlan: 0}
)",
                                &s),
            "");
  ASSERT_EQ(s.networks_size(), 1);
  EXPECT_EQ(s.networks(0).fdb_max_entries(), 1024u);
  EXPECT_EQ(s.networks(0).mode(), v1::NETWORK_MODE_ISOLATED);
  EXPECT_TRUE(s.ports(0).private_port());
  EXPECT_EQ(s.static_macs(0).mac(), "02:00:00:00:00:01");
}

TEST(ConfigDocumentTest, ReadsJsonAndTheGetConfigWrapper) {
  v1::DesiredState s;
  ASSERT_EQ(
      ParseConfigDocument(R"({"state": {"networks": [{"name": "lan0"}]}, "revision": "7"})", &s),
      "");
  EXPECT_EQ(s.networks(0).name(), "lan0");
  EXPECT_EQ(ParseConfigDocument("", &s), "");
  EXPECT_EQ(s.networks_size(), 0) << "an empty document is an empty state";
}

TEST(ConfigDocumentTest, WritesWhatItReadsBack) {
  v1::DesiredState s;
  auto* n = s.add_networks();
  n->set_name("1234");  // a name that looks like a number stays a string
  n->set_fdb_max_entries(64);
  auto* p = s.add_ports();
  p->set_name("true");
  p->set_network("1234");
  p->mutable_vhost_user()->set_socket_path("/run/x: y.sock");
  p->set_private_port(true);
  const std::string yaml = ConfigDocumentYaml(s, 42);
  EXPECT_EQ(yaml.rfind("# switchyard desired state, revision 42\n", 0), 0u) << yaml;
  v1::DesiredState back;
  ASSERT_EQ(ParseConfigDocument(yaml, &back), "") << yaml;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(s, back)) << yaml;
  EXPECT_EQ(ParseConfigDocument(ConfigDocumentYaml(v1::DesiredState(), 0), &back), "");
}

// A finding of the config_document fuzz target: a \r written plain read
// back as a line break.
TEST(ConfigDocumentTest, ControlCharactersSurviveTheTrip) {
  v1::DesiredState s;
  s.add_networks()->set_name("vm2\r\r\tx\x01");
  v1::DesiredState back;
  ASSERT_EQ(ParseConfigDocument(ConfigDocumentYaml(s, 1), &back), "");
  EXPECT_EQ(back.networks(0).name(), s.networks(0).name());
}

TEST(ConfigDocumentTest, RefusesWhatIsNotAState) {
  v1::DesiredState s;
  EXPECT_NE(ParseConfigDocument("networks: [ {name: lan0", &s).find("not YAML or JSON"),
            std::string::npos);
  EXPECT_NE(ParseConfigDocument("- a\n- b\n", &s).find("not a map"), std::string::npos);
  EXPECT_NE(ParseConfigDocument("networks: [{name: lan0, colour: red}]", &s).find("colour"),
            std::string::npos);
  EXPECT_NE(ParseConfigDocument("networks: [{name: lan0, fdb_max_entries: lots}]", &s), "");
}

}  // namespace
}  // namespace switchyard::ctl
