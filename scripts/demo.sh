#!/usr/bin/env bash
# The README's demo: installs what is missing, builds, starts switchyardd
# (in a network namespace of its own) and configures one network with
# yardctl. Part 1: two DPDK virtio-user guests (dpdk-testpmd forwarding
# frames between them through the switch) pass traffic for a few seconds;
# the throughput, the FDB and the per-port counters are printed. Part 2:
# yard-kvmd boots two QEMU guests (a tiny kernel and busybox, under TCG),
# one on a vhost-user port and one on a TAP port of the same network; one
# pings the other through the switch; the VMs, their console lines and the
# switch's counters are printed, and the VMs are shut down. Everything it
# starts and makes is stopped and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${DEMO_SECONDS:-10}

bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null
echo "demo: built build/control/switchyardd"

tag=sydemo$$
work=$(mktemp -d /tmp/$tag.XXXX)
ns=$tag
pids=()
cleanup() {
  # QEMUs run in sessions of their own (they outlive the agent by design).
  for f in "$work"/kvmd/run/*/qemu.pid; do
    [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work" /var/run/dpdk/$tag-*
}
trap cleanup EXIT INT TERM

yardctl() {
  build/cli/yardctl --socket "$work/switchyard.sock" --kvmd-socket "$work/kvmd.sock" "$@"
}

# The switch's namespace holds the TAP of part 2 and nothing else.
ip netns add "$ns"
# The switch polls on CPU 1; the guests' forwarding core is CPU 0.
ip netns exec "$ns" build/control/switchyardd --socket "$work/switchyard.sock" --state-dir "$work/state" \
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

# Part 2: two QEMU guests through yard-kvmd.
bash tests/guest/build_guest.sh build/test-guest >/dev/null
ip netns exec "$ns" build/kvm-host/yard-kvmd --socket "$work/kvmd.sock" \
  --switch-socket "$work/switchyard.sock" --state-dir "$work/kvmd" >"$work/kvmd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/kvmd.sock" ] && break; sleep 0.1; done
guest="--memory 96 --kernel $PWD/build/test-guest/vmlinux --initrd $PWD/build/test-guest/initramfs.cpio.gz"
echo
echo "demo: yard-kvmd running; two QEMU guests on the switch (TCG):"
run() {  # shows the command (quoted where it has spaces, guest paths short), then runs it
  local shown="" a
  for a in "$@"; do
    [[ $a == *" "* ]] && a="\"$a\""
    shown+=" ${a##*/build/test-guest/}"
  done
  echo "  \$ yardctl$shown"
  yardctl "$@" | sed 's/^/    /'
}
run vm define vm-a $guest --accel tcg --nic demo,kind=vhost-user,ip=10.0.0.1 \
  --cmdline "console=ttyS0 quiet sy.ip=10.0.0.1/24 sy.ping=10.0.0.2"
run vm define vm-b $guest --accel tcg --nic demo,kind=tap,ip=10.0.0.2 \
  --cmdline "console=ttyS0 quiet sy.ip=10.0.0.2/24"
run vm start vm-b
run vm start vm-a
pings() { yardctl vm console vm-a --no-follow | grep -c SY-PING-OK || true; }
for _ in $(seq 120); do [ "$(pings)" -ge 3 ] && break; sleep 0.5; done
yardctl vm list >"$work/vms.txt"
yardctl vm console vm-a --no-follow | grep -a -o -E 'SY-(GUEST|PING)[^[:cntrl:]]*' | tail -4 \
  >"$work/console.txt"
yardctl port list >"$work/vm-ports.txt"
yardctl stats >"$work/vm-stats.txt"
yardctl vm shutdown vm-a >/dev/null
yardctl vm shutdown vm-b >/dev/null
for _ in $(seq 100); do
  [ "$(yardctl vm list | grep -c shutoff)" -eq 2 ] && break
  sleep 0.1
done
yardctl vm list >"$work/vms-after.txt"
kill -TERM $switch_pid
wait $switch_pid || true

echo
echo "demo: vm-a's console: it pings vm-b through the switch ($(grep -c SY-PING-OK "$work/console.txt") of its last lines)"
sed 's/^/  /' "$work/console.txt"
show "vm list" vms.txt
show "port list    (vm-a-n0: vhost-user, vm-b-n0: TAP)" vm-ports.txt
show "stats" vm-stats.txt
show "vm list    (after vm shutdown vm-a, vm-b: ACPI power-off)" vms-after.txt
grep -q SY-PING-OK "$work/console.txt" || { echo "demo: vm-a never reached vm-b" >&2; exit 1; }
echo
echo "demo: switch log"
sed 's/^/  /' "$work/switch.log"
echo
echo "demo: yard-kvmd log"
sed 's/^/  /' "$work/kvmd.log"
