// sy_fuzz_seeds DIR: writes the seed corpus of every fuzz target into
// DIR/<target>/ (tests/fuzz/corpus in the tree), from the frames and
// configs the unit tests use: VXLAN and GRE frames from a remote, replies
// and ICMP errors for the NAT connections dp_world.h opens, port forwards,
// routed frames, ARP and ping; guest frames with virtio-net headers (GSO
// super-frames, partial checksums, VLANs, kernel-stripped tags); DHCP
// conversations; state.json, leases.json and vms.json as the switch and the
// agent save them, and request messages. Deterministic: running it again
// gives the same files. qmp_reader's seeds are QMP lines written by hand.
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "control/api/convert.h"
#include "datapath/core/arp.h"
#include "datapath/core/vnet_header.h"
#include "datapath/overlay/tunnel.h"
#include "kvm-host/agent/convert.h"
#include "switchyard/v1/vms.pb.h"
#include "tests/fuzz/dp_world.h"
#include "tests/unit/datapath/address_literals.h"

namespace fs = std::filesystem;
using namespace switchyard::dp;
using namespace switchyard::dp::fuzz;
using switchyard::dp::test::Cidr;
using switchyard::dp::test::Ip;
using switchyard::dp::test::Mac;
namespace ctl = switchyard::ctl;
namespace kvm = switchyard::kvm;
namespace v1 = switchyard::v1;

namespace {

std::string g_dir;

void Write(const std::string& target, const std::string& name, const Bytes& bytes) {
  const fs::path dir = fs::path(g_dir) / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

Bytes Concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ---- uplink_ingress: [split and well-behaved bit, 2 bytes LE][frame] ----

// Every seed's checksums are right: marked well-behaved (bit 15).
Bytes Split(uint16_t at, const Bytes& frame) {
  const uint16_t word = static_cast<uint16_t>(at | 0x8000);
  return Concat(Bytes{static_cast<uint8_t>(word), static_cast<uint8_t>(word >> 8)}, frame);
}

Bytes Encapsulated(TunnelType type, uint32_t id, uint32_t remote, const Bytes& inner) {
  TestPool pool;
  rte_mbuf* m = pool.MakeRaw(inner);
  OuterHeaders o;
  o.src_mac = type == TunnelType::kVxlan ? kOutsideMac : kUpGwMac;
  o.dst_mac = kUplinkMac;
  o.src_ip = remote;
  o.dst_ip = kUplinkIp;
  o.udp_src_port = 50000;
  // MakeRaw leaves the headroom Encapsulate needs.
  if (!Encapsulate(m, type, id, o)) {
    std::fprintf(stderr, "sy_fuzz_seeds: cannot encapsulate\n");
    std::exit(1);
  }
  Bytes out = TestPool::Bytes(m);
  TestPool::Release(m);
  return out;
}

Bytes FromOutside(uint32_t dst, uint8_t proto, Bytes l4, uint8_t ttl = 64) {
  return Eth(kUplinkMac, kOutsideMac, 0x0800, Datagram(kOutsideIp, dst, proto, std::move(l4), ttl));
}

void UplinkSeeds() {
  const std::string t = "uplink_ingress";
  const Bytes to_d =
      Eth(kMacD, kRemoteMac, 0x0800, Datagram(0x0a010002, 0x0a010001, 17, Udp(1000, 2000, 40)));
  const Bytes vxlan = Encapsulated(TunnelType::kVxlan, kVni, kVxlanRemote, to_d);
  Write(t, "vxlan_unicast", Split(0, vxlan));
  Write(t, "vxlan_split_in_header", Split(40, vxlan));
  Write(t, "vxlan_broadcast",
        Split(0, Encapsulated(TunnelType::kVxlan, kVni, kVxlanRemote,
                              Eth(kBroadcastMac, kRemoteMac, 0x0806, Bytes(28, 1)))));
  const Bytes to_e =
      Eth(kMacE, kRemoteMac, 0x0800, Datagram(0x0a020002, 0x0a020001, 6, Tcp(1000, 22, 0x18, 30)));
  const Bytes gre = Encapsulated(TunnelType::kGre, kGreKey, kGreRemote, to_e);
  Write(t, "gre_unicast", Split(0, gre));
  Write(t, "gre_split_in_inner", Split(50, gre));

  // Replies to the connections the world opened (TCP, UDP, ICMP echo).
  World w;
  const Bytes& tcp = w.opened.at(0);
  const Bytes& udp = w.opened.at(1);
  const Bytes& icmp = w.opened.at(2);
  const uint16_t tcp_port = Get16(&tcp[34]);
  const uint16_t udp_port = Get16(&udp[34]);
  const uint16_t echo_id = Get16(&icmp[38]);
  Write(t, "nat_tcp_synack", Split(0, FromOutside(kUplinkIp, 6, Tcp(80, tcp_port, 0x12))));
  Write(t, "nat_tcp_synack_split", Split(30, FromOutside(kUplinkIp, 6, Tcp(80, tcp_port, 0x12))));
  Write(t, "nat_udp_reply", Split(0, FromOutside(kUplinkIp, 17, Udp(53, udp_port, 30))));
  Write(t, "nat_echo_reply",
        Split(0, FromOutside(kUplinkIp, 1,
                             Icmp(0, 0, static_cast<uint32_t>(echo_id) << 16 | 1,
                                  Bytes{'p', 'i', 'n', 'g'}))));
  // Port unreachable about the NATed UDP datagram: its IP header and 8 bytes.
  const Bytes quoted(udp.begin() + 14, udp.begin() + 14 + 28);
  Write(t, "icmp_error_port_unreachable",
        Split(0, FromOutside(kUplinkIp, 1, Icmp(3, 3, 0, quoted))));
  const Bytes quoted_tcp(tcp.begin() + 14, tcp.begin() + 14 + 28);
  Write(t, "icmp_error_frag_needed",
        Split(0, FromOutside(kUplinkIp, 1, Icmp(3, 4, 1400, quoted_tcp))));
  Write(t, "forward_udp_5353", Split(0, FromOutside(kUplinkIp, 17, Udp(40500, 5353, 20))));
  Write(t, "forward_tcp_8080", Split(0, FromOutside(kUplinkIp, 6, Tcp(40600, 8080, 0x02))));
  Write(t, "routed_in_tcp", Split(0, FromOutside(kGuestCIp, 6, Tcp(40700, 22, 0x02))));
  Write(t, "routed_in_ttl1", Split(0, FromOutside(kGuestCIp, 17, Udp(40800, 53), 1)));
  Write(t, "ping_uplink",
        Split(0, FromOutside(kUplinkIp, 1, Icmp(8, 0, 0x12340001, Bytes(16, 0x5a)))));
  uint8_t arp[kMinFrameLen];
  const uint32_t n = WriteArp(arp, kBroadcastMac,
                              ArpMessage{ArpOp::kRequest, kOutsideMac, kOutsideIp, 0, kUplinkIp});
  Write(t, "arp_request", Split(0, Bytes(arp, arp + n)));
}

// ---- guest_ingress: [virtio-net header][choices][tag?][frame] ----

constexpr uint8_t kWellBehaved = 0x10;
constexpr uint8_t kKernelTag = 0x08;
enum Ingress : uint8_t { kA, kB, kAccess, kTrunkT, kTrunkU, kC, kD, kE };

Bytes Guest(const VnetHeader& h, uint8_t choices, const Bytes& frame, uint16_t tci = 0) {
  Bytes b(sizeof(h));
  std::memcpy(b.data(), &h, sizeof(h));
  b.push_back(choices);
  if ((choices & kKernelTag) != 0) {
    Put16(b, tci);
  }
  return Concat(b, frame);
}

VnetHeader Plain() { return VnetHeader{0, kVnetGsoNone, 0, 0, 0, 0}; }
VnetHeader PartialCsum(uint16_t start, uint16_t offset) {
  return VnetHeader{kVnetNeedsCsum, kVnetGsoNone, 0, 0, start, offset};
}
VnetHeader Gso(bool ipv6, uint16_t l3, uint16_t mss) {
  const uint16_t l4 = static_cast<uint16_t>(l3 + (ipv6 ? 40 : 20));
  return VnetHeader{kVnetNeedsCsum,
                    ipv6 ? kVnetGsoTcpV6 : kVnetGsoTcpV4,
                    static_cast<uint16_t>(l4 + 20),
                    mss,
                    l4,
                    16};
}

Bytes ToGateway(MacKey gw, MacKey src, uint32_t from, uint32_t to, uint8_t proto, Bytes l4) {
  return Eth(gw, src, 0x0800, Datagram(from, to, proto, std::move(l4)));
}

void GuestSeeds() {
  const std::string t = "guest_ingress";
  using testing::TcpFrame;
  const uint8_t wb = kWellBehaved;
  Write(t, "a_to_b_tcp", Guest(Plain(), kA | wb, TcpFrame(kMacB, kMacA, false, 100)));
  Write(t, "a_gso_v4_flood",
        Guest(Gso(false, 14, 1448), kA | wb, TcpFrame(kBroadcastMac, kMacA, false, 4000)));
  Write(t, "a_gso_v6_flood",
        Guest(Gso(true, 14, 1428), kA | wb, TcpFrame(kBroadcastMac, kMacA, true, 3000)));
  Write(t, "b_gso_v4_to_a",
        Guest(Gso(false, 14, 1000), kB | wb, TcpFrame(kMacA, kMacB, false, 2500)));
  Write(t, "a_partial_csum_tcp",
        Guest(PartialCsum(34, 16), kA | wb, TcpFrame(kMacB, kMacA, false, 300)));
  Write(
      t, "a_partial_csum_udp",
      Guest(PartialCsum(34, 6), kA | wb,
            Eth(kMacB, kMacA, 0x0800, Datagram(0x0a000001, 0x0a000002, 17, Udp(5000, 6000, 90)))));
  Write(t, "a_nat_tcp_syn",
        Guest(Plain(), kA | wb,
              ToGateway(kNatGwMac, kMacA, kGuestAIp, kOutsideIp, 6, Tcp(41000, 443, 0x02))));
  Write(t, "a_nat_udp",
        Guest(Plain(), kA | wb,
              ToGateway(kNatGwMac, kMacA, kGuestAIp, kOutsideIp, 17, Udp(41001, 123, 48))));
  Write(t, "a_nat_echo",
        Guest(Plain(), kA | wb,
              ToGateway(kNatGwMac, kMacA, kGuestAIp, 0x08080808, 1,
                        Icmp(8, 0, 0x00420001, Bytes(32, 0x61)))));
  // A super-frame on the connection guest A opened, cut after NAT.
  Bytes nat_gso_frame =
      Eth(kNatGwMac, kMacA, 0x0800, Datagram(kGuestAIp, kOutsideIp, 6, Tcp(40000, 80, 0x18, 3000)));
  Write(t, "a_nat_gso", Guest(Gso(false, 14, 1448), kA | wb, nat_gso_frame));
  Write(t, "access10_broadcast",
        Guest(Plain(), kAccess | wb, TcpFrame(kBroadcastMac, 0x020000000101, false, 60)));
  Write(
      t, "trunk_tagged_vlan10_broadcast",
      Guest(Plain(), kTrunkT | wb, TcpFrame(kBroadcastMac, 0x020000000102, false, 60, 0x18, true)));
  Write(t, "trunk_tagged_kernel_tag",
        Guest(Plain(), kTrunkT | wb | kKernelTag,
              TcpFrame(kBroadcastMac, 0x020000000103, false, 80), 0x200a));
  Write(t, "trunk_untagged_native_gso",
        Guest(Gso(false, 14, 1448), kTrunkU | wb,
              TcpFrame(kBroadcastMac, 0x020000000104, false, 3500)));
  Write(t, "trunk_tagged_gso_kernel_tag",
        Guest(Gso(false, 14, 1448), kTrunkT | wb | kKernelTag,
              TcpFrame(kBroadcastMac, 0x020000000105, false, 3500), 0x000c));
  Write(t, "c_routed_out",
        Guest(Plain(), kC | wb,
              ToGateway(kRoutedGwMac, kMacC, kGuestCIp, kOutsideIp, 17, Udp(42000, 53, 30))));
  Write(t, "c_routed_gso",
        Guest(Gso(false, 14, 1448), kC | wb,
              Eth(kRoutedGwMac, kMacC, 0x0800,
                  Datagram(kGuestCIp, kOutsideIp, 6, Tcp(42001, 5201, 0x18, 4000)))));
  Write(t, "d_vxlan_unicast", Guest(Plain(), kD | wb, TcpFrame(kRemoteMac, kMacD, false, 200)));
  Write(t, "d_vxlan_flood", Guest(Plain(), kD | wb, TcpFrame(kBroadcastMac, kMacD, false, 200)));
  Write(t, "d_vxlan_gso",
        Guest(Gso(false, 14, 1400), kD | wb, TcpFrame(kRemoteMac, kMacD, false, 3000)));
  Write(t, "e_gre_unicast", Guest(Plain(), kE | wb, TcpFrame(kRemoteMac, kMacE, true, 200)));
  Write(t, "e_gre_gso_v6",
        Guest(Gso(true, 14, 1400), kE | wb, TcpFrame(kRemoteMac, kMacE, true, 3000)));
}

// ---- dhcp_host_stack: records [what][time step][length, 2 bytes][frame] ----

constexpr MacKey kDhcpServerMac = 0x02000000aa01;
constexpr uint32_t kDhcpServer = 0x0a000001;
constexpr uint32_t kRangeStart = 0x0a000064;

Bytes Record(uint8_t what, uint8_t step, const Bytes& frame) {
  Bytes b{what, step};
  Put16(b, static_cast<uint32_t>(frame.size()));
  return Concat(b, frame);
}

// A BOOTREQUEST as dhclient sends it, in Ethernet + IPv4 + UDP 68 -> 67.
Bytes Dhcp(uint8_t type, MacKey mac, uint32_t requested = 0, uint32_t server_id = 0,
           uint32_t ciaddr = 0, const std::string& hostname = "") {
  Bytes b(240, 0);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  b[4] = 0x12;
  b[5] = 0x34;
  b[6] = static_cast<uint8_t>(mac);
  b[7] = 0xcd;
  Bytes ci;
  Put32(ci, ciaddr);
  std::copy(ci.begin(), ci.end(), b.begin() + 12);
  for (int i = 0; i < 6; ++i) {
    b[28 + i] = static_cast<uint8_t>(mac >> (40 - 8 * i));
  }
  b[236] = 0x63;
  b[237] = 0x82;
  b[238] = 0x53;
  b[239] = 0x63;
  b.insert(b.end(), {53, 1, type});
  if (requested != 0) {
    b.insert(b.end(), {50, 4});
    Put32(b, requested);
  }
  if (server_id != 0) {
    b.insert(b.end(), {54, 4});
    Put32(b, server_id);
  }
  if (!hostname.empty()) {
    b.push_back(12);
    b.push_back(static_cast<uint8_t>(hostname.size()));
    b.insert(b.end(), hostname.begin(), hostname.end());
  }
  b.insert(b.end(), {55, 3, 1, 3, 6});
  b.push_back(255);
  const uint32_t src = ciaddr;
  const uint32_t dst = ciaddr != 0 ? kDhcpServer : 0xffffffff;
  return Eth(ciaddr != 0 ? kDhcpServerMac : kBroadcastMac, mac, 0x0800,
             Datagram(src, dst, 17, Concat(Bytes{0, 68, 0, 67, 0, 0, 0, 0}, b)));
}

Bytes Arp(ArpOp op, MacKey eth_dst, MacKey sender, uint32_t sender_ip, uint32_t target_ip) {
  uint8_t frame[kMinFrameLen];
  const uint32_t n = WriteArp(frame, eth_dst, ArpMessage{op, sender, sender_ip, 0, target_ip});
  return Bytes(frame, frame + n);
}

void DhcpSeeds() {
  const std::string t = "dhcp_host_stack";
  // Udp() gives a length of 8 + payload; Dhcp() writes its own UDP header,
  // so fix the UDP length: Datagram() sums what it is given.
  const MacKey a = 0x525400000001;
  const MacKey b = 0x525400000002;
  const uint32_t first = kRangeStart + 1;  // the range's first address is a static host's
  auto fix_udp_len = [](Bytes f) {
    const size_t udp = 14 + 20;
    const uint16_t len = static_cast<uint16_t>(f.size() - udp);
    f[udp + 4] = static_cast<uint8_t>(len >> 8);
    f[udp + 5] = static_cast<uint8_t>(len);
    // Checksum again over the right length.
    f[udp + 6] = f[udp + 7] = 0;
    uint16_t s = static_cast<uint16_t>(~Sum(&f[udp], len, PseudoHeader4(&f[14], 17, len)));
    f[udp + 6] = static_cast<uint8_t>(s >> 8);
    f[udp + 7] = static_cast<uint8_t>(s);
    return f;
  };
  auto dhcp = [&](uint8_t type, MacKey mac, uint32_t req = 0, uint32_t sid = 0, uint32_t ci = 0,
                  const std::string& name = "") {
    return fix_udp_len(Dhcp(type, mac, req, sid, ci, name));
  };
  Write(t, "dora",
        Concat(Concat(Record(0, 1, dhcp(1, a, 0, 0, 0, "vm-a")),
                      Record(0, 1, dhcp(3, a, first, kDhcpServer, 0, "vm-a"))),
               Record(3, 4, {})));
  Write(
      t, "two_clients_release_renew",
      Concat(
          Concat(Concat(Record(0, 1, dhcp(1, a)), Record(0, 1, dhcp(3, a, first, kDhcpServer))),
                 Concat(Record(0, 1, dhcp(1, b)), Record(0, 1, dhcp(7, a, 0, kDhcpServer, first)))),
          Concat(Record(0, 200, dhcp(3, b, 0, 0, first + 1)), Record(3, 255, {}))));
  Write(t, "decline_inform",
        Concat(Concat(Record(0, 1, dhcp(1, a)), Record(0, 1, dhcp(4, a, first, kDhcpServer))),
               Record(0, 1, dhcp(8, b, 0, 0, first + 3))));
  Write(t, "static_host", Record(0, 1, dhcp(1, 0x02000000ee01, 0, 0, 0, "printer")));
  Write(
      t, "arp_and_ping",
      Concat(Concat(Record(1, 1,
                           Arp(ArpOp::kRequest, kBroadcastMac, kOutsideMac, kOutsideIp, kUplinkIp)),
                    Record(0, 1, Arp(ArpOp::kRequest, kBroadcastMac, a, first, kDhcpServer))),
             Record(1, 1, FromOutside(kUplinkIp, 1, Icmp(8, 0, 0x00010001, Bytes(8, 1))))));
  const Bytes routed = Eth(0, kNatGwMac, 0x0800, Datagram(kUplinkIp, 0x0a630005, 17, Udp(1, 2)));
  Write(t, "resolve_then_reply",
        Concat(Concat(Record(2, 1, routed), Record(2, 1, routed)),
               Concat(Record(3, 4, {}), Record(1, 1,
                                               Arp(ArpOp::kReply, kUplinkMac, 0x02bb00000005,
                                                   0x0a630005, kUplinkIp)))));
  Bytes exhaust;
  for (uint8_t i = 0; i < 10; ++i) {
    exhaust = Concat(exhaust, Record(0, 1, dhcp(1, 0x525400000100 + i)));
    exhaust = Concat(exhaust, Record(0, 0, dhcp(3, 0x525400000100 + i, first + i, kDhcpServer)));
  }
  Write(t, "exhaust_range", exhaust);
}

// ---- config_loaders: [what][text or message bytes] ----

std::string Json(const google::protobuf::Message& msg) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(msg, &json, options);
  return json;
}

Bytes With(uint8_t what, const std::string& rest) {
  Bytes b{what};
  b.insert(b.end(), rest.begin(), rest.end());
  return b;
}

void ConfigSeeds() {
  const std::string t = "config_loaders";
  ctl::DesiredState d;
  NetworkSpec lan;
  lan.name = "lan0";
  lan.mode = NetworkMode::kNat;
  lan.gateway = Cidr("192.168.50.1/24");
  lan.uplink = "up0";
  lan.dhcp.range_start = Ip("192.168.50.100");
  lan.dhcp.range_end = Ip("192.168.50.199");
  lan.dhcp.dns = {Ip("192.168.50.1")};
  lan.dhcp.hosts = {DhcpHost{Mac("52:54:00:00:00:01"), Ip("192.168.50.10"), "web"}};
  lan.forwards = {PortForward{ForwardProto::kTcp, 8080, Ip("192.168.50.10"), 80}};
  d.networks.push_back(lan);
  NetworkSpec ovl;
  ovl.name = "ovl0";
  ovl.tunnel =
      TunnelSpec{TunnelKind::kVxlan, 42, "up0", {Ip("10.99.0.20"), Ip("10.99.0.21")}, 4789};
  d.networks.push_back(ovl);
  NetworkSpec routed;
  routed.name = "r0";
  routed.mode = NetworkMode::kRouted;
  routed.gateway = Cidr("192.168.60.1/24");
  routed.uplink = "up0";
  d.networks.push_back(routed);
  PortSpec vm{.name = "vm1",
              .network = "lan0",
              .kind = PortKind::kVhostServer,
              .socket_path = "/run/sy/vm1.sock"};
  vm.vlan.mode = VlanMode::kTrunk;
  vm.vlan.trunks = {VlanRange{10, 20}};
  vm.vlan.native = 10;
  d.ports.push_back(vm);
  PortSpec up{.name = "up0", .network = "", .kind = PortKind::kKernel, .netdev = "eth1"};
  up.underlay = UnderlaySpec{Cidr("10.99.0.1/24"), Ip("10.99.0.254")};
  d.ports.push_back(up);
  d.ports.push_back({.name = "tap0",
                     .network = "lan0",
                     .kind = PortKind::kTap,
                     .netdev = "tap0",
                     .tap_owner_uid = 64055,
                     .mtu = 9000,
                     .tap_multi_queue = true});
  d.static_macs.push_back({"lan0", 0x020000000001, "vm1", 0});
  Write(t, "state_json", With(0, Json(ctl::StateToProto(d))));

  switchyard::store::Leases leases;
  leases.set_version(1);
  *leases.add_leases() = ctl::LeaseToProto(
      LeaseReport{"lan0", 0x525400000001, Ip("192.168.50.101"), "vm-a", 1700003600, false});
  *leases.add_leases() =
      ctl::LeaseToProto(LeaseReport{"lan0", 0x525400000002, Ip("192.168.50.10"), "web", 0, true});
  Write(t, "leases_json", With(1, Json(leases)));

  switchyard::store::Warm warm;
  warm.set_version(1);
  warm.set_saved_unix_seconds(1700003600);
  *warm.add_fdb() = ctl::FdbRowToProto("lan0", FdbRow{"vm1", 0x525400000001, 10, false, 42});
  *warm.add_fdb() =
      ctl::FdbRowToProto("ovl0", FdbRow{"vxlan-10.99.0.20", 0x525400000009, 0, false, 7});
  Write(t, "warm_json", With(10, Json(warm)));

  kvm::VmConfig config;
  config.name = "web";
  config.vcpus = 2;
  config.memory_mib = 512;
  config.disks = {kvm::DiskConfig{"/var/lib/sy/web.qcow2", 1 << 30, "qcow2", false}};
  config.kernel = "/boot/vmlinuz";
  config.cmdline = "console=ttyS0";
  config.boot_order = {"disk", "network"};
  config.nics = {kvm::NicConfig{"lan0", kvm::NicKind::kVhostUser, "", 0},
                 kvm::NicConfig{"ovl0", kvm::NicKind::kTap, "52:54:00:12:34:56", 10}};
  config.autostart = true;
  kvm::Normalize(&config);
  v1::ListVmsResponse vms;
  *vms.add_vms()->mutable_spec() = kvm::ToProto(config);
  Write(t, "vms_json", With(2, Json(vms)));

  v1::CreateNetworkRequest create_net;
  *create_net.mutable_network() = ctl::NetworkToProto(lan);
  Write(t, "create_network", With(3, create_net.SerializeAsString()));
  v1::CreateNetworkRequest create_ovl;
  *create_ovl.mutable_network() = ctl::NetworkToProto(ovl);
  Write(t, "create_network_vxlan", With(3, create_ovl.SerializeAsString()));
  v1::UpdateNetworkRequest update_net;
  update_net.set_name("lan0");
  *update_net.mutable_dhcp() = create_net.network().dhcp();
  *update_net.mutable_tunnel() = create_ovl.network().tunnel();
  update_net.mutable_forwards()->add_forwards()->set_outside_port(5353);
  Write(t, "update_network", With(4, update_net.SerializeAsString()));
  v1::CreatePortRequest create_port;
  *create_port.mutable_port() = ctl::PortToProto(vm);
  Write(t, "create_port", With(5, create_port.SerializeAsString()));
  v1::CreatePortRequest create_up;
  *create_up.mutable_port() = ctl::PortToProto(up);
  Write(t, "create_port_uplink", With(5, create_up.SerializeAsString()));
  v1::UpdatePortRequest update_port;
  update_port.set_name("vm1");
  *update_port.mutable_vlan() = create_port.port().vlan();
  *update_port.mutable_underlay() = create_up.port().underlay();
  Write(t, "update_port", With(6, update_port.SerializeAsString()));
  v1::AddStaticMacRequest mac;
  mac.set_network("lan0");
  mac.set_mac("02:00:00:00:00:01");
  mac.set_port("vm1");
  Write(t, "add_static_mac", With(7, mac.SerializeAsString()));
  v1::DefineVmRequest define;
  *define.mutable_spec() = kvm::ToProto(config);
  Write(t, "define_vm", With(8, define.SerializeAsString()));
  v1::ApplyConfigRequest apply;
  *apply.mutable_state() = ctl::DesiredStateToProto(d);
  apply.set_expected_revision(3);
  Write(t, "apply_config", With(9, apply.SerializeAsString()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sy_fuzz_seeds DIR (tests/fuzz/corpus)\n");
    return 2;
  }
  g_dir = argv[1];
  UplinkSeeds();
  GuestSeeds();
  DhcpSeeds();
  ConfigSeeds();
  return 0;
}
