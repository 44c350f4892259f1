// Fuzz target: a frame a guest's kernel port (AF_PACKET with
// PACKET_VNET_HDR) hands over, into the switch of dp_world.h: the
// virtio-net header applied (partial checksums completed, TCP super-frames
// marked for GSO), then the bridge (VLAN push, pop and rewrite between
// access and trunk ports, floods, GSO segmentation for ports that take no
// super-frames, tunnels to VXLAN and GRE endpoints) and the router
// outbound (NAT to the uplink, the routed network's way out).
//
// Input: the 10-byte virtio-net header, one byte of choices (bits 0-2: the
// ingress port; bit 3: the kernel took a VLAN tag off, given in the next two
// bytes, and the port puts it back after the MACs as AfPacketPort does; bit
// 4: the sender is well-behaved), then the frame.
//
// A well-behaved sender's frame has its IPv4/IPv6 lengths fitting the frame
// and checksums as a real stack leaves them (complete; or, with
// VIRTIO_NET_HDR_F_NEEDS_CSUM or GSO, seeded with the pseudo header and
// csum_start/csum_offset pointing at the field). For those inputs every
// frame the switch emits without GSO must have right IPv4 header and
// TCP/UDP/ICMP checksums. For every input, every mbuf leaves exactly once.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "datapath/core/vnet_header.h"
#include "tests/fuzz/dp_world.h"
#include "tests/fuzz/fuzz_check.h"

using namespace switchyard::dp;
using namespace switchyard::dp::fuzz;

namespace {

constexpr PortIndex kIngress[8] = {kGuestA,        kGuestB, kAccess10, kTrunkTagged,
                                   kTrunkUntagged, kGuestC, kGuestD,   kGuestE};
constexpr uint8_t kChoosePort = 0x07;
constexpr uint8_t kKernelTag = 0x08;
constexpr uint8_t kWellBehaved = 0x10;

void Store16(Bytes& f, size_t at, uint16_t v) {
  f[at] = static_cast<uint8_t>(v >> 8);
  f[at + 1] = static_cast<uint8_t>(v);
}

// Makes `f` what a well-behaved stack sends with header `h`: lengths that
// fit the frame, right or seeded checksums. False when `f` is not IPv4 or
// IPv6 whose headers fit (then nothing is checked for this input).
bool Behave(Bytes& f, VnetHeader* h, uint32_t shift) {
  uint16_t type = 0;
  const size_t l3 = L3Offset(f, &type);
  if (l3 == 0) {
    return false;
  }
  uint8_t* ip = f.data() + l3;
  const size_t avail = f.size() - l3;
  size_t l4;
  uint8_t proto;
  if (type == 0x0800) {
    if (avail < 20) {
      return false;
    }
    ip[0] = static_cast<uint8_t>(0x40 | (ip[0] & 0x0f));
    const size_t ihl = (ip[0] & 0x0f) * 4u;
    if (ihl < 20 || ihl > avail || avail > 0xffff) {
      return false;
    }
    Store16(f, l3 + 2, static_cast<uint16_t>(avail));
    Store16(f, l3 + 6, Get16(ip + 6) & 0x4000);  // no fragment
    Store16(f, l3 + 10, 0);
    Store16(f, l3 + 10, static_cast<uint16_t>(~Sum(ip, ihl)));
    l4 = ihl;
    proto = ip[9];
  } else if (type == 0x86dd) {
    if (avail < 40 || avail - 40 > 0xffff) {
      return false;
    }
    ip[0] = static_cast<uint8_t>(0x60 | (ip[0] & 0x0f));
    Store16(f, l3 + 4, static_cast<uint16_t>(avail - 40));
    l4 = 40;
    proto = ip[6];
  } else {
    return false;
  }
  const size_t l4_len = avail - l4;
  int field;
  if (proto == 6 && l4_len >= 20) {
    field = 16;
  } else if (proto == 17 && l4_len >= 8) {
    field = 6;
    Store16(f, l3 + l4 + 4, static_cast<uint16_t>(l4_len));
  } else if (proto == 1 && type == 0x0800 && l4_len >= 4) {
    field = 2;
  } else {
    h->flags = 0;
    h->gso_type = kVnetGsoNone;
    return true;
  }
  const uint64_t pseudo = proto == 1       ? 0
                          : type == 0x0800 ? PseudoHeader4(ip, proto, l4_len)
                                           : PseudoHeader6(ip, proto, l4_len);
  const size_t at = l3 + l4 + static_cast<size_t>(field);
  Store16(f, at, 0);
  const bool gso = (h->gso_type & ~kVnetGsoEcn) != kVnetGsoNone;
  if (proto != 1 && (gso || (h->flags & kVnetNeedsCsum) != 0)) {
    // CHECKSUM_PARTIAL: the folded pseudo-header sum, summed up by the
    // switch (or per segment).
    Store16(f, at, Sum(nullptr, 0, pseudo));
    h->flags = kVnetNeedsCsum;
    h->csum_start = static_cast<uint16_t>(l3 + l4 - shift);
    h->csum_offset = static_cast<uint16_t>(field);
  } else {
    uint16_t s = static_cast<uint16_t>(~Sum(ip + l4, l4_len, pseudo));
    if (proto == 17 && s == 0) {
      s = 0xffff;
    }
    Store16(f, at, s);
    h->flags = 0;
    if (gso) {
      h->gso_type = kVnetGsoNone;  // ICMP is never a super-frame
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < sizeof(VnetHeader) + 1 || size > 65536) {
    return -1;
  }
  VnetHeader h;
  std::memcpy(&h, data, sizeof(h));
  const uint8_t choices = data[sizeof(h)];
  size_t at = sizeof(h) + 1;
  Bytes frame;
  uint32_t shift = 0;
  if ((choices & kKernelTag) != 0) {
    if (size < at + 2) {
      return -1;
    }
    const uint8_t tag[4] = {0x81, 0x00, data[at], data[at + 1]};
    at += 2;
    const size_t len = size - at;
    if (len >= 12) {
      frame.assign(data + at, data + at + 12);
      frame.insert(frame.end(), tag, tag + 4);
      frame.insert(frame.end(), data + at + 12, data + size);
      shift = 4;
    } else {
      frame.assign(data + at, data + size);
    }
  } else {
    frame.assign(data + at, data + size);
  }
  const bool check = (choices & kWellBehaved) != 0 && Behave(frame, &h, shift);

  World w;
  rte_mbuf* m = w.pool.MakeChain(frame, 2048);
  if (!ApplyVnetHeader(h, shift, m)) {
    TestPool::Release(m);  // AfPacketPort drops it (rx_bad_offload)
  } else {
    w.FromGuest(kIngress[choices & kChoosePort], &m, 1);
  }
  SY_FUZZ_CHECK(w.pool.AllReleased());
  if (check) {
    for (FakePort* p : w.Ports()) {
      for (size_t i = 0; i < p->sent_bytes.size(); ++i) {
        if (!p->sent_frames[i].gso) {
          SY_FUZZ_CHECK(ChecksumsRight(p->sent_bytes[i]));
        }
      }
    }
  }
  return 0;
}
