#include "datapath/overlay/tunnel.h"

#include <gtest/gtest.h>

#include "tests/unit/datapath/test_packets.h"

namespace switchyard::dp {
namespace {

using testing::FrameSpec;
using testing::TestPool;

const OuterHeaders kOuter{.src_mac = 0x020000000101,
                          .dst_mac = 0x020000000202,
                          .src_ip = 0x0a000001,
                          .dst_ip = 0x0a000002,
                          .udp_src_port = 50000,
                          .udp_dst_port = kVxlanPort,
                          .ttl = 64};

// Recomputes the outer IPv4 header checksum after a test edited the header.
void Rechecksum(std::vector<uint8_t>& f) {
  f[24] = f[25] = 0;
  uint32_t sum = 0;
  for (size_t i = 14; i < 34; i += 2) {
    sum += static_cast<uint32_t>(f[i] << 8 | f[i + 1]);
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  f[24] = static_cast<uint8_t>(~sum >> 8);
  f[25] = static_cast<uint8_t>(~sum);
}

std::vector<uint8_t> Encapsulated(TunnelType type, uint32_t id, std::vector<uint8_t>* inner) {
  TestPool pool;
  rte_mbuf* m = pool.Make(FrameSpec{0x020000000002, 0x020000000001, 0x0800, {}, 100});
  *inner = TestPool::Bytes(m);
  EXPECT_TRUE(Encapsulate(m, type, id, kOuter));
  auto bytes = TestPool::Bytes(m);
  TestPool::Release(m);
  return bytes;
}

TunnelParse Parse(const std::vector<uint8_t>& f, TunnelInfo* info) {
  return ParseTunnel(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()),
                     kVxlanPort, info);
}

TEST(TunnelTest, VxlanRoundTrip) {
  std::vector<uint8_t> inner;
  const auto f = Encapsulated(TunnelType::kVxlan, 0x123456, &inner);
  ASSERT_EQ(f.size(), inner.size() + kVxlanOverhead);
  EXPECT_EQ(f[12], 0x08);         // IPv4
  EXPECT_EQ(f[23], 17);           // UDP
  EXPECT_EQ(f[20] & 0x40, 0x40);  // don't fragment
  EXPECT_EQ((f[36] << 8 | f[37]), 4789);
  EXPECT_EQ((f[34] << 8 | f[35]), 50000);
  EXPECT_EQ((f[38] << 8 | f[39]), 8 + 8 + 100);
  EXPECT_EQ(f[42], 0x08);  // VNI present
  TunnelInfo info{};
  ASSERT_EQ(Parse(f, &info), TunnelParse::kTunnel);
  EXPECT_EQ(info.type, TunnelType::kVxlan);
  EXPECT_EQ(info.id, 0x123456u);
  EXPECT_EQ(info.src_ip, 0x0a000001u);
  EXPECT_EQ(info.dst_ip, 0x0a000002u);
  EXPECT_EQ(info.inner_offset, kVxlanOverhead);
  EXPECT_EQ(info.inner_len, 100u);
  EXPECT_TRUE(std::equal(inner.begin(), inner.end(), f.begin() + info.inner_offset));
}

TEST(TunnelTest, GreRoundTripAndOptionalFields) {
  std::vector<uint8_t> inner;
  auto f = Encapsulated(TunnelType::kGre, 42, &inner);
  ASSERT_EQ(f.size(), inner.size() + kGreOverhead);
  EXPECT_EQ(f[23], 47);
  TunnelInfo info{};
  ASSERT_EQ(Parse(f, &info), TunnelParse::kTunnel);
  EXPECT_EQ(info.type, TunnelType::kGre);
  EXPECT_EQ(info.id, 42u);
  EXPECT_EQ(info.inner_offset, kGreOverhead);
  EXPECT_EQ(info.inner_len, 100u);

  // With a checksum and a sequence number, as a Linux gretap may send.
  std::vector<uint8_t> g(f.begin(), f.begin() + 34);
  const uint8_t gre[] = {0xb0, 0x00, 0x65, 0x58, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1};
  g.insert(g.end(), std::begin(gre), std::end(gre));
  g.insert(g.end(), inner.begin(), inner.end());
  g[16] = static_cast<uint8_t>((g.size() - 14) >> 8);
  g[17] = static_cast<uint8_t>(g.size() - 14);
  Rechecksum(g);
  EXPECT_EQ(Parse(g, &info), TunnelParse::kBadHeader);  // the GRE checksum is still 0
  uint32_t sum = 0;
  for (size_t i = 34; i < g.size(); i += 2) {
    sum += static_cast<uint32_t>(g[i] << 8 | (i + 1 < g.size() ? g[i + 1] : 0));
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  g[38] = static_cast<uint8_t>(~sum >> 8);
  g[39] = static_cast<uint8_t>(~sum);
  ASSERT_EQ(Parse(g, &info), TunnelParse::kTunnel);
  EXPECT_EQ(info.id, 7u);
  EXPECT_EQ(info.inner_offset, 14u + 20 + 16);
}

TEST(TunnelTest, NoHeadroomLeavesTheFrame) {
  TestPool pool;
  rte_mbuf* m = pool.Make(FrameSpec{0x020000000002, 0x020000000001});
  const auto before = TestPool::Bytes(m);
  m->data_off = 20;  // less than the 50 bytes VXLAN needs
  std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), before.data(), before.size());
  EXPECT_FALSE(Encapsulate(m, TunnelType::kVxlan, 1, kOuter));
  EXPECT_EQ(TestPool::Bytes(m), before);
  TestPool::Release(m);
}

TEST(TunnelTest, WhatIsNotATunnelIsSaidSo) {
  std::vector<uint8_t> inner;
  auto f = Encapsulated(TunnelType::kVxlan, 1, &inner);
  TunnelInfo info{};
  EXPECT_EQ(ParseTunnel(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()),
                        8472, &info),
            TunnelParse::kNotTunnel);  // another UDP port
  auto arp = f;
  arp[12] = 0x08, arp[13] = 0x06;
  EXPECT_EQ(Parse(arp, &info), TunnelParse::kNotTunnel);
  auto tcp = f;
  tcp[23] = 6;
  Rechecksum(tcp);
  EXPECT_EQ(Parse(tcp, &info), TunnelParse::kNotTunnel);
}

TEST(TunnelTest, MalformedFragmentedAndUnsupportedOuterHeadersAreRefused) {
  std::vector<uint8_t> inner;
  const auto vxlan = Encapsulated(TunnelType::kVxlan, 1, &inner);
  const auto gre = Encapsulated(TunnelType::kGre, 1, &inner);
  TunnelInfo info{};
  auto edit = [](std::vector<uint8_t> f, size_t at, uint8_t v, bool fix = true) {
    f[at] = v;
    if (fix) {
      Rechecksum(f);
    }
    return f;
  };
  EXPECT_EQ(Parse(edit(vxlan, 30, 0x55, false), &info), TunnelParse::kBadHeader);  // checksum
  EXPECT_EQ(Parse(edit(vxlan, 14, 0x65), &info), TunnelParse::kBadHeader);         // IPv6 version
  EXPECT_EQ(Parse(edit(vxlan, 16, 0x7f), &info), TunnelParse::kBadHeader);  // longer than the frame
  EXPECT_EQ(Parse(edit(vxlan, 20, 0x60), &info), TunnelParse::kFragment);   // DF + more fragments
  EXPECT_EQ(Parse(edit(vxlan, 21, 0x10), &info), TunnelParse::kFragment);   // offset: not the first
  EXPECT_EQ(Parse(edit(vxlan, 42, 0x00), &info), TunnelParse::kBadHeader);  // no VNI flag
  EXPECT_EQ(Parse(edit(vxlan, 39, 20), &info), TunnelParse::kBadHeader);    // UDP length too short
  const std::vector<uint8_t> cut(vxlan.begin(), vxlan.begin() + 40);
  EXPECT_EQ(Parse(cut, &info), TunnelParse::kBadHeader);
  EXPECT_EQ(Parse(edit(gre, 34, 0x00), &info), TunnelParse::kUnsupported);  // no key
  EXPECT_EQ(Parse(edit(gre, 35, 0x01), &info), TunnelParse::kUnsupported);  // version 1
  EXPECT_EQ(Parse(edit(gre, 37, 0x00), &info), TunnelParse::kUnsupported);  // not TEB
  EXPECT_EQ(Parse(edit(gre, 34, 0x60), &info), TunnelParse::kUnsupported);  // routing
}

// A frame a Linux vxlan device (id 42, local 10.77.0.2, remote 10.77.0.1,
// dstport 4789) sent, as tcpdump caught it on the underlay. Linux fills in
// the UDP checksum, which decap does not need.
const std::vector<uint8_t> kLinuxVxlanFrame = {
    0xae, 0x2d, 0x18, 0xd9, 0x2e, 0xfd, 0x72, 0x85, 0xb8, 0x3e, 0x0b, 0x48, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x7e, 0xf4, 0xfe, 0x00, 0x00, 0x40, 0x11, 0x70, 0xd4, 0x0a, 0x4d, 0x00, 0x02, 0x0a, 0x4d,
    0x00, 0x01, 0x89, 0x89, 0x12, 0xb5, 0x00, 0x6a, 0x15, 0x18, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x2a, 0x00, 0x33, 0x33, 0x00, 0x00, 0x00, 0x16, 0x66, 0xb9, 0x90, 0x7e, 0x21, 0x5e, 0x86, 0xdd,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
    0x8f, 0x00, 0x4d, 0xae, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x7e, 0x21, 0x5e,
};

TEST(TunnelTest, OuterHeadersMustLieInTheFirstSegment) {
  std::vector<uint8_t> inner;
  const auto vxlan = Encapsulated(TunnelType::kVxlan, 1, &inner);
  const auto size = static_cast<uint32_t>(vxlan.size());
  TunnelInfo info{};
  // The VXLAN header ends at byte 50: a first segment of 49 bytes is short.
  EXPECT_EQ(ParseTunnel(vxlan.data(), 49, size, kVxlanPort, &info), TunnelParse::kBadHeader);
  EXPECT_EQ(ParseTunnel(vxlan.data(), 50, size, kVxlanPort, &info), TunnelParse::kTunnel);
  EXPECT_EQ(info.inner_len, inner.size());
}

TEST(TunnelTest, ReadsWhatTheLinuxVxlanDeviceSends) {
  TunnelInfo info{};
  ASSERT_EQ(Parse(kLinuxVxlanFrame, &info), TunnelParse::kTunnel);
  EXPECT_EQ(info.type, TunnelType::kVxlan);
  EXPECT_EQ(info.id, 42u);
  EXPECT_EQ(info.src_ip, 0x0a4d0002u);
  EXPECT_EQ(info.dst_ip, 0x0a4d0001u);
  EXPECT_EQ(info.inner_offset, kVxlanOverhead);
  EXPECT_EQ(info.inner_len, kLinuxVxlanFrame.size() - kVxlanOverhead);
}

TEST(TunnelTest, SourcePortFollowsTheInnerFlow) {
  const auto a = testing::TcpFrame(0x020000000002, 0x020000000001, false, 10);
  auto b = a;
  b[b.size() - 10 - 20] ^= 1;  // another TCP source port (first header byte)
  const uint16_t pa = VxlanSourcePort(a.data(), static_cast<uint32_t>(a.size()));
  EXPECT_EQ(pa, VxlanSourcePort(a.data(), static_cast<uint32_t>(a.size())));
  EXPECT_GE(pa, 49152);
  EXPECT_NE(pa, VxlanSourcePort(b.data(), static_cast<uint32_t>(b.size())));
  const uint8_t runt[5] = {1, 2, 3, 4, 5};
  EXPECT_GE(VxlanSourcePort(runt, 5), 49152);
}

}  // namespace
}  // namespace switchyard::dp
