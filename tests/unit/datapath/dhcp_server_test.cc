#include "datapath/gateway/dhcp_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datapath/core/types.h"
#include "datapath/core/wire.h"

namespace switchyard::dp {
namespace {

constexpr uint64_t kNow = 1'700'000'000;
constexpr MacKey kServerMac = 0x02000000aa01;
constexpr uint32_t kServer = 0x0a000001;      // 10.0.0.1/24
constexpr uint32_t kRangeStart = 0x0a000064;  // 10.0.0.100
constexpr uint32_t kRangeEnd = 0x0a0000c7;    // 10.0.0.199
constexpr uint32_t kDns2 = 0x09090909;
// A static host outside the range, with a name, and one on the range's
// first address, so the first dynamic address is the second.
constexpr MacKey kPrinterMac = 0x02000000ee01;
constexpr uint32_t kPrinter = 0x0a000032;  // 10.0.0.50
constexpr MacKey kPinnedMac = 0x02000000ee02;
constexpr uint32_t kFirst = kRangeStart + 1;
constexpr MacKey kMacA = 0x525400000001;
constexpr MacKey kMacB = 0x525400000002;
constexpr MacKey kMacC = 0x525400000003;
constexpr MacKey kMacD = 0x525400000004;
constexpr uint32_t kOtherServer = 0x0a0000fe;

constexpr uint8_t kDiscover = 1, kOffer = 2, kRequest = 3, kDecline = 4, kAck = 5, kNak = 6,
                  kRelease = 7, kInform = 8;

uint32_t Ip(int a, int b, int c, int d) {
  return static_cast<uint32_t>(a << 24 | b << 16 | c << 8 | d);
}

DhcpConfig TestConfig() {
  DhcpConfig c;
  c.server_mac = kServerMac;
  c.server = kServer;
  c.prefix = 24;
  c.range_start = kRangeStart;
  c.range_end = kRangeEnd;
  c.lease_s = 3600;
  c.dns = {kServer, kDns2};
  c.hosts = {{kPrinterMac, kPrinter, "printer"}, {kPinnedMac, kRangeStart, ""}};
  return c;
}

// The test's own checksum, to recompute what the server wrote.
uint16_t Checksum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (; n > 1; p += 2, n -= 2) {
    sum += Load16(p);
  }
  if (n == 1) {
    sum += static_cast<uint32_t>(p[0]) << 8;
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum);
}

// A client's message, as dhclient would send it.
struct Client {
  uint8_t type = kDiscover;  // 0: no option 53
  MacKey mac = kMacA;
  uint32_t xid = 0x1234abcd;
  uint16_t flags = 0;
  uint32_t ciaddr = 0;
  uint32_t requested = 0;                 // option 50 when set
  uint32_t server_id = 0;                 // option 54 when set
  std::string hostname = {};              // option 12 when set
  std::vector<uint8_t> raw_options = {};  // after the others
  bool end = true;                        // option 255 last
};

std::vector<uint8_t> Bootp(const Client& c) {
  std::vector<uint8_t> b(240, 0);
  b[0] = 1;  // BOOTREQUEST
  b[1] = 1;
  b[2] = 6;
  Store32(&b[4], c.xid);
  Store16(&b[10], c.flags);
  Store32(&b[12], c.ciaddr);
  MacToBytes(c.mac, &b[28]);
  Store32(&b[236], 0x63825363);
  auto option = [&b](uint8_t code, std::vector<uint8_t> value) {
    b.push_back(code);
    b.push_back(static_cast<uint8_t>(value.size()));
    b.insert(b.end(), value.begin(), value.end());
  };
  auto be32 = [](uint32_t v) {
    std::vector<uint8_t> out(4);
    Store32(out.data(), v);
    return out;
  };
  if (c.type != 0) {
    option(53, {c.type});
  }
  if (c.requested != 0) {
    option(50, be32(c.requested));
  }
  if (c.server_id != 0) {
    option(54, be32(c.server_id));
  }
  if (!c.hostname.empty()) {
    option(12, std::vector<uint8_t>(c.hostname.begin(), c.hostname.end()));
  }
  b.insert(b.end(), c.raw_options.begin(), c.raw_options.end());
  if (c.end) {
    b.push_back(255);
  }
  return b;
}

// Ethernet + IPv4 + UDP around `payload`, lengths and checksums right.
std::vector<uint8_t> Wrap(const std::vector<uint8_t>& payload, MacKey src_mac, uint32_t src_ip,
                          uint32_t dst_ip, uint16_t dst_port = 67) {
  std::vector<uint8_t> f(42 + payload.size(), 0);
  MacToBytes(dst_ip == 0xffffffff ? kBroadcastMac : kServerMac, &f[0]);
  MacToBytes(src_mac, &f[6]);
  Store16(&f[12], 0x0800);
  uint8_t* ip = &f[14];
  ip[0] = 0x45;
  Store16(ip + 2, static_cast<uint16_t>(28 + payload.size()));
  ip[8] = 64;
  ip[9] = 17;
  Store32(ip + 12, src_ip);
  Store32(ip + 16, dst_ip);
  Store16(ip + 10, Checksum(ip, 20));
  uint8_t* udp = ip + 20;
  Store16(udp, 68);
  Store16(udp + 2, dst_port);
  Store16(udp + 4, static_cast<uint16_t>(8 + payload.size()));
  std::copy(payload.begin(), payload.end(), udp + 8);
  return f;
}

std::vector<uint8_t> Frame(const Client& c) {
  return Wrap(Bootp(c), c.mac, c.ciaddr, c.ciaddr != 0 ? kServer : 0xffffffff);
}

// A reply frame taken apart, its checksums recomputed.
struct Reply {
  MacKey eth_dst = 0, eth_src = 0;
  uint32_t ip_src = 0, ip_dst = 0;
  uint8_t ttl = 0;
  uint16_t frag = 0;
  uint16_t src_port = 0, dst_port = 0;
  bool ip_checksum_ok = false, udp_checksum_ok = false;
  uint32_t bootp_len = 0;
  uint8_t op = 0, htype = 0, hlen = 0;
  uint32_t xid = 0;
  uint16_t flags = 0;
  uint32_t ciaddr = 0, yiaddr = 0, siaddr = 0, giaddr = 0;
  MacKey chaddr = 0;
  std::vector<uint8_t> order;  // option codes as they came, end excluded
  std::map<uint8_t, std::vector<uint8_t>> options;

  uint8_t type() const { return options.contains(53) ? options.at(53)[0] : 0; }
  uint32_t Option32(uint8_t code, size_t index = 0) const {
    auto it = options.find(code);
    if (it == options.end() || it->second.size() < 4 * (index + 1)) {
      ADD_FAILURE() << "no option " << int{code};
      return 0;
    }
    return Load32(it->second.data() + 4 * index);
  }
};

Reply Parse(const std::vector<uint8_t>& f) {
  Reply r;
  if (f.size() < 42 + 240) {
    ADD_FAILURE() << "reply of " << f.size() << " bytes";
    return r;
  }
  r.eth_dst = MacFromBytes(&f[0]);
  r.eth_src = MacFromBytes(&f[6]);
  EXPECT_EQ(Load16(&f[12]), 0x0800);
  const uint8_t* ip = &f[14];
  EXPECT_EQ(ip[0], 0x45);
  EXPECT_EQ(ip[9], 17);
  EXPECT_EQ(Load16(ip + 2), f.size() - 14);
  r.ttl = ip[8];
  r.frag = Load16(ip + 6);
  r.ip_src = Load32(ip + 12);
  r.ip_dst = Load32(ip + 16);
  r.ip_checksum_ok = Checksum(ip, 20) == 0;
  const uint8_t* udp = ip + 20;
  const uint16_t udp_len = Load16(udp + 4);
  EXPECT_EQ(udp_len, f.size() - 34);
  r.src_port = Load16(udp);
  r.dst_port = Load16(udp + 2);
  uint32_t pseudo = Load16(ip + 12) + Load16(ip + 14) + Load16(ip + 16) + Load16(ip + 18) + 17;
  pseudo += udp_len;
  r.udp_checksum_ok = Load16(udp + 6) != 0 && Checksum(udp, udp_len, pseudo) == 0;
  const uint8_t* b = udp + 8;
  r.bootp_len = udp_len - 8u;
  r.op = b[0];
  r.htype = b[1];
  r.hlen = b[2];
  r.xid = Load32(b + 4);
  r.flags = Load16(b + 10);
  r.ciaddr = Load32(b + 12);
  r.yiaddr = Load32(b + 16);
  r.siaddr = Load32(b + 20);
  r.giaddr = Load32(b + 24);
  r.chaddr = MacFromBytes(b + 28);
  EXPECT_EQ(Load32(b + 236), 0x63825363u);
  for (size_t i = 240; i < r.bootp_len;) {
    const uint8_t code = b[i];
    if (code == 0) {
      ++i;
      continue;
    }
    if (code == 255) {
      return r;
    }
    if (i + 2 > r.bootp_len || i + 2 + b[i + 1] > r.bootp_len) {
      break;
    }
    r.order.push_back(code);
    r.options[code].assign(b + i + 2, b + i + 2 + b[i + 1]);
    i += 2 + b[i + 1];
  }
  ADD_FAILURE() << "options without an end";
  return r;
}

// What every reply must be: from the gateway to the client port, checksums
// right, not fragmented, at least BOOTP's minimum.
void ExpectWellFormed(const Reply& r) {
  EXPECT_EQ(r.eth_src, kServerMac);
  EXPECT_EQ(r.ip_src, kServer);
  EXPECT_EQ(r.src_port, 67);
  EXPECT_EQ(r.dst_port, 68);
  EXPECT_EQ(r.ttl, 64);
  EXPECT_EQ(r.frag, 0);  // DF clear, not a fragment
  EXPECT_TRUE(r.ip_checksum_ok);
  EXPECT_TRUE(r.udp_checksum_ok);
  EXPECT_GE(r.bootp_len, 300u);
  EXPECT_EQ(r.op, 2);
  EXPECT_EQ(r.htype, 1);
  EXPECT_EQ(r.hlen, 6);
  EXPECT_EQ(r.siaddr, 0u);
}

uint8_t TypeOf(const std::optional<Reply>& r) { return r ? r->type() : 0; }

class DhcpServerTest : public ::testing::Test {
 protected:
  DhcpServerTest() : server_(TestConfig()) {}

  PortIndex port_ = 1;  // where the frames come from

  // Hands `c` to the server, which must take it as DHCP; its reply, if any.
  std::optional<Reply> Send(const Client& c, uint64_t now_s = kNow) {
    return SendFrame(Frame(c), now_s);
  }

  std::optional<Reply> SendFrame(const std::vector<uint8_t>& frame, uint64_t now_s = kNow) {
    std::vector<uint8_t> out = {0xee};  // stale: must be cleared
    EXPECT_TRUE(
        server_.Handle(frame.data(), static_cast<uint32_t>(frame.size()), port_, now_s, &out));
    if (out.empty()) {
      return std::nullopt;
    }
    return Parse(out);
  }

  // DISCOVER, then REQUEST of what was offered; the address acked, or 0.
  uint32_t Dora(MacKey mac, uint64_t now_s = kNow, uint32_t requested = 0) {
    auto offer = Send(Client{.mac = mac, .requested = requested}, now_s);
    if (!offer || offer->type() != kOffer) {
      ADD_FAILURE() << "no offer for " << MacToString(mac);
      return 0;
    }
    auto ack =
        Send(Client{.type = kRequest, .mac = mac, .requested = offer->yiaddr, .server_id = kServer},
             now_s);
    if (!ack || ack->type() != kAck || ack->yiaddr != offer->yiaddr) {
      ADD_FAILURE() << "no ack for " << MacToString(mac);
      return 0;
    }
    return ack->yiaddr;
  }

  // The address a DISCOVER is offered, or 0.
  uint32_t Offered(const Client& c, uint64_t now_s = kNow) {
    auto r = Send(c, now_s);
    if (!r || r->type() != kOffer) {
      ADD_FAILURE() << "no offer for " << MacToString(c.mac);
      return 0;
    }
    return r->yiaddr;
  }

  std::optional<DhcpLease> LeaseOf(MacKey mac) const {
    for (const DhcpLease& l : server_.Leases()) {
      if (l.mac == mac) {
        return l;
      }
    }
    return std::nullopt;
  }

  DhcpServer server_;
};

TEST_F(DhcpServerTest, FullExchangeLeasesAnAddressInRangeWithEveryOption) {
  const uint64_t generation = server_.generation();
  auto offer = Send(Client{.mac = kMacA, .hostname = "guest-a"});
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->type(), kOffer);
  EXPECT_EQ(offer->yiaddr, kFirst);             // the lowest free: .100 is a static host's
  EXPECT_EQ(server_.generation(), generation);  // an offer is no lease

  ExpectWellFormed(*offer);
  EXPECT_EQ(offer->xid, 0x1234abcdu);
  EXPECT_EQ(offer->chaddr, kMacA);
  EXPECT_EQ(offer->ciaddr, 0u);
  EXPECT_EQ(offer->giaddr, 0u);
  EXPECT_EQ(offer->order, (std::vector<uint8_t>{53, 54, 51, 58, 59, 1, 28, 3, 6}));
  EXPECT_EQ(offer->Option32(54), kServer);
  EXPECT_EQ(offer->Option32(51), 3600u);
  EXPECT_EQ(offer->Option32(58), 1800u);
  EXPECT_EQ(offer->Option32(59), 3150u);
  EXPECT_EQ(offer->Option32(1), Ip(255, 255, 255, 0));
  EXPECT_EQ(offer->Option32(28), Ip(10, 0, 0, 255));
  EXPECT_EQ(offer->Option32(3), kServer);
  EXPECT_EQ(offer->options.at(6).size(), 8u);
  EXPECT_EQ(offer->Option32(6, 0), kServer);
  EXPECT_EQ(offer->Option32(6, 1), kDns2);

  auto ack = Send(Client{.type = kRequest,
                         .mac = kMacA,
                         .xid = 0x55667788,
                         .requested = offer->yiaddr,
                         .server_id = kServer,
                         .hostname = "guest-a"});
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type(), kAck);
  EXPECT_EQ(ack->yiaddr, kFirst);
  EXPECT_EQ(ack->xid, 0x55667788u);
  EXPECT_EQ(ack->order, offer->order);
  ExpectWellFormed(*ack);

  auto lease = LeaseOf(kMacA);
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->address, kFirst);
  EXPECT_EQ(lease->hostname, "guest-a");
  EXPECT_EQ(lease->expires_s, kNow + 3600);
  EXPECT_FALSE(lease->is_static);
  EXPECT_GT(server_.generation(), generation);
  const DhcpServer::Counters& c = server_.counters();
  EXPECT_EQ(c.discovers, 1u);
  EXPECT_EQ(c.offers, 1u);
  EXPECT_EQ(c.requests, 1u);
  EXPECT_EQ(c.acks, 1u);
  EXPECT_EQ(c.malformed, 0u);
}

TEST_F(DhcpServerTest, ClientsGetDistinctAddressesAndOffersAreHeldForAMinute) {
  auto a = Send(Client{.mac = kMacA});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->yiaddr, kFirst);
  auto again = Send(Client{.mac = kMacA});  // a repeated DISCOVER: the same offer
  ASSERT_TRUE(again);
  EXPECT_EQ(again->yiaddr, kFirst);
  auto b = Send(Client{.mac = kMacB});  // A's offer is held for it
  ASSERT_TRUE(b);
  EXPECT_EQ(b->yiaddr, kFirst + 1);
  EXPECT_EQ(Dora(kMacB), kFirst + 1);
  auto c = Send(Client{.mac = kMacC}, kNow + DhcpServer::kOfferHoldS);  // A's offer lapsed
  ASSERT_TRUE(c);
  EXPECT_EQ(c->yiaddr, kFirst);
  // A client with a lease is offered it again.
  EXPECT_EQ(Offered(Client{.mac = kMacB}, kNow + 100), kFirst + 1);
}

TEST_F(DhcpServerTest, RequestedAddressIsHonouredOnlyWhenFreeAndInRange) {
  auto a = Send(Client{.mac = kMacA, .requested = Ip(10, 0, 0, 150)});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->yiaddr, Ip(10, 0, 0, 150));
  auto b = Send(Client{.mac = kMacB, .requested = Ip(10, 0, 0, 150)});  // offered to A
  ASSERT_TRUE(b);
  EXPECT_EQ(b->yiaddr, kFirst);
  auto c = Send(Client{.mac = kMacC, .requested = kServer});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->yiaddr, kFirst + 1);
  auto d = Send(Client{.mac = kMacD, .requested = Ip(10, 0, 0, 5)});  // outside the range
  ASSERT_TRUE(d);
  EXPECT_EQ(d->yiaddr, kFirst + 2);
  auto e = Send(Client{.mac = 0x525400000005, .requested = kRangeStart});  // a static host's
  ASSERT_TRUE(e);
  EXPECT_EQ(e->yiaddr, kFirst + 3);
}

TEST_F(DhcpServerTest, StaticHostGetsItsAddressAndNameEvenOutsideTheRange) {
  auto offer = Send(Client{.mac = kPrinterMac});
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->yiaddr, kPrinter);
  EXPECT_EQ(offer->order, (std::vector<uint8_t>{53, 54, 51, 58, 59, 1, 28, 3, 6, 12}));
  EXPECT_EQ(std::string(offer->options.at(12).begin(), offer->options.at(12).end()), "printer");
  auto ack = Send(
      Client{.type = kRequest, .mac = kPrinterMac, .requested = kPrinter, .server_id = kServer});
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type(), kAck);
  EXPECT_EQ(ack->yiaddr, kPrinter);
  EXPECT_TRUE(ack->options.contains(12));
  auto nak = Send(Client{.type = kRequest, .mac = kPrinterMac, .requested = Ip(10, 0, 0, 120)});
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type(), kNak);

  auto pinned = Send(Client{.mac = kPinnedMac});  // no name: no option 12
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->yiaddr, kRangeStart);
  EXPECT_FALSE(pinned->options.contains(12));
  auto other = Send(Client{.mac = kMacA, .requested = kPrinter});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->yiaddr, kFirst);

  const std::vector<DhcpLease> leases = server_.Leases();
  ASSERT_EQ(leases.size(), 2u);  // the statics; offers are no leases
  EXPECT_EQ(leases[0].mac, kPrinterMac);
  EXPECT_EQ(leases[0].address, kPrinter);
  EXPECT_EQ(leases[0].hostname, "printer");
  EXPECT_EQ(leases[0].expires_s, 0u);
  EXPECT_TRUE(leases[0].is_static);
  EXPECT_EQ(leases[1].address, kRangeStart);
}

TEST_F(DhcpServerTest, RenewingExtendsTheLeaseByUnicastAndOnlyForItsHolder) {
  ASSERT_EQ(Dora(kMacA), kFirst);
  const uint64_t generation = server_.generation();
  auto ack = Send(Client{.type = kRequest, .mac = kMacA, .ciaddr = kFirst}, kNow + 1800);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type(), kAck);
  EXPECT_EQ(ack->yiaddr, kFirst);
  EXPECT_EQ(ack->ciaddr, kFirst);
  EXPECT_EQ(ack->ip_dst, kFirst);  // to the address it has, not broadcast
  EXPECT_EQ(ack->eth_dst, kMacA);
  EXPECT_EQ(LeaseOf(kMacA).value().expires_s, kNow + 1800 + 3600);
  EXPECT_GT(server_.generation(), generation);

  auto wrong = Send(Client{.type = kRequest, .mac = kMacA, .ciaddr = kFirst + 5}, kNow + 1800);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->type(), kNak);
  EXPECT_EQ(wrong->ip_dst, 0xffffffffu);
  auto stranger = Send(Client{.type = kRequest, .mac = kMacB, .ciaddr = kFirst}, kNow + 1800);
  ASSERT_TRUE(stranger);
  EXPECT_EQ(stranger->type(), kNak);
  EXPECT_EQ(LeaseOf(kMacA).value().expires_s, kNow + 1800 + 3600);
}

TEST_F(DhcpServerTest, RequestForAnAddressNotTheClientsIsNakedByBroadcast) {
  ASSERT_EQ(Dora(kMacA), kFirst);
  auto nak =
      Send(Client{.type = kRequest, .mac = kMacB, .requested = kFirst, .server_id = kServer});
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type(), kNak);
  EXPECT_EQ(nak->order, (std::vector<uint8_t>{53, 54}));
  EXPECT_EQ(nak->Option32(54), kServer);
  EXPECT_EQ(nak->yiaddr, 0u);
  EXPECT_EQ(nak->ip_dst, 0xffffffffu);
  EXPECT_EQ(nak->eth_dst, kBroadcastMac);
  ExpectWellFormed(*nak);
  // INIT-REBOOT from another subnet.
  auto moved = Send(Client{.type = kRequest, .mac = kMacC, .requested = Ip(192, 168, 1, 9)});
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->type(), kNak);
  EXPECT_EQ(server_.counters().naks, 2u);
  EXPECT_FALSE(LeaseOf(kMacB));
  EXPECT_FALSE(LeaseOf(kMacC));
  // INIT-REBOOT for a free address in the range: granted.
  auto reboot = Send(Client{.type = kRequest, .mac = kMacD, .requested = kRangeEnd});
  ASSERT_TRUE(reboot);
  EXPECT_EQ(reboot->type(), kAck);
  EXPECT_EQ(LeaseOf(kMacD).value().address, kRangeEnd);
}

TEST_F(DhcpServerTest, RequestForAnotherServerGetsNoReplyAndFreesTheOffer) {
  auto offer = Send(Client{.mac = kMacA});
  ASSERT_TRUE(offer);
  auto none =
      Send(Client{.type = kRequest, .mac = kMacA, .requested = kFirst, .server_id = kOtherServer});
  EXPECT_FALSE(none);
  EXPECT_EQ(server_.counters().requests, 1u);
  EXPECT_FALSE(LeaseOf(kMacA));
  auto b = Send(Client{.mac = kMacB});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->yiaddr, kFirst);
}

TEST_F(DhcpServerTest, AClientSpeaksOnlyForTheMacItSendsFrom) {
  ASSERT_EQ(Dora(kMacA), kFirst);
  const uint64_t generation = server_.generation();
  const size_t leases = server_.Leases().size();  // static hosts too
  // B sends as A: a release, a decline and a request of A's address, and a
  // discover for a made-up client; none is answered or changes a lease.
  for (const Client& c :
       {Client{.type = kRelease, .mac = kMacA, .ciaddr = kFirst, .server_id = kServer},
        Client{.type = kDecline, .mac = kMacA, .requested = kFirst, .server_id = kServer},
        Client{.type = kRequest, .mac = kMacA, .requested = kFirst, .server_id = kServer},
        Client{.mac = 0x02000000beef}}) {
    std::vector<uint8_t> frame = Frame(c);
    MacToBytes(kMacB, frame.data() + 6);
    EXPECT_FALSE(SendFrame(frame));
  }
  EXPECT_EQ(server_.counters().spoofed, 4u);
  EXPECT_EQ(server_.generation(), generation);
  EXPECT_EQ(server_.Leases().size(), leases);
  EXPECT_EQ(LeaseOf(kMacA)->address, kFirst);
  EXPECT_EQ(Dora(kMacB), kFirst + 1);  // nothing held for the made-up client
}

TEST_F(DhcpServerTest, ReleaseFreesTheAddress) {
  ASSERT_EQ(Dora(kMacA), kFirst);
  const uint64_t generation = server_.generation();
  EXPECT_FALSE(
      Send(Client{.type = kRelease, .mac = kMacA, .ciaddr = kFirst, .server_id = kOtherServer}));
  EXPECT_TRUE(LeaseOf(kMacA));  // not released to us
  EXPECT_FALSE(
      Send(Client{.type = kRelease, .mac = kMacB, .ciaddr = kFirst, .server_id = kServer}));
  EXPECT_TRUE(LeaseOf(kMacA));  // not B's to release
  EXPECT_EQ(server_.generation(), generation);
  EXPECT_FALSE(
      Send(Client{.type = kRelease, .mac = kMacA, .ciaddr = kFirst, .server_id = kServer}));
  EXPECT_FALSE(LeaseOf(kMacA));
  EXPECT_GT(server_.generation(), generation);
  EXPECT_EQ(server_.counters().releases, 3u);
  EXPECT_EQ(Dora(kMacB), kFirst);
}

TEST_F(DhcpServerTest, DeclinedAddressIsNotOfferedForTenMinutes) {
  ASSERT_EQ(Dora(kMacA), kFirst);
  const uint64_t generation = server_.generation();
  EXPECT_FALSE(
      Send(Client{.type = kDecline, .mac = kMacA, .requested = kFirst, .server_id = kServer}));
  EXPECT_FALSE(LeaseOf(kMacA));
  EXPECT_GT(server_.generation(), generation);
  EXPECT_EQ(server_.counters().declines, 1u);
  EXPECT_EQ(Offered(Client{.mac = kMacA}), kFirst + 1);
  // Asking for it does not help, until the ten minutes are over.
  EXPECT_EQ(Offered(Client{.mac = kMacB, .requested = kFirst}, kNow + 599), kFirst + 1);
  EXPECT_EQ(TypeOf(Send(Client{.type = kRequest, .mac = kMacC, .requested = kFirst}, kNow + 599)),
            kNak);
  EXPECT_EQ(Offered(Client{.mac = kMacD}, kNow + 600), kFirst);
}

TEST_F(DhcpServerTest, DeclineHoldIsTheLeaseTimeWhenShorter) {
  DhcpConfig config = TestConfig();
  config.lease_s = 120;
  server_.Configure(config);
  ASSERT_EQ(Offered(Client{.mac = kMacA}), kFirst);
  EXPECT_FALSE(Send(Client{.type = kDecline, .mac = kMacA, .requested = kFirst}));
  EXPECT_EQ(Offered(Client{.mac = kMacB}, kNow + 119), kFirst + 1);
  EXPECT_EQ(Offered(Client{.mac = kMacC}, kNow + 120), kFirst);
}

TEST_F(DhcpServerTest, AClientDeclinesOnlyAnAddressItWasGiven) {
  ASSERT_EQ(Dora(kMacA), kFirst);
  // B never had kFirst + 1, or A's kFirst: neither is marked unusable.
  EXPECT_FALSE(Send(Client{.type = kDecline, .mac = kMacB, .requested = kFirst + 1}));
  EXPECT_FALSE(Send(Client{.type = kDecline, .mac = kMacB, .requested = kFirst}));
  EXPECT_TRUE(LeaseOf(kMacA));
  EXPECT_EQ(Offered(Client{.mac = kMacC}), kFirst + 1);
  EXPECT_EQ(server_.counters().declines, 2u);
}

TEST_F(DhcpServerTest, EachPortHoldsAtMostItsLimitOfClients) {
  DhcpConfig config = TestConfig();
  config.leases_per_port = 2;
  server_.Configure(config);
  EXPECT_EQ(Dora(kMacA), kFirst);
  EXPECT_EQ(Offered(Client{.mac = kMacB}), kFirst + 1);
  // A third made-up client on the same port is not answered...
  EXPECT_FALSE(Send(Client{.mac = kMacC}));
  EXPECT_FALSE(Send(Client{.type = kRequest, .mac = kMacC, .requested = kFirst + 2}));
  EXPECT_EQ(server_.counters().port_limited, 2u);
  // ...but the port's own clients go on, static hosts do not count, and
  // another port has its own room.
  EXPECT_EQ(Dora(kMacA), kFirst);
  EXPECT_EQ(Dora(kMacB), kFirst + 1);
  EXPECT_EQ(TypeOf(Send(Client{.mac = kPrinterMac})), kOffer);
  port_ = 2;
  EXPECT_EQ(Offered(Client{.mac = kMacC}), kFirst + 2);
  // A client that moves takes its place with it.
  EXPECT_EQ(Dora(kMacA), kFirst);
  port_ = 1;
  EXPECT_EQ(Offered(Client{.mac = kMacD}), kFirst + 3);
  // Room comes back when a client's lease ends.
  ASSERT_FALSE(
      Send(Client{.type = kRelease, .mac = kMacB, .ciaddr = kFirst + 1, .server_id = kServer}));
  EXPECT_EQ(server_.counters().port_limited, 2u);
}

TEST_F(DhcpServerTest, ADeletedPortsClientsDoNotCountAgainstItsSlot) {
  DhcpConfig config = TestConfig();
  config.leases_per_port = 1;
  server_.Configure(config);
  ASSERT_EQ(Dora(kMacA), kFirst);
  EXPECT_FALSE(Send(Client{.mac = kMacB}));
  server_.ForgetPort(port_);
  EXPECT_EQ(Offered(Client{.mac = kMacB}), kFirst + 1);
  EXPECT_TRUE(LeaseOf(kMacA));  // the lease itself stays
}

TEST_F(DhcpServerTest, ALargeRangeIsHandedOutLowestFirstAndRefilled) {
  // A /8: the pool keeps free runs, not addresses, so this costs what a /24
  // does.
  DhcpConfig config = TestConfig();
  config.prefix = 8;
  config.range_start = Ip(10, 0, 0, 2);
  config.range_end = Ip(10, 255, 255, 254);
  config.hosts.clear();
  config.leases_per_port = 100000;
  server_.Configure(config);
  for (uint32_t i = 0; i < 2000; ++i) {
    ASSERT_EQ(Offered(Client{.mac = kMacA + 0x1000 + i}), Ip(10, 0, 0, 2) + i);
  }
  // Offers lapse after a minute: the pool starts from the bottom again.
  EXPECT_EQ(Offered(Client{.mac = kMacB}, kNow + DhcpServer::kOfferHoldS), Ip(10, 0, 0, 2));
}

TEST_F(DhcpServerTest, ExhaustionIsCountedAndUnanswered) {
  DhcpConfig config = TestConfig();
  config.range_start = Ip(10, 0, 0, 200);
  config.range_end = Ip(10, 0, 0, 201);
  server_.Configure(config);
  EXPECT_EQ(Dora(kMacA), Ip(10, 0, 0, 200));
  EXPECT_EQ(Offered(Client{.mac = kMacB}), Ip(10, 0, 0, 201));
  EXPECT_FALSE(Send(Client{.mac = kMacC}));
  EXPECT_EQ(server_.counters().exhausted, 1u);
  EXPECT_EQ(server_.counters().offers, 2u);
  // B's offer holds its address against C's asking for it.
  EXPECT_EQ(TypeOf(Send(Client{.type = kRequest, .mac = kMacC, .requested = Ip(10, 0, 0, 201)})),
            kNak);
}

TEST_F(DhcpServerTest, ExpireForgetsLapsedLeasesAndBumpsTheGeneration) {
  ASSERT_EQ(Dora(kMacA), kFirst);
  ASSERT_EQ(Dora(kMacB, kNow + 10), kFirst + 1);
  const uint64_t generation = server_.generation();
  EXPECT_FALSE(server_.Expire(kNow + 3599));
  EXPECT_EQ(server_.generation(), generation);
  EXPECT_TRUE(server_.Expire(kNow + 3600));
  EXPECT_GT(server_.generation(), generation);
  EXPECT_FALSE(LeaseOf(kMacA));
  EXPECT_TRUE(LeaseOf(kMacB));
  EXPECT_FALSE(server_.Expire(kNow + 3600));
  EXPECT_EQ(server_.Leases().size(), 3u);  // B and the two statics
}

TEST_F(DhcpServerTest, ConfigureDropsLeasesThatNoLongerFit) {
  ASSERT_EQ(Dora(kMacA), kFirst);
  ASSERT_EQ(Dora(kMacB), kFirst + 1);
  ASSERT_EQ(Dora(kMacC), kFirst + 2);
  ASSERT_EQ(Dora(kMacD), kFirst + 3);
  const uint64_t generation = server_.generation();
  server_.Configure(TestConfig());
  EXPECT_EQ(server_.generation(), generation);  // nothing changed

  DhcpConfig config = TestConfig();
  config.range_end = kFirst + 2;                             // D is outside
  config.hosts.push_back({0x02000000ee03, kFirst + 1, ""});  // B's address is fixed
  config.hosts.push_back({kMacC, Ip(10, 0, 0, 60), "c"});    // C is a static host
  server_.Configure(config);
  EXPECT_GT(server_.generation(), generation);
  EXPECT_TRUE(LeaseOf(kMacA));
  EXPECT_FALSE(LeaseOf(kMacB));
  EXPECT_FALSE(LeaseOf(kMacD));
  auto c = LeaseOf(kMacC);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->is_static);
  EXPECT_EQ(c->address, Ip(10, 0, 0, 60));

  config.server = Ip(10, 0, 1, 1);  // another subnet
  config.range_start = Ip(10, 0, 1, 100);
  config.range_end = Ip(10, 0, 1, 199);
  server_.Configure(config);
  EXPECT_FALSE(LeaseOf(kMacA));
}

TEST_F(DhcpServerTest, RestoreSkipsExpiredStaticAndMisfittingLeases) {
  DhcpServer fresh(TestConfig());
  const uint64_t generation = fresh.generation();
  fresh.Restore({{kMacA, kFirst + 9, "a", kNow + 100, false},
                 {kMacB, kFirst + 10, "b", kNow, false},                // expired
                 {kMacC, Ip(10, 0, 1, 5), "", kNow + 100, false},       // another subnet
                 {kMacD, Ip(10, 0, 0, 200), "", kNow + 100, false},     // outside the range
                 {0x525400000005, kRangeStart, "", kNow + 100, false},  // a static address
                 {kPrinterMac, kFirst + 11, "", kNow + 100, false},     // a static MAC
                 {0x525400000006, kFirst + 12, "", 0, true},            // static
                 {0x525400000007, kFirst + 9, "", kNow + 100, false}},  // A's address
                kNow);
  EXPECT_GT(fresh.generation(), generation);
  const std::vector<DhcpLease> leases = fresh.Leases();
  ASSERT_EQ(leases.size(), 3u);
  EXPECT_EQ(leases[0].address, kPrinter);
  EXPECT_EQ(leases[1].address, kRangeStart);
  EXPECT_EQ(leases[2].mac, kMacA);
  EXPECT_EQ(leases[2].address, kFirst + 9);
  EXPECT_EQ(leases[2].hostname, "a");
  EXPECT_EQ(leases[2].expires_s, kNow + 100);

  std::vector<uint8_t> frame = Frame(Client{.mac = kMacA});
  std::vector<uint8_t> out;
  ASSERT_TRUE(fresh.Handle(frame.data(), static_cast<uint32_t>(frame.size()), port_, kNow, &out));
  EXPECT_EQ(Parse(out).yiaddr, kFirst + 9);  // its restored lease

  const uint64_t after = fresh.generation();
  fresh.Restore({{kMacB, kFirst + 10, "b", kNow - 1, false}}, kNow);
  EXPECT_EQ(fresh.generation(), after);
}

TEST_F(DhcpServerTest, InformGetsOptionsButNoLease) {
  const uint64_t generation = server_.generation();
  auto ack = Send(Client{.type = kInform, .mac = kMacA, .ciaddr = Ip(10, 0, 0, 77)});
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type(), kAck);
  EXPECT_EQ(ack->yiaddr, 0u);
  EXPECT_EQ(ack->ciaddr, Ip(10, 0, 0, 77));
  EXPECT_EQ(ack->ip_dst, Ip(10, 0, 0, 77));
  EXPECT_EQ(ack->eth_dst, kMacA);
  EXPECT_EQ(ack->order, (std::vector<uint8_t>{53, 54, 1, 28, 3, 6}));
  ExpectWellFormed(*ack);
  EXPECT_FALSE(LeaseOf(kMacA));
  EXPECT_EQ(server_.generation(), generation);
  EXPECT_EQ(server_.counters().informs, 1u);
}

TEST_F(DhcpServerTest, HostnamesMustBePrintableAndShort) {
  ASSERT_EQ(Dora(kMacA), kFirst);
  EXPECT_EQ(LeaseOf(kMacA).value().hostname, "");
  auto name = [this](MacKey mac, const std::string& hostname) {
    const uint32_t offered = Offered(Client{.mac = mac});
    EXPECT_EQ(TypeOf(Send(Client{
                  .type = kRequest, .mac = mac, .requested = offered, .hostname = hostname})),
              kAck);
    return LeaseOf(mac).value_or(DhcpLease{.hostname = "none"}).hostname;
  };
  EXPECT_EQ(name(kMacB, std::string(63, 'x')), std::string(63, 'x'));
  EXPECT_EQ(name(kMacC, std::string(64, 'x')), "");
  EXPECT_EQ(name(kMacD, std::string("bad\x01name")), "");
  EXPECT_EQ(name(0x525400000005, std::string("nul\0", 4)), "nul");  // a trailing NUL dropped
}

TEST_F(DhcpServerTest, BroadcastFlagChoosesBroadcastOverUnicast) {
  auto unicast = Send(Client{.mac = kMacA});
  ASSERT_TRUE(unicast);
  EXPECT_EQ(unicast->flags, 0);
  EXPECT_EQ(unicast->ip_dst, unicast->yiaddr);
  EXPECT_EQ(unicast->eth_dst, kMacA);
  auto broadcast = Send(Client{.mac = kMacB, .flags = 0x8000});
  ASSERT_TRUE(broadcast);
  EXPECT_EQ(broadcast->flags, 0x8000);
  EXPECT_EQ(broadcast->ip_dst, 0xffffffffu);
  EXPECT_EQ(broadcast->eth_dst, kBroadcastMac);
  ExpectWellFormed(*broadcast);
  auto ack = Send(Client{.type = kRequest,
                         .mac = kMacB,
                         .flags = 0x8000,
                         .requested = broadcast->yiaddr,
                         .server_id = kServer});
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ip_dst, 0xffffffffu);
  EXPECT_EQ(ack->eth_dst, kBroadcastMac);
}

TEST_F(DhcpServerTest, TruncatedFramesAreCountedAndUnanswered) {
  const std::vector<uint8_t> full = Frame(Client{.mac = kMacA});
  uint64_t malformed = 0;
  for (size_t len = 0; len < full.size(); ++len) {
    // Exactly `len` bytes, so that reading past them is caught (ASan).
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
    std::vector<uint8_t> out = {0xee};
    const bool dhcp = server_.Handle(cut.data(), static_cast<uint32_t>(len), port_, kNow, &out);
    // Until the UDP port shows, nothing says the frame is DHCP.
    EXPECT_EQ(dhcp, len >= 14 + 20 + 4) << len;
    malformed += dhcp ? 1 : 0;
    EXPECT_TRUE(out.empty()) << len;
    EXPECT_EQ(server_.counters().malformed, malformed) << len;
  }
  EXPECT_EQ(server_.counters().discovers, 0u);
  EXPECT_TRUE(SendFrame(full));
}

TEST_F(DhcpServerTest, BootpCutShortWithConsistentHeadersIsMalformed) {
  const std::vector<uint8_t> bootp = Bootp(Client{.mac = kMacA});  // 240 + 53 1 1 + end
  ASSERT_EQ(bootp.size(), 244u);
  for (size_t len = 0; len <= bootp.size(); ++len) {
    const uint64_t malformed = server_.counters().malformed;
    auto reply = SendFrame(
        Wrap(std::vector<uint8_t>(bootp.begin(), bootp.begin() + static_cast<std::ptrdiff_t>(len)),
             kMacA, 0, 0xffffffff));
    // Whole options without the end option are taken.
    const bool complete = len >= 243;
    EXPECT_EQ(reply.has_value(), complete) << len;
    EXPECT_EQ(server_.counters().malformed, malformed + (complete ? 0 : 1)) << len;
  }
}

TEST_F(DhcpServerTest, InconsistentMessagesAreCountedAndUnanswered) {
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint8_t> bootp = Bootp(Client{});
  bootp[236] = 0x64;  // not the magic cookie
  frames.push_back(Wrap(bootp, kMacA, 0, 0xffffffff));
  // An option running past the end of the message.
  frames.push_back(Frame(Client{.raw_options = {12, 40, 'a', 'b'}, .end = false}));
  frames.push_back(Frame(Client{.type = 0, .hostname = "no-type"}));  // no option 53
  frames.push_back(Frame(Client{.type = kOffer}));                    // a server's message
  frames.push_back(Frame(Client{.raw_options = {53, 2, 1, 1}}));      // a second, too long, 53
  frames.push_back(Frame(Client{.raw_options = {50, 3, 10, 0, 0}}));
  frames.push_back(Frame(Client{.type = kRequest}));  // names no address
  frames.push_back(Frame(Client{.mac = 0}));
  frames.push_back(Frame(Client{.mac = 0x030000000001}));  // multicast chaddr
  bootp = Bootp(Client{});
  bootp[0] = 2;  // BOOTREPLY
  frames.push_back(Wrap(bootp, kMacA, 0, 0xffffffff));
  bootp = Bootp(Client{});
  bootp[2] = 8;  // hlen
  frames.push_back(Wrap(bootp, kMacA, 0, 0xffffffff));
  std::vector<uint8_t> f = Frame(Client{});
  Store16(&f[38], static_cast<uint16_t>(f.size() - 34 + 1));  // UDP longer than IP
  frames.push_back(f);
  f = Frame(Client{});
  Store16(&f[16], 20 + 7);  // IP too short for UDP
  frames.push_back(f);
  f = Frame(Client{});
  Store16(&f[20], 0x2000);  // a first fragment
  frames.push_back(f);

  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_FALSE(SendFrame(frames[i])) << i;
    EXPECT_EQ(server_.counters().malformed, i + 1) << i;
  }
  EXPECT_EQ(server_.counters().offers + server_.counters().acks + server_.counters().naks, 0u);
  EXPECT_EQ(server_.Leases().size(), 2u);
}

TEST_F(DhcpServerTest, CorruptedFramesNeverCrashAndAnyReplyIsWellFormed) {
  const std::vector<std::vector<uint8_t>> seeds = {
      Frame(Client{.mac = kMacA, .hostname = "guest"}),
      Frame(Client{.type = kRequest, .mac = kMacB, .requested = kFirst, .server_id = kServer}),
      Frame(Client{.type = kInform, .mac = kMacC, .ciaddr = Ip(10, 0, 0, 9)})};
  uint32_t state = 12345;  // a fixed xorshift sequence: failures reproduce
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  };
  for (int i = 0; i < 30000; ++i) {
    std::vector<uint8_t> f = seeds[next() % seeds.size()];
    for (uint32_t flips = 1 + next() % 4; flips > 0; --flips) {
      // Mostly in the options and the header fields that bound them.
      const uint32_t at = next() % 2 == 0 ? 282 + next() % (f.size() - 282) : next() % f.size();
      f[at] = static_cast<uint8_t>(next());
    }
    f.erase(f.end() - static_cast<std::ptrdiff_t>(next() % 8), f.end());
    std::vector<uint8_t> out;
    server_.Handle(f.data(), static_cast<uint32_t>(f.size()), port_, kNow + i, &out);
    if (!out.empty()) {
      ExpectWellFormed(Parse(out));
    }
    server_.Expire(kNow + i);
  }
  const DhcpServer::Counters& c = server_.counters();
  EXPECT_GT(c.offers + c.acks + c.naks, 100u);  // both paths were taken
  EXPECT_GT(c.malformed, 100u);
}

TEST_F(DhcpServerTest, WhatIsNotDhcpIsNotTaken) {
  std::vector<std::vector<uint8_t>> frames;
  frames.push_back(Wrap(Bootp(Client{}), kMacA, 0, 0xffffffff, 53));  // UDP to DNS
  std::vector<uint8_t> arp(42, 0);
  MacToBytes(kBroadcastMac, &arp[0]);
  MacToBytes(kMacA, &arp[6]);
  Store16(&arp[12], 0x0806);
  Store16(&arp[14], 1);
  Store16(&arp[16], 0x0800);
  arp[18] = 6;
  arp[19] = 4;
  Store16(&arp[20], 1);
  frames.push_back(arp);
  std::vector<uint8_t> tagged = Frame(Client{});
  const uint8_t tag[] = {0x81, 0x00, 0x00, 0x05};
  tagged.insert(tagged.begin() + 12, tag, tag + 4);
  frames.push_back(tagged);
  std::vector<uint8_t> tcp = Frame(Client{});
  tcp[14 + 9] = 6;
  frames.push_back(tcp);
  std::vector<uint8_t> ipv6 = Frame(Client{});
  Store16(&ipv6[12], 0x86dd);
  frames.push_back(ipv6);
  std::vector<uint8_t> version6 = Frame(Client{});
  version6[14] = 0x65;  // IP version 6 behind the IPv4 type
  frames.push_back(version6);
  std::vector<uint8_t> later_fragment = Frame(Client{});
  Store16(&later_fragment[20], 185);  // offset 1480: no UDP header here
  frames.push_back(later_fragment);

  for (size_t i = 0; i < frames.size(); ++i) {
    std::vector<uint8_t> out = {0xee};
    EXPECT_FALSE(server_.Handle(frames[i].data(), static_cast<uint32_t>(frames[i].size()), port_,
                                kNow, &out))
        << i;
    EXPECT_TRUE(out.empty()) << i;
  }
  const DhcpServer::Counters& c = server_.counters();
  EXPECT_EQ(c.discovers + c.malformed + c.offers, 0u);
}

}  // namespace
}  // namespace switchyard::dp
