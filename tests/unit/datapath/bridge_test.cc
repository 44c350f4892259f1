#include "datapath/stages/bridge/bridge.h"

#include <gtest/gtest.h>

#include <memory>

#include "datapath/core/fdb.h"
#include "datapath/engine/spec.h"
#include "tests/unit/datapath/test_packets.h"

namespace switchyard::dp {
namespace {

using testing::FakePort;
using testing::FrameSpec;
using testing::TestPool;

constexpr MacKey kA = 0x020000000001;
constexpr MacKey kB = 0x020000000002;
constexpr MacKey kC = 0x020000000003;
constexpr MacKey kD = 0x020000000004;

// Network 0: ports 0 (guest A), 1 (B), 2 (C). Network 1: port 3 alone.
// Port 4 belongs to no network.
class BridgeTest : public ::testing::Test {
 protected:
  BridgeTest()
      : counters_(std::make_unique<PmdCounters>()),
        egress_(0, counters_.get(), &TestPool::ReleaseBulk, &freed_),
        bridge_(counters_.get(), &egress_, &events_, &segmenter_, pool_.Source()) {
    for (int i = 0; i < 5; ++i) {
      snap_.ports[i].port = &ports_[i];
    }
    snap_.networks[0] = NetworkSlot{&fdb0_, {0, 1, 2}};
    snap_.networks[1] = NetworkSlot{&fdb1_, {3}};
    for (int i = 0; i < 3; ++i) {
      snap_.ports[i].network = 0;
    }
    snap_.ports[3].network = 1;
  }

  // Runs one burst of `frames` arriving on `in`, then flushes.
  void Burst(PortIndex in, const std::vector<FrameSpec>& frames, uint32_t now = 1) {
    rte_mbuf* pkts[kBurstSize];
    for (size_t i = 0; i < frames.size(); ++i) {
      pkts[i] = pool_.Make(frames[i]);
    }
    egress_.Begin(&snap_);
    bridge_.Process(snap_, in, pkts, static_cast<uint16_t>(frames.size()), now);
    egress_.Flush();
  }

  uint64_t Drops(PortIndex p, DropReason r) {
    return counters_->ports[p].drops[static_cast<int>(r)].Get();
  }
  size_t SentTo(PortIndex p) { return ports_[p].sent_frames.size(); }
  void ClearSent() {
    for (auto& p : ports_) {
      p.sent_frames.clear();
      p.sent_bytes.clear();
    }
  }

  TestPool pool_;
  TcpSegmenter segmenter_{pool_.Source()};
  std::vector<rte_mbuf*> freed_;
  std::unique_ptr<PmdCounters> counters_;
  EventRing events_;
  Egress egress_;
  BridgeStage bridge_;
  Snapshot snap_;
  FakePort ports_[5];
  Fdb fdb0_{64};
  Fdb fdb1_{64};
};

TEST_F(BridgeTest, UnknownUnicastFloodsToOtherPortsOfTheNetworkOnly) {
  Burst(0, {{kB, kA}});
  EXPECT_EQ(SentTo(0), 0u);
  EXPECT_EQ(SentTo(1), 1u);
  EXPECT_EQ(SentTo(2), 1u);
  EXPECT_EQ(SentTo(3), 0u);
  EXPECT_EQ(fdb0_.Lookup(0, kA), 0);
  EXPECT_EQ(counters_->networks[0].flooded.Get(), 1u);
  EXPECT_EQ(counters_->networks[0].learned.Get(), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, KnownUnicastGoesToOnePort) {
  Burst(1, {{kA, kB}});  // learn B on port 1
  ClearSent();
  Burst(0, {{kB, kA}, {kB, kA}, {kB, kA}});
  EXPECT_EQ(SentTo(1), 3u);
  EXPECT_EQ(SentTo(2), 0u);
  EXPECT_EQ(counters_->networks[0].unicast.Get(), 3u);
  EXPECT_EQ(counters_->ports[0].rx_packets.Get(), 3u);
  EXPECT_EQ(counters_->ports[1].tx_packets.Get(), 3u + 0u);
  EXPECT_EQ(counters_->ports[1].tx_bytes.Get(), 3u * 64u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, BroadcastAndMulticastReachEveryOtherPortNeverTheSender) {
  Burst(0, {{kBroadcastMac, kA}, {0x01005e000001, kA}});
  EXPECT_EQ(SentTo(0), 0u);
  EXPECT_EQ(SentTo(1), 2u);
  EXPECT_EQ(SentTo(2), 2u);
  EXPECT_EQ(SentTo(3), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, HairpinIsDropped) {
  Burst(0, {{kD, kB}});  // B learned on port 0
  ClearSent();
  Burst(0, {{kB, kA}});  // to a MAC behind the ingress port
  EXPECT_EQ(Drops(0, DropReason::kHairpin), 1u);
  EXPECT_EQ(SentTo(1) + SentTo(2), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, BadFramesAreDroppedWithTheirReason) {
  Burst(0, {{kB, kBroadcastMac}, {kB, 0}, {kB, 0x010000000001}, {kB, kA, 0x0800, {}, 10}});
  EXPECT_EQ(Drops(0, DropReason::kInvalidSrcMac), 3u);
  EXPECT_EQ(Drops(0, DropReason::kRuntFrame), 1u);
  EXPECT_EQ(SentTo(1) + SentTo(2), 0u);
  EXPECT_EQ(fdb0_.size(), 0u);
  EXPECT_EQ(freed_.size(), 4u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, PortWithoutNetworkDropsEverything) {
  Burst(4, {{kB, kA}, {kBroadcastMac, kA}});
  EXPECT_EQ(Drops(4, DropReason::kNoNetwork), 2u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, FloodInALonelyNetworkHasNoDestination) {
  Burst(3, {{kBroadcastMac, kA}});
  EXPECT_EQ(Drops(3, DropReason::kNoDestination), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, FramesForAGoneGuestAreCountedAsPortDown) {
  Burst(1, {{kA, kB}});  // learn B on port 1
  ports_[1].up = false;
  ClearSent();
  Burst(0, {{kB, kA}, {kBroadcastMac, kA}});
  EXPECT_EQ(SentTo(1), 0u);
  EXPECT_EQ(SentTo(2), 1u);  // the broadcast still reaches C
  EXPECT_EQ(Drops(1, DropReason::kPortDown), 2u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, FullGuestRingIsCountedAsTxFull) {
  Burst(1, {{kA, kB}});
  ports_[1].capacity = 1;
  Burst(0, {{kB, kA}, {kB, kA}, {kB, kA}});
  EXPECT_EQ(counters_->ports[1].tx_packets.Get(), 1u);
  EXPECT_EQ(Drops(1, DropReason::kTxFull), 2u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, MacMoveIsCountedAndFollowed) {
  Burst(1, {{kBroadcastMac, kB}});
  Burst(2, {{kBroadcastMac, kB}});  // B now behind port 2
  EXPECT_EQ(counters_->networks[0].moves.Get(), 1u);
  ClearSent();
  Burst(0, {{kB, kA}});
  EXPECT_EQ(SentTo(2), 1u);
  EXPECT_EQ(SentTo(1), 0u);
}

TEST_F(BridgeTest, LearnAndMoveAreReportedAsEvents) {
  Burst(1, {{kBroadcastMac, kB}, {kBroadcastMac, kB}});
  Burst(2, {{kBroadcastMac, kB}});
  std::vector<DpEvent> got;
  events_.Drain([&](const DpEvent& e) { got.push_back(e); });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, DpEvent::Type::kMacLearned);
  EXPECT_EQ(got[0].port, 1);
  EXPECT_EQ(got[0].mac, kB);
  EXPECT_EQ(got[1].type, DpEvent::Type::kMacMoved);
  EXPECT_EQ(got[1].port, 2);
  EXPECT_EQ(got[1].previous_port, 1);
  EXPECT_EQ(got[1].network, 0);
}

TEST_F(BridgeTest, StaleFdbEntryForARemovedPortFloods) {
  Burst(1, {{kA, kB}});
  snap_.ports[1].port = nullptr;  // port 1 left; its entry is not yet flushed
  snap_.networks[0].members = {0, 2};
  ClearSent();
  Burst(0, {{kB, kA}});
  EXPECT_EQ(SentTo(2), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, FullFdbStillForwards) {
  Fdb tiny(16);
  snap_.networks[0].fdb = &tiny;
  for (MacKey m = 0; m < 16; ++m) {
    tiny.Learn(0, 0x060000000000 | m, 2, 0);
  }
  Burst(0, {{kB, kA}});
  EXPECT_EQ(counters_->networks[0].learn_full.Get(), 1u);
  EXPECT_EQ(SentTo(1), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, MixedBurstKeepsEveryFrameAccountedFor) {
  Burst(1, {{kA, kB}});
  Burst(2, {{kA, kC}});
  ClearSent();
  std::vector<FrameSpec> frames;
  for (int i = 0; i < 32; ++i) {
    frames.push_back(i % 4 == 0   ? FrameSpec{kBroadcastMac, kA}
                     : i % 4 == 1 ? FrameSpec{kB, kA}
                     : i % 4 == 2 ? FrameSpec{kC, kA}
                                  : FrameSpec{kD, kA, 0x0800, {}, 8});
  }
  Burst(0, frames);
  EXPECT_EQ(SentTo(1), 16u);  // 8 broadcast + 8 unicast
  EXPECT_EQ(SentTo(2), 16u);
  EXPECT_EQ(Drops(0, DropReason::kRuntFrame), 8u);
  EXPECT_TRUE(pool_.AllReleased());
}

// Isolated network 0: ports 0 (A) and 1 (B) are guests, port 2 (C) is not
// (the host's internal port, say).
class BridgeIsolatedTest : public BridgeTest {
 protected:
  BridgeIsolatedTest() {
    snap_.networks[0].isolated = true;
    snap_.ports[0].flags = kPortGuest;
    snap_.ports[1].flags = kPortGuest;
    fdb0_.Learn(0, kC, 2, 0);  // what C sent before the network was isolated
  }
};

TEST_F(BridgeIsolatedTest, GuestsStillReachEachOther) {
  Burst(1, {{kA, kB}});  // floods: to A, not to C
  EXPECT_EQ(SentTo(0), 1u);
  EXPECT_EQ(SentTo(2), 0u);
  ClearSent();
  Burst(0, {{kB, kA}, {kB, kA}});
  EXPECT_EQ(SentTo(1), 2u);
  EXPECT_EQ(SentTo(2), 0u);
  EXPECT_EQ(counters_->networks[0].unicast.Get(), 2u);
  EXPECT_EQ(Drops(0, DropReason::kIsolated), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeIsolatedTest, UnicastFromAGuestToANonGuestIsDropped) {
  Burst(0, {{kC, kA}, {kC, kA}});
  EXPECT_EQ(SentTo(2), 0u);
  EXPECT_EQ(Drops(0, DropReason::kIsolated), 2u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeIsolatedTest, FloodsSkipNonGuestsAndCountThem) {
  Burst(0, {{kBroadcastMac, kA}, {kD, kA}});  // broadcast, unknown unicast
  EXPECT_EQ(SentTo(1), 2u);
  EXPECT_EQ(SentTo(2), 0u);
  EXPECT_EQ(Drops(0, DropReason::kIsolated), 2u);  // one copy not made per flood
  EXPECT_EQ(Drops(2, DropReason::kIsolated), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeIsolatedTest, FramesFromANonGuestAreDropped) {
  const size_t learned = fdb0_.size();
  Burst(2, {{kA, kC}, {kBroadcastMac, kD}});
  EXPECT_EQ(SentTo(0) + SentTo(1), 0u);
  EXPECT_EQ(Drops(2, DropReason::kIsolated), 2u);
  EXPECT_EQ(fdb0_.size(), learned);  // nothing learned from it either
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeIsolatedTest, ANetworkNotIsolatedIsNotFenced) {
  snap_.networks[0].isolated = false;
  Burst(0, {{kC, kA}});
  Burst(2, {{kA, kC}});
  EXPECT_EQ(SentTo(2), 1u);
  EXPECT_EQ(SentTo(0), 1u);
  EXPECT_EQ(Drops(0, DropReason::kIsolated) + Drops(2, DropReason::kIsolated), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

// Network 0 (not isolated): ports 0 (A) and 1 (B) are private, port 2 (C)
// is not.
class BridgePrivateTest : public BridgeTest {
 protected:
  BridgePrivateTest() {
    snap_.ports[0].flags = kPortGuest | kPortPrivate;
    snap_.ports[1].flags = kPortGuest | kPortPrivate;
    snap_.ports[2].flags = kPortGuest;
  }
};

TEST_F(BridgePrivateTest, PrivatePortsDoNotReachEachOther) {
  Burst(1, {{kBroadcastMac, kB}});  // learn B on port 1
  Burst(2, {{kBroadcastMac, kC}});  // learn C on port 2
  ClearSent();
  Burst(0, {{kB, kA}, {kB, kA}});
  EXPECT_EQ(SentTo(1), 0u);
  EXPECT_EQ(Drops(0, DropReason::kPrivatePort), 2u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgePrivateTest, PrivateAndSharedPortsReachEachOther) {
  Burst(2, {{kBroadcastMac, kC}});  // learn C on port 2
  Burst(1, {{kBroadcastMac, kB}});  // learn B on port 1
  ClearSent();
  Burst(0, {{kC, kA}});
  EXPECT_EQ(SentTo(2), 1u);
  Burst(2, {{kB, kC}});
  EXPECT_EQ(SentTo(1), 1u);
  EXPECT_EQ(Drops(0, DropReason::kPrivatePort) + Drops(2, DropReason::kPrivatePort), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgePrivateTest, FloodsSkipPrivatePeers) {
  Burst(0, {{kBroadcastMac, kA}, {kD, kA}});
  EXPECT_EQ(SentTo(1), 0u);
  EXPECT_EQ(SentTo(2), 2u);
  EXPECT_EQ(Drops(0, DropReason::kPrivatePort), 2u);
  ClearSent();
  Burst(2, {{kBroadcastMac, kC}});  // from a shared port: every private one gets it
  EXPECT_EQ(SentTo(0), 1u);
  EXPECT_EQ(SentTo(1), 1u);
  EXPECT_EQ(Drops(2, DropReason::kPrivatePort), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

// A TCP super-frame from port 0 (A) to B, learned on port 1.
class BridgeGsoTest : public BridgeTest {
 protected:
  void SendSuperFrame(uint32_t payload, uint16_t mss) {
    Burst(1, {{kBroadcastMac, kB}});  // learn B on port 1
    ClearSent();
    rte_mbuf* m = pool_.MakeChain(testing::TcpFrame(kB, kA, false, payload), 2048);
    ASSERT_TRUE(MarkTcpGso(m, false, mss));
    rte_mbuf* pkts[1] = {m};
    egress_.Begin(&snap_);
    bridge_.Process(snap_, 0, pkts, 1, 1);
    egress_.Flush();
  }
};

TEST_F(BridgeGsoTest, SuperFrameLeavesWholeForAPortThatTakesGso) {
  ports_[1].gso = true;
  SendSuperFrame(20000, 1448);
  ASSERT_EQ(SentTo(1), 1u);
  EXPECT_TRUE(ports_[1].sent_frames[0].gso);
  EXPECT_EQ(ports_[1].sent_frames[0].len, 14u + 40u + 20000u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeGsoTest, SuperFrameIsCutForAnyOtherPort) {
  SendSuperFrame(20000, 1448);
  ASSERT_EQ(SentTo(1), 14u);  // 13 x 1448 + 1176
  for (const auto& s : ports_[1].sent_frames) {
    EXPECT_FALSE(s.gso);
    EXPECT_LE(s.len, 14u + 40u + 1448u);
  }
  EXPECT_EQ(counters_->ports[1].tx_packets.Get(), 14u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeGsoTest, NoMbufsForTheCutIsCountedAsGsoFailed) {
  pool_.budget = 5;  // the broadcast and the super-frame's chain fit, the cut does not
  SendSuperFrame(4000, 1448);
  EXPECT_EQ(SentTo(1), 0u);
  EXPECT_EQ(Drops(0, DropReason::kGsoFailed), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeGsoTest, SegmentsLargerThanTheEgressMtuAreDropped) {
  ports_[1].gso = true;
  ports_[1].SetMtu(1400);
  SendSuperFrame(20000, 1448);
  EXPECT_EQ(SentTo(1), 0u);
  EXPECT_EQ(Drops(1, DropReason::kMtuExceeded), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, FramesLargerThanTheEgressMtuAreCountedNotForwarded) {
  ports_[1].SetMtu(1500);
  Burst(1, {{kBroadcastMac, kB}});  // learn B on port 1
  ClearSent();
  Burst(0, {{kB, kA, 0x0800, {}, 1518},  // 1500 + 14 + a tag's 4: fits
            {kB, kA, 0x0800, {}, 1519},
            {kBroadcastMac, kA, 0x0800, {}, 1600}});
  EXPECT_EQ(SentTo(1), 1u);
  EXPECT_EQ(Drops(1, DropReason::kMtuExceeded), 2u);  // the unicast and the flood
  EXPECT_EQ(SentTo(2), 1u);                           // port 2 has no MTU limit and gets the flood
  EXPECT_TRUE(pool_.AllReleased());
}

// VLANs. Network 0: port 0 access 10 (A), port 1 trunk of 10 and 20 (B),
// port 2 access 20 (C).
class BridgeVlanTest : public BridgeTest {
 protected:
  BridgeVlanTest() {
    SetVlan(0, VlanSpec{VlanMode::kAccess, 10});
    SetVlan(1, VlanSpec{VlanMode::kTrunk, 0, {{10, 10}, {20, 20}}});
    SetVlan(2, VlanSpec{VlanMode::kAccess, 20});
  }
  void SetVlan(PortIndex p, const VlanSpec& spec) { snap_.ports[p].vlan = MakeVlanPolicy(spec); }
  // The frame's TPID and TCI (or ethertype and two payload bytes).
  std::vector<uint8_t> Tag(PortIndex p, size_t i) {
    const auto& b = ports_[p].sent_bytes.at(i);
    return {b.begin() + 12, b.begin() + 16};
  }
};

std::vector<uint8_t> Dot1q(uint16_t tci) {
  return {0x81, 0x00, static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)};
}
const std::vector<uint8_t> kUntaggedIpv4 = {0x08, 0x00, 0x00, 0x00};

TEST_F(BridgeVlanTest, AccessFramesLeaveTrunksTaggedAndComeBackUntagged) {
  Burst(0, {{kBroadcastMac, kA}});
  ASSERT_EQ(SentTo(1), 1u);
  EXPECT_EQ(Tag(1, 0), Dot1q(10));
  EXPECT_EQ(ports_[1].sent_frames[0].len, 68u);
  EXPECT_EQ(SentTo(2), 0u);  // VLAN 20
  Burst(1, {{kA, kB, 0x0800, {10}}});
  ASSERT_EQ(SentTo(0), 1u);
  EXPECT_EQ(Tag(0, 0), kUntaggedIpv4);
  EXPECT_EQ(ports_[0].sent_frames[0].len, 60u);
  EXPECT_EQ(counters_->networks[0].unicast.Get(), 1u);
  EXPECT_EQ(SentTo(2), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, EachVlanHasItsOwnMacsAndFloods) {
  // The same MAC in both VLANs, behind different ports.
  Burst(0, {{kBroadcastMac, kD}});
  Burst(2, {{kBroadcastMac, kD}});
  EXPECT_EQ(fdb0_.Lookup(10, kD), 0);
  EXPECT_EQ(fdb0_.Lookup(20, kD), 2);
  EXPECT_EQ(counters_->networks[0].moves.Get(), 0u);
  ClearSent();
  Burst(1, {{kD, kB, 0x0800, {20}}, {kD, kB, 0x0800, {10}}});
  EXPECT_EQ(SentTo(0), 1u);
  EXPECT_EQ(SentTo(2), 1u);
  Burst(1, {{kBroadcastMac, kB, 0x0800, {20}}});
  EXPECT_EQ(SentTo(0), 1u);  // no leak from 20 into 10
  EXPECT_EQ(SentTo(2), 2u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, FramesInAVlanTheirPortDoesNotCarryAreDroppedAndCounted) {
  Burst(1, {{kBroadcastMac, kB, 0x0800, {30}},    // trunk without 30
            {kBroadcastMac, kB}});                // trunk with a list, no native VLAN
  Burst(0, {{kBroadcastMac, kA, 0x0800, {10}}});  // access ports take no tags
  EXPECT_EQ(Drops(1, DropReason::kVlanFiltered), 2u);
  EXPECT_EQ(Drops(0, DropReason::kVlanFiltered), 1u);
  EXPECT_EQ(SentTo(0) + SentTo(1) + SentTo(2), 0u);
  EXPECT_EQ(fdb0_.size(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, QinqOuterTagsAreDropped) {
  // Broadcast from 02:00:00:00:00:02, S-tag 10 (0x88a8), C-tag 10.
  std::vector<uint8_t> frame = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0,    0,    0,    0,
                                0x02, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00};
  frame.resize(64);
  rte_mbuf* pkts[1] = {pool_.MakeRaw(frame)};
  egress_.Begin(&snap_);
  bridge_.Process(snap_, 1, pkts, 1, 1);
  egress_.Flush();
  EXPECT_EQ(Drops(1, DropReason::kQinqUnsupported), 1u);
  EXPECT_EQ(SentTo(0) + SentTo(2), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, PriorityBitsAreKept) {
  SetVlan(2, VlanSpec{VlanMode::kTrunk, 0, {{10, 10}}});
  Burst(1, {{kBroadcastMac, kB, 0x0800, {0xa00a}}});  // PCP 5, VLAN 10
  EXPECT_EQ(Tag(2, 0), Dot1q(0xa00a));                // trunk to trunk: as it came
  EXPECT_EQ(Tag(0, 0), kUntaggedIpv4);                // popped for the access port
  ClearSent();
  Burst(0, {{kBroadcastMac, kA, 0x0800, {0x6000}}});  // priority-tagged: PCP 3, VID 0
  EXPECT_EQ(Tag(1, 0), Dot1q(0x600a));
  EXPECT_EQ(Tag(2, 0), Dot1q(0x600a));
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, NativeVlanIsUntaggedUnlessAskedTagged) {
  SetVlan(1, VlanSpec{VlanMode::kTrunk, 0, {{20, 20}}, 10});
  Burst(0, {{kBroadcastMac, kA}});
  EXPECT_EQ(Tag(1, 0), kUntaggedIpv4);
  Burst(1, {{kBroadcastMac, kB}});  // untagged on the trunk: VLAN 10
  EXPECT_EQ(SentTo(0), 1u);
  EXPECT_EQ(SentTo(2), 0u);
  SetVlan(1, VlanSpec{VlanMode::kTrunk, 0, {{20, 20}}, 10, true});
  ClearSent();
  Burst(0, {{kBroadcastMac, kA}});
  EXPECT_EQ(Tag(1, 0), Dot1q(10));
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, AFloodIsCopiedOnlyForASecondFormAndEditedInPlaceForOne) {
  // Only the trunk wants VLAN 10 from port 0: the frame itself gets the tag.
  size_t made = pool_.made();
  Burst(0, {{kBroadcastMac, kA}});
  EXPECT_EQ(pool_.made(), made + 1);  // the frame, no copy
  EXPECT_EQ(Tag(1, 0), Dot1q(10));

  // Port 2 joins VLAN 10 as an access port: it takes the frame as it is,
  // the trunk a tagged copy.
  SetVlan(2, VlanSpec{VlanMode::kAccess, 10});
  ClearSent();
  made = pool_.made();
  Burst(0, {{kBroadcastMac, kA}});
  EXPECT_EQ(pool_.made(), made + 2);  // the frame and one copy
  EXPECT_EQ(Tag(1, 0), Dot1q(10));
  EXPECT_EQ(Tag(2, 0), kUntaggedIpv4);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, NoMbufForTheCopyIsCountedOnThePortsThatMissIt) {
  SetVlan(2, VlanSpec{VlanMode::kAccess, 10});
  rte_mbuf* pkts[1] = {pool_.Make({kBroadcastMac, kA})};
  pool_.budget = 0;
  egress_.Begin(&snap_);
  bridge_.Process(snap_, 0, pkts, 1, 1);
  egress_.Flush();
  EXPECT_EQ(SentTo(2), 1u);
  EXPECT_EQ(SentTo(1), 0u);
  EXPECT_EQ(Drops(1, DropReason::kNoMbufs), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, AStaticEntryOnAPortThatLeftTheVlanDrops) {
  fdb0_.AddStatic(10, kC, 2, 0);  // port 2 carries only VLAN 20
  Burst(0, {{kC, kA}});
  EXPECT_EQ(Drops(2, DropReason::kVlanFiltered), 1u);
  EXPECT_EQ(SentTo(2), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, SuperFrameGetsItsTagBeforeItIsCut) {
  Burst(1, {{kBroadcastMac, kB, 0x0800, {10}}});  // learn B in VLAN 10 on the trunk
  ClearSent();
  rte_mbuf* m = pool_.MakeChain(testing::TcpFrame(kB, kA, false, 3000), 2048);
  ASSERT_TRUE(MarkTcpGso(m, false, 1000));
  rte_mbuf* pkts[1] = {m};
  egress_.Begin(&snap_);
  bridge_.Process(snap_, 0, pkts, 1, 1);
  egress_.Flush();
  ASSERT_EQ(SentTo(1), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Tag(1, i), Dot1q(10));
    EXPECT_EQ(ports_[1].sent_frames[i].len, 18u + 20 + 20 + 1000);
    const auto& b = ports_[1].sent_bytes[i];
    EXPECT_EQ(b[18], 0x45);  // the IPv4 header starts after the tag
  }
  EXPECT_TRUE(pool_.AllReleased());
}

// VLAN hopping by double tag: a tag that comes off on the way out (a
// priority tag, or the tag of a VLAN its port has untagged) over another.
TEST_F(BridgeVlanTest, APriorityTagOverAnotherTagIsRefusedOnAnAccessPort) {
  Burst(0, {{kBroadcastMac, kA, 0x0800, {0, 20}}, {kC, kA, 0x0800, {0x2000, 20}}});
  EXPECT_EQ(Drops(0, DropReason::kVlanDoubleTag), 2u);
  EXPECT_EQ(SentTo(1) + SentTo(2), 0u);
  EXPECT_EQ(fdb0_.size(), 0u);
  // A plain priority tag still enters the access VLAN.
  Burst(0, {{kBroadcastMac, kA, 0x0800, {0x2000}}});
  EXPECT_EQ(SentTo(1), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeVlanTest, AnUntaggedNativeVlanTagOverAnotherTagIsRefused) {
  SetVlan(1, VlanSpec{VlanMode::kTrunk, 0, {{10, 10}, {20, 20}}, 10, false});
  Burst(1, {{kBroadcastMac, kB, 0x0800, {10, 20}}, {kBroadcastMac, kB, 0x0800, {0, 20}}});
  EXPECT_EQ(Drops(1, DropReason::kVlanDoubleTag), 2u);
  EXPECT_EQ(SentTo(0) + SentTo(2), 0u);
  // Tagged VLAN 20 over another tag leaves tagged 20: no hop, so it passes.
  Burst(1, {{kBroadcastMac, kB, 0x0800, {20, 30}}});
  EXPECT_EQ(SentTo(2), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, APriorityTagOverAnotherTagIsRefusedOnAPlainPort) {
  Burst(0, {{kBroadcastMac, kA, 0x0800, {0, 20}}});
  EXPECT_EQ(Drops(0, DropReason::kVlanDoubleTag), 1u);
  Burst(0, {{kBroadcastMac, kA, 0x0800, {10, 20}}});  // a tagged VLAN keeps its tag
  EXPECT_EQ(SentTo(1), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

// The gateway (port 4 here, in network 0) and an uplink's MAC.
class BridgeGatewayTest : public BridgeTest {
 protected:
  static constexpr MacKey kGw = 0x02aa00000001;
  static constexpr MacKey kUplink = 0x02bb00000001;
  BridgeGatewayTest() {
    snap_.ports[4].network = 0;
    snap_.ports[4].gateway = &gw_;
    snap_.networks[0].members.push_back(4);
    snap_.networks[0].gateway_mac = kGw;
    snap_.networks[0].gateway_port = 4;
    snap_.infra_macs = {kGw, kUplink};
    egress_.set_gateway(&BridgeGatewayTest::ToRouter, this);
  }
  // Stands in for the router: counts what the gateway was handed.
  static void ToRouter(void* self, PortIndex, rte_mbuf** pkts, uint16_t n) noexcept {
    auto* t = static_cast<BridgeGatewayTest*>(self);
    for (uint16_t i = 0; i < n; ++i) {
      ++t->routed_;
      TestPool::Release(pkts[i]);
    }
  }
  GatewaySlot gw_;
  size_t routed_ = 0;
};

TEST_F(BridgeGatewayTest, TheGatewayIsReachedWithoutAnyFdbEntry) {
  ASSERT_EQ(fdb0_.size(), 0u);  // flushed, relearned or full: it does not matter
  Burst(0, {{kGw, kA}, {kGw, kA}});
  EXPECT_EQ(routed_, 2u);
  EXPECT_EQ(SentTo(1) + SentTo(2), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeGatewayTest, AGuestSpeakingAsTheGatewayOrAnUplinkIsDropped) {
  Burst(1, {{kBroadcastMac, kGw}, {kA, kGw}, {kBroadcastMac, kUplink}});
  EXPECT_EQ(Drops(1, DropReason::kInfraSrcMac), 3u);
  EXPECT_EQ(fdb0_.Lookup(0, kGw), kInvalidPort);
  EXPECT_EQ(SentTo(0) + SentTo(2) + routed_, 0u);
  // The gateway's own frames (the router's, in by its port) pass.
  Burst(4, {{kBroadcastMac, kGw}});
  EXPECT_EQ(SentTo(0) + SentTo(1) + SentTo(2), 3u);
  // And frames to it still reach it, not the would-be impostor.
  Burst(0, {{kGw, kA}});
  EXPECT_EQ(routed_, 1u);
  EXPECT_EQ(SentTo(1), 1u);  // only the gateway's own flood
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, APortAtItsMacLimitLearnsNoMoreAndDropsNewSources) {
  snap_.ports[0].mac_limit = 2;
  Burst(0, {{kBroadcastMac, kA}, {kBroadcastMac, kB}, {kBroadcastMac, kC}, {kBroadcastMac, kD}});
  EXPECT_EQ(fdb0_.PortEntries(0), 2u);
  EXPECT_EQ(Drops(0, DropReason::kPortMacLimit), 2u);
  EXPECT_EQ(SentTo(1), 2u);
  std::vector<DpEvent> got;
  events_.Drain([&](const DpEvent& e) { got.push_back(e); });
  ASSERT_EQ(got.size(), 3u);  // two learned, then the limit, once
  EXPECT_EQ(got[2].type, DpEvent::Type::kMacLimit);
  EXPECT_EQ(got[2].mac, kB);
  // Known MACs keep passing; a MAC of another port cannot move in either.
  Burst(2, {{kBroadcastMac, 0x020000000009}});
  Burst(0, {{kBroadcastMac, kA}, {kBroadcastMac, 0x020000000009}});
  EXPECT_EQ(Drops(0, DropReason::kPortMacLimit), 3u);
  EXPECT_EQ(fdb0_.Lookup(0, 0x020000000009), 2);
  // Other ports are not limited by it.
  Burst(1, {{kBroadcastMac, 0x020000000011},
            {kBroadcastMac, 0x020000000012},
            {kBroadcastMac, 0x020000000013}});
  EXPECT_EQ(fdb0_.PortEntries(1), 3u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, AGuardedPortsSpoofedFramesAreDroppedBeforeAnythingIsLearned) {
  const PortGuard guard{{kA}, {}};
  snap_.ports[0].guard = &guard;
  Burst(0, {{kBroadcastMac, kD, 0x86dd}, {kB, kD, 0x86dd}, {kBroadcastMac, kA, 0x86dd}});
  EXPECT_EQ(Drops(0, DropReason::kPortSecurityMac), 2u);
  EXPECT_EQ(fdb0_.Lookup(0, kD), kInvalidPort);
  EXPECT_EQ(fdb0_.Lookup(0, kA), 0);
  EXPECT_EQ(SentTo(1), 1u);
  // IPv4 from an address the port does not have (the test frame's 0.0.0.0).
  Burst(0, {{kBroadcastMac, kA, 0x0800}});
  EXPECT_EQ(Drops(0, DropReason::kPortSecurityIp), 1u);
  EXPECT_EQ(SentTo(1), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(BridgeTest, StormControlLimitsAPortsFloodsPerSecondOnly) {
  snap_.ports[0].flood_limit = 3;
  Burst(1, {{kA, kB}});  // B known on port 1
  ClearSent();
  // Broadcast, multicast and unknown unicast all count; known unicast not.
  Burst(0,
        {{kBroadcastMac, kA},
         {0x01005e000001, kA},
         {kD, kA},
         {kBroadcastMac, kA},
         {kB, kA},
         {kB, kA}},
        10);
  EXPECT_EQ(Drops(0, DropReason::kStormControl), 1u);
  EXPECT_EQ(SentTo(2), 3u);
  EXPECT_EQ(SentTo(1), 3u + 2u);
  // Another port, and the next second, are not held by it.
  Burst(2, {{kBroadcastMac, kC}, {kBroadcastMac, kC}, {kBroadcastMac, kC}, {kBroadcastMac, kC}},
        10);
  EXPECT_EQ(Drops(2, DropReason::kStormControl), 0u);
  Burst(0, {{kBroadcastMac, kA}, {kBroadcastMac, kA}}, 11);
  EXPECT_EQ(Drops(0, DropReason::kStormControl), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

}  // namespace
}  // namespace switchyard::dp
