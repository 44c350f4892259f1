#include "datapath/core/vlan_edit.h"

#include <rte_byteorder.h>

#include <cstring>

#include "datapath/core/offload.h"
#include "datapath/core/parser.h"

namespace switchyard::dp {

namespace {

constexpr uint32_t kMacsLen = 12;

void WriteTag(uint8_t* at, uint16_t tci) {
  const uint16_t tag[2] = {rte_cpu_to_be_16(kEtherTypeVlan), rte_cpu_to_be_16(tci)};
  std::memcpy(at, tag, sizeof(tag));
}

// Only GSO reads l2_len (checksums are completed on rx); shift it with the
// header.
void ShiftL2(rte_mbuf* m, int delta) {
  if (IsGso(m)) {
    m->l2_len = static_cast<uint64_t>(static_cast<int>(m->l2_len) + delta) & 0x7f;
  }
}

}  // namespace

bool SetVlanForm(rte_mbuf* m, VlanForm from, VlanForm to) noexcept {
  if (from.tagged && to.tagged) {
    if (from.tci != to.tci) {
      const uint16_t tci = rte_cpu_to_be_16(to.tci);
      std::memcpy(rte_pktmbuf_mtod_offset(m, uint8_t*, kMacsLen + 2), &tci, sizeof(tci));
    }
  } else if (from.tagged) {
    auto* data = rte_pktmbuf_mtod(m, uint8_t*);
    std::memmove(data + kVlanTagLen, data, kMacsLen);
    rte_pktmbuf_adj(m, kVlanTagLen);
    ShiftL2(m, -static_cast<int>(kVlanTagLen));
  } else if (to.tagged) {
    auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kVlanTagLen));
    if (data == nullptr) {
      return false;
    }
    std::memmove(data, data + kVlanTagLen, kMacsLen);
    WriteTag(data + kMacsLen, to.tci);
    ShiftL2(m, static_cast<int>(kVlanTagLen));
  }
  return true;
}

rte_mbuf* CopyInVlanForm(const rte_mbuf* m, VlanForm from, VlanForm to,
                         const MbufSource& source) noexcept {
  rte_mbuf* copy = source.alloc(source.ctx);
  if (copy == nullptr) {
    return nullptr;
  }
  uint8_t tag[kVlanTagLen];
  WriteTag(tag, to.tci);
  const uint32_t rest = kMacsLen + (from.tagged ? kVlanTagLen : 0);
  if (!AppendFromChain(copy, m, 0, kMacsLen, source) ||
      (to.tagged && !AppendBytes(copy, tag, sizeof(tag), source)) ||
      !AppendFromChain(copy, m, rest, m->pkt_len - rest, source)) {
    source.free(copy, source.ctx);
    return nullptr;
  }
  copy->ol_flags = m->ol_flags;
  copy->tx_offload = m->tx_offload;
  copy->port = m->port;
  ShiftL2(copy, (to.tagged ? 4 : 0) - (from.tagged ? 4 : 0));
  return copy;
}

}  // namespace switchyard::dp
