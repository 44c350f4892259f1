#include "control/api/convert.h"

#include <gtest/gtest.h>

#include <functional>

#include "tests/unit/datapath/address_literals.h"

namespace switchyard::ctl {
namespace {

using dp::test::Cidr;
using dp::test::Ip;
using dp::test::Mac;

TEST(ConvertTest, StatusCodesMapOneToOne) {
  EXPECT_EQ(ToGrpc(Status::Ok()).error_code(), grpc::StatusCode::OK);
  const std::pair<StatusCode, grpc::StatusCode> cases[] = {
      {StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
      {StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {StatusCode::kAborted, grpc::StatusCode::ABORTED},
      {StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
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
  EXPECT_EQ(spec.tunnel.remotes, (std::vector<dp::Ipv4Address>{Ip("10.77.0.2"), Ip("10.77.0.3")}));
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

// Every address field is read once, here: a malformed one is refused
// naming its field, before any validation sees the spec.
TEST(ConvertTest, MalformedAddressesAreRefusedNamingTheirField) {
  const std::pair<std::function<void(v1::Network*)>, std::string> networks[] = {
      {[](v1::Network* n) { n->set_gateway("192.168.100.1"); },
       "network.gateway: '192.168.100.1' is not an IPv4 ADDRESS/PREFIX"},
      {[](v1::Network* n) { n->set_gateway("fd00::1/64"); },
       "network.gateway: 'fd00::1/64' is not an IPv4 ADDRESS/PREFIX"},
      {[](v1::Network* n) { n->set_nat_address("10.99.0"); },
       "network.nat_address: '10.99.0' is not an IPv4 address"},
      {[](v1::Network* n) { n->add_underlay_allow("10.99.0.0/33"); },
       "network.underlay_allow: '10.99.0.0/33' is not an IPv4 ADDRESS/PREFIX"},
      {[](v1::Network* n) { n->mutable_tunnel()->add_remotes("10.0.0.300"); },
       "network.tunnel.remotes: '10.0.0.300' is not an IPv4 address"},
      {[](v1::Network* n) { n->mutable_dhcp()->set_range_start("192.168.100.x"); },
       "network.dhcp.range_start: '192.168.100.x' is not an IPv4 address"},
      {[](v1::Network* n) { n->mutable_dhcp()->set_range_end("fd00::1"); },
       "network.dhcp.range_end: 'fd00::1' is not an IPv4 address"},
      {[](v1::Network* n) { n->mutable_dhcp()->add_dns("dns.example"); },
       "network.dhcp.dns: 'dns.example' is not an IPv4 address"},
      {[](v1::Network* n) { n->mutable_dhcp()->add_hosts()->set_mac("zz:54:00:00:00:03"); },
       "network.dhcp.hosts.mac: 'zz:54:00:00:00:03' is not a MAC address (xx:xx:xx:xx:xx:xx)"},
      {[](v1::Network* n) {
         v1::DhcpHost* h = n->mutable_dhcp()->add_hosts();
         h->set_mac("52:54:00:00:00:03");
       },
       "network.dhcp.hosts.address: '' is not an IPv4 address"},
      {[](v1::Network* n) {
         v1::PortForward* f = n->add_forwards();
         f->set_protocol(v1::FORWARD_PROTOCOL_TCP);
         f->set_guest_address("guest");
       },
       "network.forwards.guest_address: 'guest' is not an IPv4 address"},
      // A NUL cuts no address short.
      {[](v1::Network* n) { n->set_nat_address(std::string("10.99.0.1\0", 10)); },
       std::string("network.nat_address: '10.99.0.1\0' is not an IPv4 address", 56)},
  };
  for (const auto& [edit, want] : networks) {
    v1::Network msg;
    msg.set_name("nat0");
    edit(&msg);
    dp::NetworkSpec spec;
    const Status s = NetworkFromProto(msg, &spec);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), want);
  }
  const std::pair<std::function<void(v1::Port*)>, std::string> ports[] = {
      {[](v1::Port* p) { p->mutable_underlay()->set_address("10.77.0.1"); },
       "port.underlay.address: '10.77.0.1' is not an IPv4 ADDRESS/PREFIX"},
      {[](v1::Port* p) {
         p->mutable_underlay()->set_address("10.77.0.1/24");
         p->mutable_underlay()->set_gateway("nope");
       },
       "port.underlay.gateway: 'nope' is not an IPv4 address"},
      {[](v1::Port* p) { p->mutable_security()->add_macs("52:54"); },
       "port.security.macs: '52:54' is not a MAC address (xx:xx:xx:xx:xx:xx)"},
      {[](v1::Port* p) { p->mutable_security()->add_ipv4_addresses("10.0.0.1/32"); },
       "port.security.ipv4_addresses: '10.0.0.1/32' is not an IPv4 address"},
      {[](v1::Port* p) { p->mutable_internal()->add_addresses("10.0.0.1"); },
       "port.internal.addresses: '10.0.0.1' has no /PREFIX"},
      {[](v1::Port* p) { p->mutable_internal()->add_addresses("fd00::1/129"); },
       "port.internal.addresses: prefix '129' is not 0..128"},
  };
  for (const auto& [edit, want] : ports) {
    v1::Port msg;
    msg.set_name("p0");
    msg.mutable_kernel()->set_netdev("veth0");
    edit(&msg);
    dp::PortSpec spec;
    const Status s = PortFromProto(msg, &spec);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), want);
  }
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
  EXPECT_EQ(spec.underlay.address, Cidr("10.77.0.1/24"));
  EXPECT_EQ(spec.underlay.gateway, Ip("10.77.0.254"));
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

TEST(ConvertTest, NetworkModesDhcpAndForwardsRoundTrip) {
  v1::Network msg;
  msg.set_name("nat0");
  msg.set_mode(v1::NETWORK_MODE_NAT);
  msg.set_gateway("192.168.100.1/24");
  msg.set_uplink("up0");
  v1::Dhcp* dhcp = msg.mutable_dhcp();
  dhcp->set_range_start("192.168.100.100");
  dhcp->set_range_end("192.168.100.200");
  dhcp->add_dns("9.9.9.9");
  v1::DhcpHost* host = dhcp->add_hosts();
  host->set_mac("52:54:00:00:00:01");
  host->set_address("192.168.100.10");
  host->set_hostname("web");
  v1::PortForward* forward = msg.add_forwards();
  forward->set_protocol(v1::FORWARD_PROTOCOL_UDP);
  forward->set_outside_port(5353);
  forward->set_guest_address("192.168.100.10");
  forward->set_guest_port(53);
  msg.set_nat_max_connections(1024);
  dp::NetworkSpec spec;
  ASSERT_TRUE(NetworkFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.mode, dp::NetworkMode::kNat);
  EXPECT_EQ(spec.gateway, Cidr("192.168.100.1/24"));
  EXPECT_EQ(spec.uplink, "up0");
  EXPECT_EQ(spec.dhcp.lease_s, 3600u);  // 0 means the default
  EXPECT_EQ(spec.dhcp.range_start, Ip("192.168.100.100"));
  EXPECT_EQ(spec.dhcp.dns, std::vector<dp::Ipv4Address>{Ip("9.9.9.9")});
  EXPECT_EQ(spec.dhcp.hosts,
            (std::vector<dp::DhcpHost>{{Mac("52:54:00:00:00:01"), Ip("192.168.100.10"), "web"}}));
  EXPECT_EQ(
      spec.forwards,
      (std::vector<dp::PortForward>{{dp::ForwardProto::kUdp, 5353, Ip("192.168.100.10"), 53}}));
  EXPECT_EQ(spec.nat_max_connections, 1024u);
  EXPECT_TRUE(dp::ValidateNetworkSpec(spec).ok()) << dp::ValidateNetworkSpec(spec).message();

  const v1::Network back = NetworkToProto(spec);
  EXPECT_EQ(back.mode(), v1::NETWORK_MODE_NAT);
  EXPECT_EQ(back.dhcp().lease_seconds(), 3600u);
  EXPECT_EQ(back.forwards(0).protocol(), v1::FORWARD_PROTOCOL_UDP);
  dp::NetworkSpec again;
  ASSERT_TRUE(NetworkFromProto(back, &again).ok());
  EXPECT_EQ(again, spec);

  for (auto [ours, theirs] : {std::pair{dp::NetworkMode::kRouted, v1::NETWORK_MODE_ROUTED},
                              std::pair{dp::NetworkMode::kIsolated, v1::NETWORK_MODE_ISOLATED},
                              std::pair{dp::NetworkMode::kBridge, v1::NETWORK_MODE_BRIDGE}}) {
    EXPECT_EQ(NetworkModeToProto(ours), theirs);
    dp::NetworkMode m = dp::NetworkMode::kNat;
    ASSERT_TRUE(NetworkModeFromProto(theirs, false, &m).ok());
    EXPECT_EQ(m, ours);
  }
}

TEST(ConvertTest, ABridgeIsTheDefaultAndNamesItsMode) {
  v1::Network msg;
  msg.set_name("lan0");
  dp::NetworkSpec spec;
  ASSERT_TRUE(NetworkFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.mode, dp::NetworkMode::kBridge);
  EXPECT_EQ(spec.nat_max_connections, 65536u);
  EXPECT_EQ(spec.dhcp, dp::DhcpSpec{});
  const v1::Network back = NetworkToProto(spec);
  EXPECT_EQ(back.mode(), v1::NETWORK_MODE_BRIDGE);  // never UNSPECIFIED out
  EXPECT_FALSE(back.has_dhcp());
  EXPECT_EQ(back.nat_max_connections(), 65536u);
  // A Dhcp with no range, dns or hosts is DHCP off, whatever its lease.
  msg.mutable_dhcp()->set_lease_seconds(120);
  ASSERT_TRUE(NetworkFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.dhcp, dp::DhcpSpec{});
}

TEST(ConvertTest, UnknownModesAndProtocolsAreRefusedWithTheField) {
  dp::NetworkMode mode;
  EXPECT_EQ(NetworkModeFromProto(static_cast<v1::NetworkMode>(9), true, &mode).message(),
            "network.mode: 9 is not a NetworkMode");
  // UNSPECIFIED: bridge on create, refused on update.
  ASSERT_TRUE(NetworkModeFromProto(v1::NETWORK_MODE_UNSPECIFIED, true, &mode).ok());
  EXPECT_EQ(mode, dp::NetworkMode::kBridge);
  Status s = NetworkModeFromProto(v1::NETWORK_MODE_UNSPECIFIED, false, &mode);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("network.mode: ", 0), 0u);

  v1::Network msg;
  msg.set_name("nat0");
  msg.set_mode(static_cast<v1::NetworkMode>(7));
  dp::NetworkSpec spec;
  EXPECT_EQ(NetworkFromProto(msg, &spec).code(), StatusCode::kInvalidArgument);

  v1::PortForwards forwards;
  v1::PortForward* f = forwards.add_forwards();
  f->set_outside_port(80);
  std::vector<dp::PortForward> out;
  EXPECT_EQ(ForwardsFromProto(forwards.forwards(), &out).message(),
            "network.forwards.protocol: 0 is not FORWARD_PROTOCOL_TCP or FORWARD_PROTOCOL_UDP");
  f->set_protocol(static_cast<v1::ForwardProtocol>(5));
  EXPECT_EQ(ForwardsFromProto(forwards.forwards(), &out).code(), StatusCode::kInvalidArgument);
  f->set_protocol(v1::FORWARD_PROTOCOL_TCP);
  f->set_guest_address("192.168.100.10");
  ASSERT_TRUE(ForwardsFromProto(forwards.forwards(), &out).ok());
  EXPECT_EQ(out.at(0).proto, dp::ForwardProto::kTcp);
}

TEST(ConvertTest, GatewayReportsFillTheNetworkStatus) {
  dp::NetworkSpec nat;
  nat.name = "nat0";
  nat.mode = dp::NetworkMode::kNat;
  dp::GatewayReport g;
  g.mac = 0x02000000aa01;
  g.connections = 12;
  g.connections_made = 340;
  g.table_full = 2;
  g.leases = 3;
  g.dhcp_replies = 9;
  v1::NetworkStatus status;
  GatewayToProto(nat, g, &status);
  EXPECT_EQ(status.gateway_mac(), "02:00:00:00:aa:01");
  EXPECT_EQ(status.connections(), 12u);
  EXPECT_EQ(status.connections_made(), 340u);
  EXPECT_EQ(status.nat_table_full(), 2u);
  EXPECT_EQ(status.leases(), 3u);
  EXPECT_EQ(status.dhcp_replies(), 9u);
  // Without a gateway now (isolated keeps its settings, off) there is no MAC.
  nat.mode = dp::NetworkMode::kIsolated;
  v1::NetworkStatus off;
  GatewayToProto(nat, g, &off);
  EXPECT_EQ(off.gateway_mac(), "");
}

TEST(ConvertTest, LeasesRoundTripAndStaticOnesNeverExpire) {
  dp::LeaseReport lease{"nat0", 0x525400000001, Ip("192.168.100.101"), "vm1", 1900000000, false};
  const v1::Lease msg = LeaseToProto(lease);
  EXPECT_EQ(msg.network(), "nat0");
  EXPECT_EQ(msg.mac(), "52:54:00:00:00:01");
  EXPECT_EQ(msg.address(), "192.168.100.101");
  EXPECT_EQ(msg.hostname(), "vm1");
  EXPECT_EQ(msg.expires_unix_seconds(), 1900000000u);
  EXPECT_FALSE(msg.static_());
  dp::LeaseReport back;
  ASSERT_TRUE(LeaseFromProto(msg, &back).ok());
  EXPECT_EQ(back.mac, lease.mac);
  EXPECT_EQ(back.address, lease.address);
  EXPECT_EQ(back.expires_unix_s, lease.expires_unix_s);
  EXPECT_EQ(back.hostname, "vm1");

  lease.is_static = true;
  EXPECT_EQ(LeaseToProto(lease).expires_unix_seconds(), 0u);
  EXPECT_TRUE(LeaseToProto(lease).static_());
  // Read in, a static lease never expires either (fuzzing config_loaders
  // found one with an expiry that did not survive a save and load).
  v1::Lease odd = msg;
  odd.set_static_(true);
  ASSERT_TRUE(LeaseFromProto(odd, &back).ok());
  EXPECT_TRUE(back.is_static);
  EXPECT_EQ(back.expires_unix_s, 0u);

  v1::Lease bad = msg;
  bad.set_mac("52:54");
  EXPECT_EQ(LeaseFromProto(bad, &back).message(),
            "lease.mac: '52:54' is not a MAC address (xx:xx:xx:xx:xx:xx)");
  bad = msg;
  bad.set_address("192.168.100");
  EXPECT_EQ(LeaseFromProto(bad, &back).message(),
            "lease.address: '192.168.100' is not an IPv4 address");
}

TEST(ConvertTest, PrivatePortsRoundTrip) {
  v1::Port msg;
  msg.set_name("vm1");
  msg.set_network("nat0");
  msg.mutable_vhost_user()->set_socket_path("/run/vm1.sock");
  msg.mutable_vhost_user()->set_mode(v1::VHOST_USER_MODE_SERVER);
  dp::PortSpec spec;
  ASSERT_TRUE(PortFromProto(msg, &spec).ok());
  EXPECT_FALSE(spec.private_port);
  msg.set_private_port(true);
  ASSERT_TRUE(PortFromProto(msg, &spec).ok());
  EXPECT_TRUE(spec.private_port);
  EXPECT_TRUE(PortToProto(spec).private_port());
}

TEST(ConvertTest, ModeSettingsSurviveTheSavedState) {
  DesiredState state;
  dp::NetworkSpec nat;
  nat.name = "nat0";
  nat.mode = dp::NetworkMode::kIsolated;  // settings kept, off
  nat.gateway = Cidr("10.20.0.1/16");
  nat.uplink = "up0";
  nat.dhcp.range_start = Ip("10.20.1.1");
  nat.dhcp.range_end = Ip("10.20.1.254");
  nat.dhcp.lease_s = 600;
  nat.forwards.push_back({dp::ForwardProto::kTcp, 2222, Ip("10.20.0.5"), 22});
  nat.nat_address = Ip("10.99.0.7");
  nat.underlay_allow = {Cidr("10.99.0.0/24")};
  nat.nat_max_connections = 4096;
  state.networks.push_back(nat);
  DesiredState back;
  ASSERT_TRUE(StateFromProto(StateToProto(state), &back).ok());
  EXPECT_EQ(back.networks, state.networks);
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
