// What a guarded port may send (port security): the source MACs and IPv4
// addresses it may use. Built by the control thread into each snapshot;
// stages/security/port_security.h checks frames against it.
#pragma once

#include <cstdint>
#include <vector>

#include "datapath/core/types.h"

namespace switchyard::dp {

// Immutable, in a snapshot; few entries each, so searched linearly.
struct PortGuard {
  std::vector<MacKey> macs;
  std::vector<uint32_t> ipv4;  // host order

  bool AllowsMac(MacKey mac) const noexcept {
    for (MacKey m : macs) {
      if (m == mac) {
        return true;
      }
    }
    return false;
  }
  bool AllowsIpv4(uint32_t ip) const noexcept {
    for (uint32_t a : ipv4) {
      if (a == ip) {
        return true;
      }
    }
    return false;
  }
};

}  // namespace switchyard::dp
