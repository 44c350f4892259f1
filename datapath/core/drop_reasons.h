// Drop reasons of the datapath.
//
// The table is an ABI: counters are reported by name over the control plane
// and (later) shared with the eBPF programs, so entries are only ever
// appended, never renumbered or removed.
#pragma once

#include <cstdint>
#include <string_view>

namespace switchyard::dp {

// X(enum name, wire name, description)
#define SY_FOREACH_DROP_REASON(X)                                                                 \
  X(kRuntFrame, "runt_frame", "frame shorter than an Ethernet header")                            \
  X(kInvalidSrcMac, "invalid_src_mac", "source MAC is multicast, broadcast or zero")              \
  X(kNoNetwork, "no_network", "ingress port is not attached to a network")                        \
  X(kHairpin, "hairpin", "destination was learned on the ingress port")                           \
  X(kNoDestination, "no_destination", "flood with no other port in the network")                  \
  X(kPortDown, "port_down", "egress port has no guest connected")                                 \
  X(kTxFull, "tx_full", "egress queue full (guest not draining)")                                 \
  X(kTruncated, "truncated", "headers continue past the first segment")                           \
  X(kMtuExceeded, "mtu_exceeded", "frame larger than the egress port's MTU")                      \
  X(kGsoFailed, "gso_failed", "TCP super-frame could not be segmented (no mbufs)")                \
  X(kVlanFiltered, "vlan_filtered", "frame in a VLAN its port does not carry")                    \
  X(kQinqUnsupported, "qinq_unsupported", "802.1ad (QinQ) outer tag")                             \
  X(kNoMbufs, "no_mbufs", "no mbuf for a copy or a tunnel header")                                \
  X(kTunnelBadHeader, "tunnel_bad_header", "outer IPv4, UDP, VXLAN or GRE header malformed")      \
  X(kTunnelFragment, "tunnel_fragment", "outer IPv4 fragment (never reassembled)")                \
  X(kTunnelUnsupported, "tunnel_unsupported", "GRE other than plain TEB with a key")              \
  X(kTunnelUnknownId, "tunnel_unknown_id", "VNI or GRE key of no network on this uplink")         \
  X(kTunnelUnknownEndpoint, "tunnel_unknown_endpoint",                                            \
    "outer source not a remote of the network, or destination not this uplink")                   \
  X(kNoNeighbor, "no_neighbor", "tunnel next hop's MAC not resolved (ARP pending)")               \
  X(kUplinkOther, "uplink_other", "uplink frame that is neither a tunnel nor ARP")                \
  X(kSlowPathFull, "slow_path_full", "a frame for the control thread while its queue was full")   \
  X(kSplitHorizon, "split_horizon", "from one tunnel endpoint to another: never relayed")         \
  X(kIsolated, "isolated", "isolated network: not from a guest to a guest")                       \
  X(kPrivatePort, "private_port", "from one private port to another")                             \
  X(kNotRoutable, "not_routable", "to the gateway's MAC but neither IPv4 nor ARP")                \
  X(kIpBadHeader, "ip_bad_header", "IPv4 or its TCP, UDP or ICMP header malformed or cut")        \
  X(kIpFragment, "ip_fragment", "IPv4 fragment through NAT (never reassembled)")                  \
  X(kTtlExceeded, "ttl_exceeded", "IPv4 TTL ran out at the gateway")                              \
  X(kBadSource, "bad_source", "routed from a guest whose source is outside the subnet")           \
  X(kNoRoute, "no_route", "no next hop: off the uplink's subnet and no uplink gateway")           \
  X(kGatewayLocal, "gateway_local", "to the gateway's own address, neither ping nor DHCP")        \
  X(kNatUnsupported, "nat_unsupported",                                                           \
    "NAT takes TCP, UDP, ICMP echo and incoming ICMP errors only")                                \
  X(kNatNoConnection, "nat_no_connection",                                                        \
    "from outside with no connection or forward, or TCP opening without SYN")                     \
  X(kNatTableFull, "nat_table_full", "new connection while the NAT table was full")               \
  X(kNatPortsExhausted, "nat_ports_exhausted", "no free NAT port for a new connection")           \
  X(kVlanDoubleTag, "vlan_double_tag",                                                            \
    "a priority or untagged-native VLAN tag over another tag (VLAN hopping)")                     \
  X(kInfraSrcMac, "infra_src_mac", "source MAC of the switch's gateway or an uplink")             \
  X(kPortMacLimit, "port_mac_limit", "new source MAC beyond the port's MAC limit")                \
  X(kPortSecurityMac, "port_security_mac", "port security: a source MAC the port may not use")    \
  X(kPortSecurityIp, "port_security_ip",                                                          \
    "port security: an IPv4 source address the port may not use")                                 \
  X(kPortSecurityArp, "port_security_arp",                                                        \
    "port security: ARP whose sender MAC or address the port may not claim")                      \
  X(kUnderlayRefused, "underlay_refused",                                                         \
    "routed from a guest as tunnel traffic (GRE, VXLAN) or to a tunnel endpoint of the uplink")   \
  X(kPuntPoliced, "punt_policed",                                                                 \
    "for the control thread beyond its port's or its network's rate (policing)")                  \
  X(kStormControl, "storm_control",                                                               \
    "broadcast, multicast or unknown unicast beyond the port's flood limit")                      \
  X(kNatGuestLimit, "nat_guest_limit",                                                            \
    "a new NAT connection from a guest port that has its share of the table (nat_max_per_guest)") \
  X(kNatForwardLimit, "nat_forward_limit",                                                        \
    "a new connection through a port forward that has its share of the table")

enum class DropReason : uint8_t {
#define SY_DROP_ENUM(name, wire, desc) name,
  SY_FOREACH_DROP_REASON(SY_DROP_ENUM)
#undef SY_DROP_ENUM
      kCount
};

inline constexpr int kDropReasonCount = static_cast<int>(DropReason::kCount);

// Wire names, as reported; the descriptions in the table are for readers.
inline constexpr std::string_view kDropReasonNames[kDropReasonCount] = {
#define SY_DROP_NAME(name, wire, desc) wire,
    SY_FOREACH_DROP_REASON(SY_DROP_NAME)
#undef SY_DROP_NAME
};

constexpr std::string_view DropReasonName(DropReason r) {
  return kDropReasonNames[static_cast<int>(r)];
}

}  // namespace switchyard::dp
