#include "datapath/gateway/dhcp_server.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "datapath/core/ipv4.h"
#include "datapath/core/wire.h"

namespace switchyard::dp {

namespace {

constexpr uint16_t kServerPort = 67;
constexpr uint16_t kClientPort = 68;
constexpr uint32_t kEthLen = 14;
constexpr uint32_t kIpLen = 20;
constexpr uint32_t kUdpLen = 8;
// op .. file, then the magic cookie: where options start.
constexpr uint32_t kBootpFixedLen = 236;
constexpr uint32_t kOptionsOffset = kBootpFixedLen + 4;
constexpr uint32_t kMagicCookie = 0x63825363;  // 99.130.83.99
// RFC 2131 2: relays may drop anything shorter.
constexpr uint32_t kMinBootpLen = 300;
constexpr size_t kMaxHostname = 63;

enum BootpOp : uint8_t { kBootRequest = 1, kBootReply = 2 };
enum MessageType : uint8_t {
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
};
enum Option : uint8_t {
  kOptPad = 0,
  kOptSubnetMask = 1,
  kOptRouter = 3,
  kOptDns = 6,
  kOptHostname = 12,
  kOptBroadcast = 28,
  kOptRequestedAddress = 50,
  kOptLeaseTime = 51,
  kOptMessageType = 53,
  kOptServerId = 54,
  kOptRenewalTime = 58,
  kOptRebindingTime = 59,
  kOptEnd = 255,
};

enum class Parsed { kNotDhcp, kMalformed, kOk };

// Option 12 as a name: printable ASCII, at most 63 characters. Trailing
// NULs, which some clients send, are not part of it.
std::string HostnameFrom(const uint8_t* p, size_t n) {
  while (n > 0 && p[n - 1] == 0) {
    --n;
  }
  if (n == 0 || n > kMaxHostname) {
    return {};
  }
  for (size_t i = 0; i < n; ++i) {
    if (p[i] < 0x20 || p[i] > 0x7e) {
      return {};
    }
  }
  return std::string(reinterpret_cast<const char*>(p), n);
}

void PutOption(std::vector<uint8_t>& out, uint8_t code, const uint8_t* value, size_t n) {
  out.push_back(code);
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), value, value + n);
}

void PutOption8(std::vector<uint8_t>& out, uint8_t code, uint8_t value) {
  PutOption(out, code, &value, 1);
}

void PutOption32(std::vector<uint8_t>& out, uint8_t code, uint32_t value) {
  uint8_t b[4];
  Store32(b, value);
  PutOption(out, code, b, 4);
}

// What the server reads from a client's message.
struct ClientMessage {
  uint8_t type = 0;  // option 53
  uint32_t xid = 0;
  uint16_t flags = 0;
  uint32_t ciaddr = 0;
  uint32_t giaddr = 0;
  uint8_t chaddr[16] = {};
  MacKey mac = 0;  // chaddr's first six octets
  bool has_requested = false;
  uint32_t requested = 0;  // option 50
  bool has_server_id = false;
  uint32_t server_id = 0;  // option 54
  std::string hostname;    // option 12 when usable, else empty
};

// The options from `p` to `end`: pad, end and lengths checked; the ones the
// server acts on read into `m`.
bool ParseOptions(const uint8_t* p, const uint8_t* end, ClientMessage* m) {
  while (p < end) {
    const uint8_t code = *p;
    if (code == kOptPad) {
      ++p;
      continue;
    }
    if (code == kOptEnd) {
      return true;
    }
    if (end - p < 2 || end - p - 2 < p[1]) {
      return false;
    }
    const uint8_t n = p[1];
    const uint8_t* value = p + 2;
    switch (code) {
      case kOptMessageType:
        if (n != 1) {
          return false;
        }
        m->type = value[0];
        break;
      case kOptRequestedAddress:
        if (n != 4) {
          return false;
        }
        m->has_requested = true;
        m->requested = Load32(value);
        break;
      case kOptServerId:
        if (n != 4) {
          return false;
        }
        m->has_server_id = true;
        m->server_id = Load32(value);
        break;
      case kOptHostname:
        m->hostname = HostnameFrom(value, n);
        break;
      default:
        break;
    }
    p = value + n;
  }
  return true;  // no end option: tolerated, as every length checked out
}

// The BOOTP message of `len` bytes at `b` (RFC 2131 2).
Parsed ParseBootp(const uint8_t* b, uint32_t len, ClientMessage* m) {
  if (len < kOptionsOffset || b[0] != kBootRequest || b[1] != 1 || b[2] != 6 ||
      Load32(b + kBootpFixedLen) != kMagicCookie) {
    return Parsed::kMalformed;
  }
  m->xid = Load32(b + 4);
  m->flags = Load16(b + 10);
  m->ciaddr = Load32(b + 12);
  m->giaddr = Load32(b + 24);
  std::memcpy(m->chaddr, b + 28, sizeof(m->chaddr));
  m->mac = MacFromBytes(b + 28);
  // Leases are kept by MAC: one no single host can own is no client.
  if (m->mac == 0 || IsMulticastMac(m->mac)) {
    return Parsed::kMalformed;
  }
  if (!ParseOptions(b + kOptionsOffset, b + len, m) || m->type == 0) {
    return Parsed::kMalformed;
  }
  return Parsed::kOk;
}

// Ethernet, IPv4 and UDP down to the BOOTP message. Whatever is UDP to port
// 67 is the server's, well formed or not; what cannot be seen to be is not.
Parsed ParseFrame(const uint8_t* frame, uint32_t len, ClientMessage* m) {
  if (len < kEthLen + kIpLen || Load16(frame + 12) != kEtherTypeIpv4) {
    return Parsed::kNotDhcp;
  }
  const uint8_t* ip = frame + kEthLen;
  const uint32_t avail = len - kEthLen;
  const uint32_t ihl = (ip[0] & 0x0fu) * 4;
  const uint16_t frag = Load16(ip + 6);
  // A later fragment has no UDP header to read.
  if (ip[0] >> 4 != 4 || ihl < kIpLen || ip[9] != kIpProtoUdp || (frag & 0x1fff) != 0 ||
      avail < ihl + 4 || Load16(ip + ihl + 2) != kServerPort) {
    return Parsed::kNotDhcp;
  }
  const uint32_t total = Load16(ip + 2);
  // A first fragment (MF) cannot be read whole: no reassembly here.
  if ((frag & 0x2000) != 0 || total < ihl + kUdpLen || total > avail) {
    return Parsed::kMalformed;
  }
  const uint8_t* udp = ip + ihl;
  const uint32_t udp_len = Load16(udp + 4);
  if (udp_len < kUdpLen || udp_len > total - ihl) {
    return Parsed::kMalformed;
  }
  return ParseBootp(udp + kUdpLen, udp_len - kUdpLen, m);
}

}  // namespace

struct DhcpServer::Message : ClientMessage {};

DhcpServer::DhcpServer(DhcpConfig config) { Configure(std::move(config)); }

void DhcpServer::Configure(DhcpConfig config) {
  config_ = std::move(config);
  static_by_mac_.clear();
  static_addresses_.clear();
  for (size_t i = 0; i < config_.hosts.size(); ++i) {
    const DhcpStaticHost& h = config_.hosts[i];
    if (h.mac != 0 && h.address != 0) {  // a host without both fixes nothing
      static_by_mac_.emplace(h.mac, i);
      static_addresses_.insert(h.address);
    }
  }
  // Everything derived is made again from what stays.
  auto leases = std::exchange(leases_, {});
  auto offers = std::exchange(offers_, {});
  auto declined = std::exchange(declined_, {});
  auto client_port = std::exchange(client_port_, {});
  holders_.clear();
  deadlines_.clear();
  port_clients_.clear();
  // Only the subnet's part of the range: a range reaching past it must not
  // make the pool larger than the addresses that can be leased.
  const uint32_t mask = Mask();
  const uint32_t first = std::max(config_.range_start, config_.server & mask);
  const uint32_t last = std::min(config_.range_end, config_.server | ~mask);
  pool_.Reset(first, last);
  for (uint32_t a : {first, last, config_.server}) {
    if (!Fits(a)) {  // the network or broadcast address, or the server's
      pool_.Take(a);
    }
  }
  for (uint32_t a : static_addresses_) {
    pool_.Take(a);
  }
  auto port_of = [&client_port](MacKey mac) {
    auto it = client_port.find(mac);
    return it == client_port.end() ? kInvalidPort : it->second;
  };
  bool dropped = false;
  for (auto& [mac, b] : leases) {
    const bool keep = MayLease(mac, b.address);
    dropped |= !keep;
    if (keep) {
      SetLease(mac, std::move(b), port_of(mac));
    }
  }
  for (const auto& [mac, o] : offers) {
    if (MayLease(mac, o.address) && !HeldByOther(mac, o.address)) {
      SetOffer(mac, o, port_of(mac));
    }
  }
  for (const auto& [address, until] : declined) {
    if (Fits(address) && !static_addresses_.contains(address)) {
      SetDeclined(address, until);
    }
  }
  if (dropped) {
    ++generation_;
  }
}

uint32_t DhcpServer::Mask() const {
  if (config_.prefix <= 0) {
    return 0;
  }
  return config_.prefix >= 32 ? ~uint32_t{0} : ~uint32_t{0} << (32 - config_.prefix);
}

bool DhcpServer::Fits(uint32_t address) const {
  const uint32_t mask = Mask();
  if (address < config_.range_start || address > config_.range_end || address == 0 ||
      address == config_.server || (address & mask) != (config_.server & mask)) {
    return false;
  }
  // /31 and /32 have no network or broadcast address to keep clear of.
  return config_.prefix > 30 || ((address & ~mask) != 0 && (address & ~mask) != ~mask);
}

bool DhcpServer::MayLease(MacKey mac, uint32_t address) const {
  return Fits(address) && !static_addresses_.contains(address) && !static_by_mac_.contains(mac);
}

const DhcpStaticHost* DhcpServer::StaticFor(MacKey mac) const {
  auto it = static_by_mac_.find(mac);
  return it == static_by_mac_.end() ? nullptr : &config_.hosts[it->second];
}

bool DhcpServer::HeldByOther(MacKey mac, uint32_t address) const {
  if (static_addresses_.contains(address)) {
    return true;
  }
  auto it = holders_.find(address);
  return it != holders_.end() && it->second.mac != mac;
}

bool DhcpServer::OverPortLimit(MacKey mac, PortIndex port) const {
  if (port == kInvalidPort || client_port_.contains(mac)) {
    return false;
  }
  auto it = port_clients_.find(port);
  return it != port_clients_.end() && it->second >= config_.leases_per_port;
}

bool DhcpServer::Grantable(MacKey mac, uint32_t address, uint64_t now_s) const {
  if (const DhcpStaticHost* host = StaticFor(mac)) {
    return address == host->address;
  }
  if (!Fits(address) || HeldByOther(mac, address)) {
    return false;
  }
  // The client's own address stays its own even if another declined it.
  auto lease = leases_.find(mac);
  auto offer = offers_.find(mac);
  const bool own = (lease != leases_.end() && lease->second.address == address) ||
                   (offer != offers_.end() && offer->second.address == address);
  auto declined = declined_.find(address);
  return own || declined == declined_.end() || declined->second <= now_s;
}

bool DhcpServer::Handle(const uint8_t* frame, uint32_t len, PortIndex port, uint64_t now_s,
                        std::vector<uint8_t>* reply) {
  reply->clear();
  EndDue(now_s);
  Message m;
  switch (ParseFrame(frame, len, &m)) {
    case Parsed::kNotDhcp:
      return false;
    case Parsed::kMalformed:
      ++counters_.malformed;
      return true;
    case Parsed::kOk:
      break;
  }
  if (MacFromBytes(frame + 6) != m.mac) {
    // Leases are the client's by its MAC: a client speaks only for the MAC
    // it sends from, so no guest releases, declines or takes another's
    // lease, or drains the pool with made-up ones.
    ++counters_.spoofed;
    return true;
  }
  switch (m.type) {
    case kDiscover:
      Discover(m, port, now_s, reply);
      break;
    case kRequest:
      Request(m, port, now_s, reply);
      break;
    case kRelease:
      Release(m);
      break;
    case kDecline:
      Decline(m, now_s);
      break;
    case kInform:
      Inform(m, reply);
      break;
    default:  // a server's message type, or none defined
      ++counters_.malformed;
      break;
  }
  return true;
}

void DhcpServer::Discover(const Message& m, PortIndex port, uint64_t now_s,
                          std::vector<uint8_t>* reply) {
  ++counters_.discovers;
  const DhcpStaticHost* host = StaticFor(m.mac);
  if (host == nullptr && OverPortLimit(m.mac, port)) {
    ++counters_.port_limited;
    return;
  }
  uint32_t address = 0;
  if (host != nullptr) {
    address = host->address;
  } else {
    // Its lease, then the address it asks for, then the one it was offered
    // last: a client keeps its address while it can.
    auto lease = leases_.find(m.mac);
    auto offer = offers_.find(m.mac);
    if (lease != leases_.end() && Grantable(m.mac, lease->second.address, now_s)) {
      address = lease->second.address;
    } else if (m.has_requested && Grantable(m.mac, m.requested, now_s)) {
      address = m.requested;
    } else if (offer != offers_.end() && Grantable(m.mac, offer->second.address, now_s)) {
      address = offer->second.address;
    } else {
      address = pool_.Lowest();
    }
    if (address == 0) {
      ++counters_.exhausted;
      return;
    }
    SetOffer(m.mac, Offer{address, now_s + kOfferHoldS}, port);
  }
  ++counters_.offers;
  Send(m, kOffer, address, host, reply);
}

void DhcpServer::Request(const Message& m, PortIndex port, uint64_t now_s,
                         std::vector<uint8_t>* reply) {
  ++counters_.requests;
  if (m.has_server_id && m.server_id != config_.server) {
    EraseOffer(m.mac);  // it chose another server's offer
    return;
  }
  const DhcpStaticHost* host = StaticFor(m.mac);
  if (host == nullptr && OverPortLimit(m.mac, port)) {
    ++counters_.port_limited;
    return;
  }
  uint32_t address = 0;
  bool granted = false;
  if (m.has_requested) {  // SELECTING or INIT-REBOOT
    address = m.requested;
    granted = Grantable(m.mac, address, now_s);
  } else if (m.ciaddr != 0) {  // RENEWING or REBINDING: only what it holds
    address = m.ciaddr;
    auto lease = leases_.find(m.mac);
    granted = host != nullptr ? address == host->address
                              : lease != leases_.end() && lease->second.address == address &&
                                    Grantable(m.mac, address, now_s);
  } else {
    ++counters_.malformed;  // a REQUEST naming no address
    return;
  }
  if (!granted) {
    ++counters_.naks;
    Send(m, kNak, 0, nullptr, reply);
    return;
  }
  if (host == nullptr) {
    Lease(m, port, address, now_s);
  }
  ++counters_.acks;
  Send(m, kAck, address, host, reply);
}

void DhcpServer::Lease(const Message& m, PortIndex port, uint32_t address, uint64_t now_s) {
  Binding b;
  auto old = leases_.find(m.mac);
  if (old != leases_.end()) {
    b = old->second;
  }
  if (!m.hostname.empty() || b.address != address) {
    b.hostname = m.hostname;
  }
  b.address = address;
  b.expires_s = now_s + config_.lease_s;
  SetLease(m.mac, std::move(b), port);
  EraseOffer(m.mac);
  ++generation_;
}

void DhcpServer::Release(const Message& m) {
  ++counters_.releases;
  auto lease = leases_.find(m.mac);
  if (!m.has_server_id || m.server_id != config_.server || lease == leases_.end() ||
      lease->second.address != m.ciaddr) {
    return;
  }
  EraseLease(m.mac);
  EraseOffer(m.mac);
  ++generation_;
}

void DhcpServer::Decline(const Message& m, uint64_t now_s) {
  ++counters_.declines;
  if (!m.has_requested || (m.has_server_id && m.server_id != config_.server)) {
    return;
  }
  // Only an address offered or leased to this client can be declined by it:
  // a guest cannot mark addresses it never had unusable.
  auto offer = offers_.find(m.mac);
  auto lease = leases_.find(m.mac);
  const bool offered = offer != offers_.end() && offer->second.address == m.requested;
  const bool leased = lease != leases_.end() && lease->second.address == m.requested;
  if (!offered && !leased) {
    return;
  }
  if (offered) {
    EraseOffer(m.mac);
  }
  if (leased) {
    EraseLease(m.mac);
    ++generation_;
  }
  SetDeclined(m.requested, now_s + std::min<uint64_t>(config_.lease_s, kDeclineHoldS));
}

void DhcpServer::Inform(const Message& m, std::vector<uint8_t>* reply) {
  ++counters_.informs;
  ++counters_.acks;
  Send(m, kAck, 0, StaticFor(m.mac), reply);
}

bool DhcpServer::Expire(uint64_t now_s) { return EndDue(now_s); }

bool DhcpServer::EndDue(uint64_t now_s) {
  bool ended = false;
  while (!deadlines_.empty() && deadlines_.begin()->at <= now_s) {
    const Deadline d = *deadlines_.begin();
    switch (d.kind) {
      case Kind::kLease:
        EraseLease(d.key);
        ended = true;
        break;
      case Kind::kOffer:
        EraseOffer(d.key);
        break;
      case Kind::kDeclined:
        EraseDeclined(static_cast<uint32_t>(d.key));
        break;
    }
  }
  if (ended) {
    ++generation_;
  }
  return ended;
}

void DhcpServer::ForgetPort(PortIndex port) {
  if (port == kInvalidPort || port_clients_.erase(port) == 0) {
    return;
  }
  for (auto& [mac, p] : client_port_) {
    if (p == port) {
      p = kInvalidPort;
    }
  }
}

void DhcpServer::SetLease(MacKey mac, Binding b, PortIndex port) {
  EraseLease(mac);
  Attach(mac, port);
  Hold(mac, b.address);
  deadlines_.insert(Deadline{b.expires_s, Kind::kLease, mac});
  leases_[mac] = std::move(b);
}

void DhcpServer::EraseLease(MacKey mac) {
  auto it = leases_.find(mac);
  if (it == leases_.end()) {
    return;
  }
  deadlines_.erase(Deadline{it->second.expires_s, Kind::kLease, mac});
  const uint32_t address = it->second.address;
  leases_.erase(it);
  Unhold(mac, address);
  DetachIfIdle(mac);
}

void DhcpServer::SetOffer(MacKey mac, Offer o, PortIndex port) {
  auto it = offers_.find(mac);
  if (it != offers_.end()) {
    deadlines_.erase(Deadline{it->second.expires_s, Kind::kOffer, mac});
    Unhold(mac, it->second.address);
  }
  Attach(mac, port);
  Hold(mac, o.address);
  deadlines_.insert(Deadline{o.expires_s, Kind::kOffer, mac});
  offers_[mac] = o;
}

void DhcpServer::EraseOffer(MacKey mac) {
  auto it = offers_.find(mac);
  if (it == offers_.end()) {
    return;
  }
  deadlines_.erase(Deadline{it->second.expires_s, Kind::kOffer, mac});
  const uint32_t address = it->second.address;
  offers_.erase(it);
  Unhold(mac, address);
  DetachIfIdle(mac);
}

void DhcpServer::SetDeclined(uint32_t address, uint64_t until) {
  EraseDeclined(address);
  declined_[address] = until;
  deadlines_.insert(Deadline{until, Kind::kDeclined, address});
  pool_.Take(address);
}

void DhcpServer::EraseDeclined(uint32_t address) {
  auto it = declined_.find(address);
  if (it == declined_.end()) {
    return;
  }
  deadlines_.erase(Deadline{it->second, Kind::kDeclined, address});
  declined_.erase(it);
  if (!holders_.contains(address) && !static_addresses_.contains(address) && Fits(address)) {
    pool_.Give(address);
  }
}

void DhcpServer::Hold(MacKey mac, uint32_t address) {
  Holder& h = holders_[address];
  if (h.mac != mac) {
    h = Holder{mac, 0};
  }
  ++h.refs;
  pool_.Take(address);
}

void DhcpServer::Unhold(MacKey mac, uint32_t address) {
  auto it = holders_.find(address);
  if (it == holders_.end() || it->second.mac != mac || --it->second.refs > 0) {
    return;
  }
  holders_.erase(it);
  if (!declined_.contains(address) && !static_addresses_.contains(address) && Fits(address)) {
    pool_.Give(address);
  }
}

void DhcpServer::Attach(MacKey mac, PortIndex port) {
  auto [it, added] = client_port_.try_emplace(mac, port);
  if (!added) {
    if (it->second == port || port == kInvalidPort) {
      return;
    }
    if (it->second != kInvalidPort && --port_clients_[it->second] == 0) {
      port_clients_.erase(it->second);
    }
    it->second = port;
  }
  if (port != kInvalidPort) {
    ++port_clients_[port];
  }
}

void DhcpServer::DetachIfIdle(MacKey mac) {
  if (leases_.contains(mac) || offers_.contains(mac)) {
    return;
  }
  auto it = client_port_.find(mac);
  if (it == client_port_.end()) {
    return;
  }
  if (it->second != kInvalidPort && --port_clients_[it->second] == 0) {
    port_clients_.erase(it->second);
  }
  client_port_.erase(it);
}

std::vector<DhcpLease> DhcpServer::Leases() const {
  std::vector<DhcpLease> out;
  for (const auto& [mac, index] : static_by_mac_) {
    const DhcpStaticHost& h = config_.hosts[index];
    out.push_back(DhcpLease{mac, h.address, h.hostname, 0, true});
  }
  for (const auto& [mac, b] : leases_) {
    out.push_back(DhcpLease{mac, b.address, b.hostname, b.expires_s, false});
  }
  std::sort(out.begin(), out.end(), [](const DhcpLease& a, const DhcpLease& b) {
    return std::pair(a.address, a.mac) < std::pair(b.address, b.mac);
  });
  return out;
}

void DhcpServer::Restore(const std::vector<DhcpLease>& leases, uint64_t now_s) {
  bool restored = false;
  for (const DhcpLease& l : leases) {
    if (l.is_static || l.expires_s <= now_s || l.mac == 0 || IsMulticastMac(l.mac) ||
        !MayLease(l.mac, l.address) || leases_.contains(l.mac) || HeldByOther(l.mac, l.address)) {
      continue;
    }
    SetLease(l.mac, Binding{l.address, l.hostname, l.expires_s}, kInvalidPort);
    restored = true;
  }
  if (restored) {
    ++generation_;
  }
}

void DhcpServer::Send(const Message& m, uint8_t type, uint32_t yiaddr, const DhcpStaticHost* host,
                      std::vector<uint8_t>* reply) {
  // Options (RFC 2132), in dnsmasq's order. A NAK says only what it is and
  // who sends it; an INFORM's ACK gives no lease (RFC 2131 4.3.5).
  std::vector<uint8_t> opts;
  PutOption8(opts, kOptMessageType, type);
  PutOption32(opts, kOptServerId, config_.server);
  if (type != kNak) {
    if (yiaddr != 0) {
      const uint64_t lease = config_.lease_s;
      PutOption32(opts, kOptLeaseTime, config_.lease_s);
      PutOption32(opts, kOptRenewalTime, static_cast<uint32_t>(lease / 2));
      PutOption32(opts, kOptRebindingTime, static_cast<uint32_t>(lease * 7 / 8));
    }
    const uint32_t mask = Mask();
    PutOption32(opts, kOptSubnetMask, mask);
    PutOption32(opts, kOptBroadcast, config_.server | ~mask);
    PutOption32(opts, kOptRouter, config_.server);
    if (!config_.dns.empty()) {
      // One option holds 63 addresses; more would not fit its length byte.
      const size_t n = std::min<size_t>(config_.dns.size(), 63);
      std::vector<uint8_t> dns(n * 4);
      for (size_t i = 0; i < n; ++i) {
        Store32(dns.data() + i * 4, config_.dns[i]);
      }
      PutOption(opts, kOptDns, dns.data(), dns.size());
    }
    if (host != nullptr && !host->hostname.empty()) {
      const std::string& name = host->hostname;
      const size_t n = std::min(name.size(), size_t{255});
      PutOption(opts, kOptHostname, reinterpret_cast<const uint8_t*>(name.data()), n);
    }
  }
  opts.push_back(kOptEnd);

  // Where it goes (RFC 2131 4.1): a NAK to everyone, as the client may not
  // have the address it asked about; to a configured client at its address;
  // to everyone when the client cannot take unicast before it is configured;
  // else straight to the address it is given.
  uint32_t ip_dst = 0xffffffff;
  MacKey eth_dst = kBroadcastMac;
  if (type != kNak && m.ciaddr != 0) {
    ip_dst = m.ciaddr;
    eth_dst = m.mac;
  } else if (type != kNak && (m.flags & 0x8000) == 0 && yiaddr != 0) {
    ip_dst = yiaddr;
    eth_dst = m.mac;
  }

  const uint32_t bootp_len =
      std::max<uint32_t>(kMinBootpLen, kOptionsOffset + static_cast<uint32_t>(opts.size()));
  const uint32_t udp_len = kUdpLen + bootp_len;
  const uint32_t ip_len = kIpLen + udp_len;
  reply->assign(kEthLen + ip_len, 0);
  uint8_t* f = reply->data();

  MacToBytes(eth_dst, f);
  MacToBytes(config_.server_mac, f + 6);
  Store16(f + 12, kEtherTypeIpv4);

  uint8_t* ip = f + kEthLen;
  ip[0] = 0x45;
  Store16(ip + 2, static_cast<uint16_t>(ip_len));
  Store16(ip + 4, ip_id_++);
  ip[8] = 64;  // TTL; flags and fragment offset stay 0: DF clear
  ip[9] = kIpProtoUdp;
  Store32(ip + 12, config_.server);
  Store32(ip + 16, ip_dst);
  SetIpv4Checksum(ip, kIpLen);

  uint8_t* udp = ip + kIpLen;
  Store16(udp, kServerPort);
  Store16(udp + 2, kClientPort);
  Store16(udp + 4, static_cast<uint16_t>(udp_len));

  uint8_t* b = udp + kUdpLen;
  b[0] = kBootReply;
  b[1] = 1;  // Ethernet
  b[2] = 6;
  Store32(b + 4, m.xid);
  Store16(b + 10, m.flags);
  // RFC 2131 table 3: ciaddr echoed in an ACK only.
  Store32(b + 12, type == kAck ? m.ciaddr : 0);
  Store32(b + 16, yiaddr);
  Store32(b + 24, m.giaddr);
  std::memcpy(b + 28, m.chaddr, sizeof(m.chaddr));
  Store32(b + kBootpFixedLen, kMagicCookie);
  std::memcpy(b + kOptionsOffset, opts.data(), opts.size());

  // The pseudo header (RFC 768), then the datagram; 0 means "none", so a
  // computed 0 is sent as its other form.
  const uint32_t sum = OnesSum(ip + 12, 8) + kIpProtoUdp + static_cast<uint32_t>(udp_len);
  const auto check =
      static_cast<uint16_t>(~FoldSum(OnesSum(udp, static_cast<uint32_t>(udp_len), sum)));
  Store16(udp + 6, check == 0 ? 0xffff : check);
}

}  // namespace switchyard::dp
