// The fixed switch the packet fuzz targets (uplink_ingress, guest_ingress)
// push frames through: the stages wired as Dataplane::Publish wires them
// (tests/unit/datapath/router_test.cc, overlay_test.cc), on the unit tests'
// plain-memory mbufs (TestPool) and recording ports (FakePort).
//
// Runs never depend on one another. A target runs its inputs with
// RunInWorld in one World per process, which World::Reset takes back after
// every input to the state before any: the mbufs, the recorded frames, the
// FDBs, the NAT table and the bridge's flood windows are made anew, the
// connections below restored. What stays is what no frame changes: the
// snapshot, the neighbour caches, the ports, the egress buffers (empty
// after every Egress::Flush) and the counters (the stages add to them,
// never read them). That runs 2.7 to 5.8 times as many inputs a second as
// a World made per input. With SY_FUZZ_CHECK_RESET=1 in the environment
// every input also runs in a World made from nothing, and both must end
// alike (SameOutcome); ctest fuzzes 20,000 inputs so (<target>_reset).
//
//   port  network             what
//    0    0 nat  192.168.50/24  guest A 192.168.50.10, trunk of all VLANs
//    1    -                     the uplink, 10.99.0.1/24, gateway 10.99.0.254
//    2    0                     the NAT gateway 192.168.50.1 (untagged only)
//    3    0                     guest B, takes GSO super-frames whole
//   11    0                     access port of VLAN 10
//   12    0                     trunk of VLANs 5-20, native 5 sent tagged
//   13    0                     trunk of VLANs 10-20, native 10 untagged
//    4    1 routed 192.168.60/24 guest C 192.168.60.10
//    5    1                     the routed gateway 192.168.60.1
//    6    2 VXLAN VNI 42        guest D
//    7    2                     VXLAN endpoint 10.99.0.20 (resolved)
//    8    2                     VXLAN endpoint 10.99.0.21 (unresolved)
//    9    3 GRE key 7           guest E
//   10    3                     GRE endpoint 10.99.0.30 (resolved)
//
// Before the fuzz input, guest A has opened NAT connections to the outside
// host 10.99.0.2 (TCP 40000->80, UDP 40001->53, ICMP echo id 0x77) so that
// replies, ICMP errors about them and port forwards (UDP 5353 and TCP 8080
// to guest A) have something to find.
#pragma once

#include <array>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "datapath/core/counters.h"
#include "datapath/core/egress.h"
#include "datapath/core/fdb.h"
#include "datapath/core/neighbor_cache.h"
#include "datapath/core/offload.h"
#include "datapath/core/snapshot.h"
#include "datapath/engine/spec.h"
#include "datapath/gateway/conn_table.h"
#include "datapath/gateway/gateway_port.h"
#include "datapath/gateway/router.h"
#include "datapath/overlay/overlay.h"
#include "datapath/overlay/tunnel_endpoint.h"
#include "datapath/stages/bridge/bridge.h"
#include "tests/fuzz/frames.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/unit/datapath/test_packets.h"

namespace switchyard::dp::fuzz {

using testing::FakePort;
using testing::TestPool;

inline constexpr PortIndex kGuestA = 0;
inline constexpr PortIndex kUplink = 1;
inline constexpr PortIndex kNatGw = 2;
inline constexpr PortIndex kGuestB = 3;
inline constexpr PortIndex kGuestC = 4;
inline constexpr PortIndex kRoutedGw = 5;
inline constexpr PortIndex kGuestD = 6;
inline constexpr PortIndex kVxlanEp = 7;
inline constexpr PortIndex kVxlanEpUnresolved = 8;
inline constexpr PortIndex kGuestE = 9;
inline constexpr PortIndex kGreEp = 10;
inline constexpr PortIndex kAccess10 = 11;
inline constexpr PortIndex kTrunkTagged = 12;
inline constexpr PortIndex kTrunkUntagged = 13;
inline constexpr PortIndex kPortCount = 14;

inline constexpr MacKey kMacA = 0x02000000000a;
inline constexpr MacKey kMacB = 0x02000000000b;
inline constexpr MacKey kMacC = 0x02000000000c;
inline constexpr MacKey kMacD = 0x02000000000d;
inline constexpr MacKey kMacE = 0x02000000000e;
inline constexpr MacKey kNatGwMac = 0x02ee00000001;
inline constexpr MacKey kRoutedGwMac = 0x02ee00000002;
inline constexpr MacKey kUplinkMac = 0x02aa00000001;
inline constexpr MacKey kOutsideMac = 0x02bb00000002;
inline constexpr MacKey kUpGwMac = 0x02bb000000fe;
inline constexpr MacKey kRemoteMac = 0x02cc00000001;  // behind the VXLAN and GRE endpoints

inline constexpr uint32_t kNatGwIp = 0xc0a83201;  // 192.168.50.1/24
inline constexpr uint32_t kGuestAIp = 0xc0a8320a;
inline constexpr uint32_t kRoutedGwIp = 0xc0a83c01;  // 192.168.60.1/24
inline constexpr uint32_t kGuestCIp = 0xc0a83c0a;
inline constexpr uint32_t kUplinkIp = 0x0a630001;  // 10.99.0.1/24
inline constexpr uint32_t kOutsideIp = 0x0a630002;
inline constexpr uint32_t kUpGwIp = 0x0a6300fe;
inline constexpr uint32_t kVxlanRemote = 0x0a630014;  // 10.99.0.20
inline constexpr uint32_t kVxlanRemote2 = 0x0a630015;
inline constexpr uint32_t kGreRemote = 0x0a63001e;  // 10.99.0.30
inline constexpr uint32_t kVni = 42;
inline constexpr uint32_t kGreKey = 7;
inline constexpr uint32_t kNow = 100;

// ---- The switch ----

class World {
 public:
  World()
      : counters_(std::make_unique<PmdCounters>()),
        egress_(0, counters_.get(), &TestPool::ReleaseBulk, &freed_),
        bridge_(std::in_place, counters_.get(), &egress_, nullptr, &segmenter_, pool.Source()),
        router_(0, counters_.get(), &egress_, &World::Punt, this, pool.Source()),
        overlay_(counters_.get(), &egress_, &*bridge_, &router_, &World::Punt, this) {
    for (std::optional<Fdb>& fdb : fdbs_) {
      fdb.emplace(kFdbSize);
    }
    conns_.emplace(kConnCapacity);
    egress_.set_headers(pool.Source());
    egress_.set_gateway(&RouterStage::FlushGateway, &router_);
    snap_.uplinks.reserve(1);
    snap_.gateways.reserve(2);
    snap_.tunnel_paths.reserve(3);

    UplinkSlot& up = snap_.uplinks.emplace_back();
    up.address = kUplinkIp;
    up.prefix_mask = 0xffffff00;
    up.gateway = kUpGwIp;
    up.mac = kUplinkMac;
    up.neighbors = &up_neighbors_;
    up.routes.push_back(
        TunnelRoute{TunnelType::kVxlan,
                    kVni,
                    2,
                    {{kVxlanRemote, kVxlanEp}, {kVxlanRemote2, kVxlanEpUnresolved}}});
    up.routes.push_back(TunnelRoute{TunnelType::kGre, kGreKey, 3, {{kGreRemote, kGreEp}}});

    GatewaySlot& nat = snap_.gateways.emplace_back();
    nat.network = 0;
    nat.port = kNatGw;
    nat.uplink = kUplink;
    nat.nat = true;
    nat.enabled = true;
    nat.address = kNatGwIp;
    nat.subnet = kNatGwIp & 0xffffff00;
    nat.mask = 0xffffff00;
    nat.mac = kNatGwMac;
    nat.neighbors = &nat_neighbors_;
    nat.conns = &*conns_;
    nat.forwards = {ForwardRule{17, 5353, kGuestAIp, 53}, ForwardRule{6, 8080, kGuestAIp, 80}};
    nat.outside = kUplinkIp;
    // Half of the uplink's subnet allowed, the other half refused.
    nat.underlay_allow = {AllowedPrefix{kUplinkIp & 0xffffff80, 0xffffff80}};
    up.gateways.push_back(&nat);

    GatewaySlot& routed = snap_.gateways.emplace_back();
    routed.network = 1;
    routed.port = kRoutedGw;
    routed.uplink = kUplink;
    routed.nat = false;
    routed.enabled = true;
    routed.address = kRoutedGwIp;
    routed.subnet = kRoutedGwIp & 0xffffff00;
    routed.mask = 0xffffff00;
    routed.mac = kRoutedGwMac;
    routed.neighbors = &routed_neighbors_;
    routed.outside = kUplinkIp;
    routed.underlay_allow = nat.underlay_allow;
    up.gateways.push_back(&routed);

    VlanSpec untagged_only;
    untagged_only.trunks = {VlanRange{0, 0}};
    const VlanPolicy all = VlanPolicy::TrunkOfAll();
    Guest(kGuestA, 0, &guest_a, all);
    Guest(kGuestB, 0, &guest_b, all);
    guest_b.gso = true;
    VlanSpec access;
    access.mode = VlanMode::kAccess;
    access.tag = 10;
    Guest(kAccess10, 0, &access10, MakeVlanPolicy(access));
    VlanSpec tagged;
    tagged.trunks = {VlanRange{5, 20}};
    tagged.native = 5;
    tagged.native_tagged = true;
    Guest(kTrunkTagged, 0, &trunk_tagged, MakeVlanPolicy(tagged));
    VlanSpec untagged;
    untagged.trunks = {VlanRange{10, 20}};
    untagged.native = 10;
    Guest(kTrunkUntagged, 0, &trunk_untagged, MakeVlanPolicy(untagged));
    Guest(kGuestC, 1, &guest_c, all);
    Guest(kGuestD, 2, &guest_d, all);
    Guest(kGuestE, 3, &guest_e, all);
    snap_.ports[kUplink] = PortSlot{&uplink, kInvalidNetwork, nullptr, &up, nullptr, 0, all};
    snap_.ports[kNatGw] =
        PortSlot{&nat_port_, 0, nullptr, nullptr, &nat, 0, MakeVlanPolicy(untagged_only)};
    snap_.ports[kRoutedGw] =
        PortSlot{&routed_port_, 1, nullptr, nullptr, &routed, 0, MakeVlanPolicy(untagged_only)};
    Endpoint(kVxlanEp, 2, &vxlan_ep_, TunnelType::kVxlan, kVni);
    Endpoint(kVxlanEpUnresolved, 2, &vxlan_ep2_, TunnelType::kVxlan, kVni);
    Endpoint(kGreEp, 3, &gre_ep_, TunnelType::kGre, kGreKey);
    vxlan_ep_.set_next_hop_mac(kOutsideMac);
    gre_ep_.set_next_hop_mac(kUpGwMac);

    snap_.networks[0] = NetworkSlot{
        &*fdbs_[0], {kGuestA, kGuestB, kNatGw, kAccess10, kTrunkTagged, kTrunkUntagged}};
    snap_.networks[1] = NetworkSlot{&*fdbs_[1], {kGuestC, kRoutedGw}};
    snap_.networks[2] = NetworkSlot{&*fdbs_[2], {kGuestD, kVxlanEp, kVxlanEpUnresolved}};
    snap_.networks[3] = NetworkSlot{&*fdbs_[3], {kGuestE, kGreEp}};

    up_neighbors_.Set(kOutsideIp, kOutsideMac);
    up_neighbors_.Set(kUpGwIp, kUpGwMac);
    nat_neighbors_.Set(kGuestAIp, kMacA);
    routed_neighbors_.Set(kGuestCIp, kMacC);

    // Connections for replies to find.
    auto out = [](Bytes l4, uint8_t proto) {
      return Eth(kNatGwMac, kMacA, 0x0800, Datagram(kGuestAIp, kOutsideIp, proto, std::move(l4)));
    };
    opens_ = {out(Tcp(40000, 80, 0x02), 6), out(Udp(40001, 53), 17),
              out(Icmp(8, 0, 0x00770001, Bytes{'p', 'i', 'n', 'g'}), 1)};
    Reset();
  }

  // Back to the state before any input, as a World made from nothing has
  // it (SameOutcome compares the two): everything a frame may change is
  // made anew (the FDBs and the NAT table in place, so the snapshot's
  // pointers stay). The first time, guest A's frames open the connections
  // through the switch; after that, Reset restores what they left: guest
  // A's FDB entry refreshed and the NAT table's connections as the router
  // made them. Memory an input took is released here, so a run of the
  // target (input and reset) frees as much as it allocates and libFuzzer
  // suspects no leak.
  void Reset() {
    pool = TestPool();
    std::vector<rte_mbuf*>().swap(freed_);
    punted_ = 0;
    ClearSent();
    bridge_.emplace(counters_.get(), &egress_, nullptr, &segmenter_, pool.Source());
    for (std::optional<Fdb>& fdb : fdbs_) {
      fdb.emplace(kFdbSize);
    }
    fdbs_[0]->AddStatic(0, kNatGwMac, kNatGw, 0);
    fdbs_[1]->AddStatic(0, kRoutedGwMac, kRoutedGw, 0);
    fdbs_[0]->Learn(0, kMacA, kGuestA, 0);
    fdbs_[0]->Learn(0, kMacB, kGuestB, 0);
    fdbs_[1]->Learn(0, kMacC, kGuestC, 0);
    fdbs_[2]->Learn(0, kMacD, kGuestD, 0);
    fdbs_[3]->Learn(0, kMacE, kGuestE, 0);
    fdbs_[2]->Learn(0, kRemoteMac, kVxlanEp, 0);
    fdbs_[3]->Learn(0, kRemoteMac, kGreEp, 0);
    conns_.emplace(kConnCapacity);
    if (opened.empty()) {
      for (const Bytes& f : opens_) {
        rte_mbuf* m = pool.MakeRaw(f);
        FromGuest(kGuestA, &m, 1);
      }
      opened = uplink.sent_bytes;
      conns_->ForEach([&](const Conn& c) { opened_conns_.push_back(c); });
      SY_FUZZ_CHECK(opened.size() == 3 && opened_conns_.size() == 3);
      pool = TestPool();
      ClearSent();
    } else {
      fdbs_[0]->Learn(0, kMacA, kGuestA, kNow);
      for (const Conn& c : opened_conns_) {
        Conn* made = conns_->Insert(c.orig, c.reply, kNow);
        SY_FUZZ_CHECK(made != nullptr);
        *made = c;
      }
    }
  }

  // The burst `pkts` received on a guest port, or on the uplink.
  void FromGuest(PortIndex in, rte_mbuf** pkts, uint16_t n) {
    egress_.Begin(&snap_);
    router_.Begin(&snap_, kNow);
    bridge_->Process(snap_, in, pkts, n, kNow);
    egress_.Flush();
  }
  void FromUplink(rte_mbuf** pkts, uint16_t n) {
    egress_.Begin(&snap_);
    router_.Begin(&snap_, kNow);
    overlay_.Process(snap_, kUplink, pkts, n, kNow);
    egress_.Flush();
  }
  // Ages the NAT table as the PMD does between bursts.
  void Sweep() { router_.Sweep(); }

  void ClearSent() {
    for (FakePort* p : Ports()) {
      p->sent_frames = {};
      p->sent_bytes = {};
    }
  }

  std::array<FakePort*, 9> Ports() {
    return {&guest_a, &guest_b,  &guest_c,      &guest_d,       &guest_e,
            &uplink,  &access10, &trunk_tagged, &trunk_untagged};
  }

  size_t punted() const { return punted_; }
  size_t freed() const { return freed_.size(); }
  const ConnTable& conns() const { return *conns_; }
  const Fdb& fdb(NetworkIndex net) const { return *fdbs_[net]; }

  TestPool pool;
  std::vector<Bytes> opened;  // the connections' first frames, as they left by the uplink
  FakePort guest_a, guest_b, guest_c, guest_d, guest_e, uplink, access10, trunk_tagged,
      trunk_untagged;

 private:
  static DropReason Punt(rte_mbuf* m, void* self) {
    auto* w = static_cast<World*>(self);
    ++w->punted_;
    TestPool::Release(m);
    return DropReason::kCount;
  }

  void Guest(PortIndex index, NetworkIndex net, FakePort* port, VlanPolicy vlan) {
    snap_.ports[index] = PortSlot{port, net, nullptr, nullptr, nullptr, kPortGuest, vlan};
  }

  void Endpoint(PortIndex index, NetworkIndex net, TunnelEndpoint* ep, TunnelType type,
                uint32_t id) {
    ep->FollowUplink(&uplink);
    const TunnelPath& path =
        snap_.tunnel_paths.emplace_back(TunnelPath{type, id, kVxlanPort, kUplinkIp, ep->remote_ip(),
                                                   kUplinkMac, kUplink, ep->next_hop_mac_cell()});
    snap_.ports[index] = PortSlot{ep, net, &path, nullptr, nullptr, 0, VlanPolicy::TrunkOfAll()};
  }

  static constexpr uint32_t kFdbSize = 64;
  static constexpr uint32_t kConnCapacity = 64;

  std::array<Bytes, 3> opens_;      // guest A's first frames of its connections
  std::vector<Conn> opened_conns_;  // the connections they opened
  TcpSegmenter segmenter_{pool.Source()};
  std::vector<rte_mbuf*> freed_;
  std::unique_ptr<PmdCounters> counters_;
  Egress egress_;
  std::optional<BridgeStage> bridge_;  // its flood windows change
  RouterStage router_;
  OverlayStage overlay_;
  std::optional<ConnTable> conns_;
  NeighborCache up_neighbors_;
  NeighborCache nat_neighbors_;
  NeighborCache routed_neighbors_;
  GatewayPort nat_port_;
  GatewayPort routed_port_;
  TunnelEndpoint vxlan_ep_{TunnelType::kVxlan, kVxlanRemote};
  TunnelEndpoint vxlan_ep2_{TunnelType::kVxlan, kVxlanRemote2};
  TunnelEndpoint gre_ep_{TunnelType::kGre, kGreRemote};
  std::optional<Fdb> fdbs_[4];
  Snapshot snap_;
  size_t punted_ = 0;
};

// Whether two Worlds that ran the same input ended alike: the same frames
// sent on every port, punted and freed, as many mbufs made, the same FDB
// entries and NAT connections.
inline bool SameOutcome(World& a, World& b) {
  const auto pa = a.Ports();
  const auto pb = b.Ports();
  for (size_t i = 0; i < pa.size(); ++i) {
    if (pa[i]->sent_bytes != pb[i]->sent_bytes ||
        pa[i]->sent_frames.size() != pb[i]->sent_frames.size()) {
      return false;
    }
    for (size_t j = 0; j < pa[i]->sent_frames.size(); ++j) {
      const FakePort::Sent& x = pa[i]->sent_frames[j];
      const FakePort::Sent& y = pb[i]->sent_frames[j];
      if (x.dst != y.dst || x.src != y.src || x.len != y.len || x.gso != y.gso) {
        return false;
      }
    }
  }
  if (a.punted() != b.punted() || a.freed() != b.freed() || a.pool.made() != b.pool.made()) {
    return false;
  }
  for (NetworkIndex net = 0; net < 4; ++net) {
    const std::vector<Fdb::Entry> x = a.fdb(net).Dump();
    const std::vector<Fdb::Entry> y = b.fdb(net).Dump();
    if (x.size() != y.size()) {
      return false;
    }
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i].vlan != y[i].vlan || x[i].mac != y[i].mac || x[i].port != y[i].port ||
          x[i].is_static != y[i].is_static || x[i].last_seen != y[i].last_seen) {
        return false;
      }
    }
  }
  std::vector<Conn> x;
  std::vector<Conn> y;
  a.conns().ForEach([&](const Conn& c) { x.push_back(c); });
  b.conns().ForEach([&](const Conn& c) { y.push_back(c); });
  if (x.size() != y.size()) {
    return false;
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!(x[i].orig == y[i].orig) || !(x[i].reply == y[i].reply) ||
        x[i].inside_mac != y[i].inside_mac || x[i].created_s != y[i].created_s ||
        x[i].last_s != y[i].last_s || x[i].flags_orig != y[i].flags_orig ||
        x[i].flags_reply != y[i].flags_reply || x[i].replied != y[i].replied ||
        x[i].user != y[i].user) {
      return false;
    }
  }
  return true;
}

// Runs a target's input, run(World&, data, size), in the process's World,
// and resets it after. With SY_FUZZ_CHECK_RESET=1, runs it again in a World made
// from nothing, and the two must end alike.
template <class Run>
int RunInWorld(const uint8_t* data, size_t size, Run run) {
  static World* const shared = new World;  // reachable to the end: no leak
  static const bool check_reset = [] {
    const char* v = std::getenv("SY_FUZZ_CHECK_RESET");
    return v != nullptr && v[0] == '1';
  }();
  const int result = run(*shared, data, size);
  if (check_reset && result == 0) {
    World fresh;
    SY_FUZZ_CHECK(run(fresh, data, size) == 0);
    SY_FUZZ_CHECK(SameOutcome(*shared, fresh));
  }
  shared->Reset();
  return result;
}

}  // namespace switchyard::dp::fuzz
