#!/usr/bin/env bash
# Two-port vhost-user loop benchmark: switchyardd against the ceiling of
# dpdk-testpmd --forward-mode=io over the same two vhost-user ports,
# alternating A/B in one run so both see the same machine noise.
#
# A generator (dpdk-testpmd, two virtio-user ports, io-forwarding with
# --tx-first, 64-byte frames, MACs 02:..:01 and 02:..:02) closes the loop.
# The forwarder under test is the vhost-user server and is up before the
# generator connects both ports at once: a closed loop never refills a frame
# lost while only one port was connected. Generator on CPU 0, forwarder's
# PMD on CPU 1.
#
# With --against DIR the reference is not testpmd but the switchyardd (and
# yardctl) of another build, e.g. the previous main's: a before/after of a
# change, as a ratio measured in one run.
#
# Usage: tests/bench/vhost_loop.sh [--samples N] [--seconds S] [--build DIR]
#                                  [--switch-args "..."] [--against DIR]
# Last line: switchyard_mpps=X ceiling_mpps=Y ratio=Z   (medians, per direction;
# Z is the median of the back-to-back pairs' ratios)
set -euo pipefail

samples=5 seconds=20 build=build extra_args="" label="switchyard" against=""
bench_option() {
  case $1 in
    --switch-args) extra_args=$2 ;;
    --against) against=$2 ;;
    *) return 1 ;;
  esac
}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/bench/lib.sh"
bench_options "$@"
require_built "$daemon"
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd missing (apt-get install dpdk)" >&2; exit 1; }

tag=sybench$$
work=$(mktemp -d /tmp/$tag.XXXX)
pids=() fwd_pid=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$work"; rm -rf /var/run/dpdk/$tag-*
}
trap cleanup EXIT INT TERM

# Runs the generator for $seconds; prints the median per-direction Mpps of
# its 2-second samples after the first two (warm-up).
generate() {
  local log=$work/gen.log
  timeout "$seconds" stdbuf -oL dpdk-testpmd -l 0,1 --main-lcore 1 --no-huge -m 1024 \
    --file-prefix=$tag-gen --no-pci --single-file-segments --log-level='*:error' \
    --vdev "net_virtio_user0,path=$work/g0.sock,queues=1,mac=02:00:00:00:00:01" \
    --vdev "net_virtio_user1,path=$work/g1.sock,queues=1,mac=02:00:00:00:00:02" \
    -- --no-mlockall --forward-mode=io --eth-peer=0,02:00:00:00:00:02 \
    --eth-peer=1,02:00:00:00:00:01 --tx-first --stats-period 2 --nb-cores=1 \
    --total-num-mbufs=16384 >"$log" 2>&1 || true
  grep -E '^ +Rx-pps' "$log" | awk '{print $2}' | tail -n +5 | sort -n |
    awk '{a[NR]=$1} END {if (NR==0) {print 0; exit}
         m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m/1e6}'
}

# Each run_* starts a forwarder in the background, sets fwd_pid, and returns
# once both of its sockets exist.
wait_sockets() {
  for _ in $(seq 100); do
    [ -S "$work/g0.sock" ] && [ -S "$work/g1.sock" ] && return 0
    sleep 0.1
  done
  echo "forwarder did not create its sockets" >&2
  return 1
}
run_switchyard() {  # $1: the build (default: --build)
  local daemon=${1:-$build}/control/switchyardd yardctl_bin=${1:-$build}/cli/yardctl
  # Each build its own state dir: an older one may not read a newer's file.
  "$daemon" --socket "$work/api.sock" --state-dir "$work/state${1:+-against}" --file-prefix $tag-sy \
    --control-cpu 0 --pmd-cpus 1 --pmd-idle-sleep-max-us 0 $extra_args \
    >"$work/switchyard.log" 2>&1 &
  fwd_pid=$!
  pids+=($fwd_pid)
  local yardctl="$yardctl_bin --socket $work/api.sock"
  for _ in $(seq 100); do $yardctl health >/dev/null 2>&1 && break; sleep 0.1; done
  # The state dir is reused: the first run creates, later ones find them.
  $yardctl network create bench >/dev/null
  $yardctl port add p0 --network bench --vhost-server "$work/g0.sock" >/dev/null
  $yardctl port add p1 --network bench --vhost-server "$work/g1.sock" >/dev/null
  wait_sockets
}
run_ceiling() {
  dpdk-testpmd -l 0,1 --main-lcore 0 --no-huge -m 1024 --file-prefix=$tag-ref --no-pci \
    --single-file-segments --log-level='*:error' \
    --vdev "net_vhost0,iface=$work/g0.sock,queues=1" \
    --vdev "net_vhost1,iface=$work/g1.sock,queues=1" \
    -- --no-mlockall --forward-mode=io --nb-cores=1 --stats-period 60 \
    --total-num-mbufs=16384 >"$work/ceiling.log" 2>&1 &
  fwd_pid=$!
  pids+=($fwd_pid)
  wait_sockets
}
run_against() { run_switchyard "$against"; }
measure() {  # $1: run_switchyard | run_ceiling | run_against
  local result
  $1
  result=$(generate)
  kill "$fwd_pid" 2>/dev/null || true
  wait "$fwd_pid" 2>/dev/null || true
  rm -rf /var/run/dpdk/$tag-* "$work"/g?.sock
  echo "$result"
}
if [ -n "$against" ]; then
  case $against in /*) ;; *) against=$root/$against ;; esac
  require_built "$against/control/switchyardd" "$against/cli/yardctl"
  pairs "$samples" switchyard "measure run_switchyard" against "measure run_against"
else
  pairs "$samples" switchyard "measure run_switchyard" ceiling "measure run_ceiling"
fi
# A run that measured nothing is a broken benchmark, not a slow switch.
awk -v a="$med_a" -v b="$med_b" 'BEGIN {exit !(a > 0 && b > 0)}' ||
  { echo "vhost_loop: no traffic measured; logs kept in $work" >&2; KEEP=1; exit 1; }
