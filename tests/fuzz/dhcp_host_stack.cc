// Fuzz target: the switch's slow path for a NAT network's gateway, as
// Dataplane::ServiceSlowPath drives it: the DHCP server and the host stack
// (ARP, ping, next hops to resolve, queued frames) fed a sequence of frames.
//
// Input: records of [what][time step][length, 2 bytes big endian][frame].
// `what` & 3: 0 a frame punted from the gateway port (DHCP first, then the
// host stack, as the daemon does); 1 a frame punted from the uplink; 2 a
// routed frame whose next hop (the record's frame bytes 30..33, the IPv4
// destination of an untagged frame; shorter or non-IPv4 frames are
// skipped, as the router punts only IPv4 frames it parsed) is to be resolved, on the uplink or
// (bit 2) the gateway; 3 a tick with the tunnel endpoints' next hops
// wanted, and DHCP expiry. The clock moves on by `time step` x 250 ms
// before each record.
//
// After each record: at most one lease per address and per MAC; every
// dynamic lease in the range and the subnet, never the server's address;
// static hosts leased as configured; replies are whole IPv4/UDP frames with
// right checksums; the host stack within kMaxNeighbors and kMaxQueued, its
// ARP frames padded to the Ethernet minimum and frames it sends on whole.
#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

#include "datapath/gateway/dhcp_server.h"
#include "datapath/gateway/host_stack.h"
#include "tests/fuzz/frames.h"
#include "tests/fuzz/fuzz_check.h"

using namespace switchyard::dp;
using namespace switchyard::dp::fuzz;

namespace {

constexpr PortIndex kUplink = 1;
constexpr PortIndex kGateway = 2;
constexpr uint32_t kServer = 0x0a000001;  // 10.0.0.1/24
constexpr uint32_t kRangeStart = 0x0a000064;
constexpr uint32_t kRangeEnd = 0x0a00006b;  // 8 addresses: exhaustion is reachable
constexpr MacKey kServerMac = 0x02000000aa01;
constexpr MacKey kPrinterMac = 0x02000000ee01;
constexpr uint32_t kPrinter = 0x0a000032;
constexpr MacKey kPinnedMac = 0x02000000ee02;
constexpr uint32_t kUplinkIp = 0x0a630001;
constexpr MacKey kUplinkMac = 0x02aa00000001;
constexpr uint64_t kEpoch = 1'700'000'000;

DhcpConfig Config() {
  DhcpConfig c;
  c.server_mac = kServerMac;
  c.server = kServer;
  c.prefix = 24;
  c.range_start = kRangeStart;
  c.range_end = kRangeEnd;
  c.lease_s = 600;
  c.dns = {kServer, 0x09090909};
  c.hosts = {{kPrinterMac, kPrinter, "printer"}, {kPinnedMac, kRangeStart, ""}};
  return c;
}

void CheckLeases(const DhcpServer& dhcp) {
  std::set<uint32_t> addresses;
  std::set<MacKey> macs;
  size_t statics = 0;
  for (const DhcpLease& l : dhcp.Leases()) {
    SY_FUZZ_CHECK(addresses.insert(l.address).second);
    SY_FUZZ_CHECK(macs.insert(l.mac).second);
    if (l.is_static) {
      ++statics;
      SY_FUZZ_CHECK((l.mac == kPrinterMac && l.address == kPrinter) ||
                    (l.mac == kPinnedMac && l.address == kRangeStart));
    } else {
      SY_FUZZ_CHECK(l.address >= kRangeStart && l.address <= kRangeEnd);
      SY_FUZZ_CHECK(l.address != kServer && l.address != kRangeStart);
      SY_FUZZ_CHECK(l.mac != kPrinterMac && l.mac != kPinnedMac);
    }
  }
  SY_FUZZ_CHECK(statics <= 2);
}

void CheckReply(const Bytes& reply) {
  SY_FUZZ_CHECK(reply.size() >= 14 + 20 + 8 + 240);
  SY_FUZZ_CHECK(Get16(&reply[12]) == 0x0800 && reply[14 + 9] == 17);
  SY_FUZZ_CHECK(Get16(&reply[14 + 2]) == reply.size() - 14);
  SY_FUZZ_CHECK(ChecksumsRight(reply));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  DhcpServer dhcp(Config());
  HostStack host;
  NeighborCache up_cache;
  NeighborCache gw_cache;
  host.SetInterfaces({Interface{kUplink, kUplinkIp, 24, 0x0a6300fe, kUplinkMac, &up_cache},
                      Interface{kGateway, kServer, 24, 0, kServerMac, &gw_cache}});
  size_t sent = 0;
  const HostStack::SendFn send = [&sent](PortIndex port, const uint8_t* frame, uint32_t len) {
    SY_FUZZ_CHECK(port == kUplink || port == kGateway);
    // Queued routed frames leave as long as they came (34 bytes and up
    // here); what the stack makes itself (ARP, echo replies) is padded.
    SY_FUZZ_CHECK(len >= 34);
    SY_FUZZ_CHECK(Get16(frame + 12) != 0x0806 || len >= 60);
    ++sent;
  };
  uint64_t now_ms = 0;
  Bytes reply;
  size_t at = 0;
  while (size - at >= 4) {
    const uint8_t what = data[at];
    now_ms += data[at + 1] * 250u;
    const size_t len =
        std::min<size_t>(static_cast<size_t>(data[at + 2] << 8 | data[at + 3]), size - at - 4);
    const uint8_t* frame = data + at + 4;
    at += 4 + len;
    const uint64_t now_unix = kEpoch + now_ms / 1000;
    switch (what & 3) {
      case 0: {
        reply.clear();
        // Four guest ports (or none known) share the server's per-port limit.
        const PortIndex port = (what >> 2 & 7) < 4 ? (what >> 2 & 7) : kInvalidPort;
        if (dhcp.Handle(frame, static_cast<uint32_t>(len), port, now_unix, &reply)) {
          if (!reply.empty()) {
            CheckReply(reply);
          }
        } else {
          SY_FUZZ_CHECK(reply.empty());
          host.HandleFrame(kGateway, frame, static_cast<uint32_t>(len), now_ms, send);
        }
        break;
      }
      case 1:
        host.HandleFrame(kUplink, frame, static_cast<uint32_t>(len), now_ms, send);
        break;
      case 2: {
        if (len < 34 || Get16(frame + 12) != 0x0800) {
          break;  // the router punts only IPv4 frames it parsed
        }
        const uint32_t next_hop = Get32(frame + 30);
        host.Resolve((what & 4) != 0 ? kGateway : kUplink, next_hop, frame,
                     static_cast<uint32_t>(len), now_ms, send);
        break;
      }
      default:
        host.Tick({{kUplink, 0x0a630014}, {kUplink, 0x0a6300fe}}, now_ms, send);
        dhcp.Expire(now_unix);
        break;
    }
    CheckLeases(dhcp);
    SY_FUZZ_CHECK(host.neighbor_count() <= HostStack::kMaxNeighbors);
    SY_FUZZ_CHECK(host.max_queued() <= HostStack::kMaxQueued);
  }
  return 0;
}
