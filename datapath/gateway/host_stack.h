// The switch's own IPv4 host, on the control thread: the addresses it has
// on its L3 interfaces (uplinks, and the gateways of NAT and routed
// networks), ARP for them, ping to them, and the neighbours it resolves.
//
// PMD threads never wait for it. They punt what is for the switch (ARP,
// ICMP echo) and routed frames whose next hop's MAC they do not have.
// HandleFrame() answers ARP requests and pings for an interface's address
// and records what ARP tells it. Resolve() sends a routed frame on at once
// when its next hop is known, else queues it and asks. Tick() asks (once a
// second, by broadcast) for next hops that tunnel endpoints or queued
// frames want, re-asks for the endpoints' after kRefreshMs, and forgets
// neighbours silent for kExpireMs, so a host that comes back with another
// MAC is found again. Resolved neighbours are mirrored into each
// interface's NeighborCache, where the PMDs look them up. Frames go out
// through `send`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "datapath/core/neighbor_cache.h"
#include "datapath/core/types.h"

namespace switchyard::dp {

// An address of the switch and the port it lives on: an uplink, or a
// network's gateway port (frames sent there go into the network).
struct Interface {
  PortIndex port = kInvalidPort;
  uint32_t address = 0;  // host order
  int prefix = 0;
  uint32_t gateway = 0;  // uplinks: next hop off the subnet; 0: on-link only
  MacKey mac = 0;
  NeighborCache* cache = nullptr;  // where resolved neighbours go for the PMDs; may be null
  // More addresses it answers ARP and pings for (a NAT network's own
  // outside address on its uplink); it asks and answers from `address`.
  std::vector<uint32_t> other_addresses{};

  bool Owns(uint32_t ip) const {
    return ip == address ||
           std::find(other_addresses.begin(), other_addresses.end(), ip) != other_addresses.end();
  }
};

class HostStack {
 public:
  using SendFn = std::function<void(PortIndex port, const uint8_t* frame, uint32_t len)>;

  static constexpr uint64_t kRetryMs = 1000;
  static constexpr uint64_t kRefreshMs = 30000;
  static constexpr uint64_t kExpireMs = 90000;
  // Frames queued for a neighbour being resolved, and for how long.
  static constexpr size_t kMaxQueued = 8;
  static constexpr uint64_t kQueueMs = 3000;
  // Neighbours remembered; a flood of requests cannot grow the table, and
  // one interface (a network's gateway, an uplink) cannot take it all.
  static constexpr size_t kMaxNeighbors = 4096;
  static constexpr size_t kMaxNeighborsPerInterface = 1024;
  // Bytes of frames waiting for their next hops, per interface: one
  // tenant's unresolved destinations cannot hold hundreds of megabytes.
  static constexpr size_t kMaxQueuedBytesPerInterface = 1 << 20;

  // The MAC an interface sends from: locally administered, from its
  // address and a name (the port's or the network's), so it stays the same
  // across restarts and peers' ARP caches stay right.
  static MacKey InterfaceMac(uint32_t address, const std::string& name);

  // Where frames to `remote` go first: `remote` itself on the interface's
  // subnet, else its gateway; 0 when it has none.
  static uint32_t NextHop(const Interface& itf, uint32_t remote);

  // The interfaces as they are now; neighbours of interfaces gone or off a
  // changed subnet are forgotten (and their queued frames dropped).
  void SetInterfaces(std::vector<Interface> interfaces);

  // A frame for the switch that arrived on `port`: ARP, or ICMP echo to
  // the interface's address. Anything else is ignored.
  void HandleFrame(PortIndex port, const uint8_t* frame, uint32_t len, uint64_t now_ms,
                   const SendFn& send);
  // A routed frame that leaves by `port` once `next_hop`'s MAC (its first
  // six bytes) is known.
  void Resolve(PortIndex port, uint32_t next_hop, const uint8_t* frame, uint32_t len,
               uint64_t now_ms, const SendFn& send);
  // `ip` is at `mac` on `port` (a DHCP lease was just granted).
  void Learn(PortIndex port, uint32_t ip, MacKey mac, uint64_t now_ms, const SendFn& send);
  // `wanted`: (interface, next hop) pairs the tunnel endpoints need now.
  void Tick(const std::vector<std::pair<PortIndex, uint32_t>>& wanted, uint64_t now_ms,
            const SendFn& send);
  // The resolved MAC of `ip` on `port`, 0 when unresolved.
  MacKey Lookup(PortIndex port, uint32_t ip) const;

  uint64_t requests_sent() const { return requests_sent_; }
  uint64_t replies_sent() const { return replies_sent_; }
  uint64_t echo_replies() const { return echo_replies_; }
  // Queued frames whose next hop never answered, or that found the queue full.
  uint64_t unresolved_dropped() const { return unresolved_dropped_; }
  // Neighbours known or asked for now, and the most frames queued for one:
  // never above kMaxNeighbors and kMaxQueued (for tests).
  size_t neighbor_count() const { return neighbors_.size(); }
  size_t max_queued() const {
    size_t most = 0;
    for (const auto& [key, n] : neighbors_) {
      most = n.queued.size() > most ? n.queued.size() : most;
    }
    return most;
  }

 private:
  struct Neighbor {
    MacKey mac = 0;
    uint64_t confirmed_ms = 0;
    uint64_t asked_ms = 0;
    bool asked = false;
    uint64_t queued_ms = 0;  // when the oldest queued frame came
    std::vector<std::vector<uint8_t>> queued;
  };
  using Key = std::pair<PortIndex, uint32_t>;

  const Interface* Find(PortIndex port) const;
  void Ask(const Interface& itf, uint32_t ip, Neighbor& n, uint64_t now_ms, const SendFn& send);
  // `n` is at `mac` now: cached for the PMDs, its queued frames sent.
  void Confirm(const Interface& itf, uint32_t ip, Neighbor& n, MacKey mac, uint64_t now_ms,
               const SendFn& send);
  void Forget(std::map<Key, Neighbor>::iterator it);
  // Room for one more neighbour on `port`.
  bool HasRoom(PortIndex port) const;
  // Empties `n`'s queue (sent or dropped), keeping queued_bytes_ right.
  void ClearQueue(PortIndex port, Neighbor& n);
  void AnswerPing(const Interface& itf, const uint8_t* frame, uint32_t len, const SendFn& send);

  std::vector<Interface> interfaces_;
  std::map<Key, Neighbor> neighbors_;
  std::map<PortIndex, size_t> queued_bytes_;  // per interface
  uint64_t requests_sent_ = 0;
  uint64_t replies_sent_ = 0;
  uint64_t echo_replies_ = 0;
  uint64_t unresolved_dropped_ = 0;
};

}  // namespace switchyard::dp
