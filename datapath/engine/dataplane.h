// The datapath (engine.h's Engine) on DPDK: networks and ports by name,
// made to match a desired state at run time, and the counters and FDBs to
// report.
//
// Thread context: every public method runs on the control thread (one
// owner of the model). Changes reach the PMD threads as a new Snapshot
// published with RCU; a method returns once no PMD can see the old one,
// so a removed port's resources are freed with no thread still using them.
// A failed call changes nothing.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "datapath/core/counters.h"
#include "datapath/core/event_ring.h"
#include "datapath/core/fdb.h"
#include "datapath/core/neighbor_cache.h"
#include "datapath/core/snapshot.h"
#include "datapath/engine/desired_state.h"
#include "datapath/engine/engine.h"
#include "datapath/engine/plan.h"
#include "datapath/engine/pmd_thread.h"
#include "datapath/engine/slow_path.h"
#include "datapath/engine/spec.h"
#include "datapath/gateway/conn_table.h"
#include "datapath/gateway/dhcp_server.h"
#include "datapath/gateway/gateway_port.h"
#include "datapath/gateway/host_stack.h"
#include "datapath/overlay/tunnel_endpoint.h"
#include "datapath/platform/dpdk/clock.h"
#include "datapath/platform/dpdk/eal.h"
#include "datapath/platform/dpdk/rcu.h"
#include "datapath/ports/port.h"

struct rte_mempool;

namespace switchyard::dp {

struct DataplaneOptions {
  uint32_t idle_sleep_max_us = 500;  // 0: PMDs never sleep
  uint32_t mbufs = 16383;            // mempool size; 2^n - 1 is optimal for the ring
  int vhost_socket_gid = -1;         // group of vhost-user server sockets; -1: the daemon's
};

class Dataplane final : public Engine {
 public:
  // EAL must be up. Throws std::runtime_error when the mempool cannot be made.
  Dataplane(const EalInfo& eal, const DataplaneOptions& options);
  ~Dataplane();
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  Status Start();  // launches the PMD threads
  // Closes every port (TAPs stay, for the next start to take over), then
  // stops the PMD threads.
  void Stop();

  Status Apply(const DesiredState& next, ApplyMode mode = ApplyMode::kChange,
               Plan* plan = nullptr) override;
  DesiredState Running() const override;
  const std::map<std::string, FailedPort>& failed_ports() const override { return failed_ports_; }
  Status FlushFdb(const std::string& network, const std::string& port, bool include_static,
                  size_t* flushed) override;
  void PollPorts() override;
  void ServiceSlowPath() override;
  void Tick(const std::function<void(const MacEvent&)>& on_aged) override;
  void DrainEvents(const std::function<void(const MacEvent&)>& fn) override;
  std::vector<PortReport> Ports() const override;
  std::vector<NetworkReport> Networks() const override;
  std::vector<EndpointReport> Endpoints() const override;
  std::vector<FdbRow> FdbEntries(const std::string& network) const override;
  size_t RestoreFdb(const std::string& network, const std::vector<FdbRow>& rows) override;
  std::vector<LeaseReport> Leases(const std::string& network) const override;
  void RestoreLeases(const std::vector<LeaseReport>& leases) override;
  uint64_t lease_generation() const override { return lease_generation_; }
  std::vector<PmdReport> Pmds() const override;
  uint64_t events_dropped() const override;
  uint32_t mbufs_total() const override;
  uint32_t mbufs_in_use() const override;
  uint64_t dpdk_heap_allocated() const override;
  uint64_t tsc_hz() const override { return clock_.hz(); }
  uint64_t generation() const { return generation_; }

 private:
  std::vector<NetworkSpec> NetworkSpecs() const;
  std::vector<PortSpec> PortSpecs() const;

  struct EndpointState {
    std::unique_ptr<TunnelEndpoint> port;
    PortIndex index;
    PortTotals base;  // slot counters before this endpoint existed
  };
  // The switch as a network's gateway: present while the spec has a
  // gateway address (off, but kept, while the network is isolated).
  struct GatewayState {
    std::unique_ptr<GatewayPort> port;
    PortIndex index = kInvalidPort;
    PortTotals base;  // slot counters before this gateway existed
    uint32_t address = 0;
    int prefix = 0;
    MacKey mac = 0;
    std::unique_ptr<NeighborCache> neighbors;
    std::unique_ptr<ConnTable> conns;  // mode nat
    std::unique_ptr<DhcpServer> dhcp;  // DHCP on
    std::vector<ForwardRule> forwards;
  };
  struct NetworkState {
    NetworkSpec spec;
    NetworkIndex index;
    std::unique_ptr<Fdb> fdb;
    NetworkTotals base;  // counters of earlier users of this slot
    uint64_t aged = 0;
    PortTotals departed;                   // port counters of ports that left the network
    std::vector<EndpointState> endpoints;  // one per tunnel remote
    std::unique_ptr<GatewayState> gateway;
  };
  struct PortState {
    PortSpec spec;
    PortIndex index;
    NetworkIndex network;
    std::unique_ptr<Port> port;
    PortTotals base;                             // slot counters before this port existed
    PortTotals net_base;                         // this port's counters when it joined its network
    std::unique_ptr<NeighborCache> neighbors{};  // uplinks: resolved next hops
  };
  // What a change took out of use: freed once no PMD can see it.
  struct Retired {
    std::unique_ptr<GatewayState> gateway;
    std::unique_ptr<ConnTable> conns;
  };

  // The first free slot, taken; -1 when none is.
  static int TakeSlot(std::vector<bool>& used);
  // Builds a snapshot of the model, swaps it in and waits out the grace
  // period before freeing the old one.
  void Publish();
  // Publishes now, then runs `after` (what the old snapshot still used may
  // go); inside a batch, both wait for EndBatch(), which publishes once.
  void Commit(std::function<void()> after = {});
  void BeginBatch() { batching_ = true; }
  void EndBatch();
  // One pass over a plan. kChange stops at the first failure; kRestore
  // and kPutBack go on, and what fails (or is refused: restoring) of a
  // port makes it a FailedPort, of a static MAC drops it. Network
  // failures are returned in every pass.
  enum class Pass { kChange, kRestore, kPutBack };
  Status Execute(const DesiredState& next, const Plan& plan, Pass pass);

  // The steps Apply() is made of; each checks only what the plan cannot.
  Status AddNetwork(const NetworkSpec& spec);
  // Aging applies at once; a new fdb_max starts a new, empty FDB.
  Status UpdateNetwork(const NetworkSpec& spec);
  Status RemoveNetwork(const std::string& name);
  // `restoring`: the port comes from the saved config, so a netdev it
  // names that the switch makes (a TAP) is the switch's own from before.
  Status AddPort(const PortSpec& spec, bool restoring = false);
  Status RemovePort(const std::string& name);
  // Moves a port to another network; its FDB entries (static ones too) are
  // forgotten.
  Status MovePort(const std::string& name, const std::string& network);
  // Changes a port's VLANs live; the MACs it learned are forgotten (static
  // entries stay, and are dropped as vlan_filtered while the port does not
  // carry their VLAN).
  Status SetPortVlan(const std::string& name, const VlanSpec& vlan);
  // Gives a port the fences of `fences` (private_port, mac_limit, security,
  // flood_limit; its other fields are ignored), from the next burst on.
  // MACs learned beyond a lower limit stay until they age.
  Status SetPortFences(const std::string& name, const PortSpec& fences);
  // Changes an uplink's address or gateway live; its neighbours are
  // resolved again.
  Status SetPortUnderlay(const std::string& name, const UnderlaySpec& underlay);

  // Static FDB entries: never aged, never moved by learning.
  Status PinStaticMac(const StaticMac& m);
  // Opens the failed ports that can be opened now (each Tick): a kernel
  // port once its netdev exists (a container's veth made after the
  // switch started), the others on every try.
  void RetryFailedPorts();
  void UnpinStaticMac(const StaticMac& m);

  int n_pmds() const { return static_cast<int>(pmds_.size()); }
  PortTotals PortCountersOf(const PortState& p) const;
  // The part of a port's counters made in its current network.
  PortTotals NetworkShareOf(const PortState& p) const;
  NetworkState* FindNetwork(NetworkIndex index);
  const PortState* FindPort(PortIndex index) const;
  // A port's or an endpoint's name; empty when the slot is free.
  std::string PortName(PortIndex index) const;
  const PortState* FindUplink(const std::string& name) const;
  static Interface AddressOf(const PortState& uplink);
  // Makes `n`'s endpoints match its tunnel's remotes: endpoints of remotes
  // still wanted on an unchanged tunnel stay (with their MACs and counters).
  // Those no longer wanted go to `gone`, for FreeEndpoints() after the
  // caller's Publish(). False, with nothing changed, when the port table is
  // full.
  bool SyncEndpoints(NetworkState& n, const TunnelSpec& old_tunnel,
                     std::vector<EndpointState>* gone);
  void FreeEndpoints(NetworkState& n, std::vector<EndpointState> gone);
  // Makes `n`'s gateway match its spec (`before`: the spec it had). What
  // it replaces goes to `retired`. False, with nothing changed, when the
  // port table is full.
  bool SyncGateway(NetworkState& n, const NetworkSpec& before, Retired* retired);
  // Frees a retired gateway's slot after the Publish() without it.
  void FreeRetired(NetworkState* n, Retired retired);
  // Frees a slot whose port is gone from the published snapshot, once no
  // frame on its way to or from the slot can reach the slot's next port.
  void ReleaseSlot(PortIndex index);
  static constexpr int kSettleRounds = 64;  // grace periods for the inject rings to empty
  // The frames punted to the control thread: DHCP, the host stack, ARP.
  void HandlePunted(uint64_t now_ms, uint64_t now_unix);
  void SendFromSlowPath(PortIndex port, const uint8_t* frame, uint32_t len);
  GatewayState* GatewayAt(PortIndex port);
  // Port security as the PMDs check it: the spec's MACs and addresses and,
  // with DHCP snooping, what the network's DHCP server leased to them.
  PortGuard GuardOf(const PortState& p);
  // Every (port, address) that port security allows on DHCP-snooping ports.
  std::vector<std::pair<PortIndex, uint32_t>> SnoopedBindings();
  // Puts the gateway's static FDB entry back where it is missing; true
  // when it did.
  bool PinGatewayMac(NetworkState& n);
  void RefreshInterfaces();  // uplink and gateway addresses to host_
  int PmdOf(PortIndex port) const { return port % n_pmds(); }
  // Per-thread counters, and the control thread's, last.
  int n_counters() const { return n_pmds() + 1; }
  PmdCounters& control_counters() { return counters_[n_pmds()]; }

  const EalInfo eal_;
  const DataplaneOptions options_;
  Clock clock_;
  rte_mempool* pool_ = nullptr;
  std::unique_ptr<Rcu> rcu_;
  std::unique_ptr<PmdCounters[]> counters_;
  std::unique_ptr<EventRing[]> events_;
  std::unique_ptr<SlowPath> slow_path_;
  HostStack host_;
  uint64_t dhcp_expired_ms_ = 0;
  uint64_t dhcp_generations_ = 0;  // sum of the DHCP servers' generations at the last look
  std::vector<std::unique_ptr<PmdThread>> pmds_;
  std::atomic<const Snapshot*> snapshot_{nullptr};
  uint64_t generation_ = 0;
  uint64_t lease_generation_ = 0;
  std::vector<std::pair<PortIndex, uint32_t>> snooped_;  // as last published
  std::map<std::string, NetworkState> networks_;
  std::map<std::string, PortState> ports_;
  std::map<std::string, FailedPort> failed_ports_;
  std::vector<StaticMac> static_macs_;  // as last applied, pinned unless their port failed
  bool batching_ = false;
  bool batch_dirty_ = false;
  std::vector<std::function<void()>> after_publish_;
  std::vector<bool> port_slot_used_ = std::vector<bool>(kMaxPorts, false);
  std::vector<bool> network_slot_used_ = std::vector<bool>(kMaxNetworks, false);
};

}  // namespace switchyard::dp
