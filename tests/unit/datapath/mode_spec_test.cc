// Network modes: what ValidateModeSettings (through ValidateNetworkSpec)
// accepts and refuses, one rule per case, each refusal naming its field.
#include <gtest/gtest.h>

#include <functional>

#include "datapath/engine/spec.h"
#include "tests/unit/datapath/address_literals.h"

namespace switchyard::dp {
namespace {

using test::Cidr;
using test::Ip;
using test::Mac;

// A NAT network that passes every rule; each case changes one thing.
NetworkSpec Nat() {
  NetworkSpec n;
  n.name = "nat0";
  n.mode = NetworkMode::kNat;
  n.gateway = Cidr("192.168.100.1/24");
  n.uplink = "up0";
  n.dhcp.range_start = Ip("192.168.100.100");
  n.dhcp.range_end = Ip("192.168.100.200");
  n.dhcp.dns = {Ip("192.168.100.1"), Ip("9.9.9.9")};
  n.dhcp.hosts = {{Mac("52:54:00:00:00:01"), Ip("192.168.100.10"), "web"},
                  {Mac("52:54:00:00:00:02"), Ip("192.168.100.150"), ""}};
  n.forwards = {{ForwardProto::kTcp, 8080, Ip("192.168.100.10"), 80},
                {ForwardProto::kUdp, 8080, Ip("192.168.100.10"), 53}};
  return n;
}

NetworkSpec Plain(const std::string& name, NetworkMode mode = NetworkMode::kBridge) {
  NetworkSpec n;
  n.name = name;
  n.mode = mode;
  return n;
}

// The message ValidateNetworkSpec gives `spec` after `edit`, or "ok".
std::string Check(NetworkSpec spec, const std::function<void(NetworkSpec&)>& edit) {
  edit(spec);
  Status s = ValidateNetworkSpec(spec);
  if (s.ok()) {
    return "ok";
  }
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
  return s.message();
}

// True when `message` starts with `field`: every refusal names its field first.
bool Names(const std::string& message, const std::string& field) {
  return message.rfind(field + ": ", 0) == 0;
}

TEST(ModeNamesTest, RoundTrip) {
  for (NetworkMode m :
       {NetworkMode::kBridge, NetworkMode::kNat, NetworkMode::kRouted, NetworkMode::kIsolated}) {
    EXPECT_EQ(ParseNetworkMode(NetworkModeName(m)), m);
  }
  EXPECT_EQ(NetworkModeName(NetworkMode::kNat), "nat");
  EXPECT_FALSE(ParseNetworkMode("NAT"));
  EXPECT_FALSE(ParseNetworkMode(""));
  EXPECT_EQ(ForwardProtoName(ForwardProto::kTcp), "tcp");
  EXPECT_EQ(ForwardProtoName(ForwardProto::kUdp), "udp");
}

TEST(ModeSpecTest, ValidSpecsOfEveryModePass) {
  EXPECT_EQ(Check(Nat(), [](NetworkSpec&) {}), "ok");
  EXPECT_EQ(Check(Nat(),
                  [](NetworkSpec& n) {
                    n.mode = NetworkMode::kRouted;
                    n.forwards = {};
                  }),
            "ok");
  // Isolated keeps the gateway settings, off, forwards included.
  EXPECT_EQ(Check(Nat(), [](NetworkSpec& n) { n.mode = NetworkMode::kIsolated; }), "ok");
  // ...or has none at all, and no uplink.
  EXPECT_EQ(Check(Plain("iso", NetworkMode::kIsolated), [](NetworkSpec&) {}), "ok");
  // A bridge is the default and has nothing of it.
  NetworkSpec bridge;
  bridge.name = "lan0";
  EXPECT_EQ(bridge.mode, NetworkMode::kBridge);
  EXPECT_EQ(Check(bridge, [](NetworkSpec&) {}), "ok");
  // NAT without DHCP or forwards.
  EXPECT_EQ(Check(Nat(),
                  [](NetworkSpec& n) {
                    n.dhcp = {};
                    n.forwards = {};
                  }),
            "ok");
  EXPECT_TRUE(Nat().HasGateway());
  EXPECT_FALSE(Plain("iso", NetworkMode::kIsolated).HasGateway());
}

TEST(ModeSpecTest, ABridgeHasNoGatewayUplinkDhcpOrForwards) {
  NetworkSpec bridge;
  bridge.name = "lan0";
  EXPECT_TRUE(Names(Check(bridge, [](NetworkSpec& n) { n.gateway = Cidr("10.0.0.1/24"); }),
                    "network.gateway"));
  EXPECT_TRUE(Names(Check(bridge, [](NetworkSpec& n) { n.uplink = "up0"; }), "network.uplink"));
  EXPECT_TRUE(Names(Check(bridge, [](NetworkSpec& n) { n.dhcp.range_start = Ip("10.0.0.2"); }),
                    "network.dhcp"));
  EXPECT_TRUE(Names(Check(bridge, [](NetworkSpec& n) { n.dhcp.range_end = Ip("10.0.0.2"); }),
                    "network.dhcp"));
  EXPECT_TRUE(
      Names(Check(bridge, [](NetworkSpec& n) { n.dhcp.dns = {Ip("10.0.0.1")}; }), "network.dhcp"));
  EXPECT_TRUE(Names(Check(bridge,
                          [](NetworkSpec& n) {
                            n.dhcp.hosts = {{Mac("52:54:00:00:00:01"), Ip("10.0.0.5"), ""}};
                          }),
                    "network.dhcp"));
  EXPECT_EQ(Check(bridge, [](NetworkSpec& n) { n.forwards = Nat().forwards; }),
            "network.forwards: only nat networks have port forwards");
  // The NAT table size is kept in every mode, so it may be set, within range.
  EXPECT_EQ(Check(bridge, [](NetworkSpec& n) { n.nat_max_connections = 1024; }), "ok");
  // A bridge keeps its tunnel.
  EXPECT_EQ(Check(bridge,
                  [](NetworkSpec& n) {
                    n.tunnel = {TunnelKind::kVxlan, 42, "up0", {Ip("10.77.0.2")}, 4789};
                  }),
            "ok");
}

TEST(ModeSpecTest, NatAndRoutedNeedAGatewayAndAnUplink) {
  for (NetworkMode mode : {NetworkMode::kNat, NetworkMode::kRouted}) {
    NetworkSpec base = Nat();
    base.mode = mode;
    base.forwards = {};
    const std::string name(NetworkModeName(mode));
    EXPECT_EQ(Check(base, [](NetworkSpec& n) { n.gateway.reset(); }),
              "network.gateway: required in a " + name +
                  " network: the switch's address on it, e.g. 192.168.100.1/24");
    EXPECT_EQ(Check(base, [](NetworkSpec& n) { n.uplink = ""; }),
              "network.uplink: required in a " + name + " network: the port its traffic leaves by");
    EXPECT_TRUE(Names(Check(base, [](NetworkSpec& n) { n.uplink = "-bad"; }), "network.uplink"));
  }
}

TEST(ModeSpecTest, TheGatewayIsAUnicastHostAddressWithAPrefixOf8To30) {
  const std::string format =
      "network.gateway: '%' is not a unicast IPv4 ADDRESS/PREFIX with a prefix of 8..30";
  for (const char* bad : {"192.168.100.1/7", "10.0.0.1/31", "10.0.0.1/32", "224.0.0.1/24",
                          "127.0.0.1/8", "0.0.0.0/8"}) {
    std::string want = format;
    want.replace(want.find('%'), 1, bad);
    EXPECT_EQ(Check(Nat(),
                    [&](NetworkSpec& n) {
                      n.gateway = Cidr(bad);
                      n.dhcp = {};
                      n.forwards = {};
                    }),
              want);
  }
  auto gateway_only = [](const std::string& gw) {
    return [gw](NetworkSpec& n) {
      n.gateway = Cidr(gw);
      n.dhcp = {};
      n.forwards = {};
    };
  };
  EXPECT_EQ(Check(Nat(), gateway_only("192.168.100.0/24")),
            "network.gateway: '192.168.100.0/24' is the network address of 192.168.100.0/24, not "
            "a host's");
  EXPECT_EQ(Check(Nat(), gateway_only("192.168.100.255/24")),
            "network.gateway: '192.168.100.255/24' is the broadcast address of 192.168.100.0/24, "
            "not a host's");
  EXPECT_EQ(Check(Nat(), gateway_only("10.1.2.3/8")), "ok");
  EXPECT_EQ(Check(Nat(), gateway_only("10.1.2.1/30")), "ok");
}

TEST(ModeSpecTest, IsolatedSettingsMustStillBeValid) {
  NetworkSpec iso = Nat();
  iso.mode = NetworkMode::kIsolated;
  EXPECT_TRUE(Names(Check(iso, [](NetworkSpec& n) { n.gateway = Cidr("10.0.0.0/24"); }),
                    "network.gateway"));
  EXPECT_TRUE(Names(Check(iso, [](NetworkSpec& n) { n.uplink = "bad name"; }), "network.uplink"));
  EXPECT_TRUE(Names(Check(iso, [](NetworkSpec& n) { n.dhcp.range_end = Ip("192.168.100.1"); }),
                    "network.dhcp.range_end"));
  // Without a gateway there is no subnet for DHCP or forwards.
  EXPECT_EQ(Check(iso,
                  [](NetworkSpec& n) {
                    n.gateway.reset();
                    n.forwards = {};
                  }),
            "network.dhcp: needs network.gateway, the DHCP server's address and subnet");
  EXPECT_EQ(Check(iso,
                  [](NetworkSpec& n) {
                    n.gateway.reset();
                    n.dhcp = {};
                  }),
            "network.forwards: need network.gateway, whose subnet the guests are in");
}

TEST(ModeSpecTest, TunnelsOnlyInBridgeNetworks) {
  const TunnelSpec tunnel{TunnelKind::kVxlan, 42, "up0", {Ip("10.77.0.2")}, 4789};
  EXPECT_EQ(Check(Nat(), [&](NetworkSpec& n) { n.tunnel = tunnel; }),
            "network.tunnel: a nat network's traffic leaves by its uplink, not a tunnel");
  EXPECT_EQ(Check(Nat(),
                  [&](NetworkSpec& n) {
                    n.mode = NetworkMode::kRouted;
                    n.forwards = {};
                    n.tunnel = tunnel;
                  }),
            "network.tunnel: a routed network's traffic leaves by its uplink, not a tunnel");
  EXPECT_EQ(Check(Nat(),
                  [&](NetworkSpec& n) {
                    n.mode = NetworkMode::kIsolated;
                    n.tunnel = tunnel;
                  }),
            "network.tunnel: isolated networks reach no other host");
}

TEST(ModeSpecTest, DhcpRangeLiesInTheSubnetInOrderAndAvoidsTheGateway) {
  // "" leaves the end unset.
  auto range = [](const std::string& first, const std::string& last) {
    return [first, last](NetworkSpec& n) {
      n.dhcp.range_start = first.empty() ? std::nullopt : std::optional(Ip(first));
      n.dhcp.range_end = last.empty() ? std::nullopt : std::optional(Ip(last));
    };
  };
  EXPECT_EQ(Check(Nat(), range("192.168.100.100", "")),
            "network.dhcp.range_end: required with range_start");
  EXPECT_EQ(Check(Nat(), range("", "192.168.100.200")),
            "network.dhcp.range_start: required with range_end, dns or hosts (the DHCP server is "
            "off without a range)");
  EXPECT_EQ(Check(Nat(),
                  [](NetworkSpec& n) {
                    n.dhcp.range_start = n.dhcp.range_end = std::nullopt;
                    n.dhcp.hosts = {};
                  }),
            "network.dhcp.range_start: required with range_end, dns or hosts (the DHCP server is "
            "off without a range)");
  EXPECT_EQ(Check(Nat(), range("192.168.101.100", "192.168.100.200")),
            "network.dhcp.range_start: 192.168.101.100 is outside the gateway's subnet "
            "192.168.100.0/24");
  EXPECT_EQ(Check(Nat(), range("192.168.100.100", "192.168.101.2")),
            "network.dhcp.range_end: 192.168.101.2 is outside the gateway's subnet "
            "192.168.100.0/24");
  EXPECT_EQ(Check(Nat(), range("192.168.100.0", "192.168.100.200")),
            "network.dhcp.range_start: 192.168.100.0 is the network address of 192.168.100.0/24");
  EXPECT_EQ(Check(Nat(), range("192.168.100.100", "192.168.100.255")),
            "network.dhcp.range_end: 192.168.100.255 is the broadcast address of "
            "192.168.100.0/24");
  EXPECT_EQ(Check(Nat(), range("192.168.100.1", "192.168.100.200")),
            "network.dhcp.range_start: 192.168.100.1 is the gateway's address");
  EXPECT_EQ(Check(Nat(), range("192.168.100.100", "192.168.100.1")),
            "network.dhcp.range_end: 192.168.100.1 is the gateway's address");
  EXPECT_EQ(Check(Nat(), range("192.168.100.200", "192.168.100.100")),
            "network.dhcp.range_end: 192.168.100.100 comes before range_start 192.168.100.200");
  EXPECT_EQ(Check(Nat(),
                  [](NetworkSpec& n) {
                    n.gateway = Cidr("192.168.100.150/24");
                    n.dhcp.hosts = {};
                  }),
            "network.dhcp.range_start: the range 192.168.100.100-192.168.100.200 holds the "
            "gateway's address 192.168.100.150");
  EXPECT_EQ(Check(Nat(), range("192.168.100.100", "192.168.100.100")), "ok");  // one address
}

TEST(ModeSpecTest, DhcpLeaseTimeAndDnsServers) {
  EXPECT_EQ(Check(Nat(), [](NetworkSpec& n) { n.dhcp.lease_s = 59; }),
            "network.dhcp.lease_seconds: 59 is outside 60..1073741824");
  EXPECT_EQ(Check(Nat(), [](NetworkSpec& n) { n.dhcp.lease_s = (1u << 30) + 1; }),
            "network.dhcp.lease_seconds: 1073741825 is outside 60..1073741824");
  EXPECT_EQ(Check(Nat(), [](NetworkSpec& n) { n.dhcp.lease_s = 60; }), "ok");
  EXPECT_EQ(Check(Nat(), [](NetworkSpec& n) { n.dhcp.dns.push_back(Ip("224.0.0.1")); }),
            "network.dhcp.dns: '224.0.0.1' is not a unicast IPv4 address");
  EXPECT_EQ(Check(Nat(),
                  [](NetworkSpec& n) {
                    n.dhcp.dns = {Ip("1.1.1.1"), Ip("1.0.0.1"), Ip("8.8.8.8"), Ip("8.8.4.4")};
                  }),
            "ok");
  EXPECT_EQ(Check(Nat(),
                  [](NetworkSpec& n) {
                    n.dhcp.dns = {Ip("1.1.1.1"), Ip("1.0.0.1"), Ip("8.8.8.8"), Ip("8.8.4.4"),
                                  Ip("9.9.9.9")};
                  }),
            "network.dhcp.dns: more than 4 servers");
}

TEST(ModeSpecTest, DhcpHostsAreUnicastMacsWithAddressesInTheSubnetEachOnce) {
  auto host = [](const std::string& mac, const std::string& address,
                 const std::string& hostname = "") {
    return [=](NetworkSpec& n) { n.dhcp.hosts.push_back({Mac(mac), Ip(address), hostname}); };
  };
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:03", "192.168.100.11", "db-1")), "ok");
  // Outside the dynamic range is fine; so is inside it.
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:03", "192.168.100.120")), "ok");
  for (const char* bad : {"01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00"}) {
    EXPECT_EQ(Check(Nat(), host(bad, "192.168.100.11")),
              std::string("network.dhcp.hosts.mac: '") + bad + "' is not a unicast MAC");
  }
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:01", "192.168.100.11")),
            "network.dhcp.hosts.mac: 52:54:00:00:00:01 is given twice");
  // The same MAC in another spelling is the same MAC.
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:0A", "192.168.100.11")), "ok");
  EXPECT_EQ(Check(Nat(),
                  [](NetworkSpec& n) {
                    n.dhcp.hosts.push_back({Mac("52:54:00:00:00:0a"), Ip("192.168.100.11"), ""});
                    n.dhcp.hosts.push_back({Mac("52:54:00:00:00:0A"), Ip("192.168.100.12"), ""});
                  }),
            "network.dhcp.hosts.mac: 52:54:00:00:00:0a is given twice");
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:03", "192.168.100.10")),
            "network.dhcp.hosts.address: 192.168.100.10 is given to two hosts");
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:03", "10.0.0.1")),
            "network.dhcp.hosts.address: 10.0.0.1 is outside the gateway's subnet "
            "192.168.100.0/24");
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:03", "192.168.100.1")),
            "network.dhcp.hosts.address: 192.168.100.1 is the gateway's address");
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:03", "192.168.100.0")),
            "network.dhcp.hosts.address: 192.168.100.0 is the network address of "
            "192.168.100.0/24");
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:03", "192.168.100.255")),
            "network.dhcp.hosts.address: 192.168.100.255 is the broadcast address of "
            "192.168.100.0/24");
  EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:03", "192.168.100.11", std::string(63, 'a'))), "ok");
  for (const std::string& bad : {std::string(64, 'a'), std::string("web_1"),
                                 std::string("web.example"), std::string("wéb")}) {
    EXPECT_EQ(Check(Nat(), host("52:54:00:00:00:03", "192.168.100.11", bad)),
              "network.dhcp.hosts.hostname: '" + bad + "' is not 1-63 letters, digits and '-'");
  }
  EXPECT_EQ(Check(Nat(),
                  [](NetworkSpec& n) {
                    // Counted before any host is looked at.
                    n.dhcp.hosts.resize(kMaxDhcpHosts + 1);
                  }),
            "network.dhcp.hosts: more than 1024 hosts");
}

TEST(ModeSpecTest, ForwardsOnlyInNatWithinLimitsAndEachOutsidePortOnce) {
  EXPECT_EQ(Check(Nat(), [](NetworkSpec& n) { n.mode = NetworkMode::kRouted; }),
            "network.forwards: only nat networks have port forwards (a routed network's guests "
            "are reached at their own addresses)");
  auto forward = [](ForwardProto proto, uint32_t outside, const std::string& guest,
                    uint32_t guest_port) {
    return [=](NetworkSpec& n) { n.forwards.push_back({proto, outside, Ip(guest), guest_port}); };
  };
  EXPECT_EQ(Check(Nat(), forward(ForwardProto::kTcp, 2222, "192.168.100.11", 22)), "ok");
  EXPECT_EQ(Check(Nat(), forward(ForwardProto::kTcp, 0, "192.168.100.11", 22)),
            "network.forwards.outside_port: 0 is outside 1..65535");
  EXPECT_EQ(Check(Nat(), forward(ForwardProto::kTcp, 65536, "192.168.100.11", 22)),
            "network.forwards.outside_port: 65536 is outside 1..65535");
  EXPECT_EQ(Check(Nat(), forward(ForwardProto::kTcp, 2222, "192.168.100.11", 0)),
            "network.forwards.guest_port: 0 is outside 1..65535");
  EXPECT_EQ(Check(Nat(), forward(ForwardProto::kTcp, 2222, "192.168.100.11", 70000)),
            "network.forwards.guest_port: 70000 is outside 1..65535");
  EXPECT_EQ(Check(Nat(), forward(ForwardProto::kTcp, 2222, "10.9.9.9", 22)),
            "network.forwards.guest_address: 10.9.9.9 is outside the gateway's subnet "
            "192.168.100.0/24");
  EXPECT_EQ(Check(Nat(), forward(ForwardProto::kTcp, 2222, "192.168.100.1", 22)),
            "network.forwards.guest_address: 192.168.100.1 is the gateway's address");
  EXPECT_EQ(Check(Nat(), forward(ForwardProto::kTcp, 8080, "192.168.100.11", 80)),
            "network.forwards: tcp port 8080 is forwarded twice");
  EXPECT_EQ(Check(Nat(), forward(ForwardProto::kUdp, 8080, "192.168.100.11", 80)),
            "network.forwards: udp port 8080 is forwarded twice");
  EXPECT_EQ(
      Check(Nat(),
            [](NetworkSpec& n) {
              n.forwards.clear();
              for (uint32_t i = 0; i <= kMaxForwards; ++i) {
                n.forwards.push_back({ForwardProto::kTcp, 1000 + i, Ip("192.168.100.11"), 80});
              }
            }),
      "network.forwards: more than 256 forwards");
}

TEST(ModeSpecTest, NatTableSizeIsCheckedInEveryMode) {
  for (NetworkMode mode : {NetworkMode::kBridge, NetworkMode::kNat}) {
    NetworkSpec base = mode == NetworkMode::kNat ? Nat() : Plain("lan0");
    EXPECT_EQ(Check(base, [](NetworkSpec& n) { n.nat_max_connections = 15; }),
              "network.nat_max_connections: 15 is outside 16..4194304");
    EXPECT_EQ(Check(base, [](NetworkSpec& n) { n.nat_max_connections = (1u << 22) + 1; }),
              "network.nat_max_connections: 4194305 is outside 16..4194304");
    EXPECT_EQ(Check(base, [](NetworkSpec& n) { n.nat_max_connections = 16; }), "ok");
  }
}

TEST(ModeSpecTest, NatLimitsAddressAndUnderlayAllowList) {
  EXPECT_EQ(Check(Nat(), [](NetworkSpec& n) { n.nat_max_per_guest = (1u << 22) + 1; }),
            "network.nat_max_per_guest: 4194305 is outside 0..4194304");
  EXPECT_EQ(Check(Nat(), [](NetworkSpec& n) { n.nat_max_per_forward = (1u << 22) + 1; }),
            "network.nat_max_per_forward: 4194305 is outside 0..4194304");
  NetworkSpec limited = Nat();
  limited.nat_max_connections = 1000;
  EXPECT_EQ(limited.NatGuestLimit(), 250u);  // a quarter unless set
  limited.nat_max_per_forward = 7;
  EXPECT_EQ(limited.NatForwardLimit(), 7u);

  EXPECT_EQ(Check(Nat(), [](NetworkSpec& n) { n.nat_address = Ip("10.99.0.50"); }), "ok");
  EXPECT_TRUE(Names(Check(Nat(), [](NetworkSpec& n) { n.nat_address = Ip("224.0.0.1"); }),
                    "network.nat_address"));
  EXPECT_TRUE(Names(Check(Nat(), [](NetworkSpec& n) { n.nat_address = Ip("192.168.100.9"); }),
                    "network.nat_address"));  // inside the network's own subnet
  EXPECT_TRUE(Names(Check(Plain("r", NetworkMode::kRouted),
                          [](NetworkSpec& n) {
                            n.gateway = Cidr("10.1.0.1/24");
                            n.uplink = "up0";
                            n.nat_address = Ip("10.99.0.50");
                          }),
                    "network.nat_address"));
  EXPECT_TRUE(Names(Check(Plain("b"), [](NetworkSpec& n) { n.nat_address = Ip("10.99.0.50"); }),
                    "network.nat_address"));

  EXPECT_EQ(Check(Nat(),
                  [](NetworkSpec& n) {
                    n.underlay_allow = {Cidr("10.99.0.2/32"), Cidr("0.0.0.0/0")};
                  }),
            "ok");
  EXPECT_TRUE(
      Names(Check(Nat(), [](NetworkSpec& n) { n.underlay_allow.assign(65, Cidr("10.99.0.2/32")); }),
            "network.underlay_allow"));
  EXPECT_TRUE(
      Names(Check(Plain("b"), [](NetworkSpec& n) { n.underlay_allow = {Cidr("10.0.0.0/8")}; }),
            "network.underlay_allow"));
}

TEST(ModeSpecTest, AnUplinkCannotBePrivate) {
  PortSpec up;
  up.name = "up0";
  up.kind = PortKind::kKernel;
  up.netdev = "eth1";
  up.underlay.address = Cidr("10.77.0.1/24");
  up.private_port = true;
  EXPECT_EQ(ValidatePortSpec(up).message(),
            "port.private_port: an uplink belongs to no network, so it cannot be private");
  PortSpec guest;
  guest.name = "vm1";
  guest.network = "nat0";
  guest.socket_path = "/run/vm1.sock";
  guest.private_port = true;
  EXPECT_TRUE(ValidatePortSpec(guest).ok());
}

}  // namespace
}  // namespace switchyard::dp
