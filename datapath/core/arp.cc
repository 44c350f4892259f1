#include "datapath/core/arp.h"

#include <cstring>

#include "datapath/core/wire.h"

namespace switchyard::dp {

namespace {

constexpr uint16_t kHardwareEthernet = 1;

}  // namespace

bool ParseArp(const uint8_t* frame, uint32_t len, ArpMessage* msg) noexcept {
  if (len < kArpFrameLen || Load16(frame + 12) != kEtherTypeArp) {
    return false;
  }
  const uint8_t* a = frame + 14;
  const uint16_t op = Load16(a + 6);
  if (Load16(a) != kHardwareEthernet || Load16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 ||
      (op != 1 && op != 2)) {
    return false;
  }
  msg->op = static_cast<ArpOp>(op);
  msg->sender_mac = MacFromBytes(a + 8);
  msg->sender_ip = Load32(a + 14);
  msg->target_mac = MacFromBytes(a + 18);
  msg->target_ip = Load32(a + 24);
  return true;
}

uint32_t WriteArp(uint8_t* frame, MacKey eth_dst, const ArpMessage& msg) noexcept {
  std::memset(frame, 0, kMinFrameLen);
  MacToBytes(eth_dst, frame);
  MacToBytes(msg.sender_mac, frame + 6);
  Store16(frame + 12, kEtherTypeArp);
  uint8_t* a = frame + 14;
  Store16(a, kHardwareEthernet);
  Store16(a + 2, 0x0800);
  a[4] = 6;
  a[5] = 4;
  Store16(a + 6, static_cast<uint16_t>(msg.op));
  MacToBytes(msg.sender_mac, a + 8);
  Store32(a + 14, msg.sender_ip);
  MacToBytes(msg.target_mac, a + 18);
  Store32(a + 24, msg.target_ip);
  return kMinFrameLen;
}

}  // namespace switchyard::dp
