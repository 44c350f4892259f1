#include "datapath/gateway/router.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "datapath/core/arp.h"
#include "datapath/core/fdb.h"
#include "datapath/core/neighbor_cache.h"
#include "datapath/engine/spec.h"
#include "datapath/gateway/gateway_port.h"
#include "datapath/overlay/overlay.h"
#include "datapath/stages/bridge/bridge.h"
#include "tests/unit/datapath/test_packets.h"

namespace switchyard::dp {
namespace {

using testing::FakePort;
using testing::TestPool;
using Bytes = std::vector<uint8_t>;

constexpr PortIndex kGuestPort = 0;   // guest A
constexpr PortIndex kUplink = 1;      // the network's uplink
constexpr PortIndex kGwPort = 2;      // the gateway's own slot in network 0
constexpr PortIndex kGuestBPort = 3;  // guest B
constexpr uint16_t kPmd = 0;

constexpr MacKey kGuestA = 0x02000000000a;
constexpr MacKey kGuestB = 0x02000000000b;
constexpr MacKey kGwMac = 0x02ee00000001;
constexpr MacKey kUplinkMac = 0x02aa00000001;
constexpr MacKey kOutsideMac = 0x02bb00000002;  // 10.99.0.2
constexpr MacKey kUpGwMac = 0x02bb000000fe;     // 10.99.0.254

constexpr uint32_t kGwIp = 0xc0a83201;  // 192.168.50.1/24
constexpr uint32_t kSubnet = 0xc0a83200;
constexpr uint32_t kMask = 0xffffff00;
constexpr uint32_t kGuestAIp = 0xc0a8320a;  // 192.168.50.10
constexpr uint32_t kGuestBIp = 0xc0a8320b;  // 192.168.50.11: not in the guest neighbour cache
constexpr uint32_t kUplinkIp = 0x0a630001;  // 10.99.0.1/24
constexpr uint32_t kOutsideIp = 0x0a630002;
constexpr uint32_t kUncachedIp = 0x0a630003;  // on the uplink's subnet, MAC unknown
constexpr uint32_t kUpGwIp = 0x0a6300fe;
constexpr uint32_t kFarIp = 0x08080808;  // off the uplink's subnet

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kSyn = 0x02;
constexpr uint8_t kAck = 0x10;
constexpr uint32_t kNow = 100;

// ---- Frames, byte by byte ----

void Put16(Bytes& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void Put32(Bytes& b, uint32_t v) {
  Put16(b, v >> 16);
  Put16(b, v & 0xffff);
}
void PutMac(Bytes& b, MacKey mac) {
  for (int i = 0; i < 6; ++i) {
    b.push_back(static_cast<uint8_t>(mac >> (40 - 8 * i)));
  }
}
uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t Get32(const uint8_t* p) { return static_cast<uint32_t>(Get16(p)) << 16 | Get16(p + 2); }
MacKey GetMac(const uint8_t* p) {
  MacKey m = 0;
  for (int i = 0; i < 6; ++i) {
    m = m << 8 | p[i];
  }
  return m;
}

// One's complement sum of `len` bytes, folded to 16 bits (not inverted).
uint16_t Sum(const uint8_t* p, size_t len, uint64_t sum = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) {
    sum += Get16(p + i);
  }
  if (len % 2 != 0) {
    sum += static_cast<uint32_t>(p[len - 1]) << 8;
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(sum);
}
uint64_t PseudoHeader(uint32_t src, uint32_t dst, uint8_t proto, size_t len) {
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}

Bytes Tcp(uint16_t sport, uint16_t dport, uint8_t flags, size_t payload = 0) {
  Bytes b;
  Put16(b, sport);
  Put16(b, dport);
  Put32(b, 0x11223344);                       // sequence
  Put32(b, (flags & kAck) ? 0x55667788 : 0);  // acknowledgement
  b.push_back(0x50);                          // data offset 5
  b.push_back(flags);
  Put16(b, 64240);  // window
  Put16(b, 0);      // checksum: by Datagram()
  Put16(b, 0);      // urgent
  for (size_t i = 0; i < payload; ++i) {
    b.push_back(static_cast<uint8_t>(i * 7));
  }
  return b;
}

Bytes Udp(uint16_t sport, uint16_t dport, size_t payload = 12) {
  Bytes b;
  Put16(b, sport);
  Put16(b, dport);
  Put16(b, static_cast<uint32_t>(8 + payload));
  Put16(b, 0);  // checksum: by Datagram()
  for (size_t i = 0; i < payload; ++i) {
    b.push_back(static_cast<uint8_t>(0xa0 + i));
  }
  return b;
}

// An ICMP message whose checksum is set: type, code, the 4 bytes after
// the checksum, then `data`.
Bytes Icmp(uint8_t type, uint8_t code, uint32_t rest, const Bytes& data) {
  Bytes b{type, code, 0, 0};
  Put32(b, rest);
  b.insert(b.end(), data.begin(), data.end());
  const uint16_t sum = static_cast<uint16_t>(~Sum(b.data(), b.size()));
  b[2] = static_cast<uint8_t>(sum >> 8);
  b[3] = static_cast<uint8_t>(sum);
  return b;
}
Bytes Echo(uint8_t type, uint16_t id, uint16_t seq = 1) {
  return Icmp(type, 0, static_cast<uint32_t>(id) << 16 | seq,
              Bytes{'p', 'i', 'n', 'g', 0, 1, 2, 3});
}

// An IPv4 datagram around `l4`; a TCP or UDP checksum is filled in.
Bytes Datagram(uint32_t src, uint32_t dst, uint8_t proto, Bytes l4, uint8_t ttl = 64,
               uint16_t frag = 0x4000) {
  const int sum_at = proto == kTcp ? 16 : proto == kUdp ? 6 : -1;
  if (sum_at >= 0) {
    l4[sum_at] = l4[sum_at + 1] = 0;
    uint16_t sum =
        static_cast<uint16_t>(~Sum(l4.data(), l4.size(), PseudoHeader(src, dst, proto, l4.size())));
    if (proto == kUdp && sum == 0) {
      sum = 0xffff;
    }
    l4[sum_at] = static_cast<uint8_t>(sum >> 8);
    l4[sum_at + 1] = static_cast<uint8_t>(sum);
  }
  Bytes b;
  Put16(b, 0x4500);
  Put16(b, static_cast<uint32_t>(20 + l4.size()));
  Put16(b, 0x1234);  // id
  Put16(b, frag);
  b.push_back(ttl);
  b.push_back(proto);
  Put16(b, 0);  // checksum, below
  Put32(b, src);
  Put32(b, dst);
  const uint16_t sum = static_cast<uint16_t>(~Sum(b.data(), 20));
  b[10] = static_cast<uint8_t>(sum >> 8);
  b[11] = static_cast<uint8_t>(sum);
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

// Ethernet around `payload`, padded to the 60-byte minimum.
Bytes Eth(MacKey dst, MacKey src, uint16_t type, const Bytes& payload) {
  Bytes b;
  PutMac(b, dst);
  PutMac(b, src);
  Put16(b, type);
  b.insert(b.end(), payload.begin(), payload.end());
  if (b.size() < 60) {
    b.resize(60, 0);
  }
  return b;
}

Bytes Frame(MacKey dst_mac, MacKey src_mac, uint32_t src, uint32_t dst, uint8_t proto, Bytes l4,
            uint8_t ttl = 64, uint16_t frag = 0x4000) {
  return Eth(dst_mac, src_mac, 0x0800, Datagram(src, dst, proto, std::move(l4), ttl, frag));
}

// ---- What the test reads back, checksums summed afresh ----

// True when the IPv4 header at `ip` and its TCP, UDP or ICMP checksum are
// right, summed over the whole datagram as its total length has it.
bool IpChecksumOk(const uint8_t* ip) { return Sum(ip, (ip[0] & 0x0f) * 4u) == 0xffff; }
bool L4ChecksumOk(const uint8_t* ip) {
  const size_t ihl = (ip[0] & 0x0f) * 4u;
  const size_t len = Get16(ip + 2) - ihl;
  const uint8_t* l4 = ip + ihl;
  switch (ip[9]) {
    case kTcp:
      return Sum(l4, len, PseudoHeader(Get32(ip + 12), Get32(ip + 16), kTcp, len)) == 0xffff;
    case kUdp:
      return Get16(l4 + 6) != 0 &&
             Sum(l4, len, PseudoHeader(Get32(ip + 12), Get32(ip + 16), kUdp, len)) == 0xffff;
    case kIcmp:
      return Sum(l4, len) == 0xffff;
    default:
      return false;
  }
}

// An Ethernet + IPv4 frame, parsed.
struct Pkt {
  explicit Pkt(const Bytes& f)
      : eth_dst(GetMac(f.data())),
        eth_src(GetMac(f.data() + 6)),
        type(Get16(f.data() + 12)),
        ip(f.data() + 14),
        l4(ip + (ip[0] & 0x0f) * 4),
        src(Get32(ip + 12)),
        dst(Get32(ip + 16)),
        ttl(ip[8]),
        proto(ip[9]),
        sport(Get16(l4)),
        dport(Get16(l4 + 2)),
        icmp_id(Get16(l4 + 4)),
        ip_ok(IpChecksumOk(ip)),
        l4_ok(L4ChecksumOk(ip)) {}

  MacKey eth_dst;
  MacKey eth_src;
  uint16_t type;
  const uint8_t* ip;
  const uint8_t* l4;
  uint32_t src;
  uint32_t dst;
  uint8_t ttl;
  uint8_t proto;
  uint16_t sport;  // TCP, UDP
  uint16_t dport;
  uint16_t icmp_id;  // ICMP echo
  bool ip_ok;
  bool l4_ok;
};

// ---- The fixture ----

// Network 0: guest A on port 0 and guest B on port 3 (vhost-user: guests),
// and the gateway 192.168.50.1/24 on port 2, NAT to uplink port 1
// (10.99.0.1/24), wired as Dataplane::Publish wires them.
class RouterTest : public ::testing::Test {
 protected:
  RouterTest()
      : counters_(std::make_unique<PmdCounters>()),
        egress_(kPmd, counters_.get(), &TestPool::ReleaseBulk, &freed_),
        bridge_(counters_.get(), &egress_, nullptr, &segmenter_, pool_.Source()),
        router_(kPmd, counters_.get(), &egress_, &RouterTest::Punt, this, pool_.Source()),
        overlay_(counters_.get(), &egress_, &bridge_, &router_, &RouterTest::Punt, this),
        conns_(std::make_unique<ConnTable>(64)) {
    egress_.set_headers(pool_.Source());
    egress_.set_gateway(&RouterStage::FlushGateway, &router_);
    // Slots point into these: reserved, so they never move.
    snap_.uplinks.reserve(1);
    snap_.gateways.reserve(1);
    UplinkSlot& up = snap_.uplinks.emplace_back();
    up.address = kUplinkIp;
    up.prefix_mask = 0xffffff00;
    up.gateway = 0;
    up.mac = kUplinkMac;
    up.neighbors = &up_neighbors_;
    GatewaySlot& gw = snap_.gateways.emplace_back();
    gw.network = 0;
    gw.port = kGwPort;
    gw.uplink = kUplink;
    gw.nat = true;
    gw.enabled = true;
    gw.address = kGwIp;
    gw.subnet = kSubnet;
    gw.mask = kMask;
    gw.mac = kGwMac;
    gw.neighbors = &gw_neighbors_;
    gw.conns = conns_.get();
    gw.pmd = kPmd;
    gw.forwards = {ForwardRule{kUdp, 5353, kGuestAIp, 53}, ForwardRule{kTcp, 8080, kGuestAIp, 80}};
    gw.outside = kUplinkIp;
    // The outside hosts of these tests are on the uplink's subnet.
    gw.underlay_allow = {AllowedPrefix{0, 0}};
    up.gateways.push_back(&gw);

    snap_.ports[kGuestPort] =
        PortSlot{&guest_a_, 0, nullptr, nullptr, nullptr, kPortGuest, VlanPolicy::TrunkOfAll()};
    snap_.ports[kGuestBPort] =
        PortSlot{&guest_b_, 0, nullptr, nullptr, nullptr, kPortGuest, VlanPolicy::TrunkOfAll()};
    snap_.ports[kUplink] =
        PortSlot{&uplink_, kInvalidNetwork, nullptr, &up, nullptr, 0, VlanPolicy::TrunkOfAll()};
    VlanSpec untagged_only;  // a gateway takes untagged frames only: VLAN 0
    untagged_only.trunks = {VlanRange{0, 0}};
    snap_.ports[kGwPort] =
        PortSlot{&gw_port_, 0, nullptr, nullptr, &gw, 0, MakeVlanPolicy(untagged_only)};
    snap_.networks[0] = NetworkSlot{&fdb_, {kGuestPort, kGuestBPort, kGwPort}};
    fdb_.AddStatic(0, kGwMac, kGwPort, 0);
    fdb_.Learn(0, kGuestA, kGuestPort, 0);
    fdb_.Learn(0, kGuestB, kGuestBPort, 0);

    up_neighbors_.Set(kOutsideIp, kOutsideMac);
    gw_neighbors_.Set(kGuestAIp, kGuestA);
  }

  GatewaySlot& gw() { return snap_.gateways[0]; }
  UplinkSlot& up() { return snap_.uplinks[0]; }

  static DropReason Punt(rte_mbuf* m, void* self) {
    auto* t = static_cast<RouterTest*>(self);
    if (t->punt_full_) {
      return DropReason::kSlowPathFull;
    }
    if (t->punt_policed_) {
      return DropReason::kPuntPoliced;
    }
    t->punted_.push_back(Punted{ReadPunt(m), TestPool::Bytes(m)});
    TestPool::Release(m);
    return DropReason::kCount;
  }

  void Begin(uint32_t now) {
    egress_.Begin(&snap_);
    router_.Begin(&snap_, now);
  }

  // A burst from a guest's port, through the bridge and, for the
  // gateway's MAC, the router.
  void FromGuest(PortIndex in, const std::vector<Bytes>& frames, uint32_t now = kNow) {
    rte_mbuf* pkts[kBurstSize];
    for (size_t i = 0; i < frames.size(); ++i) {
      pkts[i] = pool_.MakeRaw(frames[i]);
    }
    Begin(now);
    bridge_.Process(snap_, in, pkts, static_cast<uint16_t>(frames.size()), now);
    egress_.Flush();
  }
  void FromGuest(const Bytes& frame, uint32_t now = kNow) { FromGuest(kGuestPort, {frame}, now); }

  // A burst received on the uplink.
  void FromOutside(const std::vector<Bytes>& frames, uint32_t now = kNow) {
    rte_mbuf* pkts[kBurstSize];
    for (size_t i = 0; i < frames.size(); ++i) {
      pkts[i] = pool_.MakeRaw(frames[i]);
    }
    Begin(now);
    overlay_.Process(snap_, kUplink, pkts, static_cast<uint16_t>(frames.size()), now);
    egress_.Flush();
  }
  void FromOutside(const Bytes& frame, uint32_t now = kNow) {
    FromOutside(std::vector<Bytes>{frame}, now);
  }
  void FromOutside(rte_mbuf* m, uint32_t now = kNow) {
    Begin(now);
    overlay_.Process(snap_, kUplink, &m, 1, now);
    egress_.Flush();
  }

  // Guest A's (or B's) frame for the gateway to route.
  static Bytes GuestFrame(uint32_t dst, uint8_t proto, Bytes l4, bool b = false, uint8_t ttl = 64) {
    return Frame(kGwMac, b ? kGuestB : kGuestA, b ? kGuestBIp : kGuestAIp, dst, proto,
                 std::move(l4), ttl);
  }
  // The outside host's frame for the uplink.
  static Bytes OutsideFrame(uint32_t dst, uint8_t proto, Bytes l4) {
    return Frame(kUplinkMac, kOutsideMac, kOutsideIp, dst, proto, std::move(l4));
  }

  uint64_t Drops(PortIndex p, DropReason r) {
    return counters_->ports[p].drops[static_cast<int>(r)].Get();
  }
  uint64_t AllDrops() {
    uint64_t n = 0;
    for (PortIndex p = 0; p < 4; ++p) {
      for (int r = 0; r < kDropReasonCount; ++r) {
        n += counters_->ports[p].drops[r].Get();
      }
    }
    return n;
  }
  size_t Sent() {
    return guest_a_.sent_bytes.size() + guest_b_.sent_bytes.size() + uplink_.sent_bytes.size();
  }
  void Clear() {
    for (FakePort* p : {&guest_a_, &guest_b_, &uplink_}) {
      p->sent_frames.clear();
      p->sent_bytes.clear();
    }
    punted_.clear();
  }

  struct Punted {
    PuntTag tag;
    Bytes bytes;
  };

  TestPool pool_;
  TcpSegmenter segmenter_{pool_.Source()};
  std::vector<rte_mbuf*> freed_;
  std::unique_ptr<PmdCounters> counters_;
  Egress egress_;
  BridgeStage bridge_;
  RouterStage router_;
  OverlayStage overlay_;
  std::unique_ptr<ConnTable> conns_;
  NeighborCache up_neighbors_;
  NeighborCache gw_neighbors_;
  Snapshot snap_;
  FakePort guest_a_;
  FakePort guest_b_;
  FakePort uplink_;
  GatewayPort gw_port_;
  Fdb fdb_{64};
  std::vector<Punted> punted_;
  bool punt_full_ = false;
  bool punt_policed_ = false;
};

TEST_F(RouterTest, NatOutMasqueradesToTheUplinkAddressAndKeepsAFreeSourcePort) {
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  const Pkt p(uplink_.sent_bytes[0]);
  EXPECT_EQ(p.eth_dst, kOutsideMac);
  EXPECT_EQ(p.eth_src, kUplinkMac);
  EXPECT_EQ(p.src, kUplinkIp);
  EXPECT_EQ(p.dst, kOutsideIp);
  EXPECT_EQ(p.sport, 40000);
  EXPECT_EQ(p.dport, 80);
  EXPECT_EQ(p.ttl, 63);
  EXPECT_TRUE(p.ip_ok);
  EXPECT_TRUE(p.l4_ok);
  // Byte for byte what the uplink's own stack would have sent.
  EXPECT_EQ(uplink_.sent_bytes[0],
            Frame(kOutsideMac, kUplinkMac, kUplinkIp, kOutsideIp, kTcp, Tcp(40000, 80, kSyn), 63));
  EXPECT_EQ(conns_->size(), 1u);
  EXPECT_EQ(guest_a_.sent_bytes.size() + guest_b_.sent_bytes.size(), 0u);
  EXPECT_TRUE(punted_.empty());
  EXPECT_EQ(counters_->ports[kGwPort].tx_packets.Get(), 1u);  // bridged to the gateway
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, NatBackRestoresTheGuestsAddressAndPort) {
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  FromOutside(OutsideFrame(kUplinkIp, kTcp, Tcp(80, 40000, kSyn | kAck)));
  ASSERT_EQ(guest_a_.sent_bytes.size(), 1u);
  EXPECT_EQ(guest_b_.sent_bytes.size(), 0u);
  const Pkt p(guest_a_.sent_bytes[0]);
  EXPECT_EQ(p.eth_dst, kGuestA);
  EXPECT_EQ(p.eth_src, kGwMac);
  EXPECT_EQ(p.src, kOutsideIp);
  EXPECT_EQ(p.dst, kGuestAIp);
  EXPECT_EQ(p.sport, 80);
  EXPECT_EQ(p.dport, 40000);
  EXPECT_EQ(p.ttl, 63);
  EXPECT_TRUE(p.ip_ok);
  EXPECT_TRUE(p.l4_ok);
  EXPECT_EQ(guest_a_.sent_bytes[0],
            Frame(kGuestA, kGwMac, kOutsideIp, kGuestAIp, kTcp, Tcp(80, 40000, kSyn | kAck), 63));
  EXPECT_EQ(counters_->ports[kGwPort].rx_packets.Get(), 1u);  // bridged from the gateway
  // The guest's ACK goes out on the same connection.
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kAck)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 2u);
  EXPECT_EQ(Pkt(uplink_.sent_bytes[1]).sport, 40000);
  EXPECT_EQ(conns_->size(), 1u);
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, TwoGuestsWithOneSourcePortToOneRemoteGetTwoNatPorts) {
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  FromGuest(kGuestBPort, {GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn), true)});
  ASSERT_EQ(uplink_.sent_bytes.size(), 2u);
  const Pkt a(uplink_.sent_bytes[0]);
  const Pkt b(uplink_.sent_bytes[1]);
  EXPECT_EQ(a.src, kUplinkIp);
  EXPECT_EQ(b.src, kUplinkIp);
  EXPECT_EQ(a.sport, 40000);
  EXPECT_NE(b.sport, 40000);
  EXPECT_NE(b.sport, 0);
  EXPECT_TRUE(b.ip_ok);
  EXPECT_TRUE(b.l4_ok);
  EXPECT_EQ(conns_->size(), 2u);

  // Replies, B's first: each reaches its own guest, port 40000 again.
  FromOutside({OutsideFrame(kUplinkIp, kTcp, Tcp(80, b.sport, kSyn | kAck)),
               OutsideFrame(kUplinkIp, kTcp, Tcp(80, 40000, kSyn | kAck))});
  ASSERT_EQ(guest_a_.sent_bytes.size(), 1u);
  ASSERT_EQ(guest_b_.sent_bytes.size(), 1u);
  const Pkt to_a(guest_a_.sent_bytes[0]);
  const Pkt to_b(guest_b_.sent_bytes[0]);
  EXPECT_EQ(to_a.dst, kGuestAIp);
  EXPECT_EQ(to_a.dport, 40000);
  EXPECT_EQ(to_a.eth_dst, kGuestA);
  EXPECT_EQ(to_b.dst, kGuestBIp);
  EXPECT_EQ(to_b.dport, 40000);
  EXPECT_EQ(to_b.eth_dst, kGuestB);  // the MAC its SYN came from; B is not in the cache
  EXPECT_TRUE(to_b.ip_ok);
  EXPECT_TRUE(to_b.l4_ok);
  EXPECT_EQ(guest_b_.sent_bytes[0],
            Frame(kGuestB, kGwMac, kOutsideIp, kGuestBIp, kTcp, Tcp(80, 40000, kSyn | kAck), 63));
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, NatSourcePortsArePerOutsideAddress) {
  // A's connection leaves as the uplink's address from port 40000; the
  // network then takes an address of its own: B's connection, from the
  // same port to the same remote, keeps port 40000 there.
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  constexpr uint32_t kNatIp = 0x0a630032;  // 10.99.0.50
  gw().outside = kNatIp;
  FromGuest(kGuestBPort, {GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn), true)});
  ASSERT_EQ(uplink_.sent_bytes.size(), 2u);
  const Pkt a(uplink_.sent_bytes[0]);
  const Pkt b(uplink_.sent_bytes[1]);
  EXPECT_EQ(std::pair(a.src, a.sport), std::pair(kUplinkIp, uint16_t{40000}));
  EXPECT_EQ(std::pair(b.src, b.sport), std::pair(kNatIp, uint16_t{40000}));
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, UdpThroughNatBothWays) {
  FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(5000, 53)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_EQ(uplink_.sent_bytes[0],
            Frame(kOutsideMac, kUplinkMac, kUplinkIp, kOutsideIp, kUdp, Udp(5000, 53), 63));
  const Pkt out(uplink_.sent_bytes[0]);
  EXPECT_TRUE(out.l4_ok);
  FromOutside(OutsideFrame(kUplinkIp, kUdp, Udp(53, 5000, 30)));
  ASSERT_EQ(guest_a_.sent_bytes.size(), 1u);
  const Pkt in(guest_a_.sent_bytes[0]);
  EXPECT_EQ(in.dst, kGuestAIp);
  EXPECT_EQ(in.dport, 5000);
  EXPECT_TRUE(in.ip_ok);
  EXPECT_TRUE(in.l4_ok);
  EXPECT_EQ(guest_a_.sent_bytes[0],
            Frame(kGuestA, kGwMac, kOutsideIp, kGuestAIp, kUdp, Udp(53, 5000, 30), 63));
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, IcmpEchoThroughNatBothWaysWithItsIdentifierTranslated) {
  FromGuest(GuestFrame(kOutsideIp, kIcmp, Echo(8, 0x1234)));
  FromGuest(kGuestBPort, {GuestFrame(kOutsideIp, kIcmp, Echo(8, 0x1234), true)});
  ASSERT_EQ(uplink_.sent_bytes.size(), 2u);
  const Pkt a(uplink_.sent_bytes[0]);
  const Pkt b(uplink_.sent_bytes[1]);
  EXPECT_EQ(a.icmp_id, 0x1234);  // free: kept
  EXPECT_NE(b.icmp_id, 0x1234);  // taken by A towards this remote: another one
  for (const Pkt* p : {&a, &b}) {
    EXPECT_EQ(p->src, kUplinkIp);
    EXPECT_EQ(p->ttl, 63);
    EXPECT_TRUE(p->ip_ok);
    EXPECT_TRUE(p->l4_ok);
  }
  EXPECT_EQ(uplink_.sent_bytes[1],
            Frame(kOutsideMac, kUplinkMac, kUplinkIp, kOutsideIp, kIcmp, Echo(8, b.icmp_id), 63));

  FromOutside({OutsideFrame(kUplinkIp, kIcmp, Echo(0, b.icmp_id)),
               OutsideFrame(kUplinkIp, kIcmp, Echo(0, 0x1234))});
  ASSERT_EQ(guest_a_.sent_bytes.size(), 1u);
  ASSERT_EQ(guest_b_.sent_bytes.size(), 1u);
  EXPECT_EQ(guest_a_.sent_bytes[0],
            Frame(kGuestA, kGwMac, kOutsideIp, kGuestAIp, kIcmp, Echo(0, 0x1234), 63));
  EXPECT_EQ(guest_b_.sent_bytes[0],
            Frame(kGuestB, kGwMac, kOutsideIp, kGuestBIp, kIcmp, Echo(0, 0x1234), 63));
  const Pkt to_b(guest_b_.sent_bytes[0]);
  EXPECT_EQ(to_b.icmp_id, 0x1234);
  EXPECT_TRUE(to_b.l4_ok);
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, TcpWithoutSynOpensNothingFromEitherSide) {
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kAck)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kNatNoConnection), 1u);
  FromOutside(OutsideFrame(kUplinkIp, kTcp, Tcp(80, 40000, kSyn | kAck)));
  FromOutside(OutsideFrame(kUplinkIp, kTcp, Tcp(80, 22, kSyn)));  // no forward for 22
  FromOutside(OutsideFrame(kUplinkIp, kUdp, Udp(53, 5000)));
  FromOutside(OutsideFrame(kUplinkIp, kTcp, Tcp(40001, 8080, kAck)));  // a forward, but no SYN
  EXPECT_EQ(Drops(kUplink, DropReason::kNatNoConnection), 4u);
  EXPECT_EQ(Sent(), 0u);
  EXPECT_EQ(conns_->size(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, UdpToAForwardOpensAConnectionToTheGuest) {
  FromOutside(OutsideFrame(kUplinkIp, kUdp, Udp(7777, 5353)));
  ASSERT_EQ(guest_a_.sent_bytes.size(), 1u);
  const Pkt p(guest_a_.sent_bytes[0]);
  EXPECT_EQ(p.src, kOutsideIp);  // kept
  EXPECT_EQ(p.sport, 7777);
  EXPECT_EQ(p.dst, kGuestAIp);
  EXPECT_EQ(p.dport, 53);
  EXPECT_EQ(p.eth_dst, kGuestA);  // from the guest neighbour cache
  EXPECT_TRUE(p.ip_ok);
  EXPECT_TRUE(p.l4_ok);
  EXPECT_EQ(conns_->size(), 1u);
  EXPECT_EQ(conns_->created(), 1u);
  // The guest's answer leaves from the forward's outside port.
  FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(53, 7777)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_EQ(uplink_.sent_bytes[0],
            Frame(kOutsideMac, kUplinkMac, kUplinkIp, kOutsideIp, kUdp, Udp(5353, 7777), 63));
  EXPECT_EQ(conns_->size(), 1u);
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, TcpSynToAForwardReachesTheGuestAndItsReplyLeavesFromTheForwardPort) {
  FromOutside(OutsideFrame(kUplinkIp, kTcp, Tcp(40001, 8080, kSyn)));
  ASSERT_EQ(guest_a_.sent_bytes.size(), 1u);
  EXPECT_EQ(guest_b_.sent_bytes.size(), 0u);
  const Pkt p(guest_a_.sent_bytes[0]);
  EXPECT_EQ(p.src, kOutsideIp);
  EXPECT_EQ(p.sport, 40001);
  EXPECT_EQ(p.dst, kGuestAIp);
  EXPECT_EQ(p.dport, 80);
  EXPECT_TRUE(p.ip_ok);
  EXPECT_TRUE(p.l4_ok);
  EXPECT_EQ(guest_a_.sent_bytes[0],
            Frame(kGuestA, kGwMac, kOutsideIp, kGuestAIp, kTcp, Tcp(40001, 80, kSyn), 63));

  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(80, 40001, kSyn | kAck)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  const Pkt r(uplink_.sent_bytes[0]);
  EXPECT_EQ(r.src, kUplinkIp);
  EXPECT_EQ(r.sport, 8080);
  EXPECT_EQ(r.dst, kOutsideIp);
  EXPECT_EQ(r.dport, 40001);
  EXPECT_TRUE(r.ip_ok);
  EXPECT_TRUE(r.l4_ok);
  EXPECT_EQ(uplink_.sent_bytes[0], Frame(kOutsideMac, kUplinkMac, kUplinkIp, kOutsideIp, kTcp,
                                         Tcp(8080, 40001, kSyn | kAck), 63));
  EXPECT_EQ(conns_->size(), 1u);
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, IcmpErrorsForNatedPacketsAreTranslatedBackToTheGuest) {
  struct Case {
    const char* name;
    uint8_t proto;
    Bytes l4;
    uint16_t inside_port;  // the quoted source port, or the echo identifier
  };
  // Guest B's flows collide with guest A's, so their NAT ports differ from
  // B's own and the quoted packet really needs translating.
  const std::vector<Case> cases = {
      {"udp", kUdp, Udp(5000, 53), 5000},
      {"tcp", kTcp, Tcp(40000, 80, kSyn), 40000},
      {"icmp", kIcmp, Echo(8, 0x4242), 0x4242},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Clear();
    FromGuest(GuestFrame(kOutsideIp, c.proto, c.l4));
    FromGuest(kGuestBPort, {GuestFrame(kOutsideIp, c.proto, c.l4, true)});
    ASSERT_EQ(uplink_.sent_bytes.size(), 2u);
    const Bytes& left = uplink_.sent_bytes[1];  // B's, as it left
    const Pkt sent(left);
    ASSERT_EQ(sent.src, kUplinkIp);
    const Bytes quoted(left.begin() + 14, left.begin() + 14 + Get16(left.data() + 16));
    // Port unreachable (or, for the ping, time exceeded) from the outside host.
    const uint8_t type = c.proto == kIcmp ? 11 : 3;
    const uint8_t code = c.proto == kIcmp ? 0 : 3;
    FromOutside(OutsideFrame(kUplinkIp, kIcmp, Icmp(type, code, 0, quoted)));
    ASSERT_EQ(guest_b_.sent_bytes.size(), 1u);
    EXPECT_EQ(guest_a_.sent_bytes.size(), 0u);
    const Bytes& got = guest_b_.sent_bytes[0];
    const Pkt outer(got);
    EXPECT_EQ(outer.eth_dst, kGuestB);
    EXPECT_EQ(outer.eth_src, kGwMac);
    EXPECT_EQ(outer.src, kOutsideIp);
    EXPECT_EQ(outer.dst, kGuestBIp);
    EXPECT_EQ(outer.ttl, 63);
    EXPECT_TRUE(outer.ip_ok);
    EXPECT_TRUE(outer.l4_ok);  // ICMP over the whole message
    const uint8_t* inner = outer.l4 + 8;
    const uint8_t* inner_l4 = inner + 20;
    EXPECT_EQ(Get32(inner + 12), kGuestBIp);
    EXPECT_EQ(Get32(inner + 16), kOutsideIp);
    EXPECT_NE(Get16(sent.l4 + (c.proto == kIcmp ? 4 : 0)), c.inside_port);  // as it left
    EXPECT_EQ(Get16(inner_l4 + (c.proto == kIcmp ? 4 : 0)), c.inside_port);
    EXPECT_TRUE(IpChecksumOk(inner));
    EXPECT_TRUE(L4ChecksumOk(inner));  // the whole datagram is quoted
    // The quoted packet is the one B sent (TTL as it left the gateway).
    const Bytes as_sent = Datagram(kGuestBIp, kOutsideIp, c.proto, c.l4, 63);
    EXPECT_EQ(got, Frame(kGuestB, kGwMac, kOutsideIp, kGuestBIp, kIcmp,
                         Icmp(type, code, 0, as_sent), 63));
    conns_->EraseIf([](const Conn&) { return true; });
  }
  // An error about a packet that never left here is nobody's.
  const Bytes stray = Datagram(kUplinkIp, kOutsideIp, kUdp, Udp(6000, 53));
  FromOutside(OutsideFrame(kUplinkIp, kIcmp, Icmp(3, 3, 0, stray)));
  EXPECT_EQ(Drops(kUplink, DropReason::kNatNoConnection), 1u);
  EXPECT_EQ(AllDrops(), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, AFullTableDropsNewConnectionsAndCountsThem) {
  conns_ = std::make_unique<ConnTable>(1);
  gw().conns = conns_.get();
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  // Established: the handshake completes, so nothing may push it out.
  const uint16_t nat_port = Pkt(uplink_.sent_bytes[0]).sport;
  FromOutside(OutsideFrame(kUplinkIp, kTcp, Tcp(80, nat_port, kSyn | kAck)));
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kAck)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 2u);
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40001, 80, kSyn)));
  FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(5000, 53)));
  EXPECT_EQ(uplink_.sent_bytes.size(), 2u);
  EXPECT_EQ(Drops(kGwPort, DropReason::kNatTableFull), 2u);
  EXPECT_EQ(conns_->full(), 2u);
  EXPECT_EQ(conns_->size(), 1u);
  // The connection that fits still works.
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kAck)));
  EXPECT_EQ(uplink_.sent_bytes.size(), 3u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, HalfOpenConnectionsThroughAForwardGiveWayToNewOnes) {
  conns_ = std::make_unique<ConnTable>(8);
  gw().conns = conns_.get();
  // A SYN flood through the forward: each SYN answered by the guest's
  // SYN-ACK, never acknowledged. Not one of them is established.
  for (uint16_t port = 1000; port < 1100; ++port) {
    FromOutside(OutsideFrame(kUplinkIp, kTcp, Tcp(port, 8080, kSyn)));
    FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(80, port, kSyn | kAck)));
  }
  EXPECT_EQ(conns_->size(), 8u);
  EXPECT_EQ(conns_->early_drops(), 100u - 8u);
  EXPECT_EQ(conns_->full(), 0u);
  conns_->ForEach([](const Conn& c) { EXPECT_EQ(ConnTable::Timeout(c), 10u); });
  // The guest still opens a connection of its own.
  Clear();
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  EXPECT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_EQ(Drops(kGwPort, DropReason::kNatTableFull), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, AGuestPortOpensAtMostItsShareOfTheTable) {
  conns_ = std::make_unique<ConnTable>(64, kNatGroups);
  gw().conns = conns_.get();
  gw().guest_limit = 4;
  // Guest A's UDP flows, each answered (established): four, then refused
  // on its port.
  for (uint16_t port = 5000; port < 5006; ++port) {
    FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(port, 53)));
    conns_->ForEach([](const Conn& c) { const_cast<Conn&>(c).replied = true; });
  }
  EXPECT_EQ(conns_->size(), 4u);
  EXPECT_EQ(conns_->group_size(kGuestPort), 4u);
  EXPECT_EQ(Drops(kGuestPort, DropReason::kNatGuestLimit), 2u);
  // Guest B, on its own port, still gets its connections.
  Clear();
  FromGuest(kGuestBPort, {GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn), true)});
  EXPECT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_EQ(conns_->group_size(kGuestBPort), 1u);
  // A forward's connections count against the forward, not the guest.
  FromOutside(OutsideFrame(kUplinkIp, kUdp, Udp(7777, 5353)));
  EXPECT_EQ(guest_a_.sent_bytes.size(), 1u);
  EXPECT_EQ(conns_->group_size(kGuestPort), 4u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, AForwardCarriesAtMostItsShareOfTheTable) {
  conns_ = std::make_unique<ConnTable>(64, kNatGroups);
  gw().conns = conns_.get();
  gw().forward_limit = 3;
  gw().forwards[0].group = kForwardGroups;      // udp 5353
  gw().forwards[1].group = kForwardGroups + 1;  // tcp 8080
  for (uint16_t port = 7000; port < 7005; ++port) {
    FromOutside(OutsideFrame(kUplinkIp, kUdp, Udp(port, 5353)));
    FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(53, port)));  // answered: established
  }
  EXPECT_EQ(conns_->group_size(kForwardGroups), 3u);
  EXPECT_EQ(Drops(kUplink, DropReason::kNatForwardLimit), 2u);
  // The other forward, and the guests' own connections, are untouched.
  FromOutside(OutsideFrame(kUplinkIp, kTcp, Tcp(40001, 8080, kSyn)));
  EXPECT_EQ(conns_->group_size(kForwardGroups + 1), 1u);
  Clear();
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  EXPECT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, GuestsReachOnlyTheUnderlayHostsAllowed) {
  gw().underlay_allow = {AllowedPrefix{kOutsideIp, 0xffffffff}};
  up().gateway = kUpGwIp;
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));   // allowed
  FromGuest(GuestFrame(kUncachedIp, kTcp, Tcp(40001, 22, kSyn)));  // another underlay host
  FromGuest(GuestFrame(kUpGwIp, kUdp, Udp(40002, 53)));            // even the router
  FromGuest(GuestFrame(kFarIp, kTcp, Tcp(40003, 443, kSyn)));      // beyond it: the world
  EXPECT_EQ(Drops(kGwPort, DropReason::kUnderlayRefused), 2u);
  EXPECT_EQ(uplink_.sent_bytes.size(), 1u);  // the far one waits for the router's MAC
  ASSERT_EQ(punted_.size(), 1u);
  EXPECT_EQ(Pkt(punted_[0].bytes).dst, kFarIp);
  // No list at all: the whole subnet is refused.
  gw().underlay_allow.clear();
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kAck)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kUnderlayRefused), 3u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, ANatNetworksOwnAddressCarriesItsConnectionsAndForwards) {
  constexpr uint32_t kNatIp = 0x0a630032;  // 10.99.0.50
  gw().outside = kNatIp;
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_EQ(Pkt(uplink_.sent_bytes[0]).src, kNatIp);
  // Its replies come back to the guest...
  FromOutside(OutsideFrame(kNatIp, kTcp, Tcp(80, 40000, kSyn | kAck)));
  ASSERT_EQ(guest_a_.sent_bytes.size(), 1u);
  EXPECT_EQ(Pkt(guest_a_.sent_bytes[0]).dst, kGuestAIp);
  // ...as do connections to its forwards; the uplink's own address has
  // neither.
  FromOutside(OutsideFrame(kNatIp, kUdp, Udp(7777, 5353)));
  EXPECT_EQ(guest_a_.sent_bytes.size(), 2u);
  FromOutside(OutsideFrame(kUplinkIp, kUdp, Udp(7778, 5353)));
  FromOutside(OutsideFrame(kUplinkIp, kTcp, Tcp(80, 40000, kAck)));
  EXPECT_EQ(guest_a_.sent_bytes.size(), 2u);
  EXPECT_EQ(Drops(kUplink, DropReason::kNatNoConnection), 2u);
  // A guest cannot send to it as to an outside host.
  FromGuest(GuestFrame(kNatIp, kTcp, Tcp(40001, 80, kSyn)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kUnderlayRefused), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, AnUnresolvedNextHopIsPuntedToBeResolved) {
  FromGuest(GuestFrame(kUncachedIp, kTcp, Tcp(40000, 80, kSyn)));
  ASSERT_EQ(punted_.size(), 1u);
  EXPECT_EQ(punted_[0].tag.kind, PuntKind::kResolve);
  EXPECT_EQ(punted_[0].tag.port, kUplink);
  EXPECT_EQ(punted_[0].tag.next_hop, kUncachedIp);
  {
    // Routed and masqueraded already: only its destination MAC is missing.
    const Pkt p(punted_[0].bytes);
    EXPECT_EQ(p.eth_src, kUplinkMac);
    EXPECT_EQ(p.src, kUplinkIp);
    EXPECT_EQ(p.ttl, 63);
    EXPECT_TRUE(p.ip_ok);
    EXPECT_TRUE(p.l4_ok);
  }

  // Off the uplink's subnet: by the uplink's gateway.
  up().gateway = kUpGwIp;
  FromGuest(GuestFrame(kFarIp, kTcp, Tcp(40000, 443, kSyn)));
  ASSERT_EQ(punted_.size(), 2u);
  EXPECT_EQ(punted_[1].tag.kind, PuntKind::kResolve);
  EXPECT_EQ(punted_[1].tag.port, kUplink);
  EXPECT_EQ(punted_[1].tag.next_hop, kUpGwIp);
  EXPECT_EQ(Pkt(punted_[1].bytes).dst, kFarIp);
  EXPECT_EQ(uplink_.sent_bytes.size(), 0u);

  // Once resolved, frames leave for the gateway's MAC.
  up_neighbors_.Set(kUpGwIp, kUpGwMac);
  FromGuest(GuestFrame(kFarIp, kTcp, Tcp(40000, 443, kAck)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_EQ(Pkt(uplink_.sent_bytes[0]).eth_dst, kUpGwMac);
  EXPECT_EQ(Pkt(uplink_.sent_bytes[0]).dst, kFarIp);

  // Off the subnet with no uplink gateway: nowhere to go.
  up().gateway = 0;
  FromGuest(GuestFrame(kFarIp, kTcp, Tcp(40002, 443, kSyn)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kNoRoute), 1u);
  EXPECT_EQ(punted_.size(), 2u);
  EXPECT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, ArpPingAndDhcpForTheGatewayArePuntedAsHostFrames) {
  uint8_t arp[kMinFrameLen];
  WriteArp(arp, kBroadcastMac, ArpMessage{ArpOp::kRequest, kGuestA, kGuestAIp, 0, kGwIp});
  const Bytes arp_frame(arp, arp + kMinFrameLen);
  const Bytes ping = GuestFrame(kGwIp, kIcmp, Echo(8, 7));
  const Bytes dhcp = Frame(kBroadcastMac, kGuestA, 0, 0xffffffff, kUdp, Udp(68, 67, 240));
  FromGuest(kGuestPort, {arp_frame, ping, dhcp});
  ASSERT_EQ(punted_.size(), 3u);
  for (const Punted& p : punted_) {
    EXPECT_EQ(p.tag.kind, PuntKind::kHost);
    EXPECT_EQ(p.tag.port, kGwPort);
  }
  EXPECT_EQ(punted_[0].bytes, arp_frame);
  EXPECT_EQ(punted_[1].bytes, ping);  // untouched: the control thread answers it
  EXPECT_EQ(punted_[2].bytes, dhcp);
  EXPECT_EQ(guest_b_.sent_bytes.size(), 2u);  // the broadcasts are floods
  // Unicast to the gateway: an ARP refresh, a DHCP renewal.
  WriteArp(arp, kGwMac, ArpMessage{ArpOp::kRequest, kGuestA, kGuestAIp, 0, kGwIp});
  const Bytes renew = GuestFrame(kGwIp, kUdp, Udp(68, 67, 240));
  FromGuest(kGuestPort, {Bytes(arp, arp + kMinFrameLen), renew});
  ASSERT_EQ(punted_.size(), 5u);
  for (const Punted& p : punted_) {
    EXPECT_EQ(p.tag.kind, PuntKind::kHost);
    EXPECT_EQ(p.tag.port, kGwPort);
  }
  EXPECT_EQ(punted_[4].bytes, renew);
  EXPECT_EQ(guest_b_.sent_bytes.size(), 2u);
  EXPECT_EQ(uplink_.sent_bytes.size(), 0u);
  EXPECT_EQ(conns_->size(), 0u);
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, WhatTheGatewayCannotRouteIsDroppedWithItsReason) {
  FromGuest(GuestFrame(kGwIp, kTcp, Tcp(40000, 22, kSyn)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kGatewayLocal), 1u);
  FromGuest(Frame(kGwMac, kGuestA, 0xac100005, kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kBadSource), 1u);
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn), false, 1));
  EXPECT_EQ(Drops(kGwPort, DropReason::kTtlExceeded), 1u);
  FromGuest(Frame(kGwMac, kGuestA, kGuestAIp, kOutsideIp, kUdp, Udp(5000, 53), 64, 0x2000));
  EXPECT_EQ(Drops(kGwPort, DropReason::kIpFragment), 1u);
  FromGuest(testing::TcpFrame(kGwMac, kGuestA, true, 0, kSyn));
  EXPECT_EQ(Drops(kGwPort, DropReason::kNotRoutable), 1u);
  FromGuest(GuestFrame(kGuestBIp, kTcp, Tcp(40000, 80, kSyn)));  // on-link, not ours
  EXPECT_EQ(Drops(kGwPort, DropReason::kNoRoute), 1u);
  EXPECT_EQ(AllDrops(), 6u);
  EXPECT_EQ(Sent(), 0u);
  EXPECT_TRUE(punted_.empty());
  EXPECT_EQ(conns_->size(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, WhatCannotLeaveOrComeInIsDroppedWithItsReason) {
  // Too large for the uplink's MTU, counted on the gateway.
  uplink_.SetMtu(100);
  FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(5000, 53, 200)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kMtuExceeded), 1u);
  // A reply with no TTL left.
  FromOutside(Frame(kUplinkMac, kOutsideMac, kOutsideIp, kUplinkIp, kUdp, Udp(53, 5000), 1));
  EXPECT_EQ(Drops(kUplink, DropReason::kTtlExceeded), 1u);
  // The control thread's queue is full.
  punt_full_ = true;
  FromGuest(GuestFrame(kUncachedIp, kUdp, Udp(5000, 53)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kSlowPathFull), 1u);
  FromOutside(OutsideFrame(kUplinkIp, kIcmp, Echo(8, 9)));
  EXPECT_EQ(Drops(kUplink, DropReason::kSlowPathFull), 1u);
  // The uplink left.
  snap_.ports[kUplink].port = nullptr;
  FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(5000, 53)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kPortDown), 1u);
  EXPECT_EQ(AllDrops(), 5u);
  EXPECT_EQ(Sent(), 0u);
  EXPECT_TRUE(punted_.empty());
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, AFloodedFrameIsRoutedFromACopyAndTheOtherGuestsGetItIntact) {
  // Without the gateway's static entry a frame for its MAC floods; the
  // gateway is flushed before guest B, so an edit in place would show.
  fdb_.Delete(0, kGwMac, true);
  snap_.networks[0].members = {kGuestPort, kGwPort, kGuestBPort};
  const Bytes syn = GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn));
  FromGuest(syn);
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_EQ(Pkt(uplink_.sent_bytes[0]).src, kUplinkIp);
  ASSERT_EQ(guest_b_.sent_bytes.size(), 1u);
  EXPECT_EQ(guest_b_.sent_bytes[0], syn);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, ADisabledGatewayRoutesNothing) {
  gw().enabled = false;
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kIsolated), 1u);
  EXPECT_EQ(Sent(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, RoutedModeKeepsAddressesAndRoutesTheSubnetIn) {
  gw().nat = false;
  gw().conns = nullptr;  // as Publish wires a routed network
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  ASSERT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_EQ(uplink_.sent_bytes[0],
            Frame(kOutsideMac, kUplinkMac, kGuestAIp, kOutsideIp, kTcp, Tcp(40000, 80, kSyn), 63));
  const Pkt out(uplink_.sent_bytes[0]);
  EXPECT_EQ(out.src, kGuestAIp);
  EXPECT_TRUE(out.ip_ok);
  EXPECT_TRUE(out.l4_ok);

  FromOutside(OutsideFrame(kGuestAIp, kTcp, Tcp(80, 40000, kSyn | kAck)));
  ASSERT_EQ(guest_a_.sent_bytes.size(), 1u);
  EXPECT_EQ(guest_b_.sent_bytes.size(), 0u);
  EXPECT_EQ(guest_a_.sent_bytes[0],
            Frame(kGuestA, kGwMac, kOutsideIp, kGuestAIp, kTcp, Tcp(80, 40000, kSyn | kAck), 63));

  // B's MAC is not cached: resolved on the gateway's side first.
  FromOutside(OutsideFrame(kGuestBIp, kUdp, Udp(53, 5000)));
  ASSERT_EQ(punted_.size(), 1u);
  EXPECT_EQ(punted_[0].tag.kind, PuntKind::kResolve);
  EXPECT_EQ(punted_[0].tag.port, kGwPort);
  EXPECT_EQ(punted_[0].tag.next_hop, kGuestBIp);
  const Pkt p(punted_[0].bytes);
  EXPECT_EQ(p.eth_src, kGwMac);
  EXPECT_EQ(p.dst, kGuestBIp);
  EXPECT_EQ(p.ttl, 63);
  EXPECT_TRUE(p.ip_ok);
  EXPECT_EQ(guest_b_.sent_bytes.size(), 0u);

  // Neither the gateway's own address nor the subnet's broadcast is routed in.
  FromOutside({OutsideFrame(kGwIp, kUdp, Udp(53, 5000)),
               OutsideFrame(kSubnet | 0xff, kUdp, Udp(53, 5000))});
  EXPECT_EQ(Drops(kUplink, DropReason::kGatewayLocal), 2u);
  EXPECT_EQ(AllDrops(), 2u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, UplinkFramesNotForTheUplinkAreDroppedAndItsPingIsPunted) {
  FromOutside({Frame(0x02cc00000009, kOutsideMac, kOutsideIp, kUplinkIp, kUdp, Udp(53, 5000)),
               Frame(kBroadcastMac, kOutsideMac, kOutsideIp, 0x0a6300ff, kUdp, Udp(53, 5000)),
               OutsideFrame(0x0a630063, kUdp, Udp(53, 5000))});  // an address of nobody's
  EXPECT_EQ(Drops(kUplink, DropReason::kUplinkOther), 3u);
  const Bytes ping = OutsideFrame(kUplinkIp, kIcmp, Echo(8, 9));
  FromOutside(ping);
  ASSERT_EQ(punted_.size(), 1u);
  EXPECT_EQ(punted_[0].tag.kind, PuntKind::kHost);
  EXPECT_EQ(punted_[0].tag.port, kUplink);
  EXPECT_EQ(punted_[0].bytes, ping);

  // The same with no network routed by the uplink.
  up().gateways.clear();
  FromOutside({ping, OutsideFrame(kUplinkIp, kUdp, Udp(53, 5000))});
  ASSERT_EQ(punted_.size(), 2u);
  EXPECT_EQ(punted_[1].tag.kind, PuntKind::kHost);
  EXPECT_EQ(punted_[1].tag.port, kUplink);
  EXPECT_EQ(Drops(kUplink, DropReason::kUplinkOther), 4u);
  EXPECT_EQ(AllDrops(), 4u);
  EXPECT_EQ(Sent(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

// TCP super-frames (core/offload.h).
TEST_F(RouterTest, AGuestsSuperFrameIsCutByTheBridgeAndEverySegmentMasqueraded) {
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  rte_mbuf* m =
      pool_.MakeChain(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kAck | 0x08, 3000)), 2048);
  ASSERT_TRUE(MarkTcpGso(m, false, 1000));
  Begin(kNow);
  bridge_.Process(snap_, kGuestPort, &m, 1, kNow);
  egress_.Flush();
  ASSERT_EQ(uplink_.sent_bytes.size(), 4u);  // the SYN, then 3 segments
  for (size_t i = 1; i < 4; ++i) {
    const Pkt p(uplink_.sent_bytes[i]);
    EXPECT_FALSE(uplink_.sent_frames[i].gso);
    EXPECT_EQ(uplink_.sent_bytes[i].size(), 14u + 20 + 20 + 1000);
    EXPECT_EQ(p.src, kUplinkIp);
    EXPECT_EQ(p.sport, 40000);
    EXPECT_EQ(p.ttl, 63);
    EXPECT_TRUE(p.ip_ok);
    EXPECT_TRUE(p.l4_ok);
  }
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, ASuperFrameFromTheUplinkKeepsItsPartialChecksumRight) {
  FromGuest(GuestFrame(kOutsideIp, kTcp, Tcp(40000, 80, kSyn)));
  for (const bool gso_guest : {true, false}) {
    SCOPED_TRACE(gso_guest ? "guest takes GSO" : "guest takes wire frames");
    Clear();
    guest_a_.gso = gso_guest;
    // As a GRO'd frame arrives: its TCP checksum only the pseudo-header
    // sum (without the length), not inverted.
    Bytes f = OutsideFrame(kUplinkIp, kTcp, Tcp(80, 40000, kAck, 3000));
    const uint16_t seed = Sum(nullptr, 0, PseudoHeader(kOutsideIp, kUplinkIp, kTcp, 0));
    f[14 + 20 + 16] = static_cast<uint8_t>(seed >> 8);
    f[14 + 20 + 17] = static_cast<uint8_t>(seed);
    rte_mbuf* m = pool_.MakeChain(f, 2048);
    ASSERT_TRUE(MarkTcpGso(m, false, 1000));
    FromOutside(m);
    if (gso_guest) {
      ASSERT_EQ(guest_a_.sent_bytes.size(), 1u);
      EXPECT_TRUE(guest_a_.sent_frames[0].gso);
      const Pkt p(guest_a_.sent_bytes[0]);
      EXPECT_EQ(p.dst, kGuestAIp);
      EXPECT_EQ(p.dport, 40000);
      EXPECT_TRUE(p.ip_ok);
      EXPECT_EQ(Get16(p.l4 + 16), Sum(nullptr, 0, PseudoHeader(kOutsideIp, kGuestAIp, kTcp, 0)));
    } else {
      ASSERT_EQ(guest_a_.sent_bytes.size(), 3u);
      for (const Bytes& b : guest_a_.sent_bytes) {
        const Pkt p(b);
        EXPECT_EQ(p.dst, kGuestAIp);
        EXPECT_EQ(p.dport, 40000);
        EXPECT_TRUE(p.ip_ok);
        EXPECT_TRUE(p.l4_ok);
      }
    }
  }
  EXPECT_EQ(AllDrops(), 0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, SweepExpiresIdleConnectionsOfItsOwnPmdOnly) {
  FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(5000, 53)));  // UDP, unreplied: 30 s
  ASSERT_EQ(conns_->size(), 1u);
  RouterStage other(kPmd + 1, counters_.get(), &egress_, &RouterTest::Punt, this, pool_.Source());
  // Enough calls to look at every slot of the table once.
  const uint32_t rounds = conns_->capacity() / RouterStage::kSweepBudget + 1;
  auto sweep = [&](RouterStage& r, uint32_t now) {
    r.Begin(&snap_, now);
    for (uint32_t i = 0; i < rounds; ++i) {
      r.Sweep();
    }
  };
  const uint32_t later = kNow + 31;
  sweep(other, later);
  EXPECT_EQ(conns_->size(), 1u);  // not its table
  sweep(router_, kNow + 30);
  EXPECT_EQ(conns_->size(), 1u);  // not idle long enough
  sweep(router_, later);
  EXPECT_EQ(conns_->size(), 0u);
  // Its replies are nobody's now.
  FromOutside(OutsideFrame(kUplinkIp, kUdp, Udp(53, 5000)), later);
  EXPECT_EQ(Drops(kUplink, DropReason::kNatNoConnection), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

// UDP whose length field and TCP whose data offset do not fit the packet:
// NAT must not translate and pass them on, either way.
Bytes UdpWithLength(uint16_t sport, uint16_t dport, uint16_t length) {
  Bytes b = Udp(sport, dport);
  b[4] = static_cast<uint8_t>(length >> 8);
  b[5] = static_cast<uint8_t>(length);
  return b;
}
Bytes TcpWithDataOffset(uint16_t sport, uint16_t dport, uint8_t words) {
  Bytes b = Tcp(sport, dport, kSyn);
  b[12] = static_cast<uint8_t>(words << 4);
  return b;
}

TEST_F(RouterTest, MalformedUdpAndTcpAreDroppedInsteadOfTranslated) {
  for (uint16_t length : {0, 3, 65535}) {
    FromGuest(GuestFrame(kOutsideIp, kUdp, UdpWithLength(5000, 53, length)));
    FromOutside(OutsideFrame(kUplinkIp, kUdp, UdpWithLength(7000, 5353, length)));  // a forward
  }
  for (uint8_t words : {2, 15}) {
    FromGuest(GuestFrame(kOutsideIp, kTcp, TcpWithDataOffset(40000, 80, words)));
    FromOutside(OutsideFrame(kUplinkIp, kTcp, TcpWithDataOffset(7000, 8080, words)));
  }
  EXPECT_EQ(Drops(kGwPort, DropReason::kIpBadHeader), 5u);
  EXPECT_EQ(Drops(kUplink, DropReason::kIpBadHeader), 5u);
  EXPECT_EQ(AllDrops(), 10u);
  EXPECT_EQ(Sent(), 0u);
  EXPECT_EQ(conns_->size(), 0u);
  // A UDP length shorter than the IP payload (trailing bytes) is what
  // hosts accept: it passes.
  FromGuest(GuestFrame(kOutsideIp, kUdp, UdpWithLength(5000, 53, 10)));
  EXPECT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, ANatUplinkWithoutTunnelsCountsTunnelLookalikesByTheirNatReason) {
  // A later fragment, UDP to the VXLAN port and GRE, none of them tunnels
  // here: the router's reasons, not the overlay's.
  FromOutside(
      Frame(kUplinkMac, kOutsideMac, kOutsideIp, kUplinkIp, kUdp, Udp(53, 5000), 64, 0x0010));
  Bytes vxlan_like = Udp(40000, 4789, 30);
  vxlan_like[8] = 0x08;  // the VNI flag
  FromOutside(OutsideFrame(kUplinkIp, kUdp, vxlan_like));
  FromOutside(OutsideFrame(kUplinkIp, 47, Bytes{0x20, 0x00, 0x65, 0x58, 0, 0, 0, 7}));
  EXPECT_EQ(Drops(kUplink, DropReason::kIpFragment), 1u);
  EXPECT_EQ(Drops(kUplink, DropReason::kNatNoConnection), 1u);
  EXPECT_EQ(Drops(kUplink, DropReason::kNatUnsupported), 1u);
  EXPECT_EQ(Drops(kUplink, DropReason::kTunnelFragment) +
                Drops(kUplink, DropReason::kTunnelBadHeader) +
                Drops(kUplink, DropReason::kTunnelUnsupported),
            0u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, AGuestCannotSendTunnelTrafficOrReachATunnelEndpoint) {
  // This host's tunnel endpoint is the uplink's address, which NAT gives
  // the guest: a peer would take its VXLAN or GRE for ours.
  TunnelRoute route;
  route.endpoints = {{kUpGwIp, kGuestBPort}};
  up().routes = {route};
  up().vxlan_port = 4790;
  for (uint16_t port : {4789, 8472, 4790}) {
    FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(40000, port)));
  }
  FromGuest(GuestFrame(kOutsideIp, 47, Bytes{0x20, 0x00, 0x65, 0x58, 0, 0, 0, 7}));
  FromGuest(GuestFrame(kUpGwIp, kTcp, Tcp(40000, 22, kSyn)));  // a remote endpoint
  FromGuest(GuestFrame(kUplinkIp, kTcp, Tcp(40000, 22, kSyn)));
  EXPECT_EQ(Drops(kGwPort, DropReason::kUnderlayRefused), 6u);
  EXPECT_EQ(Sent(), 0u);
  EXPECT_EQ(conns_->size(), 0u);
  // Other UDP still leaves.
  FromGuest(GuestFrame(kOutsideIp, kUdp, Udp(40000, 53)));
  EXPECT_EQ(uplink_.sent_bytes.size(), 1u);
  EXPECT_TRUE(pool_.AllReleased());
}

TEST_F(RouterTest, APolicedPuntIsChargedToThePortItCameInBy) {
  punt_policed_ = true;
  FromGuest(kGuestBPort, {GuestFrame(kGwIp, kIcmp, Echo(8, 3), true)});  // a ping for the gateway
  FromOutside(OutsideFrame(kUplinkIp, kIcmp, Echo(8, 4)));               // and for the uplink
  EXPECT_EQ(Drops(kGuestBPort, DropReason::kPuntPoliced), 1u);
  EXPECT_EQ(Drops(kUplink, DropReason::kPuntPoliced), 1u);
  EXPECT_EQ(Drops(kGwPort, DropReason::kPuntPoliced), 0u);
  EXPECT_TRUE(punted_.empty());
  EXPECT_TRUE(pool_.AllReleased());
}

}  // namespace
}  // namespace switchyard::dp
