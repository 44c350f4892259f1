#include "datapath/engine/dataplane.h"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <net/if.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "common/log.h"
#include "datapath/engine/snapshot_builder.h"
#include "datapath/ports/internal/internal_device.h"
#include "datapath/ports/kernel_netdev_port.h"
#include "datapath/ports/kernel_port_factory.h"
#include "datapath/ports/tap/tap_device.h"
#include "datapath/ports/vhost/vhost_user_port.h"

namespace switchyard::dp {

int Dataplane::TakeSlot(std::vector<bool>& used) {
  auto it = std::find(used.begin(), used.end(), false);
  if (it == used.end()) {
    return -1;
  }
  *it = true;
  return static_cast<int>(it - used.begin());
}

Dataplane::Dataplane(const EalInfo& eal, const DataplaneOptions& options)
    : eal_(eal), options_(options) {
  pool_ = rte_pktmbuf_pool_create("sy_mbufs", options.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                  SOCKET_ID_ANY);
  if (pool_ == nullptr) {
    throw std::runtime_error(std::string("cannot create the mbuf pool: ") +
                             rte_strerror(rte_errno));
  }
  const int n = static_cast<int>(eal.pmd_lcores.size());
  rcu_ = std::make_unique<Rcu>(n);
  counters_ = std::make_unique<PmdCounters[]>(n + 1);  // the last: the control thread's
  events_ = std::make_unique<EventRing[]>(n);
  slow_path_ = std::make_unique<SlowPath>(n, pool_);
  for (int i = 0; i < n; ++i) {
    pmds_.push_back(std::make_unique<PmdThread>(
        static_cast<uint16_t>(i), eal.pmd_lcores[i], &snapshot_, rcu_.get(), &clock_, &counters_[i],
        &events_[i], pool_, slow_path_.get(), options.idle_sleep_max_us));
  }
  auto* empty = new Snapshot();
  empty->rx_by_pmd.resize(n);
  snapshot_.store(empty, std::memory_order_release);
}

Dataplane::~Dataplane() {
  Stop();
  delete snapshot_.load();
  slow_path_.reset();  // its queued frames go back to the pool first
  rte_mempool_free(pool_);
}

Status Dataplane::Start() {
  for (auto& pmd : pmds_) {
    if (!pmd->Launch()) {
      return Status(StatusCode::kUnavailable,
                    "cannot launch PMD on lcore " + std::to_string(pmd->lcore()));
    }
  }
  SY_INFO("datapath: " << pmds_.size() << " PMD thread(s) running, idle sleep "
                       << (options_.idle_sleep_max_us == 0
                               ? std::string("off")
                               : "up to " + std::to_string(options_.idle_sleep_max_us) + " us"));
  return Status::Ok();
}

void Dataplane::Stop() {
  std::vector<std::string> names;
  for (auto& [name, p] : ports_) {
    names.push_back(name);
    if (p.spec.kind == PortKind::kTap) {
      // Every TAP port is a KernelNetdevPort (AddPort makes it so).
      static_cast<KernelNetdevPort*>(p.port.get())->KeepDevice();
    }
  }
  for (auto& name : names) {
    RemovePort(name);
  }
  for (auto& pmd : pmds_) {
    pmd->StopAndWait();
  }
}

void Dataplane::Publish() {
  SnapshotModel model;
  model.generation = ++generation_;
  model.pmds = n_pmds();
  snooped_.clear();  // what this snapshot's guards allow
  for (auto& [name, p] : ports_) {
    SnapshotPort& sp = model.ports.emplace_back();
    sp.spec = &p.spec;
    sp.index = p.index;
    sp.network = p.network;
    sp.port = p.port.get();
    if (p.spec.IsUplink()) {
      sp.address = AddressOf(p);
    }
    if (p.spec.security.Enabled()) {
      sp.guard = GuardOf(p);
      if (p.spec.security.dhcp_snooping) {
        for (uint32_t ip : sp.guard->ipv4) {
          snooped_.emplace_back(p.index, ip);
        }
      }
    }
  }
  for (auto& [name, n] : networks_) {
    SnapshotNetwork& sn = model.networks.emplace_back();
    sn.spec = &n.spec;
    sn.index = n.index;
    sn.fdb = n.fdb.get();
    if (const GatewayState* g = n.gateway.get()) {
      sn.gateway = SnapshotGateway{g->port.get(), g->index,           g->address,     g->prefix,
                                   g->mac,        g->neighbors.get(), g->conns.get(), g->forwards};
    }
    for (const EndpointState& e : n.endpoints) {
      sn.endpoints.push_back(SnapshotEndpoint{e.port.get(), e.index});
    }
  }
  std::sort(snooped_.begin(), snooped_.end());  // as SnoopedBindings() sorts
  std::unique_ptr<Snapshot> next = BuildSnapshot(model);
  std::unique_ptr<Snapshot> between =
      BetweenSnapshot(*snapshot_.load(std::memory_order_acquire), *next);
  if (between) {
    const Snapshot* old = snapshot_.exchange(between.get(), std::memory_order_acq_rel);
    rcu_->Synchronize();
    delete old;
  }
  const Snapshot* old = snapshot_.exchange(next.release(), std::memory_order_acq_rel);
  rcu_->Synchronize();
  if (!between) {
    delete old;  // else it is `between`, freed on the way out
  }
}

Interface Dataplane::AddressOf(const PortState& uplink) {
  const UnderlaySpec& u = uplink.spec.underlay;
  const Ipv4Cidr& a = *u.address;
  return Interface{uplink.index,
                   a.address.value(),
                   a.length,
                   u.gateway ? u.gateway->value() : 0,
                   HostStack::InterfaceMac(a.address.value(), uplink.spec.name),
                   uplink.neighbors.get()};
}

const Dataplane::PortState* Dataplane::FindUplink(const std::string& name) const {
  auto it = ports_.find(name);
  return it != ports_.end() && it->second.spec.IsUplink() ? &it->second : nullptr;
}

void Dataplane::RefreshInterfaces() {
  std::vector<Interface> interfaces;
  for (auto& [name, p] : ports_) {
    if (p.spec.IsUplink()) {
      Interface a = AddressOf(p);
      // NAT networks' own outside addresses live on their uplink.
      for (auto& [net_name, n] : networks_) {
        if (n.spec.mode == NetworkMode::kNat && n.spec.uplink == name && n.spec.nat_address) {
          a.other_addresses.push_back(n.spec.nat_address->value());
        }
      }
      interfaces.push_back(std::move(a));
    }
  }
  for (auto& [name, n] : networks_) {
    const GatewayState* g = n.gateway.get();
    if (g != nullptr && n.spec.HasGateway()) {
      interfaces.push_back(
          Interface{g->index, g->address, g->prefix, 0, g->mac, g->neighbors.get()});
    }
  }
  host_.SetInterfaces(std::move(interfaces));
}

void Dataplane::Tick(const std::function<void(const MacEvent&)>& on_aged) {
  const uint32_t now = clock_.Seconds();
  for (auto& [name, n] : networks_) {
    const std::string& net_name = name;
    n.aged += n.fdb->Age(now, n.spec.fdb_aging_s, [&](const Fdb::Entry& e) {
      if (on_aged) {
        on_aged(MacEvent{MacEvent::Type::kAged, net_name, PortName(e.port), "", e.mac, e.vlan});
      }
    });
  }
  RetryFailedPorts();
}

void Dataplane::DrainEvents(const std::function<void(const MacEvent&)>& fn) {
  for (int i = 0; i < n_pmds(); ++i) {
    events_[i].Drain([&](const DpEvent& e) {
      NetworkState* n = FindNetwork(e.network);
      const std::string port = PortName(e.port);
      if (n == nullptr || port.empty()) {
        return;  // gone since: nothing left to tell
      }
      const bool moved = e.type == DpEvent::Type::kMacMoved;
      const MacEvent::Type type = moved                                ? MacEvent::Type::kMoved
                                  : e.type == DpEvent::Type::kMacLimit ? MacEvent::Type::kLimit
                                                                       : MacEvent::Type::kLearned;
      fn(MacEvent{type, n->spec.name, port, moved ? PortName(e.previous_port) : "", e.mac, e.vlan});
    });
  }
}

PortTotals Dataplane::PortCountersOf(const PortState& p) const {
  PortTotals t = SumPort(counters_.get(), n_counters(), p.index);
  t -= p.base;
  return t;
}

PortTotals Dataplane::NetworkShareOf(const PortState& p) const {
  PortTotals t = PortCountersOf(p);
  t -= p.net_base;
  return t;
}

Dataplane::NetworkState* Dataplane::FindNetwork(NetworkIndex index) {
  for (auto& [name, n] : networks_) {
    if (n.index == index) {
      return &n;
    }
  }
  return nullptr;
}

std::string Dataplane::PortName(PortIndex index) const {
  if (const PortState* p = FindPort(index)) {
    return p->spec.name;
  }
  for (auto& [name, n] : networks_) {
    for (const EndpointState& e : n.endpoints) {
      if (e.index == index) {
        return e.port->Name();
      }
    }
    if (n.gateway != nullptr && n.gateway->index == index) {
      return "gateway";
    }
  }
  return "";
}

const Dataplane::PortState* Dataplane::FindPort(PortIndex index) const {
  for (auto& [name, p] : ports_) {
    if (p.index == index) {
      return &p;
    }
  }
  return nullptr;
}

std::vector<NetworkSpec> Dataplane::NetworkSpecs() const {
  std::vector<NetworkSpec> out;
  for (auto& [name, n] : networks_) {
    out.push_back(n.spec);
  }
  return out;
}

std::vector<PortSpec> Dataplane::PortSpecs() const {
  std::vector<PortSpec> out;
  for (auto& [name, p] : ports_) {
    out.push_back(p.spec);
  }
  return out;
}

}  // namespace switchyard::dp
