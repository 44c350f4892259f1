// sy_guest: a scriptable DPDK "test guest" for integration tests.
//
// Integration tests need something that behaves like a VM attached to a
// vhost-user switch port, but booting QEMU for every scenario is slow and
// opaque. sy_guest is that VM stand-in: one net_virtio_user port (the same
// virtio ring protocol a guest kernel speaks), driven line by line from
// stdin so a test script can send frames and read receive counters.
//
//   sy_guest --socket PATH --mac MAC --prefix NAME [--server] [--lcore N]
//            [--size BYTES]
//
// Without --server the guest connects as vhost-user client to a socket the
// switch created; with --server the guest creates the socket and the switch
// connects to it. Each process needs its own --prefix (EAL --file-prefix).
//
// Protocol: one command per line on stdin, exactly one JSON object per line
// on stdout for each command (flushed). After the port starts the guest
// prints {"ok":true,"ready":true,"mac":"..."}. Commands:
//   wait-link TIMEOUT_S            -> {"ok":true,"link":"up"}
//   send DST_MAC COUNT [SRC_MAC]   -> {"ok":true,"sent":N}
//   stats                          -> {"ok":true,"rx":N,"rx_bytes":N,
//                                      "by_src":{...},"by_dst":{...},
//                                      "link":"up"|"down"}
//   reset                          -> {"ok":true} (also clears gaps)
//   stream DST_MAC RATE            -> {"ok":true}: from now on send RATE
//                                     stream frames a second to DST_MAC, in
//                                     the background of other commands
//   stream stop                    -> {"ok":true,"sent":N,"tx_dropped":N,
//                                      "next_seq":N}
//   gaps                           -> {"ok":true,"rx":N,"first_seq":N,
//                                      "last_seq":N,"lost":N,
//                                      "max_gap_ms":X,"gap_start":T,
//                                      "gap_end":T,"last_rx":T,"now":T}
//   quit (or EOF on stdin)         -> {"ok":true}, then exit 0
// Errors are {"ok":false,"error":"..."}; a send that stalls for 2 s also
// carries "sent". DPDK logs go to stderr so that stdout carries only replies.
// Frames are --size bytes (60..1514, no FCS), ethertype 0x88b5, payload a
// big-endian 32-bit sequence number (running across sends) then zeros.
//
// Streams measure outages (tests/bench/restart_outage.py): stream frames
// carry ethertype 0x88b6 and a sequence number of their own, sent open loop
// at a steady rate (a frame the port does not take is counted in tx_dropped
// and never retried, so its number is a loss the receiver sees). The
// receiver timestamps every stream frame (one wall-clock read per burst) and
// keeps the longest interval between two consecutive ones: "max_gap_ms", the
// times it began and ended ("gap_start", "gap_end", seconds since the epoch
// so a driver can compare them with its own clock), "last_rx" and "lost",
// the numbers between the first and the last received that never came.
// tests/tools/stream_peer.py speaks the same commands for TAP and kernel
// netdev peers.
//
// Behaviour tests should know (DPDK 22.11 virtio-user):
//  - With --server, EAL init blocks in accept() until the switch connects,
//    so "ready" only appears after that; the link is up at "ready". A stale
//    socket file at PATH is removed first and the socket is removed at exit.
//    After the switch restarts, the guest accepts it again (link up ~2 s).
//  - Without --server, a switch restart is final: the link stays down.
//  - The rx ring holds 512 frames; the switch drops what does not fit while
//    an idle guest sleeps (1 ms), so bursts beyond that may lose frames.
//  - Stopping the port waits for the peer's replies; a watchdog turns a hung
//    shutdown into exit 1 after 10 s.
//
// Single-threaded on purpose: rx polling, command handling and tx all run on
// the main lcore, so counters need no synchronisation and a reply always
// reflects every frame polled before the command was read.
//
// Exit codes: 0 on quit/EOF/SIGTERM/SIGINT, 1 on EAL or port failure, 2 on
// bad arguments.

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "datapath/core/types.h"

namespace switchyard::tools {
namespace {

constexpr uint16_t kBurst = 32;
constexpr uint16_t kRingSize = 512;
constexpr unsigned kPoolSize = 4096;
constexpr unsigned kPoolCache = 256;
constexpr uint32_t kMinFrame = 60;  // Ethernet minimum without FCS.
constexpr uint32_t kMaxFrame = 1514;
constexpr uint32_t kDefaultFrame = 64;
constexpr uint16_t kEtherType = 0x88b5;        // IEEE local experimental.
constexpr uint16_t kStreamEtherType = 0x88b6;  // IEEE local experimental 2.
constexpr uint64_t kMaxStreamRate = 1000000;   // frames a second
constexpr auto kTxStallLimit = std::chrono::seconds(2);
constexpr auto kLinkCheckInterval = std::chrono::milliseconds(100);
constexpr unsigned kShutdownGraceS = 10;

using Clock = std::chrono::steady_clock;

// Seconds since the epoch, for gap reports a driver compares with its clock.
double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Set from the signal handler; everything else happens in the main loop.
volatile sig_atomic_t g_stop_signal = 0;

// Once EAL is up, fatal exits release it too, so a failed start leaves as
// little behind as a clean one.
bool g_eal_up = false;

// In --server mode the socket file is ours: removed at every exit so the
// next run (or the switch) never meets a stale path.
const char* g_owned_socket = nullptr;

void OnShutdownTimeout(int) {
  // Only async-signal-safe calls here.
  static const char kMsg[] = "sy_guest: DPDK shutdown hung, exiting without cleanup\n";
  ssize_t ignored = write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
  (void)ignored;
  if (g_owned_socket != nullptr) {
    unlink(g_owned_socket);
  }
  _exit(1);
}

// virtio-user stop/close talks to the vhost-user peer and waits for its
// replies without a timeout; once we saw a --server guest take 88 s to exit
// after the switch restarted. A test would rather see exit 1 than hang.
// Armed once; later calls keep the first deadline.
void ArmShutdownWatchdog() {
  static bool armed = false;
  if (!armed) {
    armed = true;
    signal(SIGALRM, OnShutdownTimeout);
    alarm(kShutdownGraceS);
  }
}

void ReleaseProcessResources() {
  ArmShutdownWatchdog();
  if (g_eal_up) {
    rte_eal_cleanup();
    g_eal_up = false;
  }
  if (g_owned_socket != nullptr) {
    unlink(g_owned_socket);
    g_owned_socket = nullptr;
  }
}

void OnSignal(int sig) { g_stop_signal = sig; }

// MACs travel as datapath MacKeys (48 bits in an integer), so per-frame
// counting does no string work; parsing accepts only xx:xx:xx:xx:xx:xx so a
// typo in a test fails loudly instead of sending to a wrong address.
using switchyard::dp::MacFromBytes;
using switchyard::dp::MacKey;
using switchyard::dp::MacToBytes;
using switchyard::dp::MacToString;
using switchyard::dp::ParseMac;

std::optional<uint64_t> ParseUint(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 20) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    uint64_t next = value * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != value || next > max) {
      return std::nullopt;
    }
    value = next;
  }
  return value;
}

// Error texts echo user input, so they must be escaped to keep the reply
// valid JSON.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void Reply(const std::string& json) {
  std::fputs(json.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void ReplyError(std::string_view message) {
  Reply("{\"ok\":false,\"error\":" + JsonString(message) + "}");
}

struct Options {
  std::string socket;
  std::string prefix;
  MacKey mac = 0;
  bool server = false;
  unsigned lcore = 0;
  uint32_t frame_size = kDefaultFrame;
};

constexpr const char* kUsage =
    "usage: sy_guest --socket PATH --mac MAC --prefix NAME [--server] [--lcore N] "
    "[--size BYTES]\n";

[[noreturn]] void UsageError(const std::string& message) {
  std::fprintf(stderr, "sy_guest: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options opt;
  bool have_mac = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--server") {
      opt.server = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg != "--socket" && arg != "--mac" && arg != "--prefix" && arg != "--lcore" &&
        arg != "--size") {
      UsageError("unknown argument '" + std::string(arg) + "'");
    }
    if (i + 1 >= argc) {
      UsageError(std::string(arg) + " needs a value");
    }
    std::string_view value = argv[++i];
    if (arg == "--socket") {
      // A comma or empty path would break the --vdev devargs string.
      if (value.empty() || value.find(',') != std::string_view::npos) {
        UsageError("--socket must be a non-empty path without commas");
      }
      opt.socket = value;
    } else if (arg == "--mac") {
      auto mac = ParseMac(value);
      if (!mac) {
        UsageError("--mac '" + std::string(value) + "' is not xx:xx:xx:xx:xx:xx");
      }
      opt.mac = *mac;
      have_mac = true;
    } else if (arg == "--prefix") {
      if (value.empty() || value.find('/') != std::string_view::npos) {
        UsageError("--prefix must be a non-empty name without '/'");
      }
      opt.prefix = value;
    } else if (arg == "--lcore") {
      auto lcore = ParseUint(value, RTE_MAX_LCORE - 1);
      if (!lcore) {
        UsageError("--lcore must be an integer in [0, " + std::to_string(RTE_MAX_LCORE - 1) + "]");
      }
      opt.lcore = static_cast<unsigned>(*lcore);
    } else {  // --size
      auto size = ParseUint(value, kMaxFrame);
      if (!size || *size < kMinFrame) {
        UsageError("--size must be an integer in [" + std::to_string(kMinFrame) + ", " +
                   std::to_string(kMaxFrame) + "]");
      }
      opt.frame_size = static_cast<uint32_t>(*size);
    }
  }
  if (opt.socket.empty() || !have_mac || opt.prefix.empty()) {
    UsageError("--socket, --mac and --prefix are required");
  }
  return opt;
}

[[noreturn]] void Fatal(const std::string& message) {
  std::fprintf(stderr, "sy_guest: %s\n", message.c_str());
  ReleaseProcessResources();
  std::exit(1);
}

std::vector<std::string> SplitWords(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
      ++i;
    }
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
      ++i;
    }
    if (i > start) {
      words.emplace_back(line.substr(start, i - start));
    }
  }
  return words;
}

// The receive side of a stream: the longest silence between two stream
// frames and the frames missing between the first and the last received.
struct GapTracker {
  uint64_t rx = 0;
  uint32_t first_seq = 0;
  uint32_t max_seq = 0;  // reported as last_seq
  double last_rx = 0;
  double max_gap = 0;
  double gap_start = 0;
  double gap_end = 0;

  void OnFrame(uint32_t seq, double now) {
    if (rx == 0) {
      first_seq = seq;
      max_seq = seq;
    } else if (now - last_rx > max_gap) {
      max_gap = now - last_rx;
      gap_start = last_rx;
      gap_end = now;
    }
    ++rx;
    max_seq = std::max(max_seq, seq);
    last_rx = now;
  }

  std::string Json(double now) const {
    uint64_t expected = rx == 0 ? 0 : uint64_t{max_seq} - first_seq + 1;
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "{\"ok\":true,\"rx\":%llu,\"first_seq\":%u,\"last_seq\":%u,\"lost\":%lld,"
                  "\"max_gap_ms\":%.3f,\"gap_start\":%.6f,\"gap_end\":%.6f,\"last_rx\":%.6f,"
                  "\"now\":%.6f}",
                  static_cast<unsigned long long>(rx), first_seq, max_seq,
                  static_cast<long long>(expected) - static_cast<long long>(rx), max_gap * 1e3,
                  gap_start, gap_end, last_rx, now);
    return buf;
  }
};

// Owns the port and the counters. Not thread-safe: used only from main().
class Guest {
 public:
  explicit Guest(const Options& opt) : opt_(opt) {}

  Guest(const Guest&) = delete;
  Guest& operator=(const Guest&) = delete;

  // Creates the pool and starts the single virtio-user port. Exits with 1
  // on failure: without a port the guest is useless to a test.
  void StartPort() {
    if (rte_eth_dev_count_avail() == 0) {
      Fatal("no ethdev port: virtio-user probe failed for " + opt_.socket + " (" +
            (opt_.server ? "could the socket be created?" : "is the switch listening on it?") +
            " see the DPDK log above)");
    }
    // Only one --vdev is given, so the first valid port is ours.
    port_ = static_cast<uint16_t>(rte_eth_find_next(0));
    pool_ = rte_pktmbuf_pool_create("sy_guest_pool", kPoolSize, kPoolCache, 0,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    if (pool_ == nullptr) {
      Fatal(std::string("mbuf pool: ") + rte_strerror(rte_errno));
    }
    rte_eth_dev_info info{};
    int rc = rte_eth_dev_info_get(port_, &info);
    if (rc < 0) {
      Fatal(std::string("rte_eth_dev_info_get: ") + rte_strerror(-rc));
    }
    rte_eth_conf conf{};
    // With LSC interrupts the PMD tracks the link on its interrupt thread and
    // rte_eth_link_get_nowait() only reads the result. Without them every
    // link query probes the vhost-user socket from our thread, which on a
    // dead peer logs two errors per call and, after a --server reconnect,
    // made DPDK 22.11 panic in eal-intr-thread at close.
    if (info.dev_flags != nullptr && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC) != 0) {
      conf.intr_conf.lsc = 1;
    }
    rc = rte_eth_dev_configure(port_, 1, 1, &conf);
    if (rc < 0) {
      Fatal(std::string("rte_eth_dev_configure: ") + rte_strerror(-rc));
    }
    uint16_t rx_desc = kRingSize;
    uint16_t tx_desc = kRingSize;
    // The PMD may round ring sizes; use what it accepts.
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_, &rx_desc, &tx_desc);
    if (rc < 0) {
      Fatal(std::string("rte_eth_dev_adjust_nb_rx_tx_desc: ") + rte_strerror(-rc));
    }
    int socket = rte_eth_dev_socket_id(port_);
    unsigned queue_socket = socket < 0 ? rte_socket_id() : static_cast<unsigned>(socket);
    rc = rte_eth_rx_queue_setup(port_, 0, rx_desc, queue_socket, nullptr, pool_);
    if (rc < 0) {
      Fatal(std::string("rte_eth_rx_queue_setup: ") + rte_strerror(-rc));
    }
    rc = rte_eth_tx_queue_setup(port_, 0, tx_desc, queue_socket, nullptr);
    if (rc < 0) {
      Fatal(std::string("rte_eth_tx_queue_setup: ") + rte_strerror(-rc));
    }
    rc = rte_eth_dev_start(port_);
    if (rc < 0) {
      Fatal(std::string("rte_eth_dev_start: ") + rte_strerror(-rc));
    }
    started_ = true;
  }

  // Stops and closes the port. Safe to call more than once.
  void StopPort() {
    ArmShutdownWatchdog();
    if (started_) {
      rte_eth_dev_stop(port_);
      rte_eth_dev_close(port_);
      started_ = false;
    }
  }

  // Runs until quit, EOF on stdin or a signal.
  void Run() {
    Reply("{\"ok\":true,\"ready\":true,\"mac\":\"" + MacToString(opt_.mac) + "\"}");
    std::string pending;
    while (!quit_ && g_stop_signal == 0) {
      StreamTx();
      uint16_t n = PollRx();
      // Busy-poll while traffic flows; otherwise sleep in poll(2) for 1 ms
      // so an idle guest does not burn a core that the switch needs.
      pollfd pfd{STDIN_FILENO, POLLIN, 0};
      int ready = poll(&pfd, 1, n > 0 ? 0 : 1);
      if (ready <= 0) {
        continue;  // Timeout or EINTR; the loop condition sees signals.
      }
      char buf[4096];
      ssize_t got = read(STDIN_FILENO, buf, sizeof(buf));
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) {
          continue;
        }
        got = 0;  // A broken stdin means nobody can drive us: like EOF.
      }
      if (got == 0) {
        // A test that dies or closes our stdin should not leave us running.
        if (!pending.empty()) {
          HandleLine(pending);
        }
        if (!quit_) {
          Reply("{\"ok\":true}");
          quit_ = true;
        }
        break;
      }
      pending.append(buf, static_cast<size_t>(got));
      size_t newline;
      while (!quit_ && (newline = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, newline);
        pending.erase(0, newline + 1);
        HandleLine(line);
      }
    }
  }

 private:
  // Receives one burst and counts it; returns how many frames arrived.
  uint16_t PollRx() {
    rte_mbuf* pkts[kBurst];
    uint16_t n = rte_eth_rx_burst(port_, 0, pkts, kBurst);
    double now = n > 0 ? WallSeconds() : 0;
    for (uint16_t i = 0; i < n; ++i) {
      rte_mbuf* m = pkts[i];
      ++rx_;
      rx_bytes_ += rte_pktmbuf_pkt_len(m);
      if (rte_pktmbuf_data_len(m) >= sizeof(rte_ether_hdr)) {
        const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
        ++by_src_[MacFromBytes(eth->src_addr.addr_bytes)];
        ++by_dst_[MacFromBytes(eth->dst_addr.addr_bytes)];
        if (eth->ether_type == rte_cpu_to_be_16(kStreamEtherType) &&
            rte_pktmbuf_data_len(m) >= sizeof(rte_ether_hdr) + sizeof(uint32_t)) {
          uint32_t seq;
          std::memcpy(&seq, rte_pktmbuf_mtod_offset(m, const uint8_t*, sizeof(rte_ether_hdr)),
                      sizeof(seq));
          gaps_.OnFrame(rte_be_to_cpu_32(seq), now);
        }
      }
      rte_pktmbuf_free(m);
    }
    return n;
  }

  bool LinkUp() {
    rte_eth_link link{};
    if (rte_eth_link_get_nowait(port_, &link) != 0) {
      return false;
    }
    return link.link_status == RTE_ETH_LINK_UP;
  }

  void HandleLine(std::string_view line) {
    std::vector<std::string> words = SplitWords(line);
    if (words.empty()) {
      return;  // Blank lines get no reply so tests may pad input freely.
    }
    const std::string& cmd = words[0];
    if (cmd == "wait-link") {
      CmdWaitLink(words);
    } else if (cmd == "send") {
      CmdSend(words);
    } else if (cmd == "stats") {
      CmdStats(words);
    } else if (cmd == "reset") {
      if (words.size() != 1) {
        ReplyError("usage: reset");
        return;
      }
      rx_ = 0;
      rx_bytes_ = 0;
      by_src_.clear();
      by_dst_.clear();
      gaps_ = GapTracker{};
      Reply("{\"ok\":true}");
    } else if (cmd == "stream") {
      CmdStream(words);
    } else if (cmd == "gaps") {
      if (words.size() != 1) {
        ReplyError("usage: gaps");
        return;
      }
      Reply(gaps_.Json(WallSeconds()));
    } else if (cmd == "quit") {
      Reply("{\"ok\":true}");
      quit_ = true;
    } else {
      ReplyError("unknown command " + cmd);
    }
  }

  void CmdWaitLink(const std::vector<std::string>& words) {
    char* end = nullptr;
    double timeout_s = words.size() == 2 ? std::strtod(words[1].c_str(), &end) : -1;
    if (words.size() != 2 || end == words[1].c_str() || *end != '\0' || !std::isfinite(timeout_s) ||
        timeout_s < 0 || timeout_s > 86400) {
      ReplyError("usage: wait-link TIMEOUT_S");
      return;
    }
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(timeout_s));
    // Should the PMD lack LSC interrupts, each query probes the socket and
    // logs two errors while the peer is gone; 100 ms keeps that readable.
    auto next_check = Clock::now();
    while (g_stop_signal == 0) {
      auto now = Clock::now();
      if (now >= next_check) {
        if (LinkUp()) {
          Reply("{\"ok\":true,\"link\":\"up\"}");
          return;
        }
        if (now >= deadline) {
          ReplyError("link down after " + words[1] + " s");
          return;
        }
        next_check = std::min(now + kLinkCheckInterval, deadline);
      }
      // Keep draining rx so the switch never sees a full ring from us.
      if (PollRx() == 0) {
        usleep(1000);
      }
    }
    ReplyError("interrupted by signal");
  }

  void CmdSend(const std::vector<std::string>& words) {
    if (words.size() != 3 && words.size() != 4) {
      ReplyError("usage: send DST_MAC COUNT [SRC_MAC]");
      return;
    }
    auto dst = ParseMac(words[1]);
    if (!dst) {
      ReplyError("bad DST_MAC " + words[1]);
      return;
    }
    auto count = ParseUint(words[2], UINT32_MAX);
    if (!count) {
      ReplyError("bad COUNT " + words[2]);
      return;
    }
    MacKey src = opt_.mac;
    if (words.size() == 4) {
      auto parsed = ParseMac(words[3]);
      if (!parsed) {
        ReplyError("bad SRC_MAC " + words[3]);
        return;
      }
      src = *parsed;
    }

    uint64_t sent = 0;
    // Frames built but not yet accepted by the PMD; kept across retries so
    // sequence numbers stay in order and nothing is rebuilt.
    rte_mbuf* pkts[kBurst];
    uint16_t held = 0;
    uint16_t head = 0;
    auto last_progress = Clock::now();
    while (sent < *count && g_stop_signal == 0) {
      if (held == head) {
        held = 0;
        head = 0;
        uint16_t want = static_cast<uint16_t>(std::min<uint64_t>(kBurst, *count - sent));
        if (rte_pktmbuf_alloc_bulk(pool_, pkts, want) == 0) {
          for (uint16_t i = 0; i < want; ++i) {
            BuildFrame(pkts[i], *dst, src, kEtherType, tx_seq_++);
          }
          held = want;
        }
      }
      uint16_t n = 0;
      if (held > head) {
        n = rte_eth_tx_burst(port_, 0, pkts + head, held - head);
        head += n;
        sent += n;
      }
      if (n > 0) {
        last_progress = Clock::now();
        continue;
      }
      // Nothing went out: the peer may be slow or gone. Drain rx (our own
      // pool may be what is starving), nap briefly so a stalled send does
      // not spin a core the switch needs, and give up after a quiet spell.
      if (PollRx() == 0) {
        usleep(50);
      }
      if (Clock::now() - last_progress > kTxStallLimit) {
        break;
      }
    }
    for (uint16_t i = head; i < held; ++i) {
      rte_pktmbuf_free(pkts[i]);
    }
    if (sent == *count) {
      Reply("{\"ok\":true,\"sent\":" + std::to_string(sent) + "}");
    } else {
      std::string why = g_stop_signal != 0 ? "interrupted by signal" : "tx stalled for 2 s";
      Reply("{\"ok\":false,\"error\":" +
            JsonString(why + " after " + std::to_string(sent) + " of " + std::to_string(*count) +
                       " frames") +
            ",\"sent\":" + std::to_string(sent) + "}");
    }
  }

  void BuildFrame(rte_mbuf* m, MacKey dst, MacKey src, uint16_t ether_type, uint32_t seq_host) {
    auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, opt_.frame_size));
    // Cannot fail: the default data room (2048) exceeds kMaxFrame.
    std::memset(data, 0, opt_.frame_size);
    auto* eth = reinterpret_cast<rte_ether_hdr*>(data);
    MacToBytes(dst, eth->dst_addr.addr_bytes);
    MacToBytes(src, eth->src_addr.addr_bytes);
    eth->ether_type = rte_cpu_to_be_16(ether_type);
    // Sequence runs across send commands so every frame of a run is unique.
    uint32_t seq = rte_cpu_to_be_32(seq_host);
    std::memcpy(data + sizeof(rte_ether_hdr), &seq, sizeof(seq));
  }

  // stream DST_MAC RATE | stream stop.
  void CmdStream(const std::vector<std::string>& words) {
    if (words.size() == 2 && words[1] == "stop") {
      stream_.active = false;
      Reply("{\"ok\":true,\"sent\":" + std::to_string(stream_.sent) +
            ",\"tx_dropped\":" + std::to_string(stream_.dropped) +
            ",\"next_seq\":" + std::to_string(stream_.next_seq) + "}");
      return;
    }
    if (words.size() != 3) {
      ReplyError("usage: stream DST_MAC RATE | stream stop");
      return;
    }
    auto dst = ParseMac(words[1]);
    if (!dst) {
      ReplyError("bad DST_MAC " + words[1]);
      return;
    }
    auto rate = ParseUint(words[2], kMaxStreamRate);
    if (!rate || *rate == 0) {
      ReplyError("RATE must be an integer in [1, " + std::to_string(kMaxStreamRate) + "]");
      return;
    }
    // A new stream keeps the sequence running, so a receiver that did not
    // reset sees no jump backwards.
    stream_.active = true;
    stream_.dst = *dst;
    stream_.rate = *rate;
    stream_.start = Clock::now();
    stream_.generated = 0;
    stream_.sent = 0;
    stream_.dropped = 0;
    Reply("{\"ok\":true}");
  }

  // Sends the stream frames that are due by now, open loop: what the port
  // does not take is freed and counted, never retried, so an outage leaves
  // a hole in the sequence rather than a burst of stale frames after it.
  void StreamTx() {
    if (!stream_.active) {
      return;
    }
    auto elapsed = std::chrono::duration<double>(Clock::now() - stream_.start).count();
    auto due = static_cast<uint64_t>(elapsed * static_cast<double>(stream_.rate));
    while (stream_.generated < due) {
      rte_mbuf* pkts[kBurst];
      auto want = static_cast<uint16_t>(std::min<uint64_t>(kBurst, due - stream_.generated));
      stream_.generated += want;
      if (rte_pktmbuf_alloc_bulk(pool_, pkts, want) != 0) {
        stream_.dropped += want;
        stream_.next_seq += want;
        continue;
      }
      for (uint16_t i = 0; i < want; ++i) {
        BuildFrame(pkts[i], stream_.dst, opt_.mac, kStreamEtherType, stream_.next_seq++);
      }
      uint16_t n = rte_eth_tx_burst(port_, 0, pkts, want);
      for (uint16_t i = n; i < want; ++i) {
        rte_pktmbuf_free(pkts[i]);
      }
      stream_.sent += n;
      stream_.dropped += want - n;
    }
  }

  void CmdStats(const std::vector<std::string>& words) {
    if (words.size() != 1) {
      ReplyError("usage: stats");
      return;
    }
    std::string out = "{\"ok\":true,\"rx\":" + std::to_string(rx_) +
                      ",\"rx_bytes\":" + std::to_string(rx_bytes_) + ",\"by_src\":";
    AppendMacCounts(by_src_, &out);
    out += ",\"by_dst\":";
    AppendMacCounts(by_dst_, &out);
    out += ",\"link\":\"";
    out += LinkUp() ? "up" : "down";
    out += "\"}";
    Reply(out);
  }

  static void AppendMacCounts(const std::map<uint64_t, uint64_t>& counts, std::string* out) {
    *out += '{';
    bool first = true;
    for (const auto& [key, n] : counts) {
      if (!first) {
        *out += ',';
      }
      first = false;
      *out += '"' + MacToString(key) + "\":" + std::to_string(n);
    }
    *out += '}';
  }

  const Options opt_;
  uint16_t port_ = 0;
  rte_mempool* pool_ = nullptr;
  bool started_ = false;
  bool quit_ = false;
  uint32_t tx_seq_ = 0;

  // The steady stream of `stream DST_MAC RATE`.
  struct Stream {
    bool active = false;
    MacKey dst = 0;
    uint64_t rate = 0;
    Clock::time_point start;
    uint64_t generated = 0;  // frames generated since start
    uint64_t sent = 0;
    uint64_t dropped = 0;
    uint32_t next_seq = 0;
  } stream_;
  GapTracker gaps_;
  uint64_t rx_ = 0;
  uint64_t rx_bytes_ = 0;
  // Ordered so stats output is stable and easy to diff in test logs.
  std::map<uint64_t, uint64_t> by_src_;
  std::map<uint64_t, uint64_t> by_dst_;
};

int Main(int argc, char** argv) {
  Options opt = ParseArgs(argc, argv);

  // Installed before EAL init so a SIGTERM during a slow start still ends in
  // a clean shutdown. No SA_RESTART: poll(2) must return EINTR.
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  // A test that stops reading our stdout should not kill us mid-cleanup.
  signal(SIGPIPE, SIG_IGN);

  // EAL's default Linux log stream writes to stdout, which is reserved for
  // JSON replies.
  rte_openlog_stream(stderr);

  if (opt.server) {
    // virtio-user refuses to bind over an existing file, and a socket left
    // by a killed run would fail every later test; anything else is not
    // ours to delete.
    struct stat st {};
    if (lstat(opt.socket.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        Fatal(opt.socket + " exists and is not a socket");
      }
      if (unlink(opt.socket.c_str()) != 0) {
        Fatal("cannot remove stale socket " + opt.socket + ": " + std::strerror(errno));
      }
    }
    g_owned_socket = opt.socket.c_str();
  }

  std::vector<std::string> eal_args = {
      "sy_guest",
      "-l",
      std::to_string(opt.lcore),
      "--no-huge",
      "-m",
      "256",
      "--no-pci",
      "--single-file-segments",
      "--file-prefix",
      opt.prefix,
      "--log-level=*:warning",
      "--vdev",
      // queue_size: virtio-user rings default to 256 entries whatever
      // rte_eth_rx_queue_setup() asks for, so a burst of 300 frames lost 44.
      "net_virtio_user0,path=" + opt.socket + ",queues=1,queue_size=" + std::to_string(kRingSize) +
          ",mac=" + MacToString(opt.mac) + ",server=" + (opt.server ? "1" : "0"),
  };
  std::vector<char*> eal_argv;
  for (std::string& a : eal_args) {
    eal_argv.push_back(a.data());
  }
  eal_argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(eal_args.size()), eal_argv.data()) < 0) {
    Fatal(std::string("rte_eal_init failed: ") + rte_strerror(rte_errno));
  }
  g_eal_up = true;
  // In --server mode the virtio-user probe blocks in accept() until the
  // switch connects; a signal there fails the probe, which is a requested
  // stop rather than a port failure.
  if (g_stop_signal != 0) {
    std::fprintf(stderr, "sy_guest: stopped by signal %d during start\n",
                 static_cast<int>(g_stop_signal));
    ReleaseProcessResources();
    return 0;
  }

  Guest guest(opt);
  guest.StartPort();
  guest.Run();
  guest.StopPort();
  ReleaseProcessResources();
  return 0;
}

}  // namespace
}  // namespace switchyard::tools

int main(int argc, char** argv) { return switchyard::tools::Main(argc, argv); }
