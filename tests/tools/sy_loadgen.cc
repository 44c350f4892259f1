// sy_loadgen: open-loop two-port load generator for switch benchmarks.
//
//   sy_loadgen --sock0 PATH --sock1 PATH --prefix NAME --seconds S
//              [--vlan1 VID | --vxlan1 VNI | --nat GW_MAC [--flows N]]
//              [--lcore N]
//
// Two net_virtio_user ports connect as vhost-user clients to a switch's
// sockets. One lcore loops over both ports: receive a burst (count, free),
// then send a burst of 64-byte frames built from a template. Port p sends
// from 02:00:00:00:00:0(p+1) and 10.0.0.(p+1) to the other port's MAC and
// address, so a learning switch sees stable unicast. With --vlan1 the
// frames port 1 sends carry an 802.1Q tag of that VLAN (68 bytes): a switch
// with an access port facing port 0 and a trunk facing port 1 then pushes a
// tag one way and pops one the other.
// With --vxlan1 port 1 plays a remote VXLAN endpoint, 10.77.0.2, facing a
// switch uplink at 10.77.0.1: it sends its frames encapsulated in that VNI
// (114 bytes) and answers ARP for 10.77.0.2, so the switch encapsulates one
// way and decapsulates the other.
// With --nat port 0 plays a guest, 192.168.0.10, behind a NAT gateway of
// MAC GW_MAC, sending UDP to the outside host 10.99.0.2 that port 1 plays:
// port 1 answers ARP for 10.99.0.2 and sends back every datagram it gets,
// addresses and ports swapped, so the switch translates each frame once
// out and once back. Port 0 cycles over N flows (--flows, default 1024:
// established connections after the first round), or with --flows 0 makes
// every frame a new connection (source and destination ports count up
// together, 3.6e9 of them before one repeats).
//
// Open loop: the generator offers as much as its core can, so the received
// rate is the switch's forwarding rate under overload (no zero-loss search).
// Sending starts once both links are up. Every second it prints
//   t=SECONDS rx0=PPS rx1=PPS tx0=PPS tx1=PPS
// where rx0 counts frames that crossed the switch from port 1 to port 0.
// Exit codes: 0 done, 1 EAL or port failure, 2 bad arguments.
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace switchyard::tools {
namespace {

constexpr uint16_t kBurst = 32;
constexpr uint16_t kRingSize = 1024;
constexpr unsigned kPoolSize = 16384;
constexpr uint32_t kFrame = 64;
constexpr int kPorts = 2;

volatile sig_atomic_t g_stop = 0;

struct Options {
  std::string sock[kPorts];
  std::string prefix;
  int seconds = 0;
  uint16_t vlan1 = 0;
  uint32_t vxlan1 = 0;
  bool nat = false;
  uint8_t gw_mac[6] = {};
  uint64_t flows = 1024;  // 0: every frame a new flow
  int lcore = 0;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "sy_loadgen: %s\nusage: sy_loadgen --sock0 PATH --sock1 PATH --prefix NAME "
               "--seconds S [--vlan1 VID | --vxlan1 VNI | --nat GW_MAC [--flows N]] [--lcore N]\n",
               why);
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) {
      Usage("every option takes a value");
    }
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--sock0") {
      o.sock[0] = value;
    } else if (key == "--sock1") {
      o.sock[1] = value;
    } else if (key == "--prefix") {
      o.prefix = value;
    } else if (key == "--seconds") {
      o.seconds = std::atoi(value);
    } else if (key == "--vlan1") {
      const int vid = std::atoi(value);
      if (vid < 1 || vid > 4094) {
        Usage("--vlan1 must be 1..4094");
      }
      o.vlan1 = static_cast<uint16_t>(vid);
    } else if (key == "--vxlan1") {
      const long vni = std::atol(value);
      if (vni < 1 || vni > 0xffffff) {
        Usage("--vxlan1 must be 1..16777215");
      }
      o.vxlan1 = static_cast<uint32_t>(vni);
    } else if (key == "--nat") {
      unsigned b[6];
      if (std::sscanf(value, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
        Usage("--nat takes the gateway's MAC, aa:bb:cc:dd:ee:ff");
      }
      for (int k = 0; k < 6; ++k) {
        o.gw_mac[k] = static_cast<uint8_t>(b[k]);
      }
      o.nat = true;
    } else if (key == "--flows") {
      const long n = std::strtol(value, nullptr, 10);
      if (n < 0 || n > 60000) {
        Usage("--flows must be 0..60000");
      }
      o.flows = static_cast<uint64_t>(n);
    } else if (key == "--lcore") {
      o.lcore = std::atoi(value);
    } else {
      Usage(("unknown option " + key).c_str());
    }
  }
  if ((o.vlan1 != 0) + (o.vxlan1 != 0) + o.nat > 1) {
    Usage("--vlan1, --vxlan1 and --nat exclude each other");
  }
  if (o.sock[0].empty() || o.sock[1].empty() || o.prefix.empty() || o.seconds <= 0) {
    Usage("--sock0, --sock1, --prefix and --seconds are required");
  }
  return o;
}

[[noreturn]] void Fatal(const std::string& what) {
  std::fprintf(stderr, "sy_loadgen: %s\n", what.c_str());
  rte_eal_cleanup();
  std::exit(1);
}

rte_ether_addr PortMac(int port) {
  return rte_ether_addr{{0x02, 0, 0, 0, 0, static_cast<uint8_t>(port + 1)}};
}

// An IPv4/UDP frame from `port` to the other port, tagged when `vid` != 0.
std::vector<uint8_t> Template(int port, uint16_t vid) {
  std::vector<uint8_t> f(kFrame + (vid != 0 ? 4 : 0), 0);
  const rte_ether_addr dst = PortMac(1 - port);
  const rte_ether_addr src = PortMac(port);
  std::memcpy(f.data(), dst.addr_bytes, 6);
  std::memcpy(f.data() + 6, src.addr_bytes, 6);
  size_t off = 12;
  if (vid != 0) {
    f[off] = 0x81;
    f[off + 2] = static_cast<uint8_t>(vid >> 8);
    f[off + 3] = static_cast<uint8_t>(vid);
    off += 4;
  }
  f[off] = 0x08;  // IPv4 from 10.0.0.(port+1) to the other port's
  f[off + 2] = 0x45;
  f[off + 2 + 12] = f[off + 2 + 16] = 10;
  f[off + 2 + 15] = static_cast<uint8_t>(port + 1);
  f[off + 2 + 19] = static_cast<uint8_t>(2 - port);
  return f;
}

constexpr uint8_t kRemoteIp[4] = {10, 77, 0, 2};
constexpr uint8_t kSwitchIp[4] = {10, 77, 0, 1};

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// The header checksum of the 20-byte IPv4 header at `ip`.
void SetIpChecksum(uint8_t* ip) {
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) {
    sum += static_cast<uint32_t>(ip[i] << 8 | ip[i + 1]);
  }
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  Put16(ip + 10, static_cast<uint16_t>(~sum));
}

// `inner` as the remote endpoint sends it to the switch in VNI `vni`.
std::vector<uint8_t> VxlanTemplate(const std::vector<uint8_t>& inner, uint32_t vni) {
  std::vector<uint8_t> f(50 + inner.size(), 0);
  std::memset(f.data(), 0xff, 6);  // the switch takes any outer destination MAC
  const rte_ether_addr src = PortMac(1);
  std::memcpy(f.data() + 6, src.addr_bytes, 6);
  Put16(f.data() + 12, 0x0800);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  Put16(ip + 2, static_cast<uint16_t>(f.size() - 14));
  Put16(ip + 6, 0x4000);
  ip[8] = 64;
  ip[9] = 17;
  std::memcpy(ip + 12, kRemoteIp, 4);
  std::memcpy(ip + 16, kSwitchIp, 4);
  SetIpChecksum(ip);
  uint8_t* udp = ip + 20;
  Put16(udp, 50000);
  Put16(udp + 2, 4789);
  Put16(udp + 4, static_cast<uint16_t>(16 + inner.size()));
  udp[8] = 0x08;  // VNI present
  udp[12] = static_cast<uint8_t>(vni >> 16);
  udp[13] = static_cast<uint8_t>(vni >> 8);
  udp[14] = static_cast<uint8_t>(vni);
  std::memcpy(udp + 16, inner.data(), inner.size());
  return f;
}

constexpr uint8_t kGuestIp[4] = {192, 168, 0, 10};
constexpr uint8_t kOutsideIp[4] = {10, 99, 0, 2};

// A UDP datagram from the NAT guest to the outside host; ports per frame.
std::vector<uint8_t> NatTemplate(const uint8_t* gw_mac) {
  std::vector<uint8_t> f(kFrame, 0);
  const rte_ether_addr src = PortMac(0);
  std::memcpy(f.data(), gw_mac, 6);
  std::memcpy(f.data() + 6, src.addr_bytes, 6);
  Put16(f.data() + 12, 0x0800);
  uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  Put16(ip + 2, static_cast<uint16_t>(kFrame - 14));
  ip[8] = 64;
  ip[9] = 17;
  std::memcpy(ip + 12, kGuestIp, 4);
  std::memcpy(ip + 16, kOutsideIp, 4);
  SetIpChecksum(ip);
  Put16(ip + 24, static_cast<uint16_t>(kFrame - 34));  // UDP length; checksum 0: none
  return f;
}

// Flow `i`'s ports: distinct for 3.6e9 flows, and never below 1024.
void SetNatPorts(uint8_t* frame, uint64_t i) {
  Put16(frame + 34, static_cast<uint16_t>(1024 + i % 60000));
  Put16(frame + 36, static_cast<uint16_t>(1024 + (i / 60000) % 60000));
}

// The outside host answers a datagram for it: addresses and ports swapped
// (the IP checksum stays right), sent back to whoever sent it. False for
// anything else.
bool Reflect(rte_mbuf* m) {
  auto* f = rte_pktmbuf_mtod(m, uint8_t*);
  if (m->data_len < 42 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 17 ||
      std::memcmp(f + 30, kOutsideIp, 4) != 0) {
    return false;
  }
  uint8_t t[6];
  std::memcpy(f, f + 6, 6);
  const rte_ether_addr mine = PortMac(1);
  std::memcpy(f + 6, mine.addr_bytes, 6);
  std::memcpy(t, f + 26, 4);
  std::memcpy(f + 26, f + 30, 4);
  std::memcpy(f + 30, t, 4);
  std::memcpy(t, f + 34, 2);
  std::memcpy(f + 34, f + 36, 2);
  std::memcpy(f + 36, t, 2);
  return true;
}

// An ARP reply from `ip` (port 1's address) when `m` asks for it, else nullptr.
rte_mbuf* ArpReply(const rte_mbuf* m, rte_mempool* pool, const uint8_t* ip) {
  const auto* q = rte_pktmbuf_mtod(m, const uint8_t*);
  if (m->data_len < 42 || q[12] != 0x08 || q[13] != 0x06 || q[21] != 1 ||
      std::memcmp(q + 38, ip, 4) != 0) {
    return nullptr;
  }
  rte_mbuf* r = rte_pktmbuf_alloc(pool);
  if (r == nullptr) {
    return nullptr;
  }
  auto* a = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(r, 60));
  std::memset(a, 0, 60);
  const rte_ether_addr mine = PortMac(1);
  std::memcpy(a, q + 6, 6);
  std::memcpy(a + 6, mine.addr_bytes, 6);
  std::memcpy(a + 12, q + 12, 8);  // ARP, Ethernet/IPv4 sizes
  a[21] = 2;                       // reply
  std::memcpy(a + 22, mine.addr_bytes, 6);
  std::memcpy(a + 28, ip, 4);
  std::memcpy(a + 32, q + 22, 10);  // the asker's MAC and IP
  return r;
}

void StartPort(uint16_t port, rte_mempool* pool) {
  rte_eth_conf conf{};
  if (int rc = rte_eth_dev_configure(port, 1, 1, &conf); rc < 0) {
    Fatal(std::string("rte_eth_dev_configure: ") + rte_strerror(-rc));
  }
  const int socket = rte_eth_dev_socket_id(port);
  const unsigned queue_socket = socket < 0 ? 0 : static_cast<unsigned>(socket);
  if (int rc = rte_eth_rx_queue_setup(port, 0, kRingSize, queue_socket, nullptr, pool); rc < 0) {
    Fatal(std::string("rte_eth_rx_queue_setup: ") + rte_strerror(-rc));
  }
  if (int rc = rte_eth_tx_queue_setup(port, 0, kRingSize, queue_socket, nullptr); rc < 0) {
    Fatal(std::string("rte_eth_tx_queue_setup: ") + rte_strerror(-rc));
  }
  if (int rc = rte_eth_dev_start(port); rc < 0) {
    Fatal(std::string("rte_eth_dev_start: ") + rte_strerror(-rc));
  }
}

bool LinkUp(uint16_t port) {
  rte_eth_link link{};
  return rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

int Main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  std::vector<std::string> eal = {"sy_loadgen",
                                  "--no-huge",
                                  "-m",
                                  "512",
                                  "--no-pci",
                                  "--single-file-segments",
                                  "--file-prefix=" + o.prefix,
                                  "-l",
                                  std::to_string(o.lcore),
                                  "--log-level=*:error"};
  for (int p = 0; p < kPorts; ++p) {
    eal.push_back("--vdev=net_virtio_user" + std::to_string(p) + ",path=" + o.sock[p] +
                  ",queues=1,queue_size=" + std::to_string(kRingSize));
  }
  std::vector<char*> eal_argv;
  for (auto& a : eal) {
    eal_argv.push_back(a.data());
  }
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    std::fprintf(stderr, "sy_loadgen: EAL init: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  rte_mempool* pool =
      rte_pktmbuf_pool_create("sy_loadgen", kPoolSize, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  if (pool == nullptr) {
    Fatal(std::string("mbuf pool: ") + rte_strerror(rte_errno));
  }
  for (uint16_t p = 0; p < kPorts; ++p) {
    StartPort(p, pool);
  }
  const std::vector<uint8_t> tmpl[kPorts] = {
      o.nat ? NatTemplate(o.gw_mac) : Template(0, 0),
      o.vxlan1 != 0 ? VxlanTemplate(Template(1, 0), o.vxlan1) : Template(1, o.vlan1)};
  const uint8_t* port1_ip = o.nat ? kOutsideIp : kRemoteIp;
  uint64_t flow = 0;

  using Clock = std::chrono::steady_clock;
  const auto link_deadline = Clock::now() + std::chrono::seconds(10);
  while (!(LinkUp(0) && LinkUp(1))) {
    if (Clock::now() > link_deadline || g_stop) {
      Fatal("links did not come up within 10 s");
    }
    rte_delay_ms(10);
  }

  uint64_t rx[kPorts] = {}, tx[kPorts] = {};
  uint64_t last_rx[kPorts] = {}, last_tx[kPorts] = {};
  const auto start = Clock::now();
  auto next_report = start + std::chrono::seconds(1);
  int second = 0;
  rte_mbuf* burst[kBurst];
  while (!g_stop && second < o.seconds) {
    for (uint16_t p = 0; p < kPorts; ++p) {
      const uint16_t n = rte_eth_rx_burst(p, 0, burst, kBurst);
      rx[p] += n;
      if (p == 1 && (o.vxlan1 != 0 || o.nat)) {
        for (uint16_t i = 0; i < n; ++i) {
          if (rte_mbuf* reply = ArpReply(burst[i], pool, port1_ip)) {
            --rx[p];  // not a frame that crossed the switch
            if (rte_eth_tx_burst(p, 0, &reply, 1) == 0) {
              rte_pktmbuf_free(reply);
            }
          }
        }
      }
      if (p == 1 && o.nat) {
        // The outside host only answers: what it got goes back.
        uint16_t back = 0;
        for (uint16_t i = 0; i < n; ++i) {
          if (Reflect(burst[i])) {
            burst[back++] = burst[i];
          } else {
            rte_pktmbuf_free(burst[i]);
          }
        }
        const uint16_t sent = rte_eth_tx_burst(p, 0, burst, back);
        tx[p] += sent;
        rte_pktmbuf_free_bulk(burst + sent, back - sent);
        continue;
      }
      rte_pktmbuf_free_bulk(burst, n);
      if (rte_pktmbuf_alloc_bulk(pool, burst, kBurst) != 0) {
        continue;  // the pool is busy in the switch's rings; try next round
      }
      for (rte_mbuf* m : burst) {
        const auto len = static_cast<uint16_t>(tmpl[p].size());
        std::memcpy(rte_pktmbuf_mtod(m, void*), tmpl[p].data(), len);
        m->data_len = len;
        m->pkt_len = len;
        if (o.nat) {
          SetNatPorts(rte_pktmbuf_mtod(m, uint8_t*), o.flows == 0 ? flow : flow % o.flows);
          ++flow;
        }
      }
      const uint16_t sent = rte_eth_tx_burst(p, 0, burst, kBurst);
      tx[p] += sent;
      rte_pktmbuf_free_bulk(burst + sent, kBurst - sent);
    }
    if (Clock::now() >= next_report) {
      next_report += std::chrono::seconds(1);
      ++second;
      std::printf("t=%d rx0=%lu rx1=%lu tx0=%lu tx1=%lu\n", second, rx[0] - last_rx[0],
                  rx[1] - last_rx[1], tx[0] - last_tx[0], tx[1] - last_tx[1]);
      std::fflush(stdout);
      std::memcpy(last_rx, rx, sizeof(rx));
      std::memcpy(last_tx, tx, sizeof(tx));
    }
  }
  for (uint16_t p = 0; p < kPorts; ++p) {
    rte_eth_dev_stop(p);
    rte_eth_dev_close(p);
  }
  rte_eal_cleanup();
  return 0;
}

}  // namespace
}  // namespace switchyard::tools

int main(int argc, char** argv) { return switchyard::tools::Main(argc, argv); }
