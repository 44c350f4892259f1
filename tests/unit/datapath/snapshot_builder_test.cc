// BuildSnapshot and BetweenSnapshot: what the PMDs will read, from plain
// views of the model (no EAL, no ports opened).
#include "datapath/engine/snapshot_builder.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "datapath/core/fdb.h"
#include "datapath/gateway/gateway_port.h"
#include "datapath/overlay/tunnel_endpoint.h"
#include "tests/unit/datapath/address_literals.h"

namespace switchyard::dp {
namespace {

using test::Cidr;
using test::Ip;

bool Has(const std::vector<PortIndex>& list, PortIndex p) {
  return std::find(list.begin(), list.end(), p) != list.end();
}

class SnapshotBuilderTest : public ::testing::Test {
 protected:
  SnapshotBuilderTest() {
    lan.name = "lan0";
    nat.name = "nat0";
    nat.mode = NetworkMode::kNat;
    nat.gateway = Cidr("192.168.10.1/24");
    nat.uplink = "up0";
    nat.underlay_allow = {Cidr("10.77.0.9/32")};
    overlay.name = "ov0";
    overlay.tunnel = TunnelSpec{TunnelKind::kVxlan, 5, "up0", {Ip("10.77.0.2")}, 4790};
    guest.name = "vm1";
    guest.network = "lan0";
    guest.private_port = true;
    guest.security.macs = {0x020000000001};
    nat_guest.name = "vm2";
    nat_guest.network = "nat0";
    host.name = "host";
    host.kind = PortKind::kInternal;
    host.network = "lan0";
    uplink.name = "up0";
    uplink.kind = PortKind::kKernel;
    uplink.underlay.address = Cidr("10.77.0.1/24");
  }

  // Two PMDs; lan0 (slot 0) with vm1 (slot 2) and host (slot 4); nat0
  // (slot 1) with vm2 (slot 6) and its gateway (slot 8); ov0 (slot 2) with
  // one endpoint (slot 9); the uplink up0 in slot 5.
  SnapshotModel Model() {
    SnapshotModel m;
    m.generation = 7;
    m.pmds = 2;
    PortGuard guard;
    guard.macs = {0x020000000001};
    m.ports.push_back(SnapshotPort{&guest, 2, 0, nullptr, {}, guard});
    m.ports.push_back(SnapshotPort{&host, 4, 0, nullptr, {}, std::nullopt});
    m.ports.push_back(SnapshotPort{&nat_guest, 6, 1, nullptr, {}, std::nullopt});
    m.ports.push_back(SnapshotPort{&uplink, 5, kInvalidNetwork, nullptr,
                                   Interface{5, 0x0a4d0001, 24, 0, 0x02aa, nullptr}, std::nullopt});
    m.networks.push_back(SnapshotNetwork{&lan, 0, &lan_fdb, std::nullopt, {}});
    m.networks.push_back(
        SnapshotNetwork{&nat,
                        1,
                        &nat_fdb,
                        SnapshotGateway{&gateway, 8, 0xc0a80a01, 24, 0x02bb, nullptr, nullptr, {}},
                        {}});
    m.networks.push_back(
        SnapshotNetwork{&overlay, 2, &ov_fdb, std::nullopt, {SnapshotEndpoint{&endpoint, 9}}});
    return m;
  }

  NetworkSpec lan, nat, overlay;
  PortSpec guest, nat_guest, host, uplink;
  Fdb lan_fdb{64}, nat_fdb{64}, ov_fdb{64};
  GatewayPort gateway;
  TunnelEndpoint endpoint{TunnelType::kVxlan, 0x0a4d0002};
};

TEST_F(SnapshotBuilderTest, PortsJoinTheirNetworksWithTheirSettings) {
  const auto s = BuildSnapshot(Model());
  EXPECT_EQ(s->generation, 7u);
  EXPECT_TRUE(Has(s->networks[0].members, 2));
  EXPECT_TRUE(Has(s->networks[0].members, 4));
  EXPECT_EQ(s->networks[0].fdb, &lan_fdb);
  EXPECT_EQ(s->ports[2].flags, kPortGuest | kPortPrivate);
  EXPECT_EQ(s->ports[4].flags, 0) << "the host's own port is no guest";
  ASSERT_NE(s->ports[2].guard, nullptr);
  EXPECT_TRUE(s->ports[2].guard->AllowsMac(0x020000000001));
  EXPECT_EQ(s->ports[4].guard, nullptr);
  EXPECT_EQ(s->ports[5].network, kInvalidNetwork) << "an uplink is in no network";
  ASSERT_NE(s->ports[5].underlay, nullptr);
  EXPECT_EQ(s->ports[5].underlay->prefix_mask, 0xffffff00u);
}

TEST_F(SnapshotBuilderTest, ANatNetworkIsPolledAndSweptByItsUplinksPmd) {
  const auto s = BuildSnapshot(Model());
  // Slots spread by number over 2 PMDs: vm1 (2) on 0, up0 (5) on 1, and
  // vm2 (6) with it on 1, as the NAT table's one owner.
  EXPECT_TRUE(Has(s->rx_by_pmd[0], 2));
  EXPECT_TRUE(Has(s->rx_by_pmd[1], 5));
  EXPECT_TRUE(Has(s->rx_by_pmd[1], 6));
  ASSERT_EQ(s->gateways.size(), 1u);
  const GatewaySlot& gw = s->gateways[0];
  EXPECT_EQ(gw.pmd, 1);
  EXPECT_EQ(gw.uplink, 5);
  EXPECT_EQ(gw.outside, 0x0a4d0001u) << "the uplink's address, no nat_address set";
  EXPECT_TRUE(gw.enabled);
  ASSERT_EQ(gw.underlay_allow.size(), 1u);
  EXPECT_EQ(gw.underlay_allow[0].mask, 0xffffffffu);
  EXPECT_EQ(s->ports[8].gateway, &gw);
  EXPECT_EQ(s->networks[1].gateway_mac, 0x02bbu);
  EXPECT_TRUE(s->IsInfraMac(0x02bb));
  EXPECT_TRUE(s->IsInfraMac(0x02aa));
  EXPECT_EQ(s->ports[5].underlay->gateways.size(), 1u);
  // Its own outside address when it has one; off while isolated.
  nat.nat_address = Ip("10.77.0.50");
  EXPECT_EQ(BuildSnapshot(Model())->gateways[0].outside, 0x0a4d0032u);
  nat.mode = NetworkMode::kIsolated;
  EXPECT_FALSE(BuildSnapshot(Model())->gateways[0].enabled);
}

TEST_F(SnapshotBuilderTest, TunnelEndpointsAreRoutedOnTheirUplink) {
  const auto s = BuildSnapshot(Model());
  ASSERT_NE(s->ports[9].tunnel, nullptr);
  const TunnelPath& path = *s->ports[9].tunnel;
  EXPECT_EQ(path.remote_ip, 0x0a4d0002u);
  EXPECT_EQ(path.local_ip, 0x0a4d0001u);
  EXPECT_EQ(path.uplink, 5);
  EXPECT_EQ(path.udp_port, 4790);
  const UplinkSlot& up = *s->ports[5].underlay;
  EXPECT_EQ(up.vxlan_port, 4790);
  ASSERT_EQ(up.routes.size(), 1u);
  EXPECT_EQ(up.routes[0].id, 5u);
  EXPECT_EQ(up.routes[0].network, 2);
  EXPECT_TRUE(Has(s->networks[2].members, 9));
}

TEST_F(SnapshotBuilderTest, APortThatChangesPmdIsPolledByNoneInBetween) {
  const auto before = BuildSnapshot(Model());
  EXPECT_EQ(BetweenSnapshot(*before, *BuildSnapshot(Model())), nullptr) << "nothing moves";
  // vm2 moves to lan0: from the uplink's PMD (1) to its own slot's (0).
  nat_guest.network = "lan0";
  SnapshotModel moved = Model();
  moved.ports[2].network = 0;
  const auto after = BuildSnapshot(moved);
  EXPECT_TRUE(Has(after->rx_by_pmd[0], 6));
  const auto between = BetweenSnapshot(*before, *after);
  ASSERT_NE(between, nullptr);
  EXPECT_FALSE(Has(between->rx_by_pmd[0], 6));
  EXPECT_FALSE(Has(between->rx_by_pmd[1], 6));
  EXPECT_TRUE(Has(between->rx_by_pmd[0], 2)) << "the others stay";
}

}  // namespace
}  // namespace switchyard::dp
