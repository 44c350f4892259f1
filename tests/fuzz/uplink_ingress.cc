// Fuzz target: a frame received on the uplink of the switch in dp_world.h,
// through the overlay stage (VXLAN and GRE decapsulation into networks 2
// and 3, ARP for the uplink punted), the router (NAT inbound to the NAT
// network's connections and port forwards, ICMP errors about NATed
// packets translated back, the routed network's inbound path) and the
// bridge of the network it lands in.
//
// Input: two bytes (little endian): bits 0-14 where the frame is cut into
// two chained mbufs (0, or past the end: one mbuf), bit 15 a well-behaved
// sender; then the frame.
//
// Invariants: every mbuf leaves exactly once (sent, punted or dropped: the
// pool ends with no reference held, none released twice); no runt is sent;
// the NAT table stays within its capacity; a sweep after the burst is
// safe. A well-behaved sender's frame (lengths that fit, IPv4 header and
// TCP/UDP/ICMP checksums right; frames.h Behave) reaches the NAT and routed
// networks' ports with right checksums: NAT's rewrites of addresses, ports
// and the packets quoted in ICMP errors keep them right. (Frames out of a
// tunnel are the remote's, not checked.)
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/dp_world.h"
#include "tests/fuzz/fuzz_check.h"

using namespace switchyard::dp;
using namespace switchyard::dp::fuzz;

namespace {

int Run(World& w, const uint8_t* data, size_t size) {
  const size_t split = static_cast<size_t>(data[0] | (data[1] & 0x7f) << 8);
  Bytes frame(data + 2, data + size);
  L4Sum unused;
  const bool check = (data[1] & 0x80) != 0 && Behave(frame, false, &unused);
  rte_mbuf* m;
  if (split > 0 && split < frame.size()) {
    m = w.pool.MakeChain(Bytes(frame.begin(), frame.begin() + static_cast<long>(split)),
                         static_cast<uint32_t>(split));
    rte_mbuf* tail =
        w.pool.MakeChain(Bytes(frame.begin() + static_cast<long>(split), frame.end()), 0xffff);
    m->next = tail;
    m->nb_segs = static_cast<uint16_t>(m->nb_segs + tail->nb_segs);
    m->pkt_len += tail->pkt_len;
    tail->pkt_len = tail->data_len;
  } else if (frame.size() <= 2048) {
    m = w.pool.MakeRaw(frame);
  } else {
    m = w.pool.MakeChain(frame, 2048);
  }
  w.FromUplink(&m, 1);
  w.Sweep();
  SY_FUZZ_CHECK(w.pool.AllReleased());
  for (FakePort* p : w.Ports()) {
    for (const Bytes& sent : p->sent_bytes) {
      SY_FUZZ_CHECK(sent.size() >= 14);
    }
  }
  SY_FUZZ_CHECK(w.conns().size() <= w.conns().capacity());
  if (check) {
    for (FakePort* p :
         {&w.guest_a, &w.guest_b, &w.guest_c, &w.access10, &w.trunk_tagged, &w.trunk_untagged}) {
      for (const Bytes& sent : p->sent_bytes) {
        SY_FUZZ_CHECK(ChecksumsRight(sent));
      }
    }
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size - 2 > 9216 + kVxlanOverhead) {
    return -1;  // not an input of this target: kept out of the corpus
  }
  return RunInWorld(data, size, Run);
}
