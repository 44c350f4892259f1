#include "datapath/gateway/host_stack.h"

#include <algorithm>
#include <set>

#include "datapath/core/arp.h"
#include "datapath/core/ipv4.h"

namespace switchyard::dp {

MacKey HostStack::InterfaceMac(uint32_t address, const std::string& name) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  for (int shift = 24; shift >= 0; shift -= 8) {
    mix(static_cast<uint8_t>(address >> shift));
  }
  for (char c : name) {
    mix(static_cast<uint8_t>(c));
  }
  // 02:... : locally administered, unicast.
  return MacKey{0x02} << 40 | (h & 0xffffffffffull);
}

uint32_t HostStack::NextHop(const Interface& itf, uint32_t remote) {
  const uint32_t mask = itf.prefix == 0 ? 0 : ~uint32_t{0} << (32 - itf.prefix);
  return (remote & mask) == (itf.address & mask) ? remote : itf.gateway;
}

void HostStack::SetInterfaces(std::vector<Interface> interfaces) {
  auto stays = [&interfaces](const Key& key) {
    for (const Interface& i : interfaces) {
      if (i.port == key.first) {
        // A neighbour outside a changed subnet is no neighbour any more.
        return NextHop(i, key.second) == key.second || key.second == i.gateway;
      }
    }
    return false;
  };
  for (auto it = neighbors_.begin(); it != neighbors_.end();) {
    auto next = std::next(it);
    if (!stays(it->first)) {
      Forget(it);  // from the old interface's cache
    }
    it = next;
  }
  interfaces_ = std::move(interfaces);
  for (const auto& [key, n] : neighbors_) {
    const Interface* itf = Find(key.first);
    if (n.mac != 0 && itf->cache != nullptr) {
      itf->cache->Set(key.second, n.mac);
    }
  }
}

const Interface* HostStack::Find(PortIndex port) const {
  for (const Interface& i : interfaces_) {
    if (i.port == port) {
      return &i;
    }
  }
  return nullptr;
}

void HostStack::Forget(std::map<Key, Neighbor>::iterator it) {
  if (const Interface* itf = Find(it->first.first); itf != nullptr && itf->cache != nullptr) {
    itf->cache->Clear(it->first.second);
  }
  unresolved_dropped_ += it->second.queued.size();
  ClearQueue(it->first.first, it->second);
  neighbors_.erase(it);
}

bool HostStack::HasRoom(PortIndex port) const {
  if (neighbors_.size() >= kMaxNeighbors) {
    return false;
  }
  // Keys sort by port first: the port's neighbours are one run.
  auto first = neighbors_.lower_bound(Key{port, 0});
  size_t n = 0;
  for (auto it = first; it != neighbors_.end() && it->first.first == port; ++it) {
    if (++n >= kMaxNeighborsPerInterface) {
      return false;
    }
  }
  return true;
}

void HostStack::ClearQueue(PortIndex port, Neighbor& n) {
  size_t bytes = 0;
  for (const std::vector<uint8_t>& f : n.queued) {
    bytes += f.size();
  }
  size_t& total = queued_bytes_[port];
  total = bytes >= total ? 0 : total - bytes;
  n.queued.clear();
}

void HostStack::Confirm(const Interface& itf, uint32_t ip, Neighbor& n, MacKey mac, uint64_t now_ms,
                        const SendFn& send) {
  n.mac = mac;
  n.confirmed_ms = now_ms;
  if (itf.cache != nullptr) {
    itf.cache->Set(ip, mac);
  }
  for (std::vector<uint8_t>& frame : n.queued) {
    MacToBytes(mac, frame.data());
    send(itf.port, frame.data(), static_cast<uint32_t>(frame.size()));
  }
  ClearQueue(itf.port, n);
}

void HostStack::HandleFrame(PortIndex port, const uint8_t* frame, uint32_t len, uint64_t now_ms,
                            const SendFn& send) {
  const Interface* itf = Find(port);
  if (itf == nullptr) {
    return;
  }
  ArpMessage in;
  if (!ParseArp(frame, len, &in)) {
    AnswerPing(*itf, frame, len, send);
    return;
  }
  if (itf->Owns(in.sender_ip) || NextHop(*itf, in.sender_ip) != in.sender_ip ||
      IsMulticastMac(in.sender_mac) || in.sender_mac == 0) {
    return;  // not a neighbour on this subnet
  }
  // Any ARP from a neighbour we know or ask for tells its MAC (a reply, a
  // request, a gratuitous announcement); a request for our address adds
  // it too, as the asker is about to send to us (RFC 826's merge).
  auto known = neighbors_.find({port, in.sender_ip});
  const bool for_us = itf->Owns(in.target_ip);
  if (known == neighbors_.end() && for_us && in.op == ArpOp::kRequest && HasRoom(port)) {
    known = neighbors_.emplace(Key{port, in.sender_ip}, Neighbor{}).first;
  }
  if (known != neighbors_.end()) {
    Confirm(*itf, in.sender_ip, known->second, in.sender_mac, now_ms, send);
  }
  if (for_us && in.op == ArpOp::kRequest) {
    ArpMessage reply{ArpOp::kReply, itf->mac, in.target_ip, in.sender_mac, in.sender_ip};
    uint8_t out[kMinFrameLen];
    const uint32_t n = WriteArp(out, in.sender_mac, reply);
    send(port, out, n);
    ++replies_sent_;
  }
}

void HostStack::AnswerPing(const Interface& itf, const uint8_t* frame, uint32_t len,
                           const SendFn& send) {
  if (len < 14 + 20 + 8 || Load16(frame + 12) != kEtherTypeIpv4) {
    return;
  }
  const uint8_t* ip = frame + 14;
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  const uint32_t total = Load16(ip + ip4::kTotalLen);
  const MacKey asker = MacFromBytes(frame + 6);
  if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 || 14 + total > len ||
      ip[ip4::kProto] != kIpProtoIcmp || !itf.Owns(Load32(ip + ip4::kDst)) ||
      (Load16(ip + ip4::kFragment) & 0x3fff) != 0 || ip[ihl] != kIcmpEchoRequest ||
      IsMulticastMac(asker)) {
    return;
  }
  std::vector<uint8_t> out(frame, frame + 14 + total);
  out.resize(std::max<size_t>(out.size(), kMinFrameLen), 0);
  MacToBytes(asker, out.data());
  MacToBytes(itf.mac, out.data() + 6);
  uint8_t* oip = out.data() + 14;
  Store32(oip + ip4::kDst, Load32(ip + ip4::kSrc));
  Store32(oip + ip4::kSrc, Load32(ip + ip4::kDst));
  oip[ip4::kTtl] = 64;
  SetIpv4Checksum(oip, ihl);
  uint8_t* icmp = oip + ihl;
  icmp[0] = kIcmpEchoReply;
  icmp[1] = 0;
  Store16(icmp + 2, 0);
  Store16(icmp + 2, static_cast<uint16_t>(~FoldSum(OnesSum(icmp, total - ihl))));
  send(itf.port, out.data(), static_cast<uint32_t>(out.size()));
  ++echo_replies_;
}

void HostStack::Ask(const Interface& itf, uint32_t ip, Neighbor& n, uint64_t now_ms,
                    const SendFn& send) {
  if (n.asked && now_ms - n.asked_ms < kRetryMs) {
    return;
  }
  ArpMessage req{ArpOp::kRequest, itf.mac, itf.address, 0, ip};
  uint8_t out[kMinFrameLen];
  const uint32_t len = WriteArp(out, kBroadcastMac, req);
  send(itf.port, out, len);
  n.asked = true;
  n.asked_ms = now_ms;
  ++requests_sent_;
}

void HostStack::Resolve(PortIndex port, uint32_t next_hop, const uint8_t* frame, uint32_t len,
                        uint64_t now_ms, const SendFn& send) {
  const Interface* itf = Find(port);
  if (itf == nullptr || len < 14 || next_hop == 0) {
    ++unresolved_dropped_;
    return;
  }
  auto it = neighbors_.find({port, next_hop});
  if (it != neighbors_.end() && it->second.mac != 0) {
    // Known after all (resolved since the PMD looked, or not cached).
    std::vector<uint8_t> out(frame, frame + len);
    MacToBytes(it->second.mac, out.data());
    send(port, out.data(), len);
    return;
  }
  size_t& queued_bytes = queued_bytes_[port];
  if (queued_bytes + len > kMaxQueuedBytesPerInterface) {
    ++unresolved_dropped_;
    return;
  }
  if (it == neighbors_.end()) {
    if (!HasRoom(port)) {
      ++unresolved_dropped_;
      return;
    }
    it = neighbors_.emplace(Key{port, next_hop}, Neighbor{}).first;
  }
  Neighbor& n = it->second;
  if (n.queued.size() >= kMaxQueued) {
    ++unresolved_dropped_;
    return;
  }
  if (n.queued.empty()) {
    n.queued_ms = now_ms;
  }
  n.queued.emplace_back(frame, frame + len);
  queued_bytes += len;
  Ask(*itf, next_hop, n, now_ms, send);
}

void HostStack::Learn(PortIndex port, uint32_t ip, MacKey mac, uint64_t now_ms,
                      const SendFn& send) {
  const Interface* itf = Find(port);
  if (itf == nullptr || (!neighbors_.contains({port, ip}) && !HasRoom(port))) {
    return;
  }
  Confirm(*itf, ip, neighbors_[{port, ip}], mac, now_ms, send);
}

void HostStack::Tick(const std::vector<std::pair<PortIndex, uint32_t>>& wanted, uint64_t now_ms,
                     const SendFn& send) {
  std::set<Key> want;
  for (const auto& [port, ip] : wanted) {
    const Interface* itf = Find(port);
    if (itf == nullptr || ip == 0) {
      continue;
    }
    want.insert({port, ip});
    Neighbor& n = neighbors_[{port, ip}];
    if (n.mac != 0 && now_ms - n.confirmed_ms >= kExpireMs) {
      n.mac = 0;  // silent too long: resolved again from scratch
      if (itf->cache != nullptr) {
        itf->cache->Clear(ip);
      }
    }
    if (n.mac == 0 || now_ms - n.confirmed_ms >= kRefreshMs) {
      Ask(*itf, ip, n, now_ms, send);
    }
  }
  // The rest are kept for routed frames: asked for while frames wait,
  // forgotten when silent for long (the PMDs then ask again by punting).
  for (auto it = neighbors_.begin(); it != neighbors_.end();) {
    auto next = std::next(it);
    Neighbor& n = it->second;
    const Interface* itf = Find(it->first.first);
    if (!n.queued.empty() && now_ms - n.queued_ms >= kQueueMs) {
      unresolved_dropped_ += n.queued.size();
      ClearQueue(it->first.first, n);
    }
    if (!want.contains(it->first)) {
      if (!n.queued.empty()) {
        Ask(*itf, it->first.second, n, now_ms, send);
      } else if (n.mac == 0 || now_ms - n.confirmed_ms >= kExpireMs) {
        Forget(it);
      }
    }
    it = next;
  }
}

MacKey HostStack::Lookup(PortIndex port, uint32_t ip) const {
  auto it = neighbors_.find({port, ip});
  return it == neighbors_.end() ? 0 : it->second.mac;
}

}  // namespace switchyard::dp
