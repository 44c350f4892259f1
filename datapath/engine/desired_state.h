// The whole config the switch is asked to run, as plain specs: what the
// control plane owns and persists, and what Dataplane::Apply() makes the
// datapath match.
#pragma once

#include <string>
#include <vector>

#include "datapath/core/types.h"
#include "datapath/engine/spec.h"

namespace switchyard::dp {

// A static FDB entry: never aged, never moved by learning.
struct StaticMac {
  std::string network;
  MacKey mac = 0;
  std::string port;
  uint32_t vlan = 0;

  bool operator==(const StaticMac&) const = default;
};

struct DesiredState {
  std::vector<NetworkSpec> networks;
  std::vector<PortSpec> ports;
  std::vector<StaticMac> static_macs;

  const NetworkSpec* FindNetwork(const std::string& name) const;
  const PortSpec* FindPort(const std::string& name) const;
  // Networks and ports by name, static MACs by (network, VLAN, MAC): equal
  // states compare equal whatever order their lists came in.
  void Sort();
  bool operator==(const DesiredState&) const = default;
};

// "lan0/20/02:00:00:00:00:01": how plans and events name a static MAC.
std::string StaticMacName(const StaticMac& m);

}  // namespace switchyard::dp
