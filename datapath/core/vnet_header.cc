#include "datapath/core/vnet_header.h"

#include <rte_mbuf.h>
#include <rte_tcp.h>

#include <cstddef>
#include <cstring>

#include "datapath/core/offload.h"

namespace switchyard::dp {

bool ApplyVnetHeader(const VnetHeader& h, uint32_t shift, rte_mbuf* m) noexcept {
  switch (h.gso_type & ~kVnetGsoEcn) {
    case kVnetGsoNone:
      return (h.flags & kVnetNeedsCsum) == 0 ||
             CompleteChecksum(m, h.csum_start + shift, h.csum_offset);
    case kVnetGsoTcpV4:
      return MarkTcpGso(m, false, h.gso_size);
    case kVnetGsoTcpV6:
      return MarkTcpGso(m, true, h.gso_size);
    default:
      return false;
  }
}

void FillVnetHeader(const rte_mbuf* m, VnetHeader* h) noexcept {
  std::memset(h, 0, sizeof(*h));
  if (!IsGso(m)) {
    return;
  }
  const bool ipv6 = (m->ol_flags & RTE_MBUF_F_TX_IPV6) != 0;
  const auto* tcp = rte_pktmbuf_mtod_offset(m, const rte_tcp_hdr*, m->l2_len + m->l3_len);
  h->flags = kVnetNeedsCsum;
  h->csum_start = static_cast<uint16_t>(m->l2_len + m->l3_len);
  h->csum_offset = offsetof(rte_tcp_hdr, cksum);
  h->gso_type = static_cast<uint8_t>((ipv6 ? kVnetGsoTcpV6 : kVnetGsoTcpV4) |
                                     ((tcp->tcp_flags & RTE_TCP_CWR_FLAG) ? kVnetGsoEcn : 0));
  h->gso_size = m->tso_segsz;
  h->hdr_len = static_cast<uint16_t>(m->l2_len + m->l3_len + m->l4_len);
}

}  // namespace switchyard::dp
