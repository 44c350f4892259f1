// Frames for the fuzz targets' seeds and checks, byte by byte (as
// tests/unit/datapath/router_test.cc builds them), and a checker of the
// checksums of what the switch emits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "datapath/core/types.h"

namespace switchyard::dp::fuzz {

using Bytes = std::vector<uint8_t>;

inline void Put16(Bytes& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void Put32(Bytes& b, uint32_t v) {
  Put16(b, v >> 16);
  Put16(b, v & 0xffff);
}
inline void PutMac(Bytes& b, MacKey mac) {
  for (int i = 0; i < 6; ++i) {
    b.push_back(static_cast<uint8_t>(mac >> (40 - 8 * i)));
  }
}
inline uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Get32(const uint8_t* p) {
  return static_cast<uint32_t>(Get16(p)) << 16 | Get16(p + 2);
}

// One's complement sum of `len` bytes, folded to 16 bits (not inverted).
inline uint16_t Sum(const uint8_t* p, size_t len, uint64_t sum = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) {
    sum += Get16(p + i);
  }
  if (len % 2 != 0) {
    sum += static_cast<uint32_t>(p[len - 1]) << 8;
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(sum);
}
inline uint64_t PseudoHeader4(const uint8_t* ip, uint8_t proto, size_t len) {
  return Sum(ip + 12, 8) + proto + len;
}
inline uint64_t PseudoHeader6(const uint8_t* ip, uint8_t proto, size_t len) {
  return Sum(ip + 8, 32) + proto + len;
}

inline Bytes Eth(MacKey dst, MacKey src, uint16_t type, const Bytes& payload) {
  Bytes b;
  PutMac(b, dst);
  PutMac(b, src);
  Put16(b, type);
  b.insert(b.end(), payload.begin(), payload.end());
  if (b.size() < 60) {
    b.resize(60, 0);
  }
  return b;
}

// An IPv4 datagram around `l4` with every checksum right (TCP, UDP, ICMP).
inline Bytes Datagram(uint32_t src, uint32_t dst, uint8_t proto, Bytes l4, uint8_t ttl = 64) {
  Bytes b;
  Put16(b, 0x4500);
  Put16(b, static_cast<uint32_t>(20 + l4.size()));
  Put16(b, 0x1234);
  Put16(b, 0x4000);
  b.push_back(ttl);
  b.push_back(proto);
  Put16(b, 0);
  Put32(b, src);
  Put32(b, dst);
  const uint16_t sum = static_cast<uint16_t>(~Sum(b.data(), 20));
  b[10] = static_cast<uint8_t>(sum >> 8);
  b[11] = static_cast<uint8_t>(sum);
  const int at = proto == 6 ? 16 : proto == 17 ? 6 : proto == 1 ? 2 : -1;
  if (at >= 0 && l4.size() >= static_cast<size_t>(at) + 2) {
    l4[at] = l4[at + 1] = 0;
    const uint64_t pseudo = proto == 1 ? 0 : PseudoHeader4(b.data(), proto, l4.size());
    uint16_t s = static_cast<uint16_t>(~Sum(l4.data(), l4.size(), pseudo));
    if (proto == 17 && s == 0) {
      s = 0xffff;
    }
    l4[at] = static_cast<uint8_t>(s >> 8);
    l4[at + 1] = static_cast<uint8_t>(s);
  }
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

inline Bytes Tcp(uint16_t sport, uint16_t dport, uint8_t flags, size_t payload = 0) {
  Bytes b;
  Put16(b, sport);
  Put16(b, dport);
  Put32(b, 0x11223344);
  Put32(b, (flags & 0x10) ? 0x55667788 : 0);
  b.push_back(0x50);
  b.push_back(flags);
  Put16(b, 64240);
  Put16(b, 0);
  Put16(b, 0);
  for (size_t i = 0; i < payload; ++i) {
    b.push_back(static_cast<uint8_t>(i * 7));
  }
  return b;
}

inline Bytes Udp(uint16_t sport, uint16_t dport, size_t payload = 12) {
  Bytes b;
  Put16(b, sport);
  Put16(b, dport);
  Put16(b, static_cast<uint32_t>(8 + payload));
  Put16(b, 0);
  for (size_t i = 0; i < payload; ++i) {
    b.push_back(static_cast<uint8_t>(0xa0 + i));
  }
  return b;
}

inline Bytes Icmp(uint8_t type, uint8_t code, uint32_t rest, const Bytes& data) {
  Bytes b{type, code, 0, 0};
  Put32(b, rest);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// ---- Checksums of what leaves ----

// Where the IPv4 or IPv6 header of an Ethernet frame starts (after up to
// two VLAN tags), and its ethertype; 0 when the frame is too short.
inline size_t L3Offset(const Bytes& f, uint16_t* type) {
  size_t off = 12;
  for (int tags = 0; tags <= 2; ++tags) {
    if (f.size() < off + 2) {
      return 0;
    }
    *type = Get16(&f[off]);
    if (*type != 0x8100 && *type != 0x88a8) {
      return off + 2;
    }
    off += 4;
  }
  return 0;
}

// False when `f` is IPv4 (header checksum; TCP, UDP or ICMP checksum of an
// unfragmented datagram) or IPv6 (TCP, UDP) whose length fits the frame and
// whose checksum is wrong. UDP over IPv4 may carry none (0).
inline bool ChecksumsRight(const Bytes& f) {
  uint16_t type = 0;
  const size_t l3 = L3Offset(f, &type);
  if (l3 == 0) {
    return true;
  }
  const uint8_t* ip = f.data() + l3;
  const size_t avail = f.size() - l3;
  size_t l4_off = 0;
  size_t l4_len = 0;
  uint8_t proto = 0;
  uint64_t pseudo = 0;
  if (type == 0x0800) {
    if (avail < 20 || (ip[0] >> 4) != 4) {
      return true;
    }
    const size_t ihl = (ip[0] & 0x0f) * 4u;
    const size_t total = Get16(ip + 2);
    if (ihl < 20 || total < ihl || total > avail) {
      return true;
    }
    if (Sum(ip, ihl) != 0xffff) {
      return false;
    }
    if ((Get16(ip + 6) & 0x3fff) != 0) {
      return true;  // a fragment: its L4 checksum covers other frames too
    }
    proto = ip[9];
    l4_off = ihl;
    l4_len = total - ihl;
    pseudo = proto == 1 ? 0 : PseudoHeader4(ip, proto, l4_len);
  } else if (type == 0x86dd) {
    if (avail < 40 || (ip[0] >> 4) != 6 || Get16(ip + 4) > avail - 40) {
      return true;
    }
    proto = ip[6];
    l4_off = 40;
    l4_len = Get16(ip + 4);
    pseudo = PseudoHeader6(ip, proto, l4_len);
  } else {
    return true;
  }
  const uint8_t* l4 = ip + l4_off;
  switch (proto) {
    case 6:
      return l4_len < 20 || Sum(l4, l4_len, pseudo) == 0xffff;
    case 17:
      if (l4_len < 8 || (type == 0x0800 && Get16(l4 + 6) == 0)) {
        return true;
      }
      return Sum(l4, l4_len, pseudo) == 0xffff;
    case 1:
      return type != 0x0800 || l4_len < 4 || Sum(l4, l4_len) == 0xffff;
    default:
      return true;
  }
}

// ---- Well-behaved senders ----

inline void Store16(Bytes& f, size_t at, uint16_t v) {
  f[at] = static_cast<uint8_t>(v >> 8);
  f[at + 1] = static_cast<uint8_t>(v);
}

// Where Behave() left a partial checksum (CHECKSUM_PARTIAL): the sum runs
// from `start` to the end of the frame into the field at start + offset.
struct L4Sum {
  bool partial = false;
  size_t start = 0;
  size_t offset = 0;
};

// Makes the IPv4 or IPv6 frame `f` (up to two VLAN tags) what a
// well-behaved stack sends: lengths fitting the frame, no fragment, the IPv4
// header checksum right, and the TCP, UDP or (IPv4) ICMP checksum right;
// with `partial`, TCP and UDP checksums are instead seeded with the
// pseudo-header sum, as a sender leaves them to offload, and `*sum` says
// where. False when `f` is not IPv4 or IPv6 whose headers fit.
inline bool Behave(Bytes& f, bool partial, L4Sum* sum) {
  *sum = L4Sum{};
  uint16_t type = 0;
  const size_t l3 = L3Offset(f, &type);
  if (l3 == 0) {
    return false;
  }
  uint8_t* ip = f.data() + l3;
  const size_t avail = f.size() - l3;
  size_t l4;
  uint8_t proto;
  if (type == 0x0800) {
    if (avail < 20) {
      return false;
    }
    ip[0] = static_cast<uint8_t>(0x40 | (ip[0] & 0x0f));
    const size_t ihl = (ip[0] & 0x0f) * 4u;
    if (ihl < 20 || ihl > avail || avail > 0xffff) {
      return false;
    }
    Store16(f, l3 + 2, static_cast<uint16_t>(avail));
    Store16(f, l3 + 6, Get16(ip + 6) & 0x4000);  // no fragment
    Store16(f, l3 + 10, 0);
    Store16(f, l3 + 10, static_cast<uint16_t>(~Sum(ip, ihl)));
    l4 = ihl;
    proto = ip[9];
  } else if (type == 0x86dd) {
    if (avail < 40 || avail - 40 > 0xffff) {
      return false;
    }
    ip[0] = static_cast<uint8_t>(0x60 | (ip[0] & 0x0f));
    Store16(f, l3 + 4, static_cast<uint16_t>(avail - 40));
    l4 = 40;
    proto = ip[6];
  } else {
    return false;
  }
  const size_t l4_len = avail - l4;
  size_t field;
  if (proto == 6 && l4_len >= 20) {
    field = 16;
  } else if (proto == 17 && l4_len >= 8) {
    field = 6;
    Store16(f, l3 + l4 + 4, static_cast<uint16_t>(l4_len));
  } else if (proto == 1 && type == 0x0800 && l4_len >= 4) {
    field = 2;
  } else {
    return true;
  }
  const uint64_t pseudo = proto == 1       ? 0
                          : type == 0x0800 ? PseudoHeader4(ip, proto, l4_len)
                                           : PseudoHeader6(ip, proto, l4_len);
  const size_t at = l3 + l4 + field;
  Store16(f, at, 0);
  if (partial && proto != 1) {
    Store16(f, at, Sum(nullptr, 0, pseudo));  // folded, not inverted
    *sum = L4Sum{true, l3 + l4, field};
    return true;
  }
  uint16_t s = static_cast<uint16_t>(~Sum(ip + l4, l4_len, pseudo));
  if (proto == 17 && s == 0) {
    s = 0xffff;
  }
  Store16(f, at, s);
  return true;
}

}  // namespace switchyard::dp::fuzz
