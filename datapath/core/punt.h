// What a frame handed to the control thread (punted) is for. The PMD tags
// the mbuf; the control thread reads the tag back. Fields the stages are
// done with carry it: m->port and the 64 bits of m->hash.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "datapath/core/drop_reasons.h"
#include "datapath/core/types.h"

namespace switchyard::dp {

enum class PuntKind : uint8_t {
  // For the switch itself (ARP, ICMP echo, DHCP) on `port`: an uplink, or
  // a network's gateway.
  kHost,
  // Routed and ready but for its destination MAC: the next hop's is not
  // cached. It leaves by `port` (an uplink, or a gateway: into its network)
  // once the control thread has resolved `next_hop`.
  kResolve,
};

struct PuntTag {
  PortIndex port = kInvalidPort;
  PuntKind kind = PuntKind::kHost;
  uint32_t next_hop = 0;             // kResolve: host order
  PortIndex ingress = kInvalidPort;  // the port the frame came in by (IngressOf)
};

inline void TagPunt(rte_mbuf* m, const PuntTag& tag) noexcept {
  m->port = tag.port;
  m->hash.fdir.lo = static_cast<uint32_t>(tag.kind);
  m->hash.fdir.hi = tag.next_hop;
}

inline PuntTag ReadPunt(const rte_mbuf* m) noexcept {
  return PuntTag{m->port, static_cast<PuntKind>(m->hash.fdir.lo), m->hash.fdir.hi,
                 m->vlan_tci_outer};
}

// Hands a tagged frame to the control thread: DropReason::kCount when it
// took it, else why not (kSlowPathFull, kPuntPoliced); the frame then stays
// the caller's.
using PuntFn = DropReason (*)(rte_mbuf* m, void* ctx);

// The port a frame came in by, for policing its punts. The bridge and the
// overlay stage write it for every frame; it lives in vlan_tci_outer,
// which nothing else here uses (no QinQ offload).
inline void SetIngress(rte_mbuf* m, PortIndex port) noexcept { m->vlan_tci_outer = port; }
inline PortIndex IngressOf(const rte_mbuf* m) noexcept { return m->vlan_tci_outer; }

}  // namespace switchyard::dp
