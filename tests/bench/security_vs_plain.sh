#!/usr/bin/env bash
# Tenant fences benchmark: switchyardd with port security (each port's MAC
# and IPv4 address) and a MAC limit on both ports, against the same two
# ports with neither, alternating A/B in one run. Every frame is checked:
# its source MAC, and its IPv4 source address.
#
# The generator is sy_loadgen (tests/tools): open loop, two virtio-user
# ports, 64-byte IPv4 frames from 02:00:00:00:00:0N / 10.0.0.N, unicast
# between two learned MACs. Generator on CPU 0, the switch's PMD on CPU 1;
# the rate is what crosses the switch, per direction.
#
# Usage: tests/bench/security_vs_plain.sh [--samples N] [--seconds S] [--build DIR]
# Last line: secured_mpps=X plain_mpps=Y ratio=Z   (medians; Z is the median
# of the back-to-back pairs' ratios)
set -euo pipefail

samples=5 seconds=12 build=build
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/bench/lib.sh"
bench_options "$@"
require_built "$daemon" "$yardctl" "$gen"

loop_workdir sysb

measure() {  # $1: secured | plain
  start_loop_switch "$1"
  local fences=("" "")
  if [ "$1" = secured ]; then
    fences=("--allow-mac 02:00:00:00:00:01 --allow-ip 10.0.0.1 --mac-limit 4"
            "--allow-mac 02:00:00:00:00:02 --allow-ip 10.0.0.2 --mac-limit 4")
  fi
  "$yardctl" --socket "$work/api.sock" network create bench >/dev/null
  "$yardctl" --socket "$work/api.sock" port add p0 --network bench --vhost-server "$work/g0.sock" ${fences[0]} >/dev/null
  "$yardctl" --socket "$work/api.sock" port add p1 --network bench --vhost-server "$work/g1.sock" ${fences[1]} >/dev/null
  run_loop_generator "$1"
  loop_mpps "$work/gen-$1.log"
}
pairs "$samples" secured "measure secured" plain "measure plain"
# A secured run that dropped its own frames measured the wrong thing.
drops=$(stats_drops "$work/secured.stats" 'port_security.*|port_mac_limit')
[ "$drops" = 0 ] || { echo "security_vs_plain: fence drops in the secured run: $drops; logs in $work" >&2; KEEP=1; exit 1; }
awk -v a="$med_a" -v b="$med_b" 'BEGIN {exit !(a > 0 && b > 0)}' ||
  { echo "security_vs_plain: no traffic measured; logs kept in $work" >&2; KEEP=1; exit 1; }
