#include "datapath/stages/security/port_security.h"

#include "datapath/core/arp.h"
#include "datapath/core/ipv4.h"
#include "datapath/core/wire.h"

namespace switchyard::dp {

namespace {

constexpr uint32_t kArpLen = 28;
constexpr uint32_t kArpSenderMac = 8;
constexpr uint32_t kArpSenderIp = 14;
constexpr uint16_t kDhcpServerPort = 67;

// A DHCP client before it has an address: UDP from 0.0.0.0 to port 67.
bool IsDhcpClient(const uint8_t* ip, uint32_t avail) noexcept {
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  return ip[ip4::kProto] == kIpProtoUdp && ihl >= 20 && avail >= ihl + 4 &&
         (Load16(ip + ip4::kFragment) & 0x1fff) == 0 && Load16(ip + ihl + 2) == kDhcpServerPort;
}

}  // namespace

DropReason CheckSource(const PortGuard& guard, const uint8_t* data, uint32_t seg_len,
                       const PacketMeta& meta) noexcept {
  if (!guard.AllowsMac(meta.src)) {
    return DropReason::kPortSecurityMac;
  }
  const uint32_t l3 = meta.l3_offset;
  const uint32_t avail = seg_len > l3 ? seg_len - l3 : 0;
  const uint8_t* p = data + l3;
  if (meta.ethertype == kEtherTypeArp) {
    if (avail < kArpLen || MacFromBytes(p + kArpSenderMac) != meta.src) {
      return DropReason::kPortSecurityArp;
    }
    const uint32_t sender = Load32(p + kArpSenderIp);
    return sender == 0 || guard.AllowsIpv4(sender) ? DropReason::kCount
                                                   : DropReason::kPortSecurityArp;
  }
  if (meta.ethertype == kEtherTypeIpv4) {
    if (avail < 20) {
      return DropReason::kPortSecurityIp;
    }
    const uint32_t src = Load32(p + ip4::kSrc);
    if (guard.AllowsIpv4(src) || (src == 0 && IsDhcpClient(p, avail))) {
      return DropReason::kCount;
    }
    return DropReason::kPortSecurityIp;
  }
  return DropReason::kCount;
}

}  // namespace switchyard::dp
