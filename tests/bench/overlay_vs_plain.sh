#!/usr/bin/env bash
# Overlay benchmark: switchyardd with a guest port and a VXLAN tunnel whose
# uplink faces a remote endpoint, so every frame is encapsulated (guest to
# remote) or decapsulated (remote to guest), against the same two ports
# plain, alternating A/B in one run.
#
# The generator is sy_loadgen (tests/tools): open loop, two virtio-user
# ports, 64-byte inner frames. In the overlay run its port 1 is the remote
# endpoint 10.77.0.2 (VNI 42): it sends 114-byte VXLAN frames and answers
# the switch's ARP. Generator on CPU 0, the switch's PMD on CPU 1; the
# rate is what crosses the switch, per direction.
#
# Usage: tests/bench/overlay_vs_plain.sh [--samples N] [--seconds S] [--build DIR]
# Last lines: the pairs' medians (mean of both directions), then
#   encap_mpps=E decap_mpps=D plain_mpps=P encap_ratio=X decap_ratio=Y
# (medians; X and Y are medians of the back-to-back pairs' ratios, each
# direction against the same direction of the plain run).
set -euo pipefail

samples=5 seconds=10 build=build
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/bench/lib.sh"
bench_options "$@"
require_built "$daemon" "$yardctl" "$gen"

loop_workdir syob

y() { "$yardctl" --socket "$work/api.sock" "$@" >/dev/null; }
start_switch() {  # $1: overlay | plain
  start_loop_switch "$1"
  if [ "$1" = overlay ]; then
    y port add up0 --underlay 10.77.0.1/24 --vhost-server "$work/g1.sock"
    y network create bench --vxlan 42 --uplink up0 --remote 10.77.0.2
  else
    y network create bench
    y port add p1 --network bench --vhost-server "$work/g1.sock"
  fi
  y port add p0 --network bench --vhost-server "$work/g0.sock"
}
# Median over the per-second samples after two warm-up seconds (ARP
# resolves in the first), in Mpps: appends "to-port-1 to-port-0" (encap and
# decap in the overlay run) to $work/$1.dirs and prints their mean.
measure() {  # $1: overlay | plain
  local opts=()
  [ "$1" = overlay ] && opts=(--vxlan1 42)
  start_switch "$1"
  run_loop_generator "$1" "${opts[@]}"
  local rows to1 to0
  rows=$(sed -n 's/^t=\([0-9]*\) rx0=\([0-9]*\) rx1=\([0-9]*\).*/\1 \2 \3/p' "$work/gen-$1.log")
  to1=$(awk '$1 > 2 {print $3 / 1e6}' <<<"$rows" | median)
  to0=$(awk '$1 > 2 {print $2 / 1e6}' <<<"$rows" | median)
  echo "$to1 $to0" >>"$work/$1.dirs"
  awk -v a="$to1" -v b="$to0" 'BEGIN {printf "%.3f\n", (a + b) / 2}'
}
pairs "$samples" overlay "measure overlay" plain "measure plain"
# Pair i of each file are back-to-back runs: a ratio per pair and direction.
read -r encap decap plain encap_ratio decap_ratio < <(paste -d' ' "$work/overlay.dirs" \
  "$work/plain.dirs" | awk '{e[NR]=$1; d[NR]=$2; p1[NR]=$3; p0[NR]=$4}
    function med(a, n,   i, j, t) {for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
      if (a[j] < a[i]) {t = a[i]; a[i] = a[j]; a[j] = t}
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2}
    END {n = NR; for (i = 1; i <= n; i++) {re[i] = p1[i] ? e[i] / p1[i] : 0
      rd[i] = p0[i] ? d[i] / p0[i] : 0; pl[i] = (p1[i] + p0[i]) / 2}
      printf "%.3f %.3f %.3f %.3f %.3f\n", med(e, n), med(d, n), med(pl, n), med(re, n), med(rd, n)}')
echo "encap_mpps=$encap decap_mpps=$decap plain_mpps=$plain encap_ratio=$encap_ratio decap_ratio=$decap_ratio"
# An overlay run that dropped what it should have carried measured the wrong thing.
bad=$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
ports = d['ports'] + d.get('tunnel_endpoints', [])
print(sum(int(v) for p in ports for k, v in p['counters']['drops'].items()
          if k.startswith('tunnel_') or k in ('split_horizon', 'uplink_other', 'mtu_exceeded')))" \
  "$work/overlay.stats")
[ "$bad" = 0 ] || { echo "overlay_vs_plain: tunnel drops in the overlay run: $bad; logs in $work" >&2; KEEP=1; exit 1; }
awk -v a="$encap" -v b="$decap" 'BEGIN {exit !(a > 0 && b > 0)}' ||
  { echo "overlay_vs_plain: no traffic measured; logs kept in $work" >&2; KEEP=1; exit 1; }
