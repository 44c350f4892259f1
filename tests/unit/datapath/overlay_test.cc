#include "datapath/overlay/overlay.h"

#include <gtest/gtest.h>

#include <memory>

#include "datapath/core/arp.h"
#include "datapath/core/fdb.h"
#include "datapath/overlay/tunnel.h"
#include "datapath/overlay/tunnel_endpoint.h"
#include "tests/unit/datapath/test_packets.h"

namespace switchyard::dp {
namespace {

using testing::FakePort;
using testing::FrameSpec;
using testing::TestPool;

constexpr MacKey kGuest = 0x020000000001;  // on port 0
constexpr MacKey kRemoteB = 0x020000000002;
constexpr MacKey kRemoteC = 0x020000000003;
constexpr MacKey kUplinkMac = 0x02aaaaaaaa01;
constexpr MacKey kHopB = 0x02bbbbbbbb02;
constexpr uint32_t kLocal = 0x0a4d0001;    // 10.77.0.1
constexpr uint32_t kRemote2 = 0x0a4d0002;  // 10.77.0.2, port 2
constexpr uint32_t kRemote3 = 0x0a4d0003;  // 10.77.0.3, port 3 (unresolved)
constexpr uint32_t kVni = 42;

// Network 0: guest port 0 and remote endpoints 2 and 3 of a VXLAN tunnel
// that leaves by uplink port 1.
class OverlayTest : public ::testing::Test {
 protected:
  OverlayTest()
      : counters_(std::make_unique<PmdCounters>()),
        egress_(0, counters_.get(), &TestPool::ReleaseBulk, &freed_),
        bridge_(counters_.get(), &egress_, nullptr, &segmenter_, pool_.Source()),
        overlay_(counters_.get(), &egress_, &bridge_, nullptr, &OverlayTest::Punt, this) {
    egress_.set_headers(pool_.Source());
    snap_.ports[0] = PortSlot{&guest_, 0, nullptr, nullptr, nullptr, 0, VlanPolicy::TrunkOfAll()};
    up_.address = kLocal;
    up_.routes.push_back(TunnelRoute{TunnelType::kVxlan, kVni, 0, {{kRemote2, 2}, {kRemote3, 3}}});
    snap_.ports[1] =
        PortSlot{&uplink_, kInvalidNetwork, nullptr, &up_, nullptr, 0, VlanPolicy::TrunkOfAll()};
    for (int i = 0; i < 2; ++i) {
      TunnelEndpoint& ep = i == 0 ? ep2_ : ep3_;
      ep.FollowUplink(&uplink_);
      paths_[i] = TunnelPath{TunnelType::kVxlan, kVni,       kVxlanPort, kLocal,
                             ep.remote_ip(),     kUplinkMac, 1,          ep.next_hop_mac_cell()};
      snap_.ports[2 + i] =
          PortSlot{&ep, 0, &paths_[i], nullptr, nullptr, 0, VlanPolicy::TrunkOfAll()};
    }
    ep2_.set_next_hop_mac(kHopB);
    snap_.networks[0] = NetworkSlot{&fdb_, {0, 2, 3}};
  }

  static DropReason Punt(rte_mbuf* m, void* self) {
    auto* t = static_cast<OverlayTest*>(self);
    if (t->punt_full_) {
      return DropReason::kSlowPathFull;
    }
    t->punted_.push_back(TestPool::Bytes(m));
    TestPool::Release(m);
    return DropReason::kCount;
  }

  // The bytes of `inner` as endpoint `src` would send them to us.
  std::vector<uint8_t> FromRemote(const FrameSpec& inner, uint32_t src, uint32_t vni = kVni,
                                  uint32_t dst = kLocal) {
    rte_mbuf* m = pool_.Make(inner);
    OuterHeaders o;
    o.src_mac = kHopB;
    o.dst_mac = kUplinkMac;
    o.src_ip = src;
    o.dst_ip = dst;
    o.udp_src_port = 50000;
    EXPECT_TRUE(Encapsulate(m, TunnelType::kVxlan, vni, o));
    auto bytes = TestPool::Bytes(m);
    TestPool::Release(m);
    return bytes;
  }

  void OnUplink(const std::vector<std::vector<uint8_t>>& frames) {
    rte_mbuf* pkts[kBurstSize];
    for (size_t i = 0; i < frames.size(); ++i) {
      pkts[i] = pool_.MakeRaw(frames[i]);
    }
    egress_.Begin(&snap_);
    overlay_.Process(snap_, 1, pkts, static_cast<uint16_t>(frames.size()), 1);
    egress_.Flush();
  }

  void FromGuest(const std::vector<FrameSpec>& frames) {
    rte_mbuf* pkts[kBurstSize];
    for (size_t i = 0; i < frames.size(); ++i) {
      pkts[i] = pool_.Make(frames[i]);
    }
    egress_.Begin(&snap_);
    bridge_.Process(snap_, 0, pkts, static_cast<uint16_t>(frames.size()), 1);
    egress_.Flush();
  }

  uint64_t Drops(PortIndex p, DropReason r) {
    return counters_->ports[p].drops[static_cast<int>(r)].Get();
  }

  TestPool pool_;
  TcpSegmenter segmenter_{pool_.Source()};
  std::vector<rte_mbuf*> freed_;
  std::unique_ptr<PmdCounters> counters_;
  Egress egress_;
  BridgeStage bridge_;
  OverlayStage overlay_;
  Snapshot snap_;
  UplinkSlot up_;
  TunnelPath paths_[2];
  FakePort guest_;
  FakePort uplink_;
  TunnelEndpoint ep2_{TunnelType::kVxlan, kRemote2};
  TunnelEndpoint ep3_{TunnelType::kVxlan, kRemote3};
  Fdb fdb_{64};
  std::vector<std::vector<uint8_t>> punted_;
  bool punt_full_ = false;
};

TEST_F(OverlayTest, DecapsulatedFramesReachTheGuestAndTheirSourceIsLearnedOnTheEndpoint) {
  const FrameSpec inner{kGuest, kRemoteB, 0x0800, {}, 100};
  OnUplink({FromRemote(inner, kRemote2), FromRemote(inner, kRemote2)});
  ASSERT_EQ(guest_.sent_bytes.size(), 2u);
  rte_mbuf* want = pool_.Make(inner);
  EXPECT_EQ(guest_.sent_bytes[0], TestPool::Bytes(want));
  TestPool::Release(want);
  EXPECT_EQ(fdb_.Lookup(0, kRemoteB), 2);
  EXPECT_EQ(counters_->ports[1].rx_packets.Get(), 2u);  // outer, on the uplink
  EXPECT_EQ(counters_->ports[2].rx_packets.Get(), 2u);  // inner, on the endpoint
  EXPECT_EQ(counters_->ports[2].rx_bytes.Get(), 200u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(OverlayTest, FloodsReachEveryEndpointEncapsulatedAndTheSharedFrameStaysIntact) {
  ep3_.set_next_hop_mac(0x02cccccccc03);
  FromGuest({{kBroadcastMac, kGuest, 0x0806, {}, 60}});
  ASSERT_EQ(uplink_.sent_bytes.size(), 2u);
  std::vector<uint32_t> remotes;
  for (const auto& f : uplink_.sent_bytes) {
    TunnelInfo t{};
    ASSERT_EQ(ParseTunnel(f.data(), static_cast<uint32_t>(f.size()),
                          static_cast<uint32_t>(f.size()), kVxlanPort, &t),
              TunnelParse::kTunnel);
    EXPECT_EQ(t.id, kVni);
    EXPECT_EQ(t.src_ip, kLocal);
    EXPECT_EQ(t.inner_len, 60u);
    EXPECT_EQ(MacFromBytes(f.data() + 6), kUplinkMac);
    EXPECT_EQ(MacFromBytes(f.data() + t.inner_offset), kBroadcastMac);
    remotes.push_back(t.dst_ip);
  }
  EXPECT_EQ(remotes, (std::vector<uint32_t>{kRemote2, kRemote3}));
  EXPECT_EQ(MacFromBytes(uplink_.sent_bytes[0].data()), kHopB);
  EXPECT_EQ(counters_->ports[2].tx_packets.Get(), 1u);
  EXPECT_EQ(counters_->ports[1].tx_packets.Get(), 2u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(OverlayTest, KnownUnicastIsEncapsulatedInPlaceForItsEndpointOnly) {
  OnUplink({FromRemote({kBroadcastMac, kRemoteB, 0x0806, {}, 60}, kRemote2)});
  uplink_.sent_frames.clear();
  uplink_.sent_bytes.clear();
  const size_t made = pool_.made();
  FromGuest({{kRemoteB, kGuest, 0x0800, {}, 200}});
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_EQ(uplink_.sent_bytes[0].size(), 200u + kVxlanOverhead);
  EXPECT_EQ(pool_.made(), made + 1);  // the frame itself: no header segment
  EXPECT_EQ(Drops(3, DropReason::kNoNeighbor), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(OverlayTest, AnUnresolvedNextHopOrAFrameTooLargeIsCountedOnTheEndpoint) {
  FromGuest({{kBroadcastMac, kGuest, 0x0806, {}, 60}});
  EXPECT_EQ(Drops(3, DropReason::kNoNeighbor), 1u);
  EXPECT_EQ(uplink_.sent_bytes.size(), 1u);  // endpoint 2 got it
  uplink_.SetMtu(1500);
  ep2_.FollowUplink(&uplink_);
  EXPECT_EQ(ep2_.max_frame(), 1500u + 14 - 50);
  OnUplink({FromRemote({kBroadcastMac, kRemoteB, 0x0806, {}, 60}, kRemote2)});
  FromGuest({{kRemoteB, kGuest, 0x0800, {}, 1465}, {kRemoteB, kGuest, 0x0800, {}, 1464}});
  EXPECT_EQ(Drops(2, DropReason::kMtuExceeded), 1u);
  EXPECT_EQ(uplink_.sent_bytes.back().size(), 1464u + kVxlanOverhead);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(OverlayTest, WhatOneEndpointSendsIsNeverRelayedToAnother) {
  ep3_.set_next_hop_mac(0x02cccccccc03);
  OnUplink({FromRemote({kBroadcastMac, kRemoteC, 0x0806, {}, 60}, kRemote3)});
  EXPECT_EQ(guest_.sent_frames.size(), 1u);
  EXPECT_EQ(uplink_.sent_frames.size(), 0u);  // not flooded back out to 10.77.0.2
  OnUplink({FromRemote({kRemoteC, kRemoteB, 0x0800, {}, 60}, kRemote2)});
  EXPECT_EQ(Drops(2, DropReason::kSplitHorizon), 1u);
  EXPECT_EQ(uplink_.sent_frames.size(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(OverlayTest, EveryRefusalHasItsReasonAndArpGoesToTheControlThread) {
  const FrameSpec inner{kGuest, kRemoteB, 0x0800, {}, 100};
  auto bad_checksum = FromRemote(inner, kRemote2);
  bad_checksum[24] ^= 0xff;
  auto fragment = FromRemote(inner, kRemote2);
  fragment[20] = 0x20;  // more fragments
  fragment[24] = fragment[25] = 0;
  {
    // IPv4 header checksum again, so only the fragment bits are wrong.
    uint32_t sum = 0;
    for (int i = 14; i < 34; i += 2) {
      sum += static_cast<uint32_t>(fragment[i] << 8 | fragment[i + 1]);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    fragment[24] = static_cast<uint8_t>(~sum >> 8);
    fragment[25] = static_cast<uint8_t>(~sum);
  }
  uint8_t arp[kMinFrameLen];
  WriteArp(arp, kBroadcastMac, ArpMessage{ArpOp::kRequest, kHopB, kRemote2, 0, kLocal});
  rte_mbuf* icmp = pool_.Make({kUplinkMac, kHopB, 0x0800, {}, 98});
  auto other = TestPool::Bytes(icmp);
  TestPool::Release(icmp);
  other[14] = 0x45;
  other[23] = 1;  // ICMP
  OnUplink({FromRemote(inner, kRemote2, 43), FromRemote(inner, 0x0a4d0009),
            FromRemote(inner, kRemote2, kVni, 0x0a4d0063), bad_checksum, fragment,
            std::vector<uint8_t>(arp, arp + kMinFrameLen), other});
  EXPECT_EQ(Drops(1, DropReason::kTunnelUnknownId), 1u);
  EXPECT_EQ(Drops(1, DropReason::kTunnelUnknownEndpoint), 2u);  // source, then destination
  EXPECT_EQ(Drops(1, DropReason::kTunnelBadHeader), 1u);
  EXPECT_EQ(Drops(1, DropReason::kTunnelFragment), 1u);
  EXPECT_EQ(Drops(1, DropReason::kUplinkOther), 1u);
  ASSERT_EQ(punted_.size(), 1u);
  EXPECT_EQ(punted_[0], std::vector<uint8_t>(arp, arp + kMinFrameLen));
  EXPECT_EQ(guest_.sent_frames.size(), 0u);
  punt_full_ = true;
  OnUplink({std::vector<uint8_t>(arp, arp + kMinFrameLen)});
  EXPECT_EQ(Drops(1, DropReason::kSlowPathFull), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(OverlayTest, NoUplinkMeansPortDownAndNoHeaderSegmentMeansNoMbufs) {
  ep3_.set_next_hop_mac(0x02cccccccc03);
  pool_.budget = 1;  // the frame itself, then nothing for a header segment
  FromGuest({{kBroadcastMac, kGuest, 0x0806, {}, 60}});
  EXPECT_EQ(Drops(2, DropReason::kNoMbufs) + Drops(3, DropReason::kNoMbufs), 2u);
  pool_.budget = -1;
  paths_[0].uplink = kInvalidPort;
  OnUplink({FromRemote({kBroadcastMac, kRemoteB, 0x0806, {}, 60}, kRemote2)});
  FromGuest({{kRemoteB, kGuest, 0x0800, {}, 60}});
  EXPECT_EQ(Drops(2, DropReason::kPortDown), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

}  // namespace
}  // namespace switchyard::dp
