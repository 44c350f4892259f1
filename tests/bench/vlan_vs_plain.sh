#!/usr/bin/env bash
# VLAN benchmark: switchyardd with an access port (VLAN 10) and a trunk port
# (VLAN 10), so every frame gets a tag pushed (access to trunk) or popped
# (trunk to access), against the same two ports plain, alternating A/B in
# one run.
#
# The generator is sy_loadgen (tests/tools): open loop, two virtio-user
# ports, 64-byte frames; in the VLAN run the frames it sends into the trunk
# side are tagged VLAN 10 (68 bytes), in the plain run nothing is tagged,
# so both runs are unicast between two learned MACs. Generator on CPU 0, the
# switch's PMD on CPU 1. The switch is the bottleneck (virtio back-pressure
# holds the generator to what it takes), and the rate is what crosses it,
# per direction.
#
# Usage: tests/bench/vlan_vs_plain.sh [--samples N] [--seconds S] [--build DIR]
# Last line: vlan_mpps=X plain_mpps=Y ratio=Z   (medians; Z is the median of
# the back-to-back pairs' ratios)
set -euo pipefail

samples=5 seconds=12 build=build
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/bench/lib.sh"
bench_options "$@"
require_built "$daemon" "$yardctl" "$gen"

loop_workdir syvb

# $1: name of the run; $2, $3: yardctl VLAN options of p0 and p1.
start_switch() {
  start_loop_switch "$1"
  "$yardctl" --socket "$work/api.sock" network create bench >/dev/null
  "$yardctl" --socket "$work/api.sock" port add p0 --network bench --vhost-server "$work/g0.sock" $2 >/dev/null
  "$yardctl" --socket "$work/api.sock" port add p1 --network bench --vhost-server "$work/g1.sock" $3 >/dev/null
}
# Median over the per-second samples after two warm-up seconds of the mean
# of both directions, in Mpps.
measure() {  # $1: vlan | plain
  local tagged=()
  if [ "$1" = vlan ]; then
    start_switch vlan "--access 10" "--trunk 10"
    tagged=(--vlan1 10)
  else
    start_switch plain "" ""
  fi
  run_loop_generator "$1" "${tagged[@]}"
  loop_mpps "$work/gen-$1.log"
}
pairs "$samples" vlan "measure vlan" plain "measure plain"
# A VLAN run that forwarded without pushing and popping measured the wrong thing.
drops=$(stats_drops "$work/vlan.stats" 'vlan_filtered|no_mbufs|qinq_unsupported')
[ "$drops" = 0 ] || { echo "vlan_vs_plain: VLAN drops in the VLAN run: $drops; logs in $work" >&2; KEEP=1; exit 1; }
awk -v a="$med_a" -v b="$med_b" 'BEGIN {exit !(a > 0 && b > 0)}' ||
  { echo "vlan_vs_plain: no traffic measured; logs kept in $work" >&2; KEEP=1; exit 1; }
