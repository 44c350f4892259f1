#include "control/config/config_file.h"

#include <gtest/gtest.h>

namespace switchyard::ctl {
namespace {

TEST(ConfigFileTest, ParsesNetworksAndPorts) {
  SwitchConfig c;
  Status s = ParseConfig(R"(
# two guests
network lan0 fdb-aging=60 fdb-max=1024
network lan1
port vm1 network=lan0 type=vhost-server socket=/run/sy/vm1.sock   # server mode
port vm2 network=lan0 type=vhost-client socket=/run/sy/vm2.sock
)",
                         &c);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(c.networks.size(), 2u);
  EXPECT_EQ(c.networks[0].name, "lan0");
  EXPECT_EQ(c.networks[0].fdb_aging_s, 60u);
  EXPECT_EQ(c.networks[0].fdb_max, 1024u);
  EXPECT_EQ(c.networks[1].fdb_aging_s, 300u);
  ASSERT_EQ(c.ports.size(), 2u);
  EXPECT_EQ(c.ports[0].kind, dp::PortKind::kVhostServer);
  EXPECT_EQ(c.ports[1].kind, dp::PortKind::kVhostClient);
  EXPECT_EQ(c.ports[1].socket_path, "/run/sy/vm2.sock");
}

struct BadCase {
  const char* text;
  const char* expect_in_message;
};

class ConfigFileBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigFileBadTest, RejectsWithAClearMessage) {
  SwitchConfig c;
  c.networks.push_back({"keep", 300, 8192});
  Status s = ParseConfig(GetParam().text, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(GetParam().expect_in_message), std::string::npos) << s.message();
  // Nothing half-parsed leaks into the output.
  ASSERT_EQ(c.networks.size(), 1u);
  EXPECT_EQ(c.networks[0].name, "keep");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigFileBadTest,
    ::testing::Values(
        BadCase{"bridge x", "line 1: unknown statement 'bridge'"},
        BadCase{"network", "missing name"}, BadCase{"network bad/name", "may only contain"},
        BadCase{"network n fdb-aging=5", "network.fdb_aging_s: 5 is outside"},
        BadCase{"network n fdb-aging=abc", "fdb-aging: 'abc' is not a number"},
        BadCase{"network n fdb-max=99999999", "network.fdb_max"},
        BadCase{"network n colour=red", "unknown option 'colour'"},
        BadCase{"network n\nnetwork n", "line 2: network 'n' defined twice"},
        BadCase{"network n\nport p type=vhost-server socket=/s", "network= is required"},
        BadCase{"network n\nport p network=m type=vhost-server socket=/s", "'m' is not defined"},
        BadCase{"network n\nport p network=n type=tap socket=/s", "type: 'tap'"},
        BadCase{"network n\nport p network=n type=vhost-server socket=rel.sock",
                "must be an absolute path"},
        BadCase{"network n\nport p network=n type=vhost-server", "socket= is required"},
        BadCase{"network n\nport p network=n type=vhost-server socket=/s socket=/t", "given twice"},
        BadCase{"network n\nport p network=n type=vhost-server socket=/s\n"
                "port q network=n type=vhost-client socket=/s",
                "used by another port"},
        BadCase{"network n oops", "expected key=value"}));

}  // namespace
}  // namespace switchyard::ctl
