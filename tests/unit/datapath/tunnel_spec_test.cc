#include <gtest/gtest.h>

#include "datapath/engine/spec.h"

namespace switchyard::dp {
namespace {

TEST(Ipv4Test, ParsesAddressesAndPrefixes) {
  EXPECT_EQ(ParseIpv4("10.77.0.1"), 0x0a4d0001u);
  EXPECT_FALSE(ParseIpv4("10.77.0"));
  EXPECT_FALSE(ParseIpv4("fe80::1"));
  auto p = ParseIpv4Prefix("10.77.0.1/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->address, 0x0a4d0001u);
  EXPECT_EQ(p->length, 24);
  EXPECT_FALSE(ParseIpv4Prefix("10.77.0.1"));
  EXPECT_FALSE(ParseIpv4Prefix("10.77.0.1/"));
  EXPECT_FALSE(ParseIpv4Prefix("10.77.0.1/33"));
  EXPECT_FALSE(ParseIpv4Prefix("10.77.0.1/2x"));
}

TEST(UnderlayTest, AddressAndGatewayMustFitTogether) {
  EXPECT_TRUE(ValidateUnderlay({"10.77.0.1/24", ""}).ok());
  EXPECT_TRUE(ValidateUnderlay({"10.77.0.1/24", "10.77.0.254"}).ok());
  const std::string address_error =
      "port.underlay.address: '%' is not a unicast IPv4 ADDRESS/PREFIX with a prefix of 1..30";
  for (const char* bad : {"", "10.77.0.1", "10.77.0.1/31", "224.0.0.1/24", "127.0.0.1/8",
                          "0.0.0.0/8", "fe80::1/64"}) {
    std::string want = address_error;
    want.replace(want.find('%'), 1, bad);
    EXPECT_EQ(ValidateUnderlay({bad, ""}).message(), want);
  }
  EXPECT_EQ(ValidateUnderlay({"10.77.0.1/24", "10.78.0.1"}).message(),
            "port.underlay.gateway: '10.78.0.1' is not another address in 10.77.0.1/24");
  EXPECT_FALSE(ValidateUnderlay({"10.77.0.1/24", "10.77.0.1"}).ok());
  EXPECT_FALSE(ValidateUnderlay({"10.77.0.1/24", "nope"}).ok());
}

TEST(TunnelSpecTest, VxlanAndGreSettingsAreChecked) {
  TunnelSpec vxlan{TunnelKind::kVxlan, 42, "up0", {"10.77.0.2", "10.77.0.3"}, 4789};
  EXPECT_TRUE(ValidateTunnel(vxlan).ok());
  EXPECT_TRUE(ValidateTunnel(TunnelSpec{}).ok());  // no tunnel
  TunnelSpec gre{TunnelKind::kGre, 0, "up0", {}, 4789};
  EXPECT_TRUE(ValidateTunnel(gre).ok());  // any 32-bit key, no remotes yet

  auto with = [&](auto edit) {
    TunnelSpec t = vxlan;
    edit(t);
    return ValidateTunnel(t).message();
  };
  EXPECT_EQ(with([](TunnelSpec& t) { t.id = 0; }),
            "network.tunnel.id: 0 is not a VNI (1..16777215)");
  EXPECT_EQ(with([](TunnelSpec& t) { t.id = 1u << 24; }),
            "network.tunnel.id: 16777216 is not a VNI (1..16777215)");
  EXPECT_EQ(with([](TunnelSpec& t) { t.udp_port = 70000; }),
            "network.tunnel.udp_port: 70000 is outside 1..65535");
  EXPECT_EQ(with([](TunnelSpec& t) { t.uplink = ""; }).rfind("network.tunnel.uplink: ", 0), 0u);
  EXPECT_EQ(with([](TunnelSpec& t) { t.remotes.push_back("239.1.1.1"); }),
            "network.tunnel.remotes: '239.1.1.1' is not a unicast IPv4 address");
  EXPECT_EQ(with([](TunnelSpec& t) { t.remotes.push_back("10.77.0.2"); }),
            "network.tunnel.remotes: 10.77.0.2 is given twice");
  EXPECT_EQ(with([](TunnelSpec& t) { t.kind = TunnelKind::kNone; }),
            "network.tunnel.type: settings given without a type");
}

TEST(TunnelSpecTest, AnUplinkHasAnAddressAndNeitherNetworkNorVlans) {
  PortSpec up;
  up.name = "up0";
  up.kind = PortKind::kKernel;
  up.netdev = "eth1";
  up.underlay.address = "10.77.0.1/24";
  EXPECT_TRUE(up.IsUplink());
  EXPECT_TRUE(ValidatePortSpec(up).ok());
  PortSpec in_network = up;
  in_network.network = "lan0";
  EXPECT_EQ(ValidatePortSpec(in_network).code(), StatusCode::kInvalidArgument);
  PortSpec with_vlan = up;
  with_vlan.vlan.mode = VlanMode::kAccess;
  with_vlan.vlan.tag = 10;
  EXPECT_EQ(ValidatePortSpec(with_vlan).code(), StatusCode::kInvalidArgument);
  PortSpec gateway_only = up;
  gateway_only.underlay.address.clear();
  gateway_only.underlay.gateway = "10.77.0.254";
  gateway_only.network = "lan0";
  EXPECT_EQ(ValidatePortSpec(gateway_only).message(),
            "port.underlay.gateway: given without an address");
  NetworkSpec net;
  net.name = "lan0";
  net.tunnel.kind = TunnelKind::kVxlan;
  net.tunnel.id = 42;
  net.tunnel.uplink = "up0";
  for (int i = 0; i <= static_cast<int>(kMaxTunnelRemotes); ++i) {
    net.tunnel.remotes.push_back("10.1.0." + std::to_string(i + 1));
  }
  EXPECT_EQ(ValidateNetworkSpec(net).message(), "network.tunnel.remotes: more than 64 endpoints");
}

}  // namespace
}  // namespace switchyard::dp
