// Test doubles for datapath stage tests without EAL: frames built from named
// fields into mbufs that live in plain memory, and a Port that records what
// it is given. "Freeing" a test mbuf only lowers its reference count, so a
// test can prove every frame left the stage exactly once.
#pragma once

#include <rte_mbuf.h>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "datapath/core/types.h"
#include "datapath/ports/port.h"

namespace switchyard::dp::testing {

struct FrameSpec {
  FrameSpec(MacKey dst_mac = 0, MacKey src_mac = 0, uint16_t type = 0x0800,
            std::vector<uint16_t> tags = {}, uint32_t bytes = 64)
      : dst(dst_mac), src(src_mac), ethertype(type), vlan_tags(std::move(tags)), size(bytes) {}

  MacKey dst;
  MacKey src;
  uint16_t ethertype;
  std::vector<uint16_t> vlan_tags;  // TPID 0x8100 each, outermost first
  uint32_t size;                    // total bytes; may be < 14 for runts
};

class TestPool {
 public:
  rte_mbuf* Make(const FrameSpec& f) {
    std::vector<uint8_t> bytes(std::max<uint32_t>(f.size, 64), 0);
    for (int i = 0; i < 6; ++i) {
      bytes[i] = static_cast<uint8_t>(f.dst >> (40 - 8 * i));
      bytes[6 + i] = static_cast<uint8_t>(f.src >> (40 - 8 * i));
    }
    size_t off = 12;
    for (uint16_t tci : f.vlan_tags) {
      bytes[off] = 0x81;
      bytes[off + 1] = 0x00;
      bytes[off + 2] = static_cast<uint8_t>(tci >> 8);
      bytes[off + 3] = static_cast<uint8_t>(tci);
      off += 4;
    }
    bytes[off] = static_cast<uint8_t>(f.ethertype >> 8);
    bytes[off + 1] = static_cast<uint8_t>(f.ethertype);
    bytes.resize(f.size);
    return MakeRaw(bytes);
  }

  rte_mbuf* MakeRaw(const std::vector<uint8_t>& bytes) {
    auto& slot = storage_.emplace_back(std::make_unique<Slot>());
    rte_mbuf* m = &slot->mbuf;
    std::memset(m, 0, sizeof(*m));
    m->buf_addr = slot->data;
    m->buf_len = sizeof(slot->data);
    m->data_off = RTE_PKTMBUF_HEADROOM;
    std::memcpy(slot->data + RTE_PKTMBUF_HEADROOM, bytes.data(), bytes.size());
    m->data_len = static_cast<uint16_t>(bytes.size());
    m->pkt_len = static_cast<uint32_t>(bytes.size());
    m->nb_segs = 1;
    rte_mbuf_refcnt_set(m, 1);
    return m;
  }

  // Drops one reference, as rte_pktmbuf_free would.
  static void Release(rte_mbuf* m) { rte_mbuf_refcnt_update(m, -1); }
  static void ReleaseBulk(rte_mbuf** pkts, unsigned n, void* ctx) {
    auto* freed = static_cast<std::vector<rte_mbuf*>*>(ctx);
    for (unsigned i = 0; i < n; ++i) {
      freed->push_back(pkts[i]);
      Release(pkts[i]);
    }
  }

  // True when every frame made so far has no reference left.
  bool AllReleased() const {
    for (auto& s : storage_) {
      if (rte_mbuf_refcnt_read(&s->mbuf) != 0) {
        return false;
      }
    }
    return true;
  }

 private:
  struct Slot {
    rte_mbuf mbuf;
    alignas(64) uint8_t data[2048 + RTE_PKTMBUF_HEADROOM];
  };
  std::deque<std::unique_ptr<Slot>> storage_;
};

// Records transmitted frames' source/destination; sends at most
// `capacity` per burst (to model a full guest ring) and only when up.
class FakePort final : public Port {
 public:
  struct Sent {
    MacKey dst;
    MacKey src;
  };

  uint16_t RxBurst(uint16_t, rte_mbuf**, uint16_t) noexcept override { return 0; }
  uint16_t TxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept override {
    uint16_t sent = up ? std::min<uint16_t>(n, capacity) : 0;
    for (uint16_t i = 0; i < sent; ++i) {
      const auto* d = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
      sent_frames.push_back({MacFromBytes(d), MacFromBytes(d + 6)});
    }
    for (uint16_t i = 0; i < n; ++i) {
      TestPool::Release(pkts[i]);
    }
    return sent;
  }
  bool LinkUp() const noexcept override { return up; }
  PortInfo Info() const override { return PortInfo{}; }

  bool up = true;
  uint16_t capacity = 0xffff;
  std::vector<Sent> sent_frames;
};

}  // namespace switchyard::dp::testing
