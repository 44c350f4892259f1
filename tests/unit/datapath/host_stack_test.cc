#include "datapath/gateway/host_stack.h"

#include <gtest/gtest.h>

#include <vector>

#include "datapath/core/arp.h"

namespace switchyard::dp {
namespace {

constexpr uint32_t kLocal = 0x0a4d0001;    // 10.77.0.1/24
constexpr uint32_t kPeer = 0x0a4d0002;     // on-link
constexpr uint32_t kGateway = 0x0a4d00fe;  // 10.77.0.254
constexpr uint32_t kFar = 0x0a630005;      // 10.99.0.5: behind the gateway
constexpr MacKey kOurMac = 0x02aaaaaaaa01;
constexpr MacKey kPeerMac = 0x02bbbbbbbb02;
constexpr PortIndex kUplink = 7;

struct Sent {
  PortIndex port;
  MacKey eth_dst;
  ArpMessage arp;
};

class HostStackArpTest : public ::testing::Test {
 protected:
  HostStackArpTest() { host_.SetInterfaces({Interface{kUplink, kLocal, 24, kGateway, kOurMac}}); }

  HostStack::SendFn Recorder() {
    return [this](PortIndex port, const uint8_t* frame, uint32_t len) {
      Sent s{port, MacFromBytes(frame), {}};
      EXPECT_TRUE(ParseArp(frame, len, &s.arp));
      EXPECT_EQ(len, kMinFrameLen);
      sent_.push_back(s);
    };
  }

  void Receive(const ArpMessage& msg, MacKey eth_dst, uint64_t now_ms) {
    uint8_t frame[kMinFrameLen];
    const uint32_t len = WriteArp(frame, eth_dst, msg);
    host_.HandleFrame(kUplink, frame, len, now_ms, Recorder());
  }

  HostStack host_;
  std::vector<Sent> sent_;
};

TEST_F(HostStackArpTest, NextHopsAreOnLinkOrTheGateway) {
  const Interface up{kUplink, kLocal, 24, kGateway, kOurMac};
  EXPECT_EQ(HostStack::NextHop(up, kPeer), kPeer);
  EXPECT_EQ(HostStack::NextHop(up, kFar), kGateway);
  EXPECT_EQ(HostStack::NextHop(Interface{kUplink, kLocal, 24, 0, kOurMac}, kFar), 0u);
}

TEST_F(HostStackArpTest, UplinkMacsAreLocalUnicastAndDifferPerHost) {
  const MacKey a = HostStack::InterfaceMac(kLocal, "up0");
  EXPECT_EQ(a >> 40, 0x02u);
  EXPECT_EQ(a, HostStack::InterfaceMac(kLocal, "up0"));  // stable across restarts
  EXPECT_NE(a, HostStack::InterfaceMac(kPeer, "up0"));   // the same name on another host
}

TEST_F(HostStackArpTest, AnswersArpForItsAddressOnlyAndLearnsTheAsker) {
  Receive(ArpMessage{ArpOp::kRequest, kPeerMac, kPeer, 0, kLocal}, kBroadcastMac, 0);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].port, kUplink);
  EXPECT_EQ(sent_[0].eth_dst, kPeerMac);
  EXPECT_EQ(sent_[0].arp.op, ArpOp::kReply);
  EXPECT_EQ(sent_[0].arp.sender_mac, kOurMac);
  EXPECT_EQ(sent_[0].arp.sender_ip, kLocal);
  EXPECT_EQ(sent_[0].arp.target_ip, kPeer);
  EXPECT_EQ(host_.Lookup(kUplink, kPeer), kPeerMac);
  Receive(ArpMessage{ArpOp::kRequest, kPeerMac, kPeer, 0, 0x0a4d0009}, kBroadcastMac, 0);
  EXPECT_EQ(sent_.size(), 1u);  // not ours to answer
  uint8_t junk[20] = {};
  host_.HandleFrame(kUplink, junk, sizeof(junk), 0, Recorder());
  host_.HandleFrame(99, junk, sizeof(junk), 0, Recorder());  // no such uplink
  EXPECT_EQ(sent_.size(), 1u);
}

TEST_F(HostStackArpTest, AnswersArpForItsOtherAddressesAsThemselves) {
  constexpr uint32_t kNatAddress = 0x0a4d0032;  // 10.77.0.50: a NAT network's own
  Interface up{kUplink, kLocal, 24, kGateway, kOurMac};
  up.other_addresses = {kNatAddress};
  host_.SetInterfaces({up});
  Receive(ArpMessage{ArpOp::kRequest, kPeerMac, kPeer, 0, kNatAddress}, kBroadcastMac, 0);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].arp.sender_ip, kNatAddress);
  EXPECT_EQ(sent_[0].arp.sender_mac, kOurMac);
  // A neighbour claiming it is not one.
  Receive(ArpMessage{ArpOp::kRequest, 0x02cccccccc03, kNatAddress, 0, kLocal}, kBroadcastMac, 0);
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_EQ(host_.Lookup(kUplink, kNatAddress), 0u);
}

TEST_F(HostStackArpTest, AsksOncePerSecondUntilAnsweredThenRefreshesAndForgetsTheSilent) {
  const std::vector<std::pair<PortIndex, uint32_t>> wanted = {{kUplink, kGateway}};
  host_.Tick(wanted, 0, Recorder());
  host_.Tick(wanted, 500, Recorder());
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].eth_dst, kBroadcastMac);
  EXPECT_EQ(sent_[0].arp.op, ArpOp::kRequest);
  EXPECT_EQ(sent_[0].arp.target_ip, kGateway);
  host_.Tick(wanted, 1000, Recorder());
  EXPECT_EQ(sent_.size(), 2u);
  EXPECT_EQ(host_.Lookup(kUplink, kGateway), 0u);
  Receive(ArpMessage{ArpOp::kReply, kPeerMac, kGateway, kOurMac, kLocal}, kOurMac, 1200);
  EXPECT_EQ(host_.Lookup(kUplink, kGateway), kPeerMac);
  host_.Tick(wanted, 1200 + HostStack::kRefreshMs - 1, Recorder());
  EXPECT_EQ(sent_.size(), 2u);  // fresh: nothing to ask
  host_.Tick(wanted, 1200 + HostStack::kRefreshMs, Recorder());
  EXPECT_EQ(sent_.size(), 3u);  // still used: asked again, the MAC kept meanwhile
  EXPECT_EQ(host_.Lookup(kUplink, kGateway), kPeerMac);
  host_.Tick(wanted, 1200 + HostStack::kExpireMs, Recorder());
  EXPECT_EQ(host_.Lookup(kUplink, kGateway), 0u);  // silent too long
}

TEST_F(HostStackArpTest, ANewSubnetForgetsNeighboursOutsideIt) {
  Receive(ArpMessage{ArpOp::kRequest, kPeerMac, kPeer, 0, kLocal}, kBroadcastMac, 0);
  ASSERT_EQ(host_.Lookup(kUplink, kPeer), kPeerMac);
  host_.SetInterfaces({Interface{kUplink, 0x0a4e0001, 24, 0, kOurMac}});
  EXPECT_EQ(host_.Lookup(kUplink, kPeer), 0u);
}

// One interface (a tenant's gateway) sending to many unresolved next hops
// cannot fill the table or hold unbounded frames; another interface still
// resolves.
TEST(HostStackBoundsTest, OneInterfaceCannotTakeTheNeighbourTableOrQueueUnbounded) {
  constexpr PortIndex kBusy = 3;
  constexpr PortIndex kQuiet = 4;
  HostStack host;
  host.SetInterfaces({Interface{kBusy, 0x0a000001, 8, 0, 0x02aa00000003},
                      Interface{kQuiet, 0x0b000001, 8, 0, 0x02aa00000004}});
  size_t arp_sent = 0;
  auto send = [&](PortIndex, const uint8_t*, uint32_t) { ++arp_sent; };
  std::vector<uint8_t> frame(1500, 0xab);
  const uint64_t dropped_before = host.unresolved_dropped();
  // 2000 next hops, each with a 1500-byte frame: 3 MB asked for.
  for (uint32_t i = 0; i < 2000; ++i) {
    host.Resolve(kBusy, 0x0a000100 + i, frame.data(), 1500, 1000, send);
  }
  const uint64_t queued = 2000 - (host.unresolved_dropped() - dropped_before);
  EXPECT_LE(queued * 1500, HostStack::kMaxQueuedBytesPerInterface);
  EXPECT_GT(queued, 0u);
  // The quiet interface still gets a neighbour and queues a frame.
  const size_t asked = arp_sent;
  const uint64_t dropped = host.unresolved_dropped();
  host.Resolve(kQuiet, 0x0b000005, frame.data(), 1500, 1000, send);
  EXPECT_EQ(host.unresolved_dropped(), dropped);
  EXPECT_EQ(arp_sent, asked + 1);
  // Queued frames that time out give their room back.
  host.Tick({}, 1000 + HostStack::kQueueMs, send);
  const uint64_t before = host.unresolved_dropped();
  host.Resolve(kBusy, 0x0a000fff, frame.data(), 1500, 1000 + HostStack::kQueueMs, send);
  EXPECT_EQ(host.unresolved_dropped(), before);
}

TEST(HostStackBoundsTest, NeighboursPerInterfaceAreBounded) {
  constexpr PortIndex kBusy = 3;
  HostStack host;
  host.SetInterfaces({Interface{kBusy, 0x0a000001, 8, 0, 0x02aa00000003},
                      Interface{4, 0x0b000001, 8, 0, 0x02aa00000004}});
  auto send = [](PortIndex, const uint8_t*, uint32_t) {};
  for (uint32_t i = 0; i < 3000; ++i) {
    host.Learn(kBusy, 0x0a000100 + i, 0x020000000000 + i, 1000, send);
  }
  uint32_t known = 0;
  for (uint32_t i = 0; i < 3000; ++i) {
    known += host.Lookup(kBusy, 0x0a000100 + i) != 0 ? 1 : 0;
  }
  EXPECT_EQ(known, HostStack::kMaxNeighborsPerInterface);
  host.Learn(4, 0x0b000005, 0x02000000beef, 1000, send);
  EXPECT_EQ(host.Lookup(4, 0x0b000005), 0x02000000beefu);
}

}  // namespace
}  // namespace switchyard::dp
