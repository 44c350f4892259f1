#include "datapath/core/vlan.h"

#include <gtest/gtest.h>

#include "datapath/core/vlan_edit.h"
#include "datapath/engine/spec.h"
#include "tests/unit/datapath/test_packets.h"

namespace switchyard::dp {
namespace {

using testing::FrameSpec;
using testing::TestPool;

VlanSpec Access(uint32_t tag) { return VlanSpec{VlanMode::kAccess, tag, {}, 0, false}; }
VlanSpec Trunk(std::vector<VlanRange> ids, uint32_t native = 0, bool native_tagged = false) {
  return VlanSpec{VlanMode::kTrunk, 0, std::move(ids), native, native_tagged};
}

TEST(VlanPolicyTest, DefaultTrunkCarriesEveryVlanAndTagsAllButZero) {
  const VlanPolicy p = MakeVlanPolicy(VlanSpec{});
  EXPECT_EQ(p, VlanPolicy::TrunkOfAll());
  EXPECT_EQ(p.Ingress(false, 0), 0);
  EXPECT_EQ(p.Ingress(true, 0x2064), 100);  // priority bits are not the VLAN
  EXPECT_EQ(p.Ingress(true, 4094), 4094);
  EXPECT_EQ(p.Ingress(true, 4095), VlanPolicy::kRefuse);  // reserved
  EXPECT_FALSE(p.EgressTagged(0));
  EXPECT_TRUE(p.EgressTagged(100));
}

TEST(VlanPolicyTest, AccessPortTakesUntaggedAndPriorityTaggedFramesOnly) {
  const VlanPolicy p = MakeVlanPolicy(Access(10));
  EXPECT_EQ(p.Ingress(false, 0), 10);
  EXPECT_EQ(p.Ingress(true, 0x6000), 10);  // priority tag, VID 0
  EXPECT_EQ(p.Ingress(true, 10), VlanPolicy::kRefuse);
  EXPECT_EQ(p.Ingress(true, 20), VlanPolicy::kRefuse);
  EXPECT_TRUE(p.Carries(10));
  EXPECT_FALSE(p.Carries(0));
  EXPECT_FALSE(p.Carries(20));
  EXPECT_FALSE(p.EgressTagged(10));
}

TEST(VlanPolicyTest, TrunkCarriesItsListAndItsNativeVlan) {
  const VlanPolicy p = MakeVlanPolicy(Trunk({{10, 10}, {20, 29}}, 5));
  EXPECT_EQ(p.Ingress(true, 10), 10);
  EXPECT_EQ(p.Ingress(true, 25), 25);
  EXPECT_EQ(p.Ingress(true, 30), VlanPolicy::kRefuse);
  EXPECT_EQ(p.Ingress(false, 0), 5);
  EXPECT_EQ(p.Ingress(true, 5), 5);  // the native VLAN may also arrive tagged
  EXPECT_FALSE(p.EgressTagged(5));
  EXPECT_TRUE(p.EgressTagged(10));
  EXPECT_TRUE(MakeVlanPolicy(Trunk({{10, 10}}, 5, true)).EgressTagged(5));
}

TEST(VlanPolicyTest, TrunkWithAListAndNoNativeVlanRefusesUntaggedFrames) {
  EXPECT_EQ(MakeVlanPolicy(Trunk({{10, 10}})).Ingress(false, 0), VlanPolicy::kRefuse);
  EXPECT_EQ(MakeVlanPolicy(Trunk({{0, 0}, {10, 10}})).Ingress(false, 0), 0);
}

TEST(VlanSpecTest, BadSettingsAreRefusedWithTheField) {
  auto message = [](const VlanSpec& v) { return ValidateVlanSpec(v).message(); };
  EXPECT_TRUE(ValidateVlanSpec(VlanSpec{}).ok());
  EXPECT_TRUE(ValidateVlanSpec(Access(4094)).ok());
  EXPECT_TRUE(ValidateVlanSpec(Trunk({{0, 4094}}, 1, true)).ok());
  EXPECT_EQ(message(Access(0)),
            "port.vlan.tag: 0 is outside 1..4094 (an access port needs its VLAN)");
  EXPECT_EQ(message(Access(4095)),
            "port.vlan.tag: 4095 is outside 1..4094 (an access port needs its VLAN)");
  EXPECT_EQ(message(Access(70000)),
            "port.vlan.tag: 70000 is outside 1..4094 (an access port needs its VLAN)");
  VlanSpec access_with_trunks = Access(10);
  access_with_trunks.trunks = {{20, 20}};
  EXPECT_EQ(message(access_with_trunks),
            "port.vlan.mode: an access port has one VLAN; trunks and native_vlan are for trunks");
  VlanSpec trunk_with_tag = Trunk({});
  trunk_with_tag.tag = 10;
  EXPECT_EQ(message(trunk_with_tag),
            "port.vlan.tag: only access ports have one; a trunk's untagged VLAN is native_vlan");
  EXPECT_EQ(message(Trunk({{30, 20}})),
            "port.vlan.trunks: 30-20 is not a range of VLAN ids within 0..4094");
  EXPECT_EQ(message(Trunk({{10, 5000}})),
            "port.vlan.trunks: 10-5000 is not a range of VLAN ids within 0..4094");
  EXPECT_EQ(message(Trunk({}, 4095)), "port.vlan.native_vlan: 4095 is outside 1..4094");
  EXPECT_EQ(message(Trunk({}, 0, true)), "port.vlan.native_tagged: needs a native_vlan");
}

TEST(VlanSpecTest, FormatSaysWhatThePortCarries) {
  EXPECT_EQ(FormatVlan(VlanSpec{}), "trunk all");
  EXPECT_EQ(FormatVlan(Access(10)), "access 10");
  EXPECT_EQ(FormatVlan(Trunk({{10, 10}, {20, 30}}, 5, true)), "trunk 10,20-30 native 5 tagged");
}

// Bytes 12..15 of a frame: its TPID and TCI, or ethertype and payload.
std::vector<uint8_t> TagBytes(const rte_mbuf* m) {
  auto b = TestPool::Bytes(m);
  return {b.begin() + 12, b.begin() + 16};
}

TEST(VlanEditTest, PushPopAndRewriteKeepTheRestOfTheFrame) {
  TestPool pool;
  rte_mbuf* m = pool.Make(FrameSpec{0x020000000002, 0x020000000001, 0x0800, {}, 100});
  const auto untagged = TestPool::Bytes(m);

  ASSERT_TRUE(SetVlanForm(m, VlanForm{}, VlanForm{true, 0xa00a}));
  EXPECT_EQ(m->pkt_len, 104u);
  EXPECT_EQ(TagBytes(m), (std::vector<uint8_t>{0x81, 0x00, 0xa0, 0x0a}));
  auto tagged = TestPool::Bytes(m);
  EXPECT_TRUE(std::equal(untagged.begin(), untagged.begin() + 12, tagged.begin()));
  EXPECT_TRUE(std::equal(untagged.begin() + 12, untagged.end(), tagged.begin() + 16));

  ASSERT_TRUE(SetVlanForm(m, VlanForm{true, 0xa00a}, VlanForm{true, 0xa014}));
  EXPECT_EQ(TagBytes(m), (std::vector<uint8_t>{0x81, 0x00, 0xa0, 0x14}));

  ASSERT_TRUE(SetVlanForm(m, VlanForm{true, 0xa014}, VlanForm{}));
  EXPECT_EQ(TestPool::Bytes(m), untagged);
}

TEST(VlanEditTest, PushWithoutHeadroomFailsAndLeavesTheFrame) {
  TestPool pool;
  rte_mbuf* m = pool.Make(FrameSpec{0x020000000002, 0x020000000001});
  const auto before = TestPool::Bytes(m);
  m->data_off = 2;  // as a frame written at the very start of its buffer
  std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), before.data(), before.size());
  EXPECT_FALSE(SetVlanForm(m, VlanForm{}, VlanForm{true, 10}));
  EXPECT_EQ(TestPool::Bytes(m), before);
}

TEST(VlanEditTest, CopyInAnotherFormLeavesTheOriginalAndSpansSegments) {
  TestPool pool;
  std::vector<uint8_t> frame(300);
  for (size_t i = 0; i < frame.size(); ++i) {
    frame[i] = static_cast<uint8_t>(i);
  }
  frame[12] = 0x81;
  frame[13] = 0x00;
  frame[14] = 0x20;
  frame[15] = 0x0a;
  rte_mbuf* m = pool.MakeChain(frame, 100);

  rte_mbuf* untagged = CopyInVlanForm(m, VlanForm{true, 0x200a}, VlanForm{}, pool.Source());
  ASSERT_NE(untagged, nullptr);
  auto expect = frame;
  expect.erase(expect.begin() + 12, expect.begin() + 16);
  EXPECT_EQ(TestPool::Bytes(untagged), expect);
  EXPECT_EQ(TestPool::Bytes(m), frame);

  rte_mbuf* retagged =
      CopyInVlanForm(m, VlanForm{true, 0x200a}, VlanForm{true, 0x2014}, pool.Source());
  ASSERT_NE(retagged, nullptr);
  expect = frame;
  expect[15] = 0x14;
  EXPECT_EQ(TestPool::Bytes(retagged), expect);

  pool.budget = 0;
  EXPECT_EQ(CopyInVlanForm(m, VlanForm{true, 0x200a}, VlanForm{}, pool.Source()), nullptr);
  for (rte_mbuf* f : {m, untagged, retagged}) {
    TestPool::Release(f);
  }
  EXPECT_TRUE(pool.AllReleased());
}

TEST(VlanEditTest, GsoHeaderLengthFollowsTheTag) {
  TestPool pool;
  rte_mbuf* m = pool.MakeRaw(testing::TcpFrame(0x020000000002, 0x020000000001, false, 1500));
  ASSERT_TRUE(MarkTcpGso(m, false, 500));
  ASSERT_EQ(m->l2_len, 14u);
  ASSERT_TRUE(SetVlanForm(m, VlanForm{}, VlanForm{true, 10}));
  EXPECT_EQ(m->l2_len, 18u);
  rte_mbuf* copy = CopyInVlanForm(m, VlanForm{true, 10}, VlanForm{}, pool.Source());
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->l2_len, 14u);
  EXPECT_EQ(copy->tso_segsz, 500u);
  EXPECT_TRUE(IsGso(copy));
  TestPool::Release(m);
  TestPool::Release(copy);
}

}  // namespace
}  // namespace switchyard::dp
