// A Snapshot from the model it is made of: a pure function of plain views
// of the ports, networks, endpoints and gateways (no EAL, no I/O), so what
// the PMDs will read is unit-tested on its own. The Dataplane owns the
// objects the views point to and publishes what comes out.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "datapath/core/port_guard.h"
#include "datapath/core/snapshot.h"
#include "datapath/engine/spec.h"
#include "datapath/gateway/host_stack.h"

namespace switchyard::dp {

class TunnelEndpoint;

struct SnapshotPort {
  const PortSpec* spec = nullptr;
  PortIndex index = kInvalidPort;
  NetworkIndex network = kInvalidNetwork;  // uplinks: none
  Port* port = nullptr;
  Interface address{};                  // uplinks: the underlay address, MAC and neighbours
  std::optional<PortGuard> guard = {};  // port security on
};

struct SnapshotGateway {
  Port* port = nullptr;
  PortIndex index = kInvalidPort;
  uint32_t address = 0;
  int prefix = 0;
  MacKey mac = 0;
  const NeighborCache* neighbors = nullptr;
  ConnTable* conns = nullptr;
  std::vector<ForwardRule> forwards;
};

struct SnapshotEndpoint {
  TunnelEndpoint* port = nullptr;
  PortIndex index = kInvalidPort;
};

struct SnapshotNetwork {
  const NetworkSpec* spec = nullptr;
  NetworkIndex index = kInvalidNetwork;
  Fdb* fdb = nullptr;
  std::optional<SnapshotGateway> gateway = {};
  std::vector<SnapshotEndpoint> endpoints = {};
};

struct SnapshotModel {
  uint64_t generation = 0;
  int pmds = 1;
  std::vector<SnapshotPort> ports;
  std::vector<SnapshotNetwork> networks;
};

// The PMD that polls a port: by slot, spread and stable while ports come
// and go; every port of a NAT network goes with its uplink, whose PMD alone
// owns the network's connection table.
int RxPmdOf(const SnapshotModel& model, const SnapshotPort& port);

std::unique_ptr<Snapshot> BuildSnapshot(const SnapshotModel& model);

// When `next` moves a port's rx to another PMD, or a connection table to
// another owner, a snapshot to publish first in which neither is polled or
// swept, so no two PMDs ever share one; null when nothing moves. It points
// into `next`, which must outlive it.
std::unique_ptr<Snapshot> BetweenSnapshot(const Snapshot& current, const Snapshot& next);

}  // namespace switchyard::dp
