// A DHCPv4 server (RFC 2131/2132) for a network whose gateway is the switch,
// as pure logic on the control thread.
//
// The gateway's slow path hands it the frames guests send to UDP port 67;
// it answers DISCOVER, REQUEST and INFORM with a ready Ethernet frame and
// keeps the leases. It is authoritative, as the only server on its network
// (dnsmasq's --dhcp-authoritative): a REQUEST it cannot grant is NAKed, not
// ignored. Clients are told apart by chaddr; leases are kept by MAC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "datapath/core/types.h"
#include "datapath/gateway/address_pool.h"

namespace switchyard::dp {

struct DhcpStaticHost {
  MacKey mac = 0;
  uint32_t address = 0;  // host order
  std::string hostname;
};

struct DhcpConfig {
  MacKey server_mac = 0;  // the gateway's MAC: replies' source
  // The gateway's IPv4 address, host order; also the router (option 3) and
  // the server identifier (option 54).
  uint32_t server = 0;
  int prefix = 24;           // the subnet's prefix length (mask option 1, broadcast option 28)
  uint32_t range_start = 0;  // dynamic addresses, inclusive, host order
  uint32_t range_end = 0;
  uint32_t lease_s = 3600;
  std::vector<uint32_t> dns;          // option 6 when not empty
  std::vector<DhcpStaticHost> hosts;  // fixed address per MAC (may be outside the range)
  // Clients (MACs holding a dynamic lease or offer) per ingress port: a new
  // client beyond it is not answered, so one guest cannot drain the pool by
  // making up MACs. Static hosts do not count.
  uint32_t leases_per_port = 16;
};

struct DhcpLease {
  MacKey mac = 0;
  uint32_t address = 0;  // host order
  std::string hostname;
  uint64_t expires_s = 0;  // unix seconds; 0 for static hosts
  bool is_static = false;
};

class DhcpServer {
 public:
  // How long an offered address stays reserved for the client it went to.
  static constexpr uint64_t kOfferHoldS = 60;
  // A declined address is unusable for this long, or lease_s when shorter.
  static constexpr uint64_t kDeclineHoldS = 600;

  explicit DhcpServer(DhcpConfig config);

  // Replaces the config. Dynamic leases that no longer fit (outside the new
  // range or subnet, or on a static host's address or MAC) are forgotten.
  void Configure(DhcpConfig config);

  // `frame`: an untagged Ethernet frame the gateway received from `port`
  // (the guest's port; kInvalidPort when unknown). When it is
  // DHCP (IPv4, UDP to port 67) returns true and handles it; `reply` then
  // holds the Ethernet frame to send back into the network, or is left empty
  // when none is due (RELEASE, DECLINE, a REQUEST for another server, and
  // anything that is not a well-formed BOOTREQUEST, which counts as
  // malformed). False when the frame is not DHCP at all.
  bool Handle(const uint8_t* frame, uint32_t len, PortIndex port, uint64_t now_s,
              std::vector<uint8_t>* reply);

  // The port was deleted: its clients keep their leases but no longer count
  // against the port that may reuse its slot.
  void ForgetPort(PortIndex port);

  // Forgets dynamic leases expired by now_s (and stale offers and declined
  // marks); true when a lease was forgotten.
  bool Expire(uint64_t now_s);

  // Every lease, static hosts included, sorted by address.
  std::vector<DhcpLease> Leases() const;

  // Leases saved before a restart; expired ones, static ones, and ones that
  // do not fit the config (as Configure) are skipped. They count against no
  // port until their client is heard from.
  void Restore(const std::vector<DhcpLease>& leases, uint64_t now_s);

  // Grows on every change to a lease (made, renewed, released, declined,
  // expired, restored, dropped by Configure): the owner saves leases when it
  // moves.
  uint64_t generation() const { return generation_; }

  struct Counters {
    uint64_t discovers = 0, requests = 0, releases = 0, declines = 0, informs = 0, offers = 0,
             acks = 0, naks = 0, malformed = 0, exhausted = 0;
    uint64_t spoofed = 0;       // chaddr not the frame's source MAC: unanswered
    uint64_t port_limited = 0;  // a new client beyond leases_per_port: unanswered
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Message;  // a parsed client message
  struct Binding {
    uint32_t address = 0;
    std::string hostname;
    uint64_t expires_s = 0;
  };
  struct Offer {
    uint32_t address = 0;
    uint64_t expires_s = 0;
  };
  // Who holds an address with a lease or an offer (one client at a time;
  // the same client may hold it twice, offered then leased).
  struct Holder {
    MacKey mac = 0;
    uint32_t refs = 0;
  };
  enum class Kind : uint8_t { kLease, kOffer, kDeclined };
  // A lease, offer or declined mark that ends at `at`; key: the MAC, or the
  // address for a declined mark.
  struct Deadline {
    uint64_t at = 0;
    Kind kind = Kind::kLease;
    uint64_t key = 0;
    auto operator<=>(const Deadline&) const = default;
  };

  void Discover(const Message& m, PortIndex port, uint64_t now_s, std::vector<uint8_t>* reply);
  void Request(const Message& m, PortIndex port, uint64_t now_s, std::vector<uint8_t>* reply);
  void Release(const Message& m);
  void Decline(const Message& m, uint64_t now_s);
  void Inform(const Message& m, std::vector<uint8_t>* reply);

  // Whether `address` may be this client's: its static address, or a fitting
  // one nobody else holds and not declined (unless it is already the
  // client's own lease or offer).
  bool Grantable(MacKey mac, uint32_t address, uint64_t now_s) const;
  // A static host's, or leased or offered to another client.
  bool HeldByOther(MacKey mac, uint32_t address) const;
  // In the range and the subnet, and not the server, network or broadcast.
  bool Fits(uint32_t address) const;
  // Fits, and not a static host's address or MAC's: a dynamic lease may stay.
  bool MayLease(MacKey mac, uint32_t address) const;
  const DhcpStaticHost* StaticFor(MacKey mac) const;
  uint32_t Mask() const;
  // A client new to the server (no lease, no offer) that its port has no
  // room for.
  bool OverPortLimit(MacKey mac, PortIndex port) const;
  void Lease(const Message& m, PortIndex port, uint32_t address, uint64_t now_s);
  void Send(const Message& m, uint8_t type, uint32_t yiaddr, const DhcpStaticHost* host,
            std::vector<uint8_t>* reply);

  // The only writers of leases_, offers_ and declined_: they keep holders_,
  // pool_, deadlines_ and the per-port counts in step.
  void SetLease(MacKey mac, Binding b, PortIndex port);
  void EraseLease(MacKey mac);
  void SetOffer(MacKey mac, Offer o, PortIndex port);
  void EraseOffer(MacKey mac);
  void SetDeclined(uint32_t address, uint64_t until);
  void EraseDeclined(uint32_t address);
  void Hold(MacKey mac, uint32_t address);
  void Unhold(MacKey mac, uint32_t address);
  void Attach(MacKey mac, PortIndex port);  // the client is heard from on `port`
  void DetachIfIdle(MacKey mac);            // after its lease or offer went
  // Ends what is due by now_s; true when a lease ended.
  bool EndDue(uint64_t now_s);

  DhcpConfig config_;
  std::map<MacKey, size_t> static_by_mac_;  // index into config_.hosts
  std::set<uint32_t> static_addresses_;
  std::map<MacKey, Binding> leases_;  // dynamic only; at most one per address
  std::map<MacKey, Offer> offers_;
  std::map<uint32_t, uint64_t> declined_;  // address -> unusable until
  std::map<uint32_t, Holder> holders_;     // address -> its lease's or offer's client
  AddressPool pool_;                       // fitting addresses with no holder, mark or static host
  std::set<Deadline> deadlines_;           // one per lease, offer and mark
  std::map<MacKey, PortIndex> client_port_;     // clients with a lease or offer
  std::map<PortIndex, uint32_t> port_clients_;  // their count per port
  uint64_t generation_ = 0;
  uint16_t ip_id_ = 0;
  Counters counters_;
};

}  // namespace switchyard::dp
