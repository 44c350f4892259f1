/* Counters of the XDP program of a kernel port, shared by the BPF program
 * (C) and the switch (C++). One per-CPU array entry per port; the switch
 * sums the CPUs. Fields are only ever appended: the layout is an ABI. */
#ifndef SWITCHYARD_EBPF_XDP_PORT_STATS_H_
#define SWITCHYARD_EBPF_XDP_PORT_STATS_H_

#include <linux/types.h>

struct sy_xdp_port_stats {
  __u64 rx_packets;     /* frames the program saw */
  __u64 rx_bytes;       /* their bytes */
  __u64 redirected;     /* handed to the switch's AF_XDP socket */
  __u64 drop_malformed; /* runt, or a VLAN tag cut short: dropped */
  __u64 drop_no_xsk;    /* no socket on that rx queue (yet): dropped */
};

#endif /* SWITCHYARD_EBPF_XDP_PORT_STATS_H_ */
