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

int Run(World& w, const uint8_t* data, size_t size) {
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
  bool check = false;
  if ((choices & kWellBehaved) != 0) {
    const bool gso = (h.gso_type & ~kVnetGsoEcn) != kVnetGsoNone;
    L4Sum sum;
    check = Behave(frame, gso || (h.flags & kVnetNeedsCsum) != 0, &sum);
    if (check && sum.partial) {
      h.flags = kVnetNeedsCsum;
      h.csum_start = static_cast<uint16_t>(sum.start - shift);
      h.csum_offset = static_cast<uint16_t>(sum.offset);
    } else if (check) {
      h.flags = 0;
      h.gso_type = kVnetGsoNone;  // only TCP is ever a super-frame
    }
  }

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < sizeof(VnetHeader) + 1 || size > 65536) {
    return -1;  // not an input of this target: kept out of the corpus
  }
  return RunInWorld(data, size, Run);
}
