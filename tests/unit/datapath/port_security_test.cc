#include "datapath/stages/security/port_security.h"

#include <gtest/gtest.h>

#include <vector>

#include "datapath/core/wire.h"

namespace switchyard::dp {
namespace {

constexpr MacKey kOwn = 0x525400000001;
constexpr MacKey kOther = 0x525400000002;
constexpr uint32_t kOwnIp = 0xc0a8320a;    // 192.168.50.10
constexpr uint32_t kOtherIp = 0xc0a8320b;  // 192.168.50.11

using Bytes = std::vector<uint8_t>;

Bytes Eth(MacKey src, uint16_t type, std::vector<uint16_t> tags = {}) {
  Bytes b(12);
  MacToBytes(0xffffffffffff, b.data());
  MacToBytes(src, b.data() + 6);
  for (uint16_t tci : tags) {
    b.insert(b.end(), {0x81, 0x00, static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)});
  }
  b.insert(b.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type)});
  return b;
}

Bytes Arp(MacKey src, MacKey sender, uint32_t sender_ip, std::vector<uint16_t> tags = {}) {
  Bytes b = Eth(src, 0x0806, std::move(tags));
  const size_t at = b.size();
  b.resize(at + 28);
  Store16(&b[at], 1);
  Store16(&b[at + 2], 0x0800);
  b[at + 4] = 6;
  b[at + 5] = 4;
  Store16(&b[at + 6], 1);
  MacToBytes(sender, &b[at + 8]);
  Store32(&b[at + 14], sender_ip);
  Store32(&b[at + 24], kOtherIp);
  return b;
}

Bytes Ipv4(MacKey src, uint32_t src_ip, uint8_t proto = 6, uint16_t dport = 80,
           uint16_t frag = 0x4000) {
  Bytes b = Eth(src, 0x0800);
  const size_t at = b.size();
  b.resize(at + 28);
  b[at] = 0x45;
  Store16(&b[at + 2], 28);
  Store16(&b[at + 6], frag);
  b[at + 8] = 64;
  b[at + 9] = proto;
  Store32(&b[at + 12], src_ip);
  Store32(&b[at + 16], 0xffffffff);
  Store16(&b[at + 20], 68);
  Store16(&b[at + 22], dport);
  return b;
}

struct Case {
  const char* name;
  Bytes frame;
  uint32_t cut = 0;  // bytes of the first segment; 0: all
  DropReason want;
};

class PortSecurityTest : public ::testing::TestWithParam<Case> {};

TEST_P(PortSecurityTest, ChecksTheSource) {
  const Case& c = GetParam();
  const PortGuard guard{{kOwn}, {kOwnIp}};
  const uint32_t seg = c.cut != 0 ? c.cut : static_cast<uint32_t>(c.frame.size());
  // Exactly the bytes of the segment, so that a read past it is caught.
  const Bytes segment(c.frame.begin(), c.frame.begin() + seg);
  PacketMeta meta{};
  ASSERT_FALSE(ParseFrame(segment.data(), seg, static_cast<uint32_t>(c.frame.size()), &meta));
  EXPECT_EQ(CheckSource(guard, segment.data(), seg, meta), c.want);
}

constexpr DropReason kPass = DropReason::kCount;

INSTANTIATE_TEST_SUITE_P(
    Frames, PortSecurityTest,
    ::testing::Values(
        Case{"own_ipv4", Ipv4(kOwn, kOwnIp), 0, kPass},
        Case{"own_ipv6_by_mac_only", Eth(kOwn, 0x86dd), 0, kPass},
        Case{"other_mac", Ipv4(kOther, kOwnIp), 0, DropReason::kPortSecurityMac},
        Case{"other_mac_ipv6", Eth(kOther, 0x86dd), 0, DropReason::kPortSecurityMac},
        Case{"other_ip", Ipv4(kOwn, kOtherIp), 0, DropReason::kPortSecurityIp},
        Case{"dhcp_discover", Ipv4(kOwn, 0, 17, 67), 0, kPass},
        Case{"zero_source_not_dhcp", Ipv4(kOwn, 0, 17, 53), 0, DropReason::kPortSecurityIp},
        Case{"zero_source_tcp_67", Ipv4(kOwn, 0, 6, 67), 0, DropReason::kPortSecurityIp},
        Case{"zero_source_fragment", Ipv4(kOwn, 0, 17, 67, 0x0010), 0, DropReason::kPortSecurityIp},
        Case{"ipv4_cut_short", Ipv4(kOwn, kOwnIp), 14 + 19, DropReason::kPortSecurityIp},
        Case{"dhcp_ports_cut_short", Ipv4(kOwn, 0, 17, 67), 14 + 23, DropReason::kPortSecurityIp},
        Case{"own_arp", Arp(kOwn, kOwn, kOwnIp), 0, kPass},
        Case{"arp_probe", Arp(kOwn, kOwn, 0), 0, kPass},
        Case{"tagged_own_arp", Arp(kOwn, kOwn, kOwnIp, {10}), 0, kPass},
        Case{"arp_claims_other_ip", Arp(kOwn, kOwn, kOtherIp), 0, DropReason::kPortSecurityArp},
        Case{"tagged_arp_claims_other_ip", Arp(kOwn, kOwn, kOtherIp, {10}), 0,
             DropReason::kPortSecurityArp},
        Case{"arp_sender_other_mac", Arp(kOwn, kOther, kOwnIp), 0, DropReason::kPortSecurityArp},
        Case{"arp_cut_short", Arp(kOwn, kOwn, kOwnIp), 14 + 27, DropReason::kPortSecurityArp}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

TEST(PortSecurityGuardTest, NoAddressesMeansNoIpv4ButMacsStillPass) {
  const PortGuard guard{{kOwn}, {}};
  for (const Bytes& f : {Ipv4(kOwn, kOwnIp), Arp(kOwn, kOwn, kOwnIp)}) {
    PacketMeta meta{};
    ASSERT_FALSE(ParseFrame(f.data(), static_cast<uint32_t>(f.size()),
                            static_cast<uint32_t>(f.size()), &meta));
    EXPECT_NE(CheckSource(guard, f.data(), static_cast<uint32_t>(f.size()), meta), kPass);
  }
  const Bytes discover = Ipv4(kOwn, 0, 17, 67);
  PacketMeta meta{};
  ASSERT_FALSE(ParseFrame(discover.data(), static_cast<uint32_t>(discover.size()),
                          static_cast<uint32_t>(discover.size()), &meta));
  EXPECT_EQ(CheckSource(guard, discover.data(), static_cast<uint32_t>(discover.size()), meta),
            kPass);
}

}  // namespace
}  // namespace switchyard::dp
