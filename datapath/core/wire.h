// Network-order (big-endian) fields read from and written to frame bytes,
// at any alignment: what every header parser and writer here needs.
#pragma once

#include <cstdint>

namespace switchyard::dp {

inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Load32(const uint8_t* p) {
  return static_cast<uint32_t>(Load16(p)) << 16 | Load16(p + 2);
}
inline void Store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void Store32(uint8_t* p, uint32_t v) {
  Store16(p, static_cast<uint16_t>(v >> 16));
  Store16(p + 2, static_cast<uint16_t>(v));
}

}  // namespace switchyard::dp
