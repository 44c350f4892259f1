#include "datapath/core/parser.h"

#include <gtest/gtest.h>

#include "tests/unit/datapath/test_packets.h"

namespace switchyard::dp {
namespace {

using testing::FrameSpec;
using testing::TestPool;

struct ParseCase {
  const char* name;
  FrameSpec frame;
  uint32_t seg_len_override;  // 0: whole frame in one segment
  std::optional<DropReason> expect_drop;
  uint8_t expect_tags;
  uint16_t expect_ethertype;
  uint8_t expect_l3_offset;
};

class ParserTableTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParserTableTest, Parses) {
  const ParseCase& c = GetParam();
  TestPool pool;
  rte_mbuf* m = pool.Make(c.frame);
  PacketMeta meta{};
  const uint32_t seg = c.seg_len_override ? c.seg_len_override : m->data_len;
  auto drop = ParseFrame(rte_pktmbuf_mtod(m, const uint8_t*), seg, m->pkt_len, &meta);
  ASSERT_EQ(drop, c.expect_drop);
  if (drop) {
    return;
  }
  EXPECT_EQ(meta.dst, c.frame.dst);
  EXPECT_EQ(meta.src, c.frame.src);
  EXPECT_EQ(meta.n_tags, c.expect_tags);
  EXPECT_EQ(meta.ethertype, c.expect_ethertype);
  EXPECT_EQ(meta.l3_offset, c.expect_l3_offset);
  if (!c.frame.vlan_tags.empty()) {
    EXPECT_EQ(meta.outer_tci, c.frame.vlan_tags[0]);
  }
}

constexpr MacKey kA = 0x020000000001;
constexpr MacKey kB = 0x020000000002;

INSTANTIATE_TEST_SUITE_P(
    Frames, ParserTableTest,
    ::testing::Values(
        ParseCase{"untagged_ipv4", {kB, kA, 0x0800, {}, 64}, 0, std::nullopt, 0, 0x0800, 14},
        ParseCase{"one_tag", {kB, kA, 0x86dd, {0x200a}, 64}, 0, std::nullopt, 1, 0x86dd, 18},
        ParseCase{"two_tags", {kB, kA, 0x0806, {10, 20}, 64}, 0, std::nullopt, 2, 0x0806, 22},
        ParseCase{"bare_header", {kB, kA, 0x0800, {}, 14}, 0, std::nullopt, 0, 0x0800, 14},
        ParseCase{"runt_13", {kB, kA, 0x0800, {}, 13}, 0, DropReason::kRuntFrame, 0, 0, 0},
        ParseCase{"runt_empty", {kB, kA, 0x0800, {}, 0}, 0, DropReason::kRuntFrame, 0, 0, 0},
        ParseCase{"tag_cut_short", {kB, kA, 0x0800, {10}, 16}, 0, DropReason::kRuntFrame, 0, 0, 0},
        ParseCase{"header_split_over_segments",
                  {kB, kA, 0x0800, {}, 64},
                  10,
                  DropReason::kTruncated,
                  0,
                  0,
                  0},
        ParseCase{"tag_split_over_segments",
                  {kB, kA, 0x0800, {10}, 64},
                  16,
                  DropReason::kTruncated,
                  0,
                  0,
                  0}),
    [](const ::testing::TestParamInfo<ParseCase>& param) { return param.param.name; });

TEST(MacTest, RoundTrip) {
  auto mac = ParseMac("02:AB:cd:00:00:ff");
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(*mac, 0x02abcd0000ffULL);
  EXPECT_EQ(MacToString(*mac), "02:ab:cd:00:00:ff");
  EXPECT_FALSE(ParseMac("02:ab:cd:00:00").has_value());
  EXPECT_FALSE(ParseMac("02-ab-cd-00-00-ff").has_value());
  EXPECT_FALSE(ParseMac("02:ab:cd:00:00:fg").has_value());
  EXPECT_TRUE(IsMulticastMac(kBroadcastMac));
  EXPECT_TRUE(IsMulticastMac(0x01005e000001ULL));
  EXPECT_FALSE(IsMulticastMac(kA));
}

}  // namespace
}  // namespace switchyard::dp
