// What a frame handed to the control thread (punted) is for. The PMD tags
// the mbuf; the control thread reads the tag back. Fields the stages are
// done with carry it: m->port and the 64 bits of m->hash.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

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
  uint32_t next_hop = 0;  // kResolve: host order
};

inline void TagPunt(rte_mbuf* m, const PuntTag& tag) noexcept {
  m->port = tag.port;
  m->hash.fdir.lo = static_cast<uint32_t>(tag.kind);
  m->hash.fdir.hi = tag.next_hop;
}

inline PuntTag ReadPunt(const rte_mbuf* m) noexcept {
  return PuntTag{m->port, static_cast<PuntKind>(m->hash.fdir.lo), m->hash.fdir.hi};
}

}  // namespace switchyard::dp
