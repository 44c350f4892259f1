#include "datapath/engine/underlay.h"

#include <algorithm>

#include "datapath/core/arp.h"

namespace switchyard::dp {

MacKey Underlay::UplinkMac(uint32_t address, const std::string& port_name) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  for (int shift = 24; shift >= 0; shift -= 8) {
    mix(static_cast<uint8_t>(address >> shift));
  }
  for (char c : port_name) {
    mix(static_cast<uint8_t>(c));
  }
  // 02:... : locally administered, unicast.
  return MacKey{0x02} << 40 | (h & 0xffffffffffull);
}

uint32_t Underlay::NextHop(const UplinkAddress& up, uint32_t remote) {
  const uint32_t mask = up.prefix == 0 ? 0 : ~uint32_t{0} << (32 - up.prefix);
  return (remote & mask) == (up.address & mask) ? remote : up.gateway;
}

void Underlay::SetUplinks(std::vector<UplinkAddress> uplinks) {
  uplinks_ = std::move(uplinks);
  for (auto it = neighbors_.begin(); it != neighbors_.end();) {
    const UplinkAddress* up = Find(it->first.first);
    // A neighbour outside a changed subnet is no neighbour any more.
    const bool keep = up != nullptr && (NextHop(*up, it->first.second) == it->first.second ||
                                        it->first.second == up->gateway);
    it = keep ? std::next(it) : neighbors_.erase(it);
  }
}

const UplinkAddress* Underlay::Find(PortIndex port) const {
  for (const UplinkAddress& u : uplinks_) {
    if (u.port == port) {
      return &u;
    }
  }
  return nullptr;
}

void Underlay::HandleFrame(PortIndex port, const uint8_t* frame, uint32_t len, uint64_t now_ms,
                           const SendFn& send) {
  const UplinkAddress* up = Find(port);
  ArpMessage in;
  if (up == nullptr || !ParseArp(frame, len, &in) || in.sender_ip == up->address) {
    return;
  }
  // Any ARP from a neighbour we ask for tells its MAC (a reply, a request,
  // a gratuitous announcement); a request for our address adds it too, as
  // the asker is about to send to us (RFC 826's merge).
  auto known = neighbors_.find({port, in.sender_ip});
  const bool for_us = in.target_ip == up->address;
  if (known != neighbors_.end() ||
      (for_us && in.op == ArpOp::kRequest && neighbors_.size() < kMaxNeighbors)) {
    Neighbor& n = neighbors_[{port, in.sender_ip}];
    n.mac = in.sender_mac;
    n.confirmed_ms = now_ms;
  }
  if (for_us && in.op == ArpOp::kRequest) {
    ArpMessage reply{ArpOp::kReply, up->mac, up->address, in.sender_mac, in.sender_ip};
    uint8_t out[kMinFrameLen];
    const uint32_t n = WriteArp(out, in.sender_mac, reply);
    send(port, out, n);
    ++replies_sent_;
  }
}

void Underlay::Ask(const UplinkAddress& up, uint32_t ip, Neighbor& n, uint64_t now_ms,
                   const SendFn& send) {
  if (n.asked && now_ms - n.asked_ms < kRetryMs) {
    return;
  }
  ArpMessage req{ArpOp::kRequest, up.mac, up.address, 0, ip};
  uint8_t out[kMinFrameLen];
  const uint32_t len = WriteArp(out, kBroadcastMac, req);
  send(up.port, out, len);
  n.asked = true;
  n.asked_ms = now_ms;
  ++requests_sent_;
}

void Underlay::Tick(const std::vector<std::pair<PortIndex, uint32_t>>& wanted, uint64_t now_ms,
                    const SendFn& send) {
  for (const auto& [port, ip] : wanted) {
    const UplinkAddress* up = Find(port);
    if (up == nullptr || ip == 0) {
      continue;
    }
    Neighbor& n = neighbors_[{port, ip}];
    if (n.mac != 0 && now_ms - n.confirmed_ms >= kExpireMs) {
      n.mac = 0;  // silent too long: resolved again from scratch
    }
    if (n.mac == 0 || now_ms - n.confirmed_ms >= kRefreshMs) {
      Ask(*up, ip, n, now_ms, send);
    }
  }
}

MacKey Underlay::Lookup(PortIndex port, uint32_t ip) const {
  auto it = neighbors_.find({port, ip});
  return it == neighbors_.end() ? 0 : it->second.mac;
}

}  // namespace switchyard::dp
