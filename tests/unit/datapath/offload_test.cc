#include "datapath/core/offload.h"

#include <gtest/gtest.h>

#include "datapath/core/vnet_header.h"
#include "tests/unit/datapath/test_packets.h"

namespace switchyard::dp {
namespace {

using testing::TcpFrame;
using testing::TcpSumWithPseudoHeader;
using testing::TestPool;

constexpr MacKey kA = 0x020000000001;
constexpr MacKey kB = 0x020000000002;

uint32_t Be32(const std::vector<uint8_t>& f, size_t at) {
  return static_cast<uint32_t>(f[at] << 24 | f[at + 1] << 16 | f[at + 2] << 8 | f[at + 3]);
}
uint16_t Be16(const std::vector<uint8_t>& f, size_t at) {
  return static_cast<uint16_t>(f[at] << 8 | f[at + 1]);
}

// The pseudo-header sum a sender leaves in the checksum field of a frame
// whose checksum it hands to "hardware" (CHECKSUM_PARTIAL).
void SeedPartialChecksum(std::vector<uint8_t>& f, size_t l3, size_t field) {
  f[field] = f[field + 1] = 0;
  const size_t l4 = l3 + 20;
  uint32_t sum = 0;
  for (size_t i = l3 + 12; i < l3 + 20; i += 2) {
    sum += Be16(f, i);
  }
  sum += 6 + static_cast<uint32_t>(f.size() - l4);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  f[field] = static_cast<uint8_t>(sum >> 8);
  f[field + 1] = static_cast<uint8_t>(sum);
}

TEST(CompleteChecksum, FillsAPartialTcpChecksumAcrossSegments) {
  TestPool pool;
  auto f = TcpFrame(kB, kA, false, 3000);
  SeedPartialChecksum(f, 14, 14 + 20 + 16);
  rte_mbuf* m = pool.MakeChain(f, 1000);
  ASSERT_TRUE(CompleteChecksum(m, 34, 16));
  EXPECT_EQ(TcpSumWithPseudoHeader(TestPool::Bytes(m), 14), 0xffff);
  TestPool::Release(m);
  EXPECT_TRUE(pool.AllReleased());
}

// The virtio-net header comes from the guest: a field at an odd offset is
// odd but no reason to misbehave (UBSan found a misaligned 16-bit store).
TEST(CompleteChecksum, WritesAFieldAtAnOddOffset) {
  TestPool pool;
  std::vector<uint8_t> f(41, 0);
  for (size_t i = 0; i < f.size(); ++i) {
    f[i] = static_cast<uint8_t>(i * 13);
  }
  f[21] = f[22] = 0;  // the field, seeded with 0
  rte_mbuf* m = pool.MakeRaw(f);
  ASSERT_TRUE(CompleteChecksum(m, 15, 6));
  const auto out = TestPool::Bytes(m);
  uint32_t sum = 0;
  for (size_t i = 15; i < out.size(); i += 2) {
    sum += static_cast<uint32_t>(out[i] << 8 | (i + 1 < out.size() ? out[i + 1] : 0));
  }
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  EXPECT_EQ(sum, 0xffffu);
  TestPool::Release(m);
}

TEST(CompleteChecksum, RefusesAFieldOutsideTheFrame) {
  TestPool pool;
  rte_mbuf* m = pool.MakeRaw(TcpFrame(kB, kA, false, 10));
  EXPECT_FALSE(CompleteChecksum(m, 5000, 16));
  EXPECT_FALSE(CompleteChecksum(m, 34, 60));
  TestPool::Release(m);
}

TEST(MarkTcpGso, TakesTcpOverIpv4Ipv6AndOneVlanTag) {
  TestPool pool;
  rte_mbuf* v4 = pool.MakeRaw(TcpFrame(kB, kA, false, 100));
  ASSERT_TRUE(MarkTcpGso(v4, false, 1448));
  EXPECT_EQ(v4->l2_len, 14u);
  EXPECT_EQ(v4->l3_len, 20u);
  EXPECT_EQ(v4->l4_len, 20u);
  EXPECT_EQ(WireFrameLen(v4), 14u + 20 + 20 + 1448);
  rte_mbuf* v6 = pool.MakeRaw(TcpFrame(kB, kA, true, 100, 0x18, true));
  ASSERT_TRUE(MarkTcpGso(v6, true, 1428));
  EXPECT_EQ(v6->l2_len, 18u);
  EXPECT_EQ(v6->l3_len, 40u);
  EXPECT_TRUE(v6->ol_flags & RTE_MBUF_F_TX_IPV6);
  TestPool::Release(v4);
  TestPool::Release(v6);
}

TEST(MarkTcpGso, RefusesWhatIsNotTcpOrDoesNotMatch) {
  TestPool pool;
  auto udp = TcpFrame(kB, kA, false, 100);
  udp[14 + 9] = 17;
  rte_mbuf* m1 = pool.MakeRaw(udp);
  EXPECT_FALSE(MarkTcpGso(m1, false, 1448));
  rte_mbuf* m2 = pool.MakeRaw(TcpFrame(kB, kA, false, 100));
  EXPECT_FALSE(MarkTcpGso(m2, true, 1448));  // says IPv6, is IPv4
  EXPECT_FALSE(MarkTcpGso(m2, false, 0));    // no segment size
  rte_mbuf* m3 = pool.MakeRaw({1, 2, 3});
  EXPECT_FALSE(MarkTcpGso(m3, false, 1448));
  EXPECT_FALSE(IsGso(m1) || IsGso(m2) || IsGso(m3));
  for (rte_mbuf* m : {m1, m2, m3}) {
    TestPool::Release(m);
  }
}

// A frame cut off inside its IP header: nothing past its end is read (ASan
// found the IP header read before its length was checked).
TEST(MarkTcpGso, RefusesAFrameEndingInItsIpHeader) {
  TestPool pool;
  for (const bool ipv6 : {false, true}) {
    for (const bool vlan : {false, true}) {
      auto f = TcpFrame(kB, kA, ipv6, 0, 0x18, vlan);
      f.resize((vlan ? 18 : 14) + 4);  // version and lengths, not the protocol
      rte_mbuf* m = pool.MakeRaw(f);
      EXPECT_FALSE(MarkTcpGso(m, ipv6, 1448)) << ipv6 << vlan;
      TestPool::Release(m);
    }
  }
}

class SegmentTest : public ::testing::TestWithParam<bool> {};

TEST_P(SegmentTest, CutsLikeTheKernel) {
  const bool ipv6 = GetParam();
  TestPool pool;
  const uint32_t payload = 10000;
  const uint16_t mss = 1448;
  auto f = TcpFrame(kB, kA, ipv6, payload, 0x19 /* FIN PSH ACK */ | 0x80 /* CWR */);
  rte_mbuf* m = pool.MakeChain(f, 2048);
  ASSERT_TRUE(MarkTcpGso(m, ipv6, mss));
  TcpSegmenter segmenter(pool.Source());
  rte_mbuf* out[TcpSegmenter::kMaxSegments];
  const uint16_t n = segmenter.Segment(m, out, TcpSegmenter::kMaxSegments);
  ASSERT_EQ(n, 7u);  // 6 x 1448 + 1312
  const size_t l3 = 14;
  const size_t l4 = l3 + (ipv6 ? 40 : 20);
  for (uint16_t i = 0; i < n; ++i) {
    const auto s = TestPool::Bytes(out[i]);
    const uint32_t len = i + 1 < n ? mss : payload - 6u * mss;
    ASSERT_EQ(s.size(), l4 + 20 + len) << "segment " << i;
    if (ipv6) {
      EXPECT_EQ(Be16(s, l3 + 4), 20 + len);
    } else {
      EXPECT_EQ(Be16(s, l3 + 2), 40 + len);
      EXPECT_EQ(Be16(s, l3 + 4), 0x1000 + i);  // IP id counts up
      uint32_t sum = 0;
      for (size_t k = l3; k < l3 + 20; k += 2) {
        sum += Be16(s, k);
      }
      sum = (sum & 0xffff) + (sum >> 16);
      EXPECT_EQ((sum & 0xffff) + (sum >> 16), 0xffffu) << "IPv4 header checksum";
    }
    EXPECT_EQ(Be32(s, l4 + 4), 1000u + i * mss);
    const uint8_t flags = s[l4 + 13];
    EXPECT_EQ((flags & 0x09) != 0, i + 1 == n) << "FIN and PSH only on the last";
    EXPECT_EQ((flags & 0x80) != 0, i == 0) << "CWR only on the first";
    EXPECT_EQ(flags & 0x10, 0x10) << "ACK on all";
    EXPECT_EQ(TcpSumWithPseudoHeader(s, l3), 0xffff) << "TCP checksum of segment " << i;
    EXPECT_TRUE(std::equal(s.begin() + static_cast<long>(l4 + 20), s.end(),
                           f.begin() + static_cast<long>(l4 + 20 + i * mss)));
    TestPool::Release(out[i]);
  }
  TestPool::Release(m);
  EXPECT_TRUE(pool.AllReleased());
}

INSTANTIATE_TEST_SUITE_P(Ipv4AndIpv6, SegmentTest, ::testing::Values(false, true));

TEST(Segment, RunningDryKeepsNothing) {
  TestPool pool;
  rte_mbuf* m = pool.MakeChain(TcpFrame(kB, kA, false, 5000), 2048);
  ASSERT_TRUE(MarkTcpGso(m, false, 1000));
  pool.budget = 3;
  TcpSegmenter segmenter(pool.Source());
  rte_mbuf* out[TcpSegmenter::kMaxSegments];
  EXPECT_EQ(segmenter.Segment(m, out, TcpSegmenter::kMaxSegments), 0u);
  EXPECT_EQ(segmenter.Segment(m, out, 4), 0u);  // 5 would not fit in 4
  TestPool::Release(m);
  EXPECT_TRUE(pool.AllReleased());
}

TEST(VnetHeader, PartialChecksumIsCompletedBehindAnInsertedTag) {
  TestPool pool;
  auto f = TcpFrame(kB, kA, false, 500, 0x18, true);
  SeedPartialChecksum(f, 18, 18 + 20 + 16);
  rte_mbuf* m = pool.MakeRaw(f);
  // The kernel counted from the untagged frame; the tag is ours.
  const VnetHeader h{kVnetNeedsCsum, kVnetGsoNone, 0, 0, 34, 16};
  ASSERT_TRUE(ApplyVnetHeader(h, 4, m));
  EXPECT_EQ(TcpSumWithPseudoHeader(TestPool::Bytes(m), 18), 0xffff);
  EXPECT_FALSE(IsGso(m));
  TestPool::Release(m);
}

TEST(VnetHeader, GsoRoundTripsAndUdpOffloadsAreRefused) {
  TestPool pool;
  rte_mbuf* m = pool.MakeChain(TcpFrame(kB, kA, true, 3000, 0x90), 2048);
  const VnetHeader in{kVnetNeedsCsum, kVnetGsoTcpV6 | kVnetGsoEcn, 74, 1428, 54, 16};
  ASSERT_TRUE(ApplyVnetHeader(in, 0, m));
  VnetHeader out{};
  FillVnetHeader(m, &out);
  EXPECT_EQ(out.flags, kVnetNeedsCsum);
  EXPECT_EQ(out.gso_type, kVnetGsoTcpV6 | kVnetGsoEcn);
  EXPECT_EQ(out.gso_size, 1428);
  EXPECT_EQ(out.csum_start, 54);
  EXPECT_EQ(out.csum_offset, 16);
  EXPECT_EQ(out.hdr_len, 74);
  const VnetHeader udp{kVnetNeedsCsum, kVnetGsoUdp, 42, 1400, 34, 6};
  EXPECT_FALSE(ApplyVnetHeader(udp, 0, m));
  rte_mbuf* plain = pool.MakeRaw(TcpFrame(kB, kA, false, 10));
  FillVnetHeader(plain, &out);
  EXPECT_EQ(out.flags | out.gso_type | out.gso_size, 0);
  TestPool::Release(m);
  TestPool::Release(plain);
}

}  // namespace
}  // namespace switchyard::dp
