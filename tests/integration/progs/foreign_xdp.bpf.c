/* Someone else's XDP program: passes every frame. The kernel-port tests
 * attach it to a netdev to show that the switch never takes a netdev's XDP
 * hook from another program, and falls back to AF_PACKET instead. */
#include <linux/bpf.h>

/* After linux/bpf.h, whose types it uses. */
#include <bpf/bpf_helpers.h>

SEC("xdp")
int other_xdp_pass(struct xdp_md* ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
