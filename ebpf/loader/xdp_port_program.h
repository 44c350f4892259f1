// Our XDP program (progs/xdp_port.bpf.c) on one netdev: loaded from its
// bpftool skeleton and attached with libbpf, detached when this object goes.
//
// Attaching replaces a copy of our own program that a switch killed with -9
// left behind, and refuses to displace anyone else's program. Native (driver)
// mode is tried first, then generic (skb) mode.
//
// Thread context: control thread only. Counters() reads the per-CPU map.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

struct xdp_port;  // the bpftool skeleton

namespace switchyard::ebpf {

struct XdpPortCounters {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t redirected = 0;
  uint64_t drop_malformed = 0;
  uint64_t drop_no_xsk = 0;
};

class XdpPortProgram {
 public:
  // The name the kernel shows for the program (bpftool prog show).
  static constexpr const char* kProgramName = "sy_xdp_port";

  static Status Attach(const std::string& ifname, std::unique_ptr<XdpPortProgram>* out);
  ~XdpPortProgram();
  XdpPortProgram(const XdpPortProgram&) = delete;
  XdpPortProgram& operator=(const XdpPortProgram&) = delete;

  // Sends frames of rx queue `queue` to the AF_XDP socket `xsk_fd`.
  Status AddSocket(uint32_t queue, int xsk_fd);
  XdpPortCounters Counters() const;
  bool native() const { return native_; }
  int prog_fd() const;

  // Runs the program once on `frame` (BPF_PROG_TEST_RUN) without attaching
  // it anywhere; for tests. Returns the XDP action, or -errno.
  static int TestRun(const uint8_t* frame, uint32_t len, XdpPortCounters* counters);

 private:
  XdpPortProgram() = default;

  xdp_port* skel_ = nullptr;
  int ifindex_ = 0;
  bool native_ = false;
  bool attached_ = false;
};

}  // namespace switchyard::ebpf
