#include <gtest/gtest.h>

#include "datapath/engine/spec.h"
#include "tests/unit/datapath/address_literals.h"

namespace switchyard::dp {
namespace {

using test::Cidr;
using test::Ip;

TEST(UnderlayTest, AddressAndGatewayMustFitTogether) {
  EXPECT_TRUE(ValidateUnderlay({Cidr("10.77.0.1/24"), std::nullopt}).ok());
  EXPECT_TRUE(ValidateUnderlay({Cidr("10.77.0.1/24"), Ip("10.77.0.254")}).ok());
  EXPECT_EQ(ValidateUnderlay({}).message(), "port.underlay.address: required on an uplink");
  const std::string address_error =
      "port.underlay.address: '%' is not a unicast IPv4 ADDRESS/PREFIX with a prefix of 1..30";
  for (const char* bad :
       {"10.77.0.1/31", "10.77.0.1/0", "224.0.0.1/24", "127.0.0.1/8", "0.0.0.0/8"}) {
    std::string want = address_error;
    want.replace(want.find('%'), 1, bad);
    EXPECT_EQ(ValidateUnderlay({Cidr(bad), std::nullopt}).message(), want);
  }
  EXPECT_EQ(ValidateUnderlay({Cidr("10.77.0.1/24"), Ip("10.78.0.1")}).message(),
            "port.underlay.gateway: '10.78.0.1' is not another address in 10.77.0.1/24");
  EXPECT_FALSE(ValidateUnderlay({Cidr("10.77.0.1/24"), Ip("10.77.0.1")}).ok());
}

TEST(TunnelSpecTest, VxlanAndGreSettingsAreChecked) {
  TunnelSpec vxlan{TunnelKind::kVxlan, 42, "up0", {Ip("10.77.0.2"), Ip("10.77.0.3")}, 4789};
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
  EXPECT_EQ(with([](TunnelSpec& t) { t.remotes.push_back(Ip("239.1.1.1")); }),
            "network.tunnel.remotes: '239.1.1.1' is not a unicast IPv4 address");
  EXPECT_EQ(with([](TunnelSpec& t) { t.remotes.push_back(Ip("10.77.0.2")); }),
            "network.tunnel.remotes: 10.77.0.2 is given twice");
  EXPECT_EQ(with([](TunnelSpec& t) { t.kind = TunnelKind::kNone; }),
            "network.tunnel.type: settings given without a type");
}

TEST(TunnelSpecTest, AnUplinkHasAnAddressAndNeitherNetworkNorVlans) {
  PortSpec up;
  up.name = "up0";
  up.kind = PortKind::kKernel;
  up.netdev = "eth1";
  up.underlay.address = Cidr("10.77.0.1/24");
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
  gateway_only.underlay.address.reset();
  gateway_only.underlay.gateway = Ip("10.77.0.254");
  gateway_only.network = "lan0";
  EXPECT_EQ(ValidatePortSpec(gateway_only).message(),
            "port.underlay.gateway: given without an address");
  NetworkSpec net;
  net.name = "lan0";
  net.tunnel.kind = TunnelKind::kVxlan;
  net.tunnel.id = 42;
  net.tunnel.uplink = "up0";
  for (int i = 0; i <= static_cast<int>(kMaxTunnelRemotes); ++i) {
    net.tunnel.remotes.push_back(Ip("10.1.0." + std::to_string(i + 1)));
  }
  EXPECT_EQ(ValidateNetworkSpec(net).message(), "network.tunnel.remotes: more than 64 endpoints");
}

}  // namespace
}  // namespace switchyard::dp
