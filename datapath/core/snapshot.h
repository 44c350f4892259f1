// The immutable forwarding configuration the PMD threads read.
//
// The control thread builds a new Snapshot for every change, publishes it
// with one atomic pointer store, and frees the old one only after every PMD
// thread has passed a quiescent point (RCU). PMD threads load the pointer
// once per loop iteration and never see a half-made change.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

#include "datapath/core/tunnel.h"
#include "datapath/core/types.h"
#include "datapath/core/vlan.h"

namespace switchyard::dp {

class Fdb;
class Port;

// What an uplink's received frames are checked against: its address and,
// per network it carries, the tunnel id and the remote endpoints' ports.
struct TunnelRoute {
  TunnelType type = TunnelType::kVxlan;
  uint32_t id = 0;
  NetworkIndex network = kInvalidNetwork;
  std::vector<std::pair<uint32_t, PortIndex>> endpoints;  // remote IPv4 -> its port
};

struct UplinkSlot {
  uint32_t address = 0;
  uint16_t vxlan_port = kVxlanPort;
  std::vector<TunnelRoute> routes;
};

// One cache line holds a slot's port, network, tunnel role, VLAN header
// and VLANs 0..191.
struct alignas(64) PortSlot {
  Port* port = nullptr;  // null: no port in this slot
  NetworkIndex network = kInvalidNetwork;
  const TunnelPath* tunnel = nullptr;    // a remote endpoint: frames leave encapsulated
  const UplinkSlot* underlay = nullptr;  // an uplink: frames arrive encapsulated
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
  // What PortSlot::tunnel and ::underlay point to; sized once, never grown.
  std::vector<TunnelPath> tunnel_paths;
  std::vector<UplinkSlot> uplinks;
};

}  // namespace switchyard::dp
