#!/usr/bin/env bash
# NAT benchmark: switchyardd masquerading a guest's UDP to an outside host,
# against the plain L2 loop over the same two ports, alternating A/B in one
# run; then new connections per second the same way.
#
# The generator is sy_loadgen (tests/tools): open loop, two virtio-user
# ports, 64-byte frames. In the NAT runs port 0 is a guest (192.168.0.10)
# of network bench (mode nat, gateway 192.168.0.1/16) and port 1 is the
# outside host 10.99.0.2 behind the uplink (10.99.0.1/24): it answers ARP
# and sends every datagram back, so each frame is translated twice (out,
# then back). "Established": 1024 flows, tracked after their first round,
# in a table of the default size (65536).
# "New": every frame opens a connection; measured in the first second of
# a two-second run, before 4M connections could fill the table (a fast
# host fills it during the second second, so a full table is no error in
# that run). Generator on
# CPU 0, the switch's PMD on CPU 1.
#
# Usage: tests/bench/nat_vs_plain.sh [--samples N] [--seconds S] [--build DIR]
# Last lines:
#   established_mpps=E plain_mpps=P ratio=R     (Mpps per direction)
#   new_flows_per_s=N plain_mpps=P ratio=R      (new connections a second)
# (medians; each ratio is the median of the back-to-back pairs' ratios.)
set -euo pipefail

samples=5 seconds=8 build=build
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/bench/lib.sh"
bench_options "$@"
require_built "$daemon" "$yardctl" "$gen"

loop_workdir synb

y() { "$yardctl" --socket "$work/api.sock" "$@"; }
# Median over the per-second samples after two warm-up seconds (ARP and
# the first connections), in Mpps: the mean of both directions.
measure() {  # $1: established | new | plain
  local opts=()
  start_loop_switch "$1"
  if [ "$1" = plain ]; then
    y network create bench >/dev/null
    y port add p1 --network bench --vhost-server "$work/g1.sock" >/dev/null
  else
    y port add up0 --underlay 10.99.0.1/24 --vhost-server "$work/g1.sock" >/dev/null
    # The default table for established flows; the largest for new ones,
    # all of it for the one guest port. The outside host is on the
    # uplink's subnet, so allowed by name.
    local table
    table=$([ "$1" = new ] && echo 4194304 || echo 65536)
    y network create bench --mode nat --gateway 192.168.0.1/16 --uplink up0 \
      --allow-underlay 10.99.0.2/32 --nat-max "$table" --nat-max-per-guest "$table" >/dev/null
    local gw_mac
    gw_mac=$(y network show bench | awk '$1 == "gateway-mac:" {print $2}')
    opts=(--nat "$gw_mac" --flows "$([ "$1" = new ] && echo 0 || echo 1024)")
  fi
  y port add p0 --network bench --vhost-server "$work/g0.sock" >/dev/null
  run_loop_generator "$1" "${opts[@]}"
  loop_mpps "$work/gen-$1.log"
}
# New connections a second, in millions: each frame out is one (rx1). The
# second second of two: 4M connections would fill the table within three.
measure_new() {
  seconds=2 measure new >/dev/null
  sed -n 's/^t=\([0-9]*\) rx0=[0-9]* rx1=\([0-9]*\).*/\1 \2/p' "$work/gen-new.log" |
    awk '$1 == 1 {print $2 / 1e6}' | median
}
pairs "$samples" established "measure established" plain "measure plain" >"$work/est.pairs"
cat "$work/est.pairs"
est=$med_a est_plain=$med_b
pairs "$samples" new measure_new plain "measure plain" >"$work/new.pairs"
cat "$work/new.pairs"
last_ratio() { sed -n 's/.* ratio=\(.*\)/\1/p' "$1" | tail -1; }
# A NAT run that dropped what it should have carried measured the wrong thing.
for run in established new; do
  bad=$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
full_ok = sys.argv[2] == 'new'
# Networks' drops include the gateway's, where the router counts.
print(sum(int(v) for p in d['ports'] + d['networks'] for k, v in p['counters']['drops'].items()
          if (k.startswith('nat_') and not (full_ok and k == 'nat_table_full'))
          or k in ('no_route', 'bad_source', 'ip_bad_header', 'tunnel_bad_header')))" \
    "$work/$run.stats" "$run")
  [ "$bad" = 0 ] || { echo "nat_vs_plain: NAT drops in the $run run: $bad; logs in $work" >&2; KEEP=1; exit 1; }
done
echo "established_mpps=$est plain_mpps=$est_plain ratio=$(last_ratio "$work/est.pairs")"
echo "new_flows_per_s=$(awk -v m="$med_a" 'BEGIN {printf "%.0f", m * 1e6}') plain_mpps=$med_b" \
  "ratio=$(last_ratio "$work/new.pairs")"
awk -v a="$est" -v b="$med_a" 'BEGIN {exit !(a > 0 && b > 0)}' ||
  { echo "nat_vs_plain: no traffic measured; logs kept in $work" >&2; KEEP=1; exit 1; }
