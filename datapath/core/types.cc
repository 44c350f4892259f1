#include "datapath/core/types.h"

#include <cstdio>

namespace switchyard::dp {

std::string MacToString(MacKey mac) {
  char buf[18];
  std::snprintf(
      buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", static_cast<unsigned>((mac >> 40) & 0xff),
      static_cast<unsigned>((mac >> 32) & 0xff), static_cast<unsigned>((mac >> 24) & 0xff),
      static_cast<unsigned>((mac >> 16) & 0xff), static_cast<unsigned>((mac >> 8) & 0xff),
      static_cast<unsigned>(mac & 0xff));
  return buf;
}

std::optional<MacKey> ParseMac(std::string_view text) {
  // Exactly six two-digit hex octets separated by ':'.
  if (text.size() != 17) {
    return std::nullopt;
  }
  MacKey mac = 0;
  for (size_t i = 0; i < 17; ++i) {
    char c = text[i];
    if (i % 3 == 2) {
      if (c != ':') {
        return std::nullopt;
      }
      continue;
    }
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    mac = (mac << 4) | static_cast<MacKey>(v);
  }
  return mac;
}

}  // namespace switchyard::dp
