// The one owner of the switch's desired state and its revision. gRPC
// handlers hand their work to the control thread through Run(); there
// every change becomes a whole next state that is applied to the Dataplane
// (Dataplane::Apply), saved and announced, in that order, or not at all: a
// change that fails at any step leaves the switch and its saved state
// exactly as they were. The fine-grained calls (CreatePort, ...) are edits
// of the desired state that go the same way as a whole Apply().
//
// Thread context: Run() from any thread; everything else on the control
// thread (inside Run() or Loop()).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "control/events/event_hub.h"
#include "control/model/desired_state.h"
#include "control/store/state_store.h"
#include "datapath/engine/engine.h"

namespace switchyard::ctl {

// What UpdateNetwork changes: each field that is set; the rest stay.
struct NetworkUpdate {
  std::optional<uint32_t> fdb_aging_s;
  std::optional<uint32_t> fdb_max;
  std::optional<dp::TunnelSpec> tunnel;  // replaces the tunnel as a whole
  // A change to kBridge also drops the gateway, uplink, DHCP and forwards
  // not set here (a bridge has none); kIsolated keeps them, off.
  std::optional<dp::NetworkMode> mode;
  // Set: replaces; set to nullopt: removes.
  std::optional<std::optional<dp::Ipv4Cidr>> gateway;
  std::optional<std::string> uplink;
  std::optional<dp::DhcpSpec> dhcp;                      // replaces; DhcpSpec{} is off
  std::optional<std::vector<dp::PortForward>> forwards;  // replaces the list
  std::optional<uint32_t> nat_max_connections;
  std::optional<uint32_t> nat_max_per_guest;
  std::optional<uint32_t> nat_max_per_forward;
  std::optional<std::optional<dp::Ipv4Address>> nat_address;  // as gateway
  std::optional<std::vector<dp::Ipv4Cidr>> underlay_allow;    // replaces the list
};

// What UpdatePort changes: each field that is set; the rest stay.
struct PortUpdate {
  std::optional<std::string> network;
  // Carries the kind and its backend fields (socket, netdev, TAP and
  // internal settings, driver); the port must keep its kind (vhost-user
  // may switch between server and client).
  std::optional<dp::PortSpec> backend;
  std::optional<dp::VlanSpec> vlan;
  std::optional<dp::UnderlaySpec> underlay;
  std::optional<bool> private_port;
  std::optional<uint32_t> mac_limit;
  std::optional<dp::PortSecuritySpec> security;
  std::optional<uint32_t> flood_limit;
};

class Controller {
 public:
  Controller(dp::Engine* dataplane, const StateStore* store, EventHub* hub)
      : dataplane_(dataplane),
        store_(store),
        hub_(hub),
        leases_saved_(dataplane->lease_generation()) {}

  // Control thread, before serving: brings back the saved config and its
  // revision. Networks that fail are errors; ports that fail are kept in
  // the config as FailedPorts, static MACs that no longer fit are dropped,
  // both logged. Then the saved DHCP leases and the FDB a graceful stop
  // left, if any: a missing or unreadable file is logged, never an error.
  Status Restore();

  // The desired state and the revision it is at: 0 for a switch never
  // configured; each change that changes something adds one.
  const DesiredState& desired() const { return desired_; }
  uint64_t revision() const { return revision_; }
  // Makes `next` the whole desired state, all or nothing. With
  // `expected_revision`, ABORTED unless the state is still at it (compare
  // and swap). `plan` gets what changes, with every refusal; a dry run
  // stops there and changes nothing. `*revision` is the state's revision
  // after the call.
  Status Apply(DesiredState next, std::optional<uint64_t> expected_revision, bool dry_run,
               dp::Plan* plan, uint64_t* revision);
  // The state's objects as CONFIG_CHANGED creations at the current
  // revision: what a Watch that starts from nothing gets first.
  std::vector<Event> StateAsEvents() const;

  // Any thread: runs `fn` on the control thread and waits for it.
  void Run(const std::function<void()>& fn);
  // Any thread, never blocks: look at links now (a netdev changed).
  void WakeForLinks();
  // How often links are polled without a wake-up (vhost guests have no
  // netlink events). Before Loop().
  void set_link_poll_period(std::chrono::milliseconds period) { link_poll_period_ = period; }
  // Control thread: serves Run() and housekeeping (MAC and link events,
  // FDB aging, saving DHCP leases when they changed, at most once a
  // second and once more on the way out) until `should_stop` returns true;
  // then saves the warm state (a graceful stop).
  void Loop(const std::function<bool()>& should_stop);

  // A NAT or routed network's uplink must exist and be an uplink.
  Status CreateNetwork(const dp::NetworkSpec& spec);
  // `*updated` is the network after the call (as it was, on failure).
  Status UpdateNetwork(const std::string& name, const NetworkUpdate& update,
                       dp::NetworkSpec* updated);
  Status DeleteNetwork(const std::string& name);
  Status CreatePort(const dp::PortSpec& spec);
  // A new backend or private_port setting closes the port and opens it
  // again; a network, VLAN or underlay change alone is live.
  Status UpdatePort(const std::string& name, const PortUpdate& update, dp::PortSpec* updated);
  // FAILED_PRECONDITION for an uplink that a tunnel, or a NAT or routed
  // network, leaves by.
  Status DeletePort(const std::string& name);
  Status AddStaticMac(const StaticMac& entry);
  Status DeleteStaticMac(const std::string& network, uint32_t vlan, dp::MacKey mac);
  Status FlushFdb(const std::string& network, const std::string& port, bool include_static,
                  size_t* flushed);

  const dp::Engine& dataplane() const { return *dataplane_; }
  const std::map<std::string, FailedPort>& failed_ports() const {
    return dataplane_->failed_ports();
  }
  std::optional<dp::NetworkSpec> FindNetwork(const std::string& name) const;
  std::optional<dp::PortSpec> FindPort(const std::string& name) const;

 private:
  // Applies `next`, saves it at the next revision and announces each
  // change; on a failure to save, puts back what ran. No change, no new
  // revision.
  Status Commit(DesiredState next, dp::Plan* plan = nullptr);
  void Announce(const dp::Plan& plan, const DesiredState& before);
  void Announce(EventType type, const std::string& network, const std::string& port,
                const std::string& detail);
  void PollLinks();
  // Writes the leases when the Dataplane's lease generation moved since
  // the last save, and (unless `now` is nullopt: at stop) the last write
  // is kLeaseSavePeriod old: a lease made after a quiet spell is on disk
  // within a second, and a flood of changes costs one write (and fsync) per
  // period, not one a second. A failure is logged once, and tried again
  // next time.
  void SaveLeasesIfChanged(std::optional<std::chrono::steady_clock::time_point> now);
  // At a graceful stop: the learned FDB entries to warm.json. At start,
  // after the config: learns them again, unless they aged meanwhile.
  // Neither is ever an error: a cold start only floods a little more.
  void SaveWarm();
  void RestoreWarm();
  void PublishMacEvent(const dp::MacEvent& e);

  dp::Engine* const dataplane_;
  const StateStore* const store_;
  EventHub* const hub_;
  DesiredState desired_;  // sorted, as Dataplane::Running()
  uint64_t revision_ = 0;
  struct LinkSeen {
    uint64_t connects = 0;
    uint64_t disconnects = 0;
  };
  std::map<std::string, LinkSeen> links_;
  uint64_t leases_saved_ = 0;  // the lease generation last written
  bool lease_save_failing_ = false;
  std::chrono::steady_clock::time_point leases_written_{};  // the last write

  std::mutex tasks_mu_;
  std::condition_variable tasks_cv_;
  std::deque<std::function<void()>> tasks_;
  bool links_changed_ = false;  // guarded by tasks_mu_
  std::chrono::milliseconds link_poll_period_{50};
};

}  // namespace switchyard::ctl
