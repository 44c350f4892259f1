// The underlay's control side: answering ARP for uplink addresses and
// resolving tunnel next hops, on the control thread.
//
// PMD threads never wait for it. They punt ARP that arrives on uplinks;
// HandleFrame() answers requests for an uplink's address and records
// replies. Tick() asks (once a second, by broadcast) for the next hops that
// tunnel endpoints want and have not got, re-asks for confirmed ones after
// kRefreshMs and forgets those silent for kExpireMs, so a host that comes
// back with another MAC is found again. Frames go out through `send`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datapath/core/types.h"

namespace switchyard::dp {

struct UplinkAddress {
  PortIndex port = kInvalidPort;
  uint32_t address = 0;  // host order
  int prefix = 0;
  uint32_t gateway = 0;  // 0: on-link only
  MacKey mac = 0;
};

class Underlay {
 public:
  using SendFn = std::function<void(PortIndex port, const uint8_t* frame, uint32_t len)>;

  static constexpr uint64_t kRetryMs = 1000;
  static constexpr uint64_t kRefreshMs = 30000;
  static constexpr uint64_t kExpireMs = 90000;
  // Askers remembered unasked; a flood of requests cannot grow the table.
  static constexpr size_t kMaxNeighbors = 4096;

  // The MAC an uplink sends from: locally administered, from its underlay
  // address (unique on the underlay) and its name, so it stays the same
  // across restarts and peers' ARP caches stay right.
  static MacKey UplinkMac(uint32_t address, const std::string& port_name);

  // Where frames to `remote` go first: `remote` itself on the uplink's
  // subnet, else its gateway; 0 when it has none.
  static uint32_t NextHop(const UplinkAddress& uplink, uint32_t remote);

  // The uplinks as they are now; neighbours of uplinks gone are forgotten.
  void SetUplinks(std::vector<UplinkAddress> uplinks);

  // An ARP frame that arrived on uplink `port`.
  void HandleFrame(PortIndex port, const uint8_t* frame, uint32_t len, uint64_t now_ms,
                   const SendFn& send);
  // `wanted`: (uplink, next hop) pairs the tunnel endpoints need now.
  void Tick(const std::vector<std::pair<PortIndex, uint32_t>>& wanted, uint64_t now_ms,
            const SendFn& send);
  // The resolved MAC of `ip` on uplink `port`, 0 when unresolved.
  MacKey Lookup(PortIndex port, uint32_t ip) const;

  uint64_t requests_sent() const { return requests_sent_; }
  uint64_t replies_sent() const { return replies_sent_; }

 private:
  struct Neighbor {
    MacKey mac = 0;
    uint64_t confirmed_ms = 0;
    uint64_t asked_ms = 0;
    bool asked = false;
  };
  const UplinkAddress* Find(PortIndex port) const;
  void Ask(const UplinkAddress& up, uint32_t ip, Neighbor& n, uint64_t now_ms, const SendFn& send);

  std::vector<UplinkAddress> uplinks_;
  std::map<std::pair<PortIndex, uint32_t>, Neighbor> neighbors_;
  uint64_t requests_sent_ = 0;
  uint64_t replies_sent_ = 0;
};

}  // namespace switchyard::dp
