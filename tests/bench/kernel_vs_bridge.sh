#!/usr/bin/env bash
# Kernel ports benchmark: two namespaces h1 and h2 joined through a switch
# namespace by veth pairs; the switch is switchyardd (kernel ports with the
# driver asked for, PMD on CPU 1, busy-polling) or a Linux bridge over the
# same veths, alternating A/B in one run. Traffic: iperf3 64-byte UDP
# (packets/s at the receiver) and iperf3 TCP (Gbit/s), sender and receiver
# pinned to CPU 0. With --driver af_xdp both sides run with tx offloads off
# on the hosts' veths, which AF_XDP needs; with af_packet (the default) the
# hosts keep their offloads, as a Linux bridge user has them
# (docs/benchmarks.md).
#
# Usage: tests/bench/kernel_vs_bridge.sh [--samples N] [--seconds S] [--build DIR]
#                                        [--driver af_packet|af_xdp]
# Last line: switchyard_pps=X linuxbridge_pps=Y ratio=Z   (medians; Z is the
# median of the back-to-back pairs' ratios)
set -euo pipefail

samples=3 seconds=5 build=build driver=af_packet
bench_option() { [ "$1" = --driver ] && driver=$2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/bench/lib.sh"
bench_options "$@"
require_built "$daemon"

tag=sykb$$
work=$(mktemp -d /tmp/$tag.XXXX)
sw=${tag}sw h1=${tag}h1 h2=${tag}h2
sw_pid=
cleanup() {
  [ -n "$sw_pid" ] && kill "$sw_pid" 2>/dev/null && wait "$sw_pid" 2>/dev/null
  for ns in $sw $h1 $h2; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$work" /var/run/dpdk/$tag-*
}
trap cleanup EXIT INT TERM

run_in() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
for ns in $sw $h1 $h2; do ip netns add "$ns"; run_in "$ns" ip link set lo up; done
for pair in "$h1 swa 10.197.0.1" "$h2 swb 10.197.0.2"; do
  set -- $pair
  ip link add "$2" netns $sw type veth peer name eth0 netns "$1"
  run_in $sw ip link set "$2" up
  run_in "$1" ip addr add "$3/24" dev eth0
  run_in "$1" ip link set eth0 up
  [ "$driver" = af_xdp ] && run_in "$1" ethtool -K eth0 tx off >/dev/null
done

start_switchyard() {
  # Not through run_in: `ip netns exec` execs the daemon, so $! is its PID.
  ip netns exec $sw "$daemon" --socket "$work/api.sock" --state-dir "$work/state" \
    --file-prefix $tag-sy --control-cpu 0 --pmd-cpus 1 --pmd-idle-sleep-max-us 0 \
    >"$work/switchyard.log" 2>&1 &
  sw_pid=$!
  for _ in $(seq 100); do "$yardctl" --socket "$work/api.sock" health >/dev/null 2>&1 && break; sleep 0.1; done
  "$yardctl" --socket "$work/api.sock" network create bench >/dev/null
  "$yardctl" --socket "$work/api.sock" port add a --network bench --kernel swa --driver $driver >/dev/null
  "$yardctl" --socket "$work/api.sock" port add b --network bench --kernel swb --driver $driver >/dev/null
}
stop_switchyard() { kill "$sw_pid"; wait "$sw_pid" 2>/dev/null || true; sw_pid=; rm -rf /var/run/dpdk/$tag-*; }
start_bridge() {
  run_in $sw ip link add br0 type bridge
  run_in $sw ip link set swa master br0
  run_in $sw ip link set swb master br0
  run_in $sw ip link set br0 up
}
stop_bridge() { run_in $sw ip link del br0; }

# Prints "PPS GBPS": 64-byte UDP datagrams/s received, then TCP Gbit/s.
measure() {
  run_in $h1 ping -c 2 -W 1 10.197.0.2 >/dev/null 2>&1 || true  # learn MACs, resolve ARP
  run_in $h2 taskset -c 0 iperf3 -s -1 -D -p 5301 >/dev/null 2>&1; sleep 0.3
  # 18 bytes of UDP payload: a 60-byte frame (64 on a wire).
  local udp
  udp=$(run_in $h1 taskset -c 0 iperf3 -c 10.197.0.2 -p 5301 -u -b 0 -l 18 -t "$seconds" -J 2>/dev/null |
    python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]["sum"]; print(round((e["packets"]-e["lost_packets"])/e["seconds"]))')
  run_in $h2 taskset -c 0 iperf3 -s -1 -D -p 5302 >/dev/null 2>&1; sleep 0.3
  local tcp
  tcp=$(run_in $h1 taskset -c 0 iperf3 -c 10.197.0.2 -p 5302 -t "$seconds" -J 2>/dev/null |
    python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9, 3))')
  echo "$udp $tcp"
}
run() {  # $1: switchyard | bridge
  "start_$1"; local r; r=$(measure); "stop_$1"; echo "$r"
}

sy_pps=() br_pps=() sy_tcp=() br_tcp=() ratios=() tcp_ratios=()
for i in $(seq 1 "$samples"); do
  if [ $((i % 2)) -eq 1 ]; then a=$(run switchyard); b=$(run bridge); else b=$(run bridge); a=$(run switchyard); fi
  read -r ap at <<<"$a"; read -r bp bt <<<"$b"
  sy_pps+=("$ap") br_pps+=("$bp") sy_tcp+=("$at") br_tcp+=("$bt")
  ratios+=("$(ratio "$ap" "$bp")") tcp_ratios+=("$(ratio "$at" "$bt")")
  echo "sample $i ($driver): udp64 switchyard $ap pps, bridge $bp pps (ratio ${ratios[-1]});" \
    "tcp switchyard $at Gbit/s, bridge $bt Gbit/s (ratio ${tcp_ratios[-1]})"
done
echo "tcp: switchyard_gbps=$(printf '%s\n' "${sy_tcp[@]}" | median)" \
  "linuxbridge_gbps=$(printf '%s\n' "${br_tcp[@]}" | median)" \
  "ratio=$(printf '%s\n' "${tcp_ratios[@]}" | median)"
sp=$(printf '%s\n' "${sy_pps[@]}" | median) bp=$(printf '%s\n' "${br_pps[@]}" | median)
echo "switchyard_pps=${sp%.*} linuxbridge_pps=${bp%.*} ratio=$(printf '%s\n' "${ratios[@]}" | median)"
awk -v a="$sp" -v b="$bp" 'BEGIN {exit !(a > 0 && b > 0)}' ||
  { echo "kernel_vs_bridge: no traffic measured" >&2; exit 1; }
