// Test doubles for datapath stage tests without EAL: frames built from named
// fields into mbufs that live in plain memory, and a Port that records what
// it is given. "Freeing" a test mbuf only lowers its reference count, so a
// test can prove every frame left the stage exactly once.
#pragma once

#include <rte_mbuf.h>

#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "datapath/core/mbuf_chain.h"
#include "datapath/core/offload.h"
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

// Ethernet (optionally one VLAN tag) + IPv4 or IPv6 + TCP (20 bytes) with
// `payload` bytes counting up from 0; IP checksum set, TCP checksum zero.
inline std::vector<uint8_t> TcpFrame(MacKey dst, MacKey src, bool ipv6, uint32_t payload,
                                     uint8_t tcp_flags = 0x18, bool vlan = false) {
  std::vector<uint8_t> f;
  auto put16 = [&](uint32_t v) {
    f.push_back(static_cast<uint8_t>(v >> 8));
    f.push_back(static_cast<uint8_t>(v));
  };
  auto put32 = [&](uint32_t v) {
    put16(v >> 16);
    put16(v & 0xffff);
  };
  for (int i = 0; i < 6; ++i) {
    f.push_back(static_cast<uint8_t>(dst >> (40 - 8 * i)));
  }
  for (int i = 0; i < 6; ++i) {
    f.push_back(static_cast<uint8_t>(src >> (40 - 8 * i)));
  }
  if (vlan) {
    put16(0x8100);
    put16(0x2000 | 10);  // priority 1, VLAN 10
  }
  const size_t l3 = f.size() + 2;
  if (ipv6) {
    put16(0x86dd);
    put32(0x60000000);
    put16(20 + payload);
    f.push_back(6);   // TCP
    f.push_back(64);  // hop limit
    for (int i = 0; i < 16; ++i) {
      f.push_back(static_cast<uint8_t>(i == 0 ? 0xfd : i == 15 ? 1 : 0));
    }
    for (int i = 0; i < 16; ++i) {
      f.push_back(static_cast<uint8_t>(i == 0 ? 0xfd : i == 15 ? 2 : 0));
    }
  } else {
    put16(0x0800);
    put16(0x4500);
    put16(20 + 20 + payload);
    put16(0x1000);  // id
    put16(0x4000);  // DF
    put16(0x4006);  // TTL 64, TCP
    put16(0);       // checksum, below
    put32(0x0a000001);
    put32(0x0a000002);
    uint32_t sum = 0;
    for (size_t i = l3; i < l3 + 20; i += 2) {
      sum += static_cast<uint32_t>(f[i] << 8 | f[i + 1]);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    f[l3 + 10] = static_cast<uint8_t>(~sum >> 8);
    f[l3 + 11] = static_cast<uint8_t>(~sum);
  }
  put16(40000);  // source port
  put16(5201);
  put32(1000);  // sequence
  put32(0);
  f.push_back(0x50);  // data offset 5
  f.push_back(tcp_flags);
  put16(65535);
  put16(0);  // checksum
  put16(0);
  for (uint32_t i = 0; i < payload; ++i) {
    f.push_back(static_cast<uint8_t>(i));
  }
  return f;
}

// One's complement sum of the TCP pseudo header and segment of `frame`
// (IP header at `l3`): 0xffff when the TCP checksum is right.
inline uint16_t TcpSumWithPseudoHeader(const std::vector<uint8_t>& f, size_t l3) {
  const bool ipv6 = (f[l3] >> 4) == 6;
  const size_t l4 = l3 + (ipv6 ? 40 : (f[l3] & 0x0f) * 4u);
  const size_t tcp_len = f.size() - l4;
  uint64_t sum = 0;
  auto add = [&](size_t from, size_t len) {
    for (size_t i = 0; i < len; i += 2) {
      sum += static_cast<uint32_t>(f[from + i] << 8 | (i + 1 < len ? f[from + i + 1] : 0));
    }
  };
  if (ipv6) {
    add(l3 + 8, 32);
  } else {
    add(l3 + 12, 8);
  }
  sum += 6 + tcp_len;
  add(l4, tcp_len);
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(sum);
}

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

  // `bytes` in one mbuf whose buffer ends right after the frame (headroom
  // kept in front, no tailroom), so AddressSanitizer reports any read past
  // the frame's end.
  rte_mbuf* MakeRaw(const std::vector<uint8_t>& bytes) {
    if (bytes.size() > kDataRoom) {
      throw std::length_error("TestPool::MakeRaw: use MakeChain for frames this long");
    }
    rte_mbuf* m = Budgeted(static_cast<uint32_t>(bytes.size()));
    if (!bytes.empty()) {  // an empty vector's data() may be null: no memcpy from it
      std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), bytes.data(), bytes.size());
    }
    m->data_len = static_cast<uint16_t>(bytes.size());
    m->pkt_len = static_cast<uint32_t>(bytes.size());
    return m;
  }

  // `bytes` in a chain of mbufs of at most `seg_size` bytes each, every
  // segment's buffer exactly as long as its bytes (after the headroom).
  rte_mbuf* MakeChain(const std::vector<uint8_t>& bytes, uint32_t seg_size) {
    rte_mbuf* head = nullptr;
    rte_mbuf* last = nullptr;
    size_t off = 0;
    do {
      const auto n = static_cast<uint16_t>(std::min<size_t>(seg_size, bytes.size() - off));
      rte_mbuf* seg = Budgeted(n);
      if (n > 0) {
        std::memcpy(rte_pktmbuf_mtod(seg, uint8_t*), bytes.data() + off, n);
      }
      seg->data_len = n;
      if (head == nullptr) {
        head = seg;
      } else {
        last->next = seg;
        head->nb_segs++;
      }
      head->pkt_len += n;
      last = seg;
      off += n;
    } while (off < bytes.size());
    return head;
  }

  // An empty mbuf with a full data room, as rte_pktmbuf_alloc returns; null
  // once `budget` is spent.
  rte_mbuf* Alloc() { return Budgeted(kDataRoom); }

  MbufSource Source() {
    return MbufSource{[](void* self) { return static_cast<TestPool*>(self)->Alloc(); },
                      [](rte_mbuf* m, void*) { Release(m); }, this};
  }

  // Drops one reference of every segment, as rte_pktmbuf_free would.
  static void Release(rte_mbuf* m) {
    for (; m != nullptr; m = m->next) {
      rte_mbuf_refcnt_update(m, -1);
    }
  }

  // The bytes of a frame, across its segments.
  static std::vector<uint8_t> Bytes(const rte_mbuf* m) {
    std::vector<uint8_t> out;
    for (; m != nullptr; m = m->next) {
      const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
      out.insert(out.end(), d, d + m->data_len);
    }
    return out;
  }

  int budget = -1;  // mbufs Alloc() may still make; -1: no limit
  static void ReleaseBulk(rte_mbuf** pkts, unsigned n, void* ctx) {
    auto* freed = static_cast<std::vector<rte_mbuf*>*>(ctx);
    for (unsigned i = 0; i < n; ++i) {
      freed->push_back(pkts[i]);
      Release(pkts[i]);
    }
  }

  // How many mbufs were made so far (frames, segments, copies).
  size_t made() const { return storage_.size(); }

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
  static constexpr size_t kDataRoom = 2048;
  struct Slot {
    rte_mbuf mbuf;
    std::unique_ptr<uint8_t[]> data;
  };

  // Every mbuf, the test's frames and the code's own, counts against
  // `budget`.
  rte_mbuf* Budgeted(uint32_t room) {
    if (budget == 0) {
      return nullptr;
    }
    if (budget > 0) {
      --budget;
    }
    return AllocSized(room);
  }

  rte_mbuf* AllocSized(uint32_t room) {
    auto& slot = storage_.emplace_back(std::make_unique<Slot>());
    slot->data = std::make_unique<uint8_t[]>(RTE_PKTMBUF_HEADROOM + room);
    rte_mbuf* m = &slot->mbuf;
    std::memset(m, 0, sizeof(*m));
    m->buf_addr = slot->data.get();
    m->buf_len = static_cast<uint16_t>(RTE_PKTMBUF_HEADROOM + room);
    m->data_off = RTE_PKTMBUF_HEADROOM;
    m->nb_segs = 1;
    rte_mbuf_refcnt_set(m, 1);
    return m;
  }

  std::deque<std::unique_ptr<Slot>> storage_;
};

// Records transmitted frames' source/destination; sends at most
// `capacity` per burst (to model a full guest ring) and only when up.
class FakePort final : public Port {
 public:
  struct Sent {
    MacKey dst;
    MacKey src;
    uint32_t len;
    bool gso;
  };

  uint16_t RxBurst(uint16_t, rte_mbuf**, uint16_t) noexcept override { return 0; }
  uint16_t TxBurst(uint16_t, rte_mbuf** pkts, uint16_t n) noexcept override {
    uint16_t sent = up ? std::min<uint16_t>(n, capacity) : 0;
    for (uint16_t i = 0; i < sent; ++i) {
      std::vector<uint8_t> bytes = TestPool::Bytes(pkts[i]);
      std::vector<uint8_t> macs(bytes.begin(), bytes.begin() + std::min<size_t>(bytes.size(), 12));
      macs.resize(12, 0);  // a runt's missing address bytes read as zero
      sent_frames.push_back({MacFromBytes(macs.data()), MacFromBytes(macs.data() + 6),
                             pkts[i]->pkt_len, IsGso(pkts[i])});
      sent_bytes.push_back(std::move(bytes));
    }
    for (uint16_t i = 0; i < n; ++i) {
      TestPool::Release(pkts[i]);
    }
    return sent;
  }
  bool LinkUp() const noexcept override { return up; }
  bool AcceptsGso() const noexcept override { return gso; }
  PortInfo Info() const override { return PortInfo{}; }
  void SetMtu(uint32_t mtu) { set_max_frame(mtu + kFrameOverhead); }

  bool up = true;
  bool gso = false;
  uint16_t capacity = 0xffff;
  std::vector<Sent> sent_frames;
  std::vector<std::vector<uint8_t>> sent_bytes;
};

}  // namespace switchyard::dp::testing
