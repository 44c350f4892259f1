// Filling mbuf chains: frames larger than one mbuf (jumbo frames, TCP
// super-frames) are copied into as many segments as they need.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>

namespace switchyard::dp {

// True when `m`'s bytes may be edited in place: no other reference (a
// flood's other ports, a clone) sees them.
inline bool HeldAlone(const rte_mbuf* m) noexcept {
  return !RTE_MBUF_CLONED(m) && rte_mbuf_refcnt_read(m) == 1;
}

// Where new segments come from: rte_pktmbuf_alloc on the port's pool in the
// datapath, a plain-memory pool in unit tests.
struct MbufSource {
  rte_mbuf* (*alloc)(void* ctx);
  void (*free)(rte_mbuf* m, void* ctx);  // frees a whole chain
  void* ctx;

  static MbufSource FromPool(rte_mempool* pool) {
    return MbufSource{[](void* p) { return rte_pktmbuf_alloc(static_cast<rte_mempool*>(p)); },
                      [](rte_mbuf* m, void*) { rte_pktmbuf_free(m); }, pool};
  }
};

// Appends `len` bytes to the chain that starts at `head`, taking new
// segments from `source` when the last one is full. False when the source
// ran dry; the bytes appended so far stay (the caller frees the chain).
inline bool AppendBytes(rte_mbuf* head, const void* src, uint32_t len,
                        const MbufSource& source) noexcept {
  rte_mbuf* last = rte_pktmbuf_lastseg(head);
  const auto* from = static_cast<const uint8_t*>(src);
  while (len > 0) {
    uint32_t room = rte_pktmbuf_tailroom(last);
    if (room == 0) {
      rte_mbuf* seg = source.alloc(source.ctx);
      if (seg == nullptr) {
        return false;
      }
      last->next = seg;
      last = seg;
      head->nb_segs++;
      room = rte_pktmbuf_tailroom(last);
    }
    const uint32_t take = len < room ? len : room;
    std::memcpy(rte_pktmbuf_mtod_offset(last, uint8_t*, last->data_len), from, take);
    last->data_len = static_cast<uint16_t>(last->data_len + take);
    head->pkt_len += take;
    from += take;
    len -= take;
  }
  return true;
}

// Appends bytes [off, off + len) of the chain `src` to `head`.
inline bool AppendFromChain(rte_mbuf* head, const rte_mbuf* src, uint32_t off, uint32_t len,
                            const MbufSource& source) noexcept {
  const rte_mbuf* seg = src;
  while (seg != nullptr && off >= seg->data_len) {
    off -= seg->data_len;
    seg = seg->next;
  }
  while (len > 0 && seg != nullptr) {
    const uint32_t avail = seg->data_len - off;
    const uint32_t take = len < avail ? len : avail;
    if (!AppendBytes(head, rte_pktmbuf_mtod_offset(seg, const uint8_t*, off), take, source)) {
      return false;
    }
    len -= take;
    off = 0;
    seg = seg->next;
  }
  return len == 0;
}

}  // namespace switchyard::dp
