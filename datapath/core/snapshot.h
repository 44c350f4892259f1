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

#include "datapath/core/port_guard.h"
#include "datapath/core/types.h"
#include "datapath/core/vlan.h"
#include "datapath/overlay/tunnel.h"

namespace switchyard::dp {

class ConnTable;
class Fdb;
class NeighborCache;
class Port;

// What an uplink's received frames are checked against: its address and,
// per network it carries, the tunnel id and the remote endpoints' ports.
struct TunnelRoute {
  TunnelType type = TunnelType::kVxlan;
  uint32_t id = 0;
  NetworkIndex network = kInvalidNetwork;
  std::vector<std::pair<uint32_t, PortIndex>> endpoints;  // remote IPv4 -> its port
};

struct GatewaySlot;

struct UplinkSlot {
  uint32_t address = 0;
  uint32_t prefix_mask = 0;
  uint32_t gateway = 0;  // next hop off the subnet; 0: none
  MacKey mac = 0;
  uint16_t vxlan_port = kVxlanPort;
  const NeighborCache* neighbors = nullptr;  // on the uplink's subnet
  std::vector<TunnelRoute> routes;
  std::vector<const GatewaySlot*> gateways;  // networks routed or NATed out by this uplink
};

// Not in a group of the NAT table (ConnTable::kNoGroup).
inline constexpr uint16_t kNoNatGroup = 0xffff;

// A port forward of a NAT network, resolved.
struct ForwardRule {
  uint8_t proto = 0;
  uint16_t outside_port = 0;
  uint32_t guest_ip = 0;
  uint16_t guest_port = 0;
  // Its connections' group in the NAT table (kForwardGroups + its place):
  // kept while the forward stays, whatever the list around it does.
  uint16_t group = kNoNatGroup;
};

// Groups of a NAT network's connection table: a guest port's own
// connections are group `port` (< kMaxPorts); a forward's, kForwardGroups
// and up.
inline constexpr uint16_t kForwardGroups = kMaxPorts;
inline constexpr uint16_t kNatGroups = kMaxPorts + 256;  // 256: kMaxForwards

inline constexpr uint16_t kNoPmd = 0xffff;

// Hosts of the underlay a network's guests may reach: (address & mask) ==
// network.
struct AllowedPrefix {
  uint32_t network = 0;
  uint32_t mask = 0;
};

// The switch as a network's router (modes nat and routed).
struct GatewaySlot {
  NetworkIndex network = kInvalidNetwork;
  PortIndex port = kInvalidPort;  // the gateway's own slot in the network
  PortIndex uplink = kInvalidPort;
  bool nat = false;      // else routed
  bool enabled = false;  // false while the network is isolated
  uint32_t address = 0;
  uint32_t subnet = 0;
  uint32_t mask = 0;
  MacKey mac = 0;
  const NeighborCache* neighbors = nullptr;  // guests
  ConnTable* conns = nullptr;                // nat; only the PMD named here touches it
  uint16_t pmd = 0;                          // kNoPmd: none, while its owner changes
  std::vector<ForwardRule> forwards;
  // nat: the address guests leave as and forwards listen on (the uplink's,
  // or the network's own nat_address).
  uint32_t outside = 0;
  // Hosts of the uplink's subnet the guests may reach; the rest are refused.
  std::vector<AllowedPrefix> underlay_allow;
  uint32_t guest_limit = 0;    // connections a guest port may open; 0: any
  uint32_t forward_limit = 0;  // connections a forward may carry; 0: any

  bool InSubnet(uint32_t ip) const { return (ip & mask) == subnet; }
};

// What a port is to isolation rules (PortSlot::flags).
inline constexpr uint8_t kPortGuest = 0x01;    // vhost-user, tap or kernel: a VM or a namespace
inline constexpr uint8_t kPortPrivate = 0x02;  // reaches only ports that are not private

// One cache line holds a slot's port, network, tunnel role, VLAN header
// and VLANs 0..191.
struct alignas(64) PortSlot {
  Port* port = nullptr;  // null: no port in this slot
  NetworkIndex network = kInvalidNetwork;
  const TunnelPath* tunnel = nullptr;    // a remote endpoint: frames leave encapsulated
  const UplinkSlot* underlay = nullptr;  // an uplink: frames arrive encapsulated
  const GatewaySlot* gateway = nullptr;  // the network's gateway: frames go to the router
  uint8_t flags = 0;                     // kPortGuest, kPortPrivate
  VlanPolicy vlan = VlanPolicy::TrunkOfAll();
  // Read only when a source MAC is new to a burst: past the VLAN bits.
  uint32_t mac_limit = 0;            // FDB entries the port may hold; 0: no limit
  const PortGuard* guard = nullptr;  // port security; null: off
  uint32_t flood_limit = 0;          // floods a second the port may start; 0: no limit
};

struct NetworkSlot {
  Fdb* fdb = nullptr;  // null: no network in this slot
  std::vector<PortIndex> members;
  bool isolated = false;  // frames only from guest to guest
  // The gateway (modes nat and routed), found without the FDB, so that no
  // flush, limit or full table can hand its MAC to a guest.
  MacKey gateway_mac = 0;  // 0: none
  PortIndex gateway_port = kInvalidPort;
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
  std::vector<GatewaySlot> gateways;
  std::vector<PortGuard> guards;  // what PortSlot::guard points to; sized once
  // Every gateway's and uplink's MAC: no frame from a port other than a
  // gateway may carry one as its source.
  std::vector<MacKey> infra_macs;

  bool IsInfraMac(MacKey mac) const noexcept {
    for (MacKey m : infra_macs) {
      if (m == mac) {
        return true;
      }
    }
    return false;
  }
};

}  // namespace switchyard::dp
