#include "datapath/core/address.h"

#include <gtest/gtest.h>

#include <string>

namespace switchyard::dp {
namespace {

TEST(Ipv4AddressTest, ReadsDottedQuadsOnly) {
  EXPECT_EQ(Ipv4Address::Parse("10.77.0.1"), Ipv4Address(0x0a4d0001u));
  EXPECT_EQ(Ipv4Address::Parse("10.77.0.1")->ToString(), "10.77.0.1");
  for (const char* bad : {"", "10.77.0", "10.77.0.1.2", "256.0.0.1", "fe80::1", " 10.0.0.1",
                          "10.0.0.1 ", "10.0.0.1/24", "010.0.0.1"}) {
    EXPECT_FALSE(Ipv4Address::Parse(bad)) << bad;
  }
  // Text that reads as an address up to a NUL is not that address.
  EXPECT_FALSE(Ipv4Address::Parse(std::string("10.0.0.1\0junk", 13)));
}

TEST(Ipv4AddressTest, UnicastIsWhatAHostMayHold) {
  EXPECT_TRUE(Ipv4Address::Parse("10.0.0.1")->IsUnicast());
  for (const char* not_unicast :
       {"0.0.0.0", "127.0.0.1", "224.0.0.1", "239.1.1.1", "255.255.255.255"}) {
    EXPECT_FALSE(Ipv4Address::Parse(not_unicast)->IsUnicast()) << not_unicast;
  }
}

TEST(Ipv4CidrTest, KeepsTheHostBitsAndKnowsItsSubnet) {
  const auto c = Ipv4Cidr::Parse("192.168.100.7/24");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->address, Ipv4Address(0xc0a86407u));
  EXPECT_EQ(c->length, 24);
  EXPECT_EQ(c->mask(), 0xffffff00u);
  EXPECT_EQ(c->network(), Ipv4Address(0xc0a86400u));
  EXPECT_EQ(c->broadcast(), Ipv4Address(0xc0a864ffu));
  EXPECT_TRUE(c->Contains(*Ipv4Address::Parse("192.168.100.200")));
  EXPECT_FALSE(c->Contains(*Ipv4Address::Parse("192.168.101.1")));
  EXPECT_EQ(c->ToString(), "192.168.100.7/24");
  EXPECT_EQ(c->SubnetString(), "192.168.100.0/24");
  const auto all = Ipv4Cidr::Parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->mask(), 0u);  // no shift by 32
  EXPECT_TRUE(all->Contains(*Ipv4Address::Parse("203.0.113.9")));
  for (const char* bad : {"10.77.0.1", "10.77.0.1/", "10.77.0.1/33", "10.77.0.1/2x", "10.77.0.1/+8",
                          "10.77.0.1/-0", "/24", "fd00::1/64"}) {
    EXPECT_FALSE(Ipv4Cidr::Parse(bad)) << bad;
  }
}

TEST(IpCidrTest, ReadsBothFamiliesAndSaysWhyNot) {
  const auto v4 = IpCidr::Parse("10.0.0.1/24");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family, IpCidr::Family::kIpv4);
  EXPECT_EQ(v4->ToString(), "10.0.0.1/24");
  const auto v6 = IpCidr::Parse("fd00::1/64");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, IpCidr::Family::kIpv6);
  EXPECT_EQ(v6->AddressBytes(), 16);
  EXPECT_EQ(v6->ToString(), "fd00::1/64");
  EXPECT_EQ(IpCidr::WhyNot("10.0.0.1"), "'10.0.0.1' has no /PREFIX");
  EXPECT_EQ(IpCidr::WhyNot("nope/8"), "'nope' is not an IPv4 or IPv6 address");
  EXPECT_EQ(IpCidr::WhyNot("10.0.0.1/33"), "prefix '33' is not 0..32");
  EXPECT_EQ(IpCidr::WhyNot("fd00::1/129"), "prefix '129' is not 0..128");
  EXPECT_FALSE(IpCidr::Parse(std::string("10.0.0.1/8\0", 11)));
}

}  // namespace
}  // namespace switchyard::dp
