#include "ebpf/loader/xdp_port_program.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "common/log.h"
#include "ebpf/include/xdp_port_stats.h"
#include "xdp_port.skel.h"

namespace switchyard::ebpf {

namespace {

Status Errno(StatusCode code, const std::string& what, int err) {
  return Status(code, what + ": " + std::strerror(err < 0 ? -err : err));
}

// Removes a copy of our own program left on `ifindex` by a switch that died;
// refuses when the netdev runs someone else's program.
Status ClearStaleProgram(int ifindex, const std::string& ifname) {
  for (uint32_t mode : {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE}) {
    uint32_t prog_id = 0;
    LIBBPF_OPTS(bpf_xdp_query_opts, query);
    if (bpf_xdp_query(ifindex, static_cast<int>(mode), &query) != 0) {
      continue;
    }
    prog_id = mode == XDP_FLAGS_DRV_MODE ? query.drv_prog_id : query.skb_prog_id;
    if (prog_id == 0) {
      continue;
    }
    int fd = bpf_prog_get_fd_by_id(prog_id);
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    const bool ours = fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
                      std::strcmp(info.name, XdpPortProgram::kProgramName) == 0;
    if (fd >= 0) {
      close(fd);
    }
    if (!ours) {
      return Status(StatusCode::kFailedPrecondition, "port.kernel.netdev: " + ifname +
                                                         " already runs another XDP program (id " +
                                                         std::to_string(prog_id) + ")");
    }
    if (int err = bpf_xdp_detach(ifindex, static_cast<int>(mode), nullptr); err != 0) {
      return Errno(StatusCode::kUnavailable, "cannot remove stale XDP program from " + ifname, err);
    }
    SY_INFO("xdp: removed a stale " << XdpPortProgram::kProgramName << " (id " << prog_id
                                    << ") from " << ifname);
  }
  return Status::Ok();
}

}  // namespace

Status XdpPortProgram::Attach(const std::string& ifname, std::unique_ptr<XdpPortProgram>* out) {
  const int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  if (ifindex == 0) {
    return Status(StatusCode::kNotFound, "port.kernel.netdev: '" + ifname + "' does not exist");
  }
  if (Status s = ClearStaleProgram(ifindex, ifname); !s.ok()) {
    return s;
  }
  std::unique_ptr<XdpPortProgram> prog(new XdpPortProgram());
  prog->ifindex_ = ifindex;
  prog->skel_ = xdp_port__open_and_load();
  if (prog->skel_ == nullptr) {
    return Errno(StatusCode::kUnavailable, "xdp: cannot load " + std::string(kProgramName), errno);
  }
  const int fd = bpf_program__fd(prog->skel_->progs.sy_xdp_port);
  int err = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, nullptr);
  prog->native_ = err == 0;
  if (err != 0) {
    err = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, nullptr);
  }
  if (err != 0) {
    return Errno(StatusCode::kUnavailable, "xdp: cannot attach to " + ifname, err);
  }
  prog->attached_ = true;
  *out = std::move(prog);
  return Status::Ok();
}

XdpPortProgram::~XdpPortProgram() {
  if (attached_) {
    // Only our program: if someone replaced it meanwhile, theirs stays.
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd());
    bpf_xdp_detach(
        ifindex_,
        static_cast<int>((native_ ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE) | XDP_FLAGS_REPLACE),
        &opts);
  }
  xdp_port__destroy(skel_);
}

int XdpPortProgram::prog_fd() const { return bpf_program__fd(skel_->progs.sy_xdp_port); }

Status XdpPortProgram::AddSocket(uint32_t queue, int xsk_fd) {
  if (int err = bpf_map__update_elem(skel_->maps.xsks, &queue, sizeof(queue), &xsk_fd,
                                     sizeof(xsk_fd), BPF_ANY);
      err != 0) {
    return Errno(StatusCode::kUnavailable, "xdp: cannot register AF_XDP socket", err);
  }
  return Status::Ok();
}

namespace {
XdpPortCounters SumCpus(bpf_map* map) {
  const int n_cpus = libbpf_num_possible_cpus();
  std::vector<sy_xdp_port_stats> per_cpu(n_cpus > 0 ? n_cpus : 1);
  const uint32_t key = 0;
  XdpPortCounters c;
  if (bpf_map__lookup_elem(map, &key, sizeof(key), per_cpu.data(),
                           per_cpu.size() * sizeof(sy_xdp_port_stats), 0) != 0) {
    return c;
  }
  for (const auto& s : per_cpu) {
    c.rx_packets += s.rx_packets;
    c.rx_bytes += s.rx_bytes;
    c.redirected += s.redirected;
    c.drop_malformed += s.drop_malformed;
    c.drop_no_xsk += s.drop_no_xsk;
  }
  return c;
}
}  // namespace

XdpPortCounters XdpPortProgram::Counters() const { return SumCpus(skel_->maps.port_stats); }

int XdpPortProgram::TestRun(const uint8_t* frame, uint32_t len, XdpPortCounters* counters) {
  xdp_port* skel = xdp_port__open_and_load();
  if (skel == nullptr) {
    return -errno;
  }
  std::vector<uint8_t> in(frame, frame + len);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_size_in = len);
  int rc = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sy_xdp_port), &opts);
  int action = rc == 0 ? static_cast<int>(opts.retval) : -errno;
  *counters = SumCpus(skel->maps.port_stats);
  xdp_port__destroy(skel);
  return action;
}

}  // namespace switchyard::ebpf
