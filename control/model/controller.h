// The one owner of the switch's model. gRPC handlers hand their work to the
// control thread through Run(); there every change is validated, applied to
// the Dataplane, persisted and announced, in that order. A change that
// fails at any step is undone, so a failed call leaves the switch and its
// saved state exactly as they were.
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
#include "datapath/engine/dataplane.h"

namespace switchyard::ctl {

// What UpdateNetwork changes: each field that is set; the rest stay.
struct NetworkUpdate {
  std::optional<uint32_t> fdb_aging_s;
  std::optional<uint32_t> fdb_max;
  std::optional<dp::TunnelSpec> tunnel;  // replaces the tunnel as a whole
  // A change to kBridge also drops the gateway, uplink, DHCP and forwards
  // not set here (a bridge has none); kIsolated keeps them, off.
  std::optional<dp::NetworkMode> mode;
  std::optional<std::string> gateway;
  std::optional<std::string> uplink;
  std::optional<dp::DhcpSpec> dhcp;                      // replaces; DhcpSpec{} is off
  std::optional<std::vector<dp::PortForward>> forwards;  // replaces the list
  std::optional<uint32_t> nat_max_connections;
  std::optional<uint32_t> nat_max_per_guest;
  std::optional<uint32_t> nat_max_per_forward;
  std::optional<std::string> nat_address;
  std::optional<std::vector<std::string>> underlay_allow;  // replaces the list
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

// A port of the saved config that could not be brought up at start.
struct FailedPort {
  dp::PortSpec spec;
  std::string error;
};

class Controller {
 public:
  Controller(dp::Dataplane* dataplane, const StateStore* store, EventHub* hub)
      : dataplane_(dataplane),
        store_(store),
        hub_(hub),
        leases_saved_(dataplane->lease_generation()) {}

  // Control thread, before serving: brings back the saved config. Networks
  // and static MACs that fail are errors; ports that fail are kept in the
  // config as FailedPorts and logged. Then the saved DHCP leases, if any:
  // a missing or unreadable lease file is logged, never an error.
  Status Restore();

  // Any thread: runs `fn` on the control thread and waits for it.
  void Run(const std::function<void()>& fn);
  // Any thread, never blocks: look at links now (a netdev changed).
  void WakeForLinks();
  // How often links are polled without a wake-up (vhost guests have no
  // netlink events). Before Loop().
  void set_link_poll_period(std::chrono::milliseconds period) { link_poll_period_ = period; }
  // Control thread: serves Run() and housekeeping (MAC and link events,
  // FDB aging, saving DHCP leases when they changed, at most once a
  // second and once more on the way out) until `should_stop` returns true.
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

  const dp::Dataplane& dataplane() const { return *dataplane_; }
  const std::map<std::string, FailedPort>& failed_ports() const { return failed_ports_; }
  std::optional<dp::NetworkSpec> FindNetwork(const std::string& name) const;
  std::optional<dp::PortSpec> FindPort(const std::string& name) const;

 private:
  DesiredState Desired() const;
  // Saves the config; on failure runs `undo` and returns the reason.
  Status Persist(const std::function<void()>& undo);
  void Announce(EventType type, const std::string& network, const std::string& port,
                const std::string& detail);
  void PollLinks();
  // `port` must exist and be an uplink (restored ones may not have come
  // up); `field` names it in the message.
  Status CheckUplink(const std::string& field, const std::string& port) const;
  // The uplinks `spec` needs: its tunnel's, and its own in modes nat and
  // routed.
  Status CheckUplinksOf(const dp::NetworkSpec& spec) const;
  // A NAT network's own outside address is neither its uplink's address
  // nor another network's.
  Status CheckNatAddress(const dp::NetworkSpec& spec) const;
  // Networks whose tunnels, or whose NAT or routing, leave by `port`, for
  // messages; empty if none.
  std::string NetworksOverUplink(const std::string& port) const;
  // Writes the leases when the Dataplane's lease generation moved since
  // the last save, and (unless `now` is nullopt: at stop) the last write
  // is kLeaseSavePeriod old: a lease made after a quiet spell is on disk
  // within a second, and a flood of changes costs one write (and fsync) per
  // period, not one a second. A failure is logged once, and tried again
  // next time.
  void SaveLeasesIfChanged(std::optional<std::chrono::steady_clock::time_point> now);
  void PublishMacEvent(const dp::MacEvent& e);
  void ForgetStaticMacs(const std::function<bool(const StaticMac&)>& match);
  void PinStaticMacsOf(const std::string& port);
  Status Pin(const StaticMac& m) {
    return dataplane_->AddStaticMac(m.network, m.vlan, m.mac, m.port);
  }

  dp::Dataplane* const dataplane_;
  const StateStore* const store_;
  EventHub* const hub_;
  std::vector<StaticMac> static_macs_;
  std::map<std::string, FailedPort> failed_ports_;
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
