#!/usr/bin/env bash
# The README's demo: installs what is missing, builds, starts switchyardd
# with one network and two vhost-user ports, attaches two DPDK virtio-user
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

cat >"$work/switch.conf" <<CONF
network demo fdb-aging=300
port vm1 network=demo type=vhost-server socket=$work/vm1.sock
port vm2 network=demo type=vhost-server socket=$work/vm2.sock
CONF
echo "demo: config"; sed 's/^/  /' "$work/switch.conf"

# The switch polls on CPU 1; the guests' forwarding core is CPU 0.
build/control/switchyardd --config "$work/switch.conf" --file-prefix $tag-switch \
  --control-cpu 0 --pmd-cpus 1 --pmd-idle-sleep-max-us 0 >"$work/switch.out" 2>"$work/switch.log" &
switch_pid=$!
pids+=($switch_pid)
for _ in $(seq 100); do
  [ -S "$work/vm1.sock" ] && [ -S "$work/vm2.sock" ] && break
  kill -0 $switch_pid 2>/dev/null || { cat "$work/switch.log"; exit 1; }
  sleep 0.1
done
echo "demo: switchyardd running (pid $switch_pid)"

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
# Tables while the guests are still attached (SIGUSR1), then stop everything.
kill -USR1 $switch_pid
sleep 1
kill $guests_pid
wait $guests_pid || true
cp "$work/switch.out" "$work/tables.txt"
kill -TERM $switch_pid
wait $switch_pid || true

mpps=$(grep -E '^ +Rx-pps' "$work/guests.log" | awk '{print $2}' | tail -n +3 | sort -n |
  awk '{a[NR]=$1} END {if (NR==0) {print "0.000"; exit}
       m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m/1e6}')
echo
echo "demo: throughput through the switch, 64-byte frames: $mpps Mpps per direction" \
  "(median of 1 s samples; --no-huge, one PMD core)"
echo
cat "$work/tables.txt"
echo
echo "demo: switch log"
sed 's/^/  /' "$work/switch.log"
