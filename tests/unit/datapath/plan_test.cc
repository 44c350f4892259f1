// MakePlan: what applying a desired state changes, and every refusal, from
// two plain states (no EAL, no ports opened).
#include "datapath/engine/plan.h"

#include <gtest/gtest.h>

#include "datapath/gateway/host_stack.h"
#include "tests/unit/datapath/address_literals.h"

namespace switchyard::dp {
namespace {

using test::Cidr;
using test::Ip;

NetworkSpec Net(const std::string& name) {
  NetworkSpec n;
  n.name = name;
  return n;
}

PortSpec Vhost(const std::string& name, const std::string& network) {
  PortSpec p;
  p.name = name;
  p.network = network;
  p.kind = PortKind::kVhostServer;
  p.socket_path = "/run/sy-test/" + name + ".sock";
  return p;
}

PortSpec Uplink(const std::string& name, const std::string& address) {
  PortSpec p;
  p.name = name;
  p.kind = PortKind::kKernel;
  p.netdev = "veth-" + name;
  p.underlay.address = Cidr(address);
  return p;
}

NetworkSpec Vxlan(const std::string& name, uint32_t vni, const std::string& uplink) {
  NetworkSpec n = Net(name);
  n.tunnel.kind = TunnelKind::kVxlan;
  n.tunnel.id = vni;
  n.tunnel.uplink = uplink;
  n.tunnel.remotes = {Ip("10.77.0.2")};
  return n;
}

NetworkSpec Nat(const std::string& name, const std::string& gateway, const std::string& uplink) {
  NetworkSpec n = Net(name);
  n.mode = NetworkMode::kNat;
  n.gateway = Cidr(gateway);
  n.uplink = uplink;
  return n;
}

// (kind, action, name, refused) of each change, in plan order.
std::vector<std::tuple<ObjectKind, ChangeAction, std::string, bool>> Summary(const Plan& p) {
  std::vector<std::tuple<ObjectKind, ChangeAction, std::string, bool>> out;
  for (const Change& c : p.changes) {
    out.emplace_back(c.kind, c.action, c.name, !c.refusal.ok());
  }
  return out;
}

TEST(PlanTest, SameStatePlansNothing) {
  DesiredState s{{Net("lan0")}, {Vhost("a", "lan0")}, {StaticMac{"lan0", 0x020000000001, "a", 0}}};
  const Plan p = MakePlan(s, s);
  EXPECT_TRUE(p.changes.empty());
  EXPECT_TRUE(p.Verdict().ok());
}

TEST(PlanTest, CreatesUpdatesAndDeletesInOrderOfKind) {
  DesiredState running{{Net("lan0"), Net("old")}, {Vhost("a", "lan0"), Vhost("gone", "old")}, {}};
  DesiredState next{{Net("lan0"), Net("lan1")}, {Vhost("a", "lan1"), Vhost("b", "lan0")}, {}};
  next.networks[0].fdb_aging_s = 60;
  const Plan p = MakePlan(running, next);
  using K = ObjectKind;
  using A = ChangeAction;
  EXPECT_EQ(Summary(p), (decltype(Summary(p)){{K::kNetwork, A::kUpdate, "lan0", false},
                                              {K::kNetwork, A::kCreate, "lan1", false},
                                              {K::kNetwork, A::kDelete, "old", false},
                                              {K::kPort, A::kUpdate, "a", false},
                                              {K::kPort, A::kCreate, "b", false},
                                              {K::kPort, A::kDelete, "gone", false}}));
  EXPECT_FALSE(p.Find(K::kPort, "a")->reopen) << "a network move is live";
}

TEST(PlanTest, ABackendChangeReopensAndAKindChangeIsRefused) {
  DesiredState running{{Net("lan0")}, {Vhost("a", "lan0"), Vhost("b", "lan0")}, {}};
  DesiredState next = running;
  next.ports[0].socket_path = "/run/sy-test/other.sock";
  next.ports[1].kind = PortKind::kTap;
  next.ports[1].netdev = "tapb";
  const Plan p = MakePlan(running, next);
  EXPECT_TRUE(p.Find(ObjectKind::kPort, "a")->reopen);
  EXPECT_TRUE(p.Find(ObjectKind::kPort, "a")->refusal.ok());
  const Status refused = p.Find(ObjectKind::kPort, "b")->refusal;
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("its kind cannot change"), std::string::npos);
  // vhost-user may switch between server and client.
  next.ports[1] = running.ports[1];
  next.ports[1].kind = PortKind::kVhostClient;
  EXPECT_TRUE(MakePlan(running, next).Verdict().ok());
}

TEST(PlanTest, DeletingWhatOthersRelyOnIsRefusedAtTheDeletion) {
  DesiredState running{{Vxlan("ov", 5, "up0")}, {Uplink("up0", "10.77.0.1/24")}, {}};
  running.networks.push_back(Net("lan0"));
  running.ports.push_back(Vhost("a", "lan0"));
  DesiredState next = running;
  next.ports.erase(next.ports.begin());            // up0, which ov leaves by
  next.networks.erase(next.networks.begin() + 1);  // lan0, which a is in
  const Plan p = MakePlan(running, next);
  EXPECT_EQ(p.refused(), 2u);
  EXPECT_EQ(p.Find(ObjectKind::kPort, "up0")->refusal.message(),
            "port 'up0' is the uplink of network(s) ov; change their tunnel, uplink or mode first");
  EXPECT_EQ(p.Find(ObjectKind::kNetwork, "lan0")->refusal.message(),
            "network 'lan0' still has ports: a");
  EXPECT_EQ(p.Find(ObjectKind::kNetwork, "ov"), nullptr) << "unchanged, and refused at up0 only";
  EXPECT_NE(p.Verdict().message().find("(and 1 more refusal(s))"), std::string::npos);
}

TEST(PlanTest, ReferencesOfNewAndChangedObjectsAreChecked) {
  DesiredState next{
      {Vxlan("ov", 5, "nope"), Nat("nat0", "192.168.10.1/24", "a")}, {Vhost("a", "lan9")}, {}};
  const Plan p = MakePlan({}, next);
  EXPECT_EQ(p.Find(ObjectKind::kNetwork, "ov")->refusal.message(),
            "network.tunnel.uplink: port 'nope' does not exist");
  EXPECT_EQ(p.Find(ObjectKind::kNetwork, "nat0")->refusal.code(),
            StatusCode::kFailedPrecondition);  // a is no uplink
  EXPECT_EQ(p.Find(ObjectKind::kPort, "a")->refusal.message(),
            "port.network: 'lan9' does not exist");
}

TEST(PlanTest, TunnelsAndNatAddressesMustNotClash) {
  DesiredState next{
      {Vxlan("ov1", 5, "up0"), Vxlan("ov2", 5, "up0")}, {Uplink("up0", "10.77.0.1/24")}, {}};
  Plan p = MakePlan({}, next);
  EXPECT_EQ(p.refused(), 2u) << "each names the other";
  EXPECT_EQ(p.Find(ObjectKind::kNetwork, "ov2")->refusal.code(), StatusCode::kAlreadyExists);
  // Against a running one, only the newcomer is refused.
  DesiredState running{{Vxlan("ov1", 5, "up0")}, {Uplink("up0", "10.77.0.1/24")}, {}};
  p = MakePlan(running, next);
  EXPECT_EQ(p.refused(), 1u);
  EXPECT_FALSE(p.Find(ObjectKind::kNetwork, "ov2")->refusal.ok());

  NetworkSpec nat = Nat("nat0", "192.168.10.1/24", "up0");
  nat.nat_address = Ip("10.77.0.1");
  p = MakePlan({}, DesiredState{{nat}, {Uplink("up0", "10.77.0.1/24")}, {}});
  EXPECT_NE(p.Verdict().message().find("is the uplink up0's own address"), std::string::npos);
}

TEST(PlanTest, PortsMayNotShareASocketOrANetdev) {
  DesiredState next{{Net("lan0")}, {Vhost("a", "lan0"), Vhost("b", "lan0")}, {}};
  next.ports[1].socket_path = next.ports[0].socket_path;
  EXPECT_EQ(MakePlan({}, next).Find(ObjectKind::kPort, "b")->refusal.code(),
            StatusCode::kAlreadyExists);
  DesiredState twice{{Net("lan0"), Net("lan0")}, {}, {}};
  EXPECT_EQ(MakePlan({}, twice).Verdict().message(),
            "network.name: 'lan0' is given more than once");
}

TEST(PlanTest, StaticMacsMustFitTheirPort) {
  PortSpec access = Vhost("a", "lan0");
  access.vlan.mode = VlanMode::kAccess;
  access.vlan.tag = 10;
  DesiredState next{{Net("lan0"), Nat("nat0", "192.168.10.1/24", "up0")},
                    {access, Uplink("up0", "10.77.0.1/24")},
                    {StaticMac{"lan0", 0x020000000001, "a", 10}}};
  EXPECT_TRUE(MakePlan({}, next).Verdict().ok());
  next.static_macs[0].vlan = 20;
  EXPECT_EQ(MakePlan({}, next).Verdict().message(),
            "vlan: port 'a' does not carry VLAN 20 (access 10)");
  next.static_macs[0] = StaticMac{"lan0", HostStack::InterfaceMac(0xc0a80a01, "nat0"), "a", 10};
  EXPECT_EQ(MakePlan({}, next).Verdict().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsInfraMac(next, next.static_macs[0].mac));
  next.static_macs[0] = StaticMac{"lan0", 0x010000000001, "a", 10};
  EXPECT_EQ(MakePlan({}, next).Verdict().code(), StatusCode::kInvalidArgument);
  // A pin whose port leaves its network no longer fits: kept, and refused.
  DesiredState running = next;
  running.static_macs[0].mac = 0x020000000001;
  DesiredState moved = running;
  moved.networks.push_back(Net("lan1"));
  moved.ports[0].network = "lan1";
  const Plan p = MakePlan(running, moved);
  const Change* pin = p.Find(ObjectKind::kStaticMac, StaticMacName(running.static_macs[0]));
  ASSERT_NE(pin, nullptr);
  EXPECT_EQ(pin->action, ChangeAction::kKeep);
  EXPECT_EQ(pin->refusal.message(), "port: 'a' is in network 'lan1', not 'lan0'");
}

}  // namespace
}  // namespace switchyard::dp
