// The switch's desired config as plain structs: what the API changes, the
// store persists, and the Dataplane is made to match.
#pragma once

#include <string>
#include <vector>

#include "datapath/core/types.h"
#include "datapath/engine/spec.h"

namespace switchyard::ctl {

struct StaticMac {
  std::string network;
  dp::MacKey mac = 0;
  std::string port;
  uint32_t vlan = 0;

  bool operator==(const StaticMac&) const = default;
};

struct DesiredState {
  std::vector<dp::NetworkSpec> networks;
  std::vector<dp::PortSpec> ports;
  std::vector<StaticMac> static_macs;
};

}  // namespace switchyard::ctl
