// The datapath as the control plane drives it: a desired state applied
// whole, housekeeping on the control thread's clock, and the counters,
// FDBs and leases to report. The Dataplane is the one implementation; unit
// tests of the control plane drive a fake, with no EAL.
//
// Thread context: every method runs on the control thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "datapath/core/counters.h"
#include "datapath/core/types.h"
#include "datapath/engine/desired_state.h"
#include "datapath/engine/plan.h"
#include "datapath/engine/spec.h"
#include "datapath/ports/port.h"

namespace switchyard::dp {

struct PortReport {
  PortSpec spec;
  bool link_up = false;
  PortInfo info;  // connects, driver, backend counters
  PortTotals totals;
  MacKey uplink_mac = 0;  // uplinks: the MAC tunnels and ARP leave with
};

// A remote endpoint of a network's tunnel, as `fdb show` and stats name it.
struct EndpointReport {
  std::string network;
  std::string name;  // "vxlan-10.77.0.2"
  std::string remote;
  std::string next_hop;     // empty: no route (off-subnet, no gateway)
  MacKey next_hop_mac = 0;  // 0: unresolved
  bool link_up = false;     // the uplink is there and up
  uint32_t max_frame = 0;   // largest inner frame that fits the uplink
  PortTotals totals;
};

// The switch as a network's gateway (modes nat and routed).
struct GatewayReport {
  MacKey mac = 0;            // what guests ARP the gateway address to
  uint32_t connections = 0;  // nat: connections tracked now
  uint64_t connections_made = 0;
  uint64_t table_full = 0;         // nat: new connections refused, table full
  uint64_t early_drops = 0;        // nat: connections not established dropped for new ones
  uint32_t leases = 0;             // DHCP leases held (static hosts included)
  uint64_t dhcp_replies = 0;       // offers, acks and naks sent
  uint64_t dhcp_spoofed = 0;       // messages whose chaddr was not their source MAC
  uint64_t dhcp_port_limited = 0;  // new clients beyond a port's leases_per_port
  PortTotals totals;               // the gateway port's: frames routed, and the router's drops
};

struct NetworkReport {
  NetworkSpec spec;
  uint32_t fdb_entries = 0;
  uint64_t aged = 0;
  NetworkTotals totals;
  PortTotals ports;       // summed over its ports, including ports since removed
  GatewayReport gateway;  // spec.HasGateway() only
};

// A DHCP lease as the network's server holds it.
struct LeaseReport {
  std::string network;
  MacKey mac = 0;
  Ipv4Address address{};
  std::string hostname;         // what the client sent (option 12)
  uint64_t expires_unix_s = 0;  // static hosts: 0, never
  bool is_static = false;
};

// A MAC event named for people: learned, moved and limit come from the
// PMDs, aged from Tick().
struct MacEvent {
  enum class Type { kLearned, kMoved, kAged, kLimit };
  Type type;
  std::string network;
  std::string port;
  std::string previous_port;  // kMoved only
  MacKey mac = 0;
  uint16_t vlan = 0;
};

struct FdbRow {
  std::string port;
  MacKey mac = 0;
  uint16_t vlan = 0;
  bool is_static = false;
  uint32_t age_s = 0;
};

// A port of the desired state that could not be opened (at start, or when
// put back after a failed change): kept in the config, not running.
struct FailedPort {
  PortSpec spec;
  std::string error;
};

enum class ApplyMode {
  // All or nothing: a refusal or a port that cannot be opened leaves the
  // datapath as it was, and the call fails.
  kChange,
  // At start: what the saved config names that cannot be brought up is
  // kept as far as it can be (ports that fail or are refused become
  // FailedPorts, static MACs that no longer fit are dropped, both logged);
  // only networks that cannot be made fail the call.
  kRestore,
};

struct PmdReport {
  unsigned lcore = 0;
  int cpu = 0;
  uint64_t iterations = 0;
  uint64_t busy_cycles = 0;
  uint64_t idle_cycles = 0;
  uint64_t packets = 0;
  std::vector<std::string> rx_ports;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Makes the datapath run `next`, as MakePlan(Running(), next) says:
  // uplinks, then networks, then ports, in one snapshot (ports whose
  // backend changes, or that take a socket or netdev another port gives
  // up, are opened in a second one, once the old ones are closed). A
  // failed kChange puts back what ran before. `plan` (optional) gets the
  // plan.
  virtual Status Apply(const DesiredState& next, ApplyMode mode = ApplyMode::kChange,
                       Plan* plan = nullptr) = 0;
  // What the datapath was last made to run: the specs of its networks,
  // ports (failed ones too) and static MACs, sorted.
  virtual DesiredState Running() const = 0;
  virtual const std::map<std::string, FailedPort>& failed_ports() const = 0;

  // Removes learned entries of `network` (only those of `port` when not
  // empty), static ones too when `include_static`.
  virtual Status FlushFdb(const std::string& network, const std::string& port, bool include_static,
                          size_t* flushed) = 0;

  // Lets ports refresh their link state (kernel netdevs). Every 50 ms.
  virtual void PollPorts() = 0;
  // The slow path: what the PMDs punted (ARP, ping and DHCP for the
  // switch, routed frames waiting for a next hop's MAC), the next hops
  // tunnel endpoints lack, DHCP lease expiry. Every few tens of ms.
  virtual void ServiceSlowPath() = 0;
  // Periodic housekeeping (FDB aging). Call about once a second.
  virtual void Tick(const std::function<void(const MacEvent&)>& on_aged) = 0;
  // Hands over the MAC events the PMDs queued since the last call.
  virtual void DrainEvents(const std::function<void(const MacEvent&)>& fn) = 0;

  virtual std::vector<PortReport> Ports() const = 0;
  virtual std::vector<NetworkReport> Networks() const = 0;
  virtual std::vector<EndpointReport> Endpoints() const = 0;
  virtual std::vector<FdbRow> FdbEntries(const std::string& network) const = 0;
  // Learns `rows` of `network` again (a warm restart), each as seen now;
  // static rows, and rows of ports or endpoints not in the network, are
  // skipped. How many were learned.
  virtual size_t RestoreFdb(const std::string& network, const std::vector<FdbRow>& rows) = 0;
  // DHCP leases of `network`, or of every network when it is empty,
  // sorted by network and address.
  virtual std::vector<LeaseReport> Leases(const std::string& network) const = 0;
  // Leases saved before a restart. Those of networks without a DHCP
  // server, expired, or no longer inside its range are dropped.
  virtual void RestoreLeases(const std::vector<LeaseReport>& leases) = 0;
  // Grows whenever a lease is made, renewed, released or expires: when to
  // save them.
  virtual uint64_t lease_generation() const = 0;
  virtual std::vector<PmdReport> Pmds() const = 0;
  // Events lost because a PMD's ring was full.
  virtual uint64_t events_dropped() const = 0;
  // The packet pool's size and the buffers not free in it now.
  virtual uint32_t mbufs_total() const = 0;
  virtual uint32_t mbufs_in_use() const = 0;
  // Bytes allocated from DPDK's heap, all sockets.
  virtual uint64_t dpdk_heap_allocated() const = 0;
  virtual uint64_t tsc_hz() const = 0;
};

}  // namespace switchyard::dp
