// Port security: what a guest's port may send, as OVS's port_security and
// libvirt's clean-traffic filter.
//
// A guarded port names the source MACs it may use and the IPv4 addresses
// it may send from: given by the operator, taken from the VM definition,
// or bound by the network's DHCP server to one of its MACs. The bridge
// asks CheckSource() for every frame from such a port before it learns
// anything from it, so a spoofed MAC is never learned and a spoofed
// address never reaches another guest or the gateway (whose neighbour
// table therefore holds only bound pairs for guarded ports).
//
// Checked: the Ethernet source MAC; IPv4's source address (0.0.0.0 only
// for a DHCP client's UDP to port 67); ARP's sender MAC (the frame's own)
// and sender address (or 0.0.0.0, a probe). Other ethertypes, IPv6
// included, are checked by their source MAC only.
#pragma once

#include <cstdint>

#include "datapath/core/drop_reasons.h"
#include "datapath/core/parser.h"
#include "datapath/core/port_guard.h"

namespace switchyard::dp {

// PMD thread. `data` holds `seg_len` bytes of the frame's first segment,
// parsed into `meta`. DropReason::kCount when the frame may go on, else
// why not (kPortSecurityMac, kPortSecurityIp, kPortSecurityArp). Headers
// cut short by the segment count as the check they could not pass.
DropReason CheckSource(const PortGuard& guard, const uint8_t* data, uint32_t seg_len,
                       const PacketMeta& meta) noexcept;

}  // namespace switchyard::dp
