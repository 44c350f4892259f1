#!/usr/bin/env bash
# The README's demo: installs what is missing, builds, starts switchyardd
# configures one network and two vhost-user ports with yardctl, attaches two DPDK virtio-user
# guests (dpdk-testpmd forwarding frames between them through the switch),
# passes traffic for a few seconds, then prints the throughput, the FDB and
# the per-port counters, and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${DEMO_SECONDS:-10}

bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null
echo "demo: built build/control/switchyardd"

tag=sydemo$$
work=$(mktemp -d /tmp/$tag.XXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work" /var/run/dpdk/$tag-*
}
trap cleanup EXIT INT TERM

yardctl() { build/control/cli/yardctl --socket "$work/switchyard.sock" "$@"; }

# The switch polls on CPU 1; the guests' forwarding core is CPU 0.
build/control/switchyardd --socket "$work/switchyard.sock" --state-dir "$work/state" \
  --file-prefix $tag-switch --control-cpu 0 --pmd-cpus 1 --pmd-idle-sleep-max-us 0 \
  >"$work/switch.log" 2>&1 &
switch_pid=$!
pids+=($switch_pid)
for _ in $(seq 100); do
  yardctl health >/dev/null 2>&1 && break
  kill -0 $switch_pid 2>/dev/null || { cat "$work/switch.log"; exit 1; }
  sleep 0.1
done
echo "demo: switchyardd running (pid $switch_pid); configuring it with yardctl:"
for cmd in "network create demo" \
  "port add vm1 --network demo --vhost-server $work/vm1.sock" \
  "port add vm2 --network demo --vhost-server $work/vm2.sock"; do
  echo "  \$ yardctl $cmd"
  yardctl $cmd | sed 's/^/    /'
done

# Two guests in one testpmd: vm1 (02:..:01) and vm2 (02:..:02) each send a
# burst to the other, then forward whatever they receive back out.
echo "demo: two virtio-user guests pass traffic for $seconds s ..."
stdbuf -oL dpdk-testpmd -l 0,1 --main-lcore 1 --no-huge -m 1024 \
  --file-prefix=$tag-guests --no-pci --single-file-segments --log-level='*:error' \
  --vdev "net_virtio_user0,path=$work/vm1.sock,queues=1,mac=02:00:00:00:00:01" \
  --vdev "net_virtio_user1,path=$work/vm2.sock,queues=1,mac=02:00:00:00:00:02" \
  -- --no-mlockall --forward-mode=io --eth-peer=0,02:00:00:00:00:02 \
  --eth-peer=1,02:00:00:00:00:01 --tx-first --stats-period 1 --nb-cores=1 \
  --total-num-mbufs=16384 >"$work/guests.log" 2>&1 &
guests_pid=$!
pids+=($guests_pid)
sleep "$seconds"
# Counters and FDB while the guests are still attached, then stop everything.
yardctl port list >"$work/ports.txt"
yardctl fdb show demo >"$work/fdb.txt"
yardctl stats >"$work/stats.txt"
kill $guests_pid
wait $guests_pid || true
kill -TERM $switch_pid
wait $switch_pid || true

mpps=$(grep -E '^ +Rx-pps' "$work/guests.log" | awk '{print $2}' | tail -n +3 | sort -n |
  awk '{a[NR]=$1} END {if (NR==0) {print "0.000"; exit}
       m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m/1e6}')
echo
echo "demo: throughput through the switch, 64-byte frames: $mpps Mpps per direction" \
  "(median of 1 s samples; --no-huge, one PMD core)"
show() { echo; echo "\$ yardctl $1"; sed 's/^/  /' "$work/$2"; }
show "port list" ports.txt
show "fdb show demo" fdb.txt
show "stats" stats.txt
echo
echo "demo: switch log"
sed 's/^/  /' "$work/switch.log"
