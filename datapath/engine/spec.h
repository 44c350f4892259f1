// Plain descriptions of networks and ports: what the control plane asks
// the datapath for. Validation lives here so that every front end (config
// file, gRPC) rejects the same things with the same messages.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "datapath/core/address.h"
#include "datapath/core/types.h"
#include "datapath/core/vlan.h"

namespace switchyard::dp {

// An uplink's own IPv4 address on the underlay that tunnels run over.
struct UnderlaySpec {
  std::optional<Ipv4Cidr> address{};  // unset: the port is no uplink
  std::optional<Ipv4Address>
      gateway{};  // next hop for endpoints off the subnet; unset: on-link only

  bool operator==(const UnderlaySpec&) const = default;
};

enum class TunnelKind { kNone, kVxlan, kGre };

// A network stretched over an underlay: its id (VXLAN VNI or GRE key), the
// uplink port it leaves by and the remote endpoints it reaches.
struct TunnelSpec {
  TunnelKind kind = TunnelKind::kNone;
  uint32_t id = 0;
  std::string uplink{};
  std::vector<Ipv4Address> remotes{};
  uint32_t udp_port = 4789;  // VXLAN

  bool operator==(const TunnelSpec&) const = default;
};

// What a network is to the rest of the world, as libvirt's network modes:
//  - kBridge: a plain L2 segment; the switch has no address on it.
//  - kNat: the switch is the guests' gateway (ARP, ping, DHCP) and
//    masquerades their traffic to its uplink's address; the outside reaches
//    guests only through port forwards.
//  - kRouted: the switch is the gateway and routes the subnet to and from
//    its uplink unchanged.
//  - kIsolated: guests reach each other and nothing else (no kernel or
//    internal port, no tunnel, no gateway); the gateway settings stay in the
//    spec, off, for a later change of mode.
enum class NetworkMode { kBridge, kNat, kRouted, kIsolated };

// A fixed address for one MAC.
struct DhcpHost {
  MacKey mac = 0;
  Ipv4Address address{};
  std::string hostname{};  // offered as option 12 when set

  bool operator==(const DhcpHost&) const = default;
};

// The network's DHCPv4 server; off while range_start is unset.
struct DhcpSpec {
  std::optional<Ipv4Address> range_start{};  // dynamic leases, inside the gateway's subnet
  std::optional<Ipv4Address> range_end{};
  uint32_t lease_s = 3600;
  uint32_t leases_per_port = 16;   // clients with a lease or offer, per guest port
  std::vector<Ipv4Address> dns{};  // option 6; empty: not offered
  std::vector<DhcpHost> hosts{};   // static leases, by MAC; may lie outside the range

  bool Enabled() const { return range_start.has_value(); }
  bool operator==(const DhcpSpec&) const = default;
};

enum class ForwardProto { kTcp, kUdp };

// Mode kNat: connections to the uplink's address on `outside_port` go to
// `guest_address`:`guest_port`.
struct PortForward {
  ForwardProto proto = ForwardProto::kTcp;
  uint32_t outside_port = 0;
  Ipv4Address guest_address{};
  uint32_t guest_port = 0;

  bool operator==(const PortForward&) const = default;
};

struct NetworkSpec {
  std::string name;
  uint32_t fdb_aging_s = 300;
  uint32_t fdb_max = 8192;
  TunnelSpec tunnel{};  // kind kNone: the network stays on this host
  NetworkMode mode = NetworkMode::kBridge;
  std::optional<Ipv4Cidr> gateway{};  // kNat, kRouted: the switch's address and subnet
  std::string uplink{};               // kNat, kRouted: a port with an underlay address
  DhcpSpec dhcp{};
  std::vector<PortForward> forwards{};   // kNat only
  uint32_t nat_max_connections = 65536;  // kNat: connection table size
  // kNat: connections one guest port may open, and one port forward may
  // carry; 0: a quarter of nat_max_connections.
  uint32_t nat_max_per_guest = 0;
  uint32_t nat_max_per_forward = 0;
  // kNat: the address guests leave as and forwards listen on, when not the
  // uplink's (which is also this host's tunnel endpoint); unset for the
  // uplink's. The switch answers ARP and pings for it on the uplink.
  std::optional<Ipv4Address> nat_address{};
  // kNat, kRouted: hosts of the uplink's own subnet (the underlay) the
  // guests may reach; every other underlay host is refused
  // (underlay_refused). Tunnel endpoints and the host's own addresses stay
  // refused whatever this says.
  std::vector<Ipv4Cidr> underlay_allow{};
  uint32_t NatGuestLimit() const { return LimitOrQuarter(nat_max_per_guest); }
  uint32_t NatForwardLimit() const { return LimitOrQuarter(nat_max_per_forward); }

  // True when the switch acts as the network's gateway now.
  bool HasGateway() const { return mode == NetworkMode::kNat || mode == NetworkMode::kRouted; }
  bool operator==(const NetworkSpec&) const = default;

 private:
  uint32_t LimitOrQuarter(uint32_t limit) const {
    return limit != 0 ? limit : std::max<uint32_t>(1, nat_max_connections / 4);
  }
};

enum class PortKind { kVhostServer, kVhostClient, kKernel, kTap, kInternal };

inline bool IsVhost(PortKind kind) {
  return kind == PortKind::kVhostServer || kind == PortKind::kVhostClient;
}

// How a port on a kernel netdev (kinds kernel, tap, internal) moves frames.
// kAuto on a kernel port: AF_XDP, unless XDP cannot attach or the MTU is
// more than AF_XDP carries; then AF_PACKET, and the port's status says why.
// kAuto on tap and internal ports: AF_PACKET, as what is behind them (QEMU,
// the host stack) hands over checksum and segmentation offloads, which
// only AF_PACKET carries.
enum class KernelDriver { kAuto, kAfXdp, kAfPacket };

std::string_view PortKindName(PortKind kind);
std::string_view KernelDriverName(KernelDriver driver);
// The API field that names a non-vhost port's netdev, for messages.
std::string_view NetdevField(PortKind kind);

// VLAN membership of a port, as OVS has it; core/vlan.h says what it means
// for frames. The default is a trunk of every VLAN: tags pass as they came.
enum class VlanMode { kTrunk, kAccess };

// Ids are as wide as the API's, so an out-of-range one is refused as it
// was given, never wrapped into range.
struct VlanRange {
  uint32_t first = 0;
  uint32_t last = 0;

  bool operator==(const VlanRange&) const = default;
};

struct VlanSpec {
  VlanMode mode = VlanMode::kTrunk;
  uint32_t tag = 0;                 // kAccess: the port's VLAN, 1..4094
  std::vector<VlanRange> trunks{};  // kTrunk: VLANs carried, 0..4094; empty: all
  uint32_t native = 0;              // kTrunk: VLAN of untagged frames, 1..4094; 0: none (VLAN 0)
  bool native_tagged = false;       // kTrunk: frames of the native VLAN leave tagged

  bool operator==(const VlanSpec&) const = default;
};

// Port security: the source MACs a port may send from and the IPv4
// addresses it may use (and those the network's DHCP server leases to one
// of its MACs, with dhcp_snooping). Off when `macs` is empty.
struct PortSecuritySpec {
  std::vector<MacKey> macs{};
  std::vector<Ipv4Address> ipv4{};
  bool dhcp_snooping = false;

  bool Enabled() const { return !macs.empty(); }
  bool operator==(const PortSecuritySpec&) const = default;
};

inline constexpr size_t kMaxSecurityMacs = 16;
inline constexpr size_t kMaxSecurityAddresses = 64;

struct PortSpec {
  std::string name{};
  std::string network{};
  PortKind kind = PortKind::kVhostServer;
  std::string socket_path{};  // vhost kinds
  std::string netdev{};       // kKernel: an existing netdev; kTap, kInternal: the one to create
  int tap_owner_uid = -1;     // kTap: user QEMU runs as; -1: root
  uint32_t mtu = 0;           // kTap, kInternal: 0 = 1500
  bool tap_multi_queue = false;
  bool tap_adopt = false;           // kTap: take over a TAP the switch did not make, and leave it
  std::vector<IpCidr> addresses{};  // kInternal: the host side's addresses
  KernelDriver driver = KernelDriver::kAuto;  // kKernel, kTap, kInternal
  VlanSpec vlan{};
  // Set: the port is an uplink. It has no network (and no VLANs); it
  // carries the tunnels of the networks that name it, and ARP for its
  // address.
  UnderlaySpec underlay{};
  // A private port reaches only ports that are not private (uplinks,
  // kernel and internal ports, the gateway), as a Linux bridge's isolated
  // ports or macvtap's private mode.
  bool private_port = false;
  // FDB entries the port may hold; a new source MAC beyond them is
  // dropped. 0: no limit.
  uint32_t mac_limit = 0;
  PortSecuritySpec security{};
  // Storm control: floods (broadcast, multicast, unknown unicast) a second
  // the port may start; the rest are dropped. 0: no limit.
  uint32_t flood_limit = 0;

  bool IsUplink() const { return underlay.address.has_value(); }
  bool operator==(const PortSpec&) const = default;
};

// A port's backend, what opening it is made of: a change to any of it
// closes the port and opens it again. Compare two, or assign one to
// another's (the kind included).
template <typename Spec>  // PortSpec or const PortSpec
auto BackendOf(Spec& p) {
  return std::tie(p.kind, p.socket_path, p.netdev, p.tap_owner_uid, p.mtu, p.tap_multi_queue,
                  p.tap_adopt, p.addresses, p.driver);
}

inline constexpr uint32_t kMinFdbAgingS = 10;
inline constexpr uint32_t kMaxPortMacLimit = 1u << 20;
// Each remote endpoint takes a slot of the port table.
inline constexpr size_t kMaxTunnelRemotes = 64;
inline constexpr uint32_t kMaxFdbAgingS = 1000000;
inline constexpr uint32_t kMinFdbMax = 16;
inline constexpr uint32_t kMaxFdbMax = 1u << 20;
inline constexpr uint32_t kMinNatConnections = 16;
inline constexpr uint32_t kMaxNatConnections = 1u << 22;
inline constexpr uint32_t kMinLeaseS = 60;
inline constexpr uint32_t kMaxLeaseS = 1u << 30;
inline constexpr uint32_t kMaxLeasesPerPort = 65536;
inline constexpr size_t kMaxDnsServers = 4;
inline constexpr size_t kMaxDhcpHosts = 1024;
inline constexpr size_t kMaxForwards = 256;
inline constexpr size_t kMaxUnderlayAllow = 64;
// Gateway subnets: /8 .. /30.
inline constexpr int kMinGatewayPrefix = 8;
inline constexpr int kMaxGatewayPrefix = 30;

// Names: 1-32 characters of [A-Za-z0-9_.-], starting with a letter or digit.
Status ValidateName(std::string_view field, std::string_view name);
Status ValidateNetworkSpec(const NetworkSpec& spec);
Status ValidatePortSpec(const PortSpec& spec);
Status ValidateVlanSpec(const VlanSpec& spec);
Status ValidatePortSecurity(const PortSecuritySpec& spec);
Status ValidateUnderlay(const UnderlaySpec& spec);
Status ValidateTunnel(const TunnelSpec& spec);
// Mode, gateway, uplink, DHCP and forwards, and how they fit together.
Status ValidateModeSettings(const NetworkSpec& spec);

std::string_view NetworkModeName(NetworkMode mode);
std::optional<NetworkMode> ParseNetworkMode(std::string_view text);
std::string_view ForwardProtoName(ForwardProto proto);

// What the bridge stage reads: the VLANs a port carries and how it tags them.
VlanPolicy MakeVlanPolicy(const VlanSpec& spec);
// "access 10", "trunk all", "trunk 10,20-30 native 5 tagged": for logs.
std::string FormatVlan(const VlanSpec& spec);

// The driver a port gets before any fallback: kAuto resolved for tap and
// internal ports, the spec's choice otherwise.
KernelDriver PreferredDriver(const PortSpec& spec);

}  // namespace switchyard::dp
