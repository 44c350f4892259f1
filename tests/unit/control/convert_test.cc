#include "control/api/convert.h"

#include <gtest/gtest.h>

namespace switchyard::ctl {
namespace {

TEST(ConvertTest, StatusCodesMapOneToOne) {
  EXPECT_EQ(ToGrpc(Status::Ok()).error_code(), grpc::StatusCode::OK);
  const std::pair<StatusCode, grpc::StatusCode> cases[] = {
      {StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
      {StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {StatusCode::kInternal, grpc::StatusCode::INTERNAL},
  };
  for (auto [ours, theirs] : cases) {
    grpc::Status g = ToGrpc(Status(ours, "port.name: bad"));
    EXPECT_EQ(g.error_code(), theirs);
    EXPECT_EQ(g.error_message(), "port.name: bad");
  }
}

TEST(ConvertTest, NetworkDefaultsApplyToZeroFields) {
  v1::Network msg;
  msg.set_name("lan0");
  dp::NetworkSpec spec;
  ASSERT_TRUE(NetworkFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.fdb_aging_s, 300u);
  EXPECT_EQ(spec.fdb_max, 8192u);
  EXPECT_EQ(spec.tunnel, dp::TunnelSpec{});
  msg.set_fdb_aging_seconds(60);
  ASSERT_TRUE(NetworkFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.fdb_aging_s, 60u);
  EXPECT_EQ(NetworkToProto(spec).fdb_aging_seconds(), 60u);
  EXPECT_FALSE(NetworkToProto(spec).has_tunnel());
}

TEST(ConvertTest, TunnelsRoundTripWithTheirDefaults) {
  v1::Network msg;
  msg.set_name("lan0");
  auto* t = msg.mutable_tunnel();
  t->set_type(v1::TUNNEL_TYPE_VXLAN);
  t->set_id(42);
  t->set_uplink("up0");
  t->add_remotes("10.77.0.2");
  t->add_remotes("10.77.0.3");
  dp::NetworkSpec spec;
  ASSERT_TRUE(NetworkFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.tunnel.kind, dp::TunnelKind::kVxlan);
  EXPECT_EQ(spec.tunnel.udp_port, 4789u);  // 0 means the IANA port
  EXPECT_EQ(spec.tunnel.remotes, (std::vector<std::string>{"10.77.0.2", "10.77.0.3"}));
  dp::NetworkSpec back;
  ASSERT_TRUE(NetworkFromProto(NetworkToProto(spec), &back).ok());
  EXPECT_EQ(back, spec);

  t->set_type(v1::TUNNEL_TYPE_GRE);
  t->set_id(0xdeadbeef);
  ASSERT_TRUE(NetworkFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.tunnel.kind, dp::TunnelKind::kGre);
  EXPECT_EQ(spec.tunnel.id, 0xdeadbeefu);
  EXPECT_EQ(NetworkToProto(spec).tunnel().udp_port(), 0u);  // GRE has none
}

TEST(ConvertTest, BadTunnelsAreRefusedWithTheField) {
  auto refused = [](auto edit) {
    v1::Network msg;
    msg.set_name("lan0");
    auto* t = msg.mutable_tunnel();
    t->set_type(v1::TUNNEL_TYPE_VXLAN);
    t->set_id(42);
    t->set_uplink("up0");
    edit(t);
    dp::NetworkSpec spec;
    Status s = NetworkFromProto(msg, &spec);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    return s.message();
  };
  EXPECT_NE(refused([](v1::Tunnel* t) {
              t->set_type(static_cast<v1::TunnelType>(9));
            }).find("network.tunnel.type"),
            std::string::npos);
  EXPECT_NE(refused([](v1::Tunnel* t) { t->set_id(1u << 24); }).find("network.tunnel.id"),
            std::string::npos);
  EXPECT_NE(
      refused([](v1::Tunnel* t) { t->add_remotes("10.0.0.300"); }).find("network.tunnel.remotes"),
      std::string::npos);
  EXPECT_NE(refused([](v1::Tunnel* t) {
              t->set_type(v1::TUNNEL_TYPE_GRE);
              t->set_udp_port(4789);
            }).find("network.tunnel.udp_port"),
            std::string::npos);
}

TEST(ConvertTest, UplinksKeepTheirUnderlay) {
  v1::Port msg;
  msg.set_name("up0");
  msg.mutable_kernel()->set_netdev("veth0");
  msg.mutable_underlay()->set_address("10.77.0.1/24");
  msg.mutable_underlay()->set_gateway("10.77.0.254");
  dp::PortSpec spec;
  ASSERT_TRUE(PortFromProto(msg, &spec).ok());
  EXPECT_TRUE(spec.IsUplink());
  EXPECT_EQ(spec.underlay.gateway, "10.77.0.254");
  v1::Port back = PortToProto(spec);
  EXPECT_EQ(back.underlay().address(), "10.77.0.1/24");
  EXPECT_TRUE(back.network().empty());
}

TEST(ConvertTest, PortNeedsABackendAndAMode) {
  v1::Port msg;
  msg.set_name("vm1");
  msg.set_network("lan0");
  dp::PortSpec spec;
  Status s = PortFromProto(msg, &spec);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("port.backend"), std::string::npos);

  msg.mutable_vhost_user()->set_socket_path("/run/vm1.sock");
  s = PortFromProto(msg, &spec);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("port.vhost_user.mode"), std::string::npos);

  msg.mutable_vhost_user()->set_mode(v1::VHOST_USER_MODE_CLIENT);
  ASSERT_TRUE(PortFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.kind, dp::PortKind::kVhostClient);
  EXPECT_EQ(spec.socket_path, "/run/vm1.sock");
  v1::Port back = PortToProto(spec);
  EXPECT_EQ(back.vhost_user().mode(), v1::VHOST_USER_MODE_CLIENT);
  EXPECT_EQ(back.network(), "lan0");
}

TEST(ConvertTest, KernelDriversRoundTripAndUnknownOnesAreRefused) {
  v1::Port msg;
  msg.set_name("k");
  msg.set_network("lan0");
  msg.mutable_kernel()->set_netdev("veth0");
  dp::PortSpec spec;
  ASSERT_TRUE(PortFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.driver, dp::KernelDriver::kAuto);
  msg.mutable_kernel()->set_driver(v1::KERNEL_DRIVER_AF_PACKET);
  ASSERT_TRUE(PortFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.driver, dp::KernelDriver::kAfPacket);
  EXPECT_EQ(PortToProto(spec).kernel().driver(), v1::KERNEL_DRIVER_AF_PACKET);

  v1::Port tap;
  tap.set_name("t");
  tap.set_network("lan0");
  tap.mutable_tap()->set_name("tap0");
  tap.mutable_tap()->set_driver(v1::KERNEL_DRIVER_AF_XDP);
  ASSERT_TRUE(PortFromProto(tap, &spec).ok());
  EXPECT_EQ(PortToProto(spec).tap().driver(), v1::KERNEL_DRIVER_AF_XDP);

  msg.mutable_kernel()->set_driver(static_cast<v1::KernelDriver>(7));
  Status s = PortFromProto(msg, &spec);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("port.kernel.driver"), std::string::npos);
}

TEST(ConvertTest, AutoMeansAfPacketForTapAndInternalPortsOnly) {
  dp::PortSpec spec;
  spec.kind = dp::PortKind::kKernel;
  EXPECT_EQ(dp::PreferredDriver(spec), dp::KernelDriver::kAuto);
  spec.kind = dp::PortKind::kTap;
  EXPECT_EQ(dp::PreferredDriver(spec), dp::KernelDriver::kAfPacket);
  spec.kind = dp::PortKind::kInternal;
  EXPECT_EQ(dp::PreferredDriver(spec), dp::KernelDriver::kAfPacket);
  spec.driver = dp::KernelDriver::kAfXdp;
  EXPECT_EQ(dp::PreferredDriver(spec), dp::KernelDriver::kAfXdp);
}

TEST(ConvertTest, VlanSettingsRoundTripAndAbsentMeansATrunkOfAll) {
  v1::Port msg;
  msg.set_name("p");
  msg.set_network("lan0");
  msg.mutable_kernel()->set_netdev("veth0");
  dp::PortSpec spec;
  ASSERT_TRUE(PortFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.vlan, dp::VlanSpec{});
  EXPECT_FALSE(PortToProto(spec).has_vlan());

  auto* vlan = msg.mutable_vlan();
  vlan->set_mode(v1::VLAN_MODE_TRUNK);
  auto* single = vlan->add_trunks();
  single->set_first(10);  // last 0: 10 alone
  auto* range = vlan->add_trunks();
  range->set_first(20);
  range->set_last(29);
  vlan->set_native_vlan(5);
  vlan->set_native_tagged(true);
  ASSERT_TRUE(PortFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.vlan, (dp::VlanSpec{dp::VlanMode::kTrunk, 0, {{10, 10}, {20, 29}}, 5, true}));
  const v1::Vlan back = PortToProto(spec).vlan();
  EXPECT_EQ(back.trunks(0).last(), 0u);
  EXPECT_EQ(back.trunks(1).last(), 29u);
  EXPECT_EQ(back.native_vlan(), 5u);
  EXPECT_TRUE(back.native_tagged());

  v1::Vlan access;
  access.set_mode(v1::VLAN_MODE_ACCESS);
  access.set_tag(10);
  dp::VlanSpec v;
  ASSERT_TRUE(VlanFromProto(access, &v).ok());
  EXPECT_EQ(v, (dp::VlanSpec{dp::VlanMode::kAccess, 10}));
}

TEST(ConvertTest, BadVlanSettingsAreRefusedWithTheField) {
  v1::Vlan vlan;
  dp::VlanSpec spec;
  vlan.set_mode(static_cast<v1::VlanMode>(9));
  EXPECT_EQ(VlanFromProto(vlan, &spec).message(), "port.vlan.mode: 9 is not a VlanMode");
  vlan.set_mode(v1::VLAN_MODE_ACCESS);
  EXPECT_EQ(VlanFromProto(vlan, &spec).code(), StatusCode::kInvalidArgument);  // no tag
  vlan.set_tag(70000);  // not wrapped into 1..4094
  EXPECT_NE(VlanFromProto(vlan, &spec).message().find("70000"), std::string::npos);
  v1::Port msg;
  msg.set_name("p");
  msg.set_network("lan0");
  msg.mutable_kernel()->set_netdev("veth0");
  msg.mutable_vlan()->add_trunks()->set_first(5000);
  dp::PortSpec port;
  EXPECT_EQ(PortFromProto(msg, &port).message(),
            "port.vlan.trunks: 5000-5000 is not a range of VLAN ids within 0..4094");
}

TEST(ConvertTest, StaticMacsKeepTheirVlanInTheSavedState) {
  DesiredState state;
  state.static_macs.push_back(StaticMac{"lan0", 0x020000000001, "p", 20});
  DesiredState back;
  ASSERT_TRUE(StateFromProto(StateToProto(state), &back).ok());
  ASSERT_EQ(back.static_macs.size(), 1u);
  EXPECT_EQ(back.static_macs[0], state.static_macs[0]);
}

TEST(ConvertTest, CountersCarryEveryDropReasonByName) {
  dp::PortTotals t;
  t.rx_packets = 5;
  t.drops[static_cast<int>(dp::DropReason::kPortDown)] = 3;
  v1::Counters c = CountersToProto(t);
  EXPECT_EQ(c.rx_packets(), 5u);
  EXPECT_EQ(c.drops().size(), static_cast<size_t>(dp::kDropReasonCount));
  EXPECT_EQ(c.drops().at("port_down"), 3u);
  EXPECT_EQ(c.drops().at("runt_frame"), 0u);
}

}  // namespace
}  // namespace switchyard::ctl
