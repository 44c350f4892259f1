// The immutable forwarding configuration the PMD threads read.
//
// The control thread builds a new Snapshot for every change, publishes it
// with one atomic pointer store, and frees the old one only after every PMD
// thread has passed a quiescent point (RCU). PMD threads load the pointer
// once per loop iteration and never see a half-made change.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "datapath/core/types.h"
#include "datapath/core/vlan.h"

namespace switchyard::dp {

class Fdb;
class Port;

// One cache line holds a slot's port, network, VLAN header and VLANs 0..319.
struct alignas(64) PortSlot {
  Port* port = nullptr;  // null: no port in this slot
  NetworkIndex network = kInvalidNetwork;
  VlanPolicy vlan = VlanPolicy::TrunkOfAll();
};

struct NetworkSlot {
  Fdb* fdb = nullptr;  // null: no network in this slot
  std::vector<PortIndex> members;
};

struct Snapshot {
  uint64_t generation = 0;
  std::array<PortSlot, kMaxPorts> ports{};
  std::array<NetworkSlot, kMaxNetworks> networks{};
  // rx_by_pmd[i]: the ports whose (single) rx queue PMD thread i polls.
  std::vector<std::vector<PortIndex>> rx_by_pmd;
};

}  // namespace switchyard::dp
