/* XDP program of a Switchyard kernel port (veth, TAP, NIC).
 *
 * Every frame the netdev receives belongs to the switch: it is counted and
 * redirected to the switch's AF_XDP socket of its rx queue. Malformed frames
 * (shorter than an Ethernet header, or a VLAN tag cut short) and frames on a
 * queue without a socket are dropped and counted, never passed to the host stack: a port attached
 * to the switch is the switch's, as a bridge port is the bridge's. */
#include <linux/bpf.h>

/* After linux/bpf.h, whose types it uses. */
#include <bpf/bpf_helpers.h>

#include "xdp_port_stats.h"

#define SY_ETH_HLEN 14
#define SY_VLAN_HLEN 4
#define SY_MAX_QUEUES 64

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, SY_MAX_QUEUES);
  __type(key, __u32);
  __type(value, __u32);
} xsks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sy_xdp_port_stats);
} port_stats SEC(".maps");

SEC("xdp")
int sy_xdp_port(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  __u32 key = 0;
  struct sy_xdp_port_stats* st = bpf_map_lookup_elem(&port_stats, &key);
  if (!st) {
    return XDP_ABORTED; /* cannot happen: a one-entry array always has it */
  }
  st->rx_packets++;
  st->rx_bytes += (__u64)(data_end - data);
  if (data + SY_ETH_HLEN > data_end) {
    st->drop_malformed++;
    return XDP_DROP;
  }
  /* Ethertype, read bytewise: no alignment assumption. */
  const unsigned char* type = (const unsigned char*)data + 12;
  const int tagged = (type[0] == 0x81 && type[1] == 0x00) || (type[0] == 0x88 && type[1] == 0xa8);
  if (tagged && data + SY_ETH_HLEN + SY_VLAN_HLEN > data_end) {
    st->drop_malformed++;
    return XDP_DROP;
  }
  /* flags 0: a miss returns XDP_ABORTED (0), which we turn into a counted drop. */
  if (bpf_redirect_map(&xsks, ctx->rx_queue_index, 0) == XDP_REDIRECT) {
    st->redirected++;
    return XDP_REDIRECT;
  }
  st->drop_no_xsk++;
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
