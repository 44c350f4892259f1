#!/usr/bin/env bash
# Proves the QEMU command lines yard-kvmd will use, on this machine, with the
# switch: two TCG guests (tests/guest/build_guest.sh) on one switchyardd
# network, guest A on a vhost-user port (the switch is the server, QEMU the
# client with reconnect=1), guest B on a tap port (the switch makes the TAP,
# QEMU opens it by name). A pings B; the script reports the time from QEMU
# start to the first SY-PING-OK, then presses both guests' ACPI power button
# over QMP (system_powerdown) and checks that both QEMUs exit.
#
# usage: try_guests.sh [--kvm-check] [--keep]     (as root)
#   --kvm-check  afterwards boot one guest with -accel kvm and report whether
#                it reaches SY-GUEST-READY within 20 s, hangs or fails
#   --keep       keep the work directory (serial logs, switch log)
# env: SY_BUILD (default <repo>/build), SY_GUEST_OUT (default $SY_BUILD/test-guest)
#
# Everything it makes is its own: a network namespace syg-<pid> (the switch
# and guest B run in it, so the TAP and all guest traffic stay there), a work
# directory from mktemp (API socket, state dir, vhost-user socket, QMP
# sockets, logs), the DPDK prefix sy-try-<pid>. It stops only the PIDs it
# started and removes all of it on any exit.
# QEMU options are comma lists: shellcheck's SC2054 does not apply.
# shellcheck disable=SC2054
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${SY_BUILD:-$repo/build}
guest_out=${SY_GUEST_OUT:-$build/test-guest}
daemon=$build/control/switchyardd
yardctl_bin=$build/cli/yardctl
python=/usr/bin/python3

kvm_check=0 keep=0
for a in "$@"; do
  case $a in
    --kvm-check) kvm_check=1 ;;
    --keep) keep=1 ;;
    *) echo "usage: try_guests.sh [--kvm-check] [--keep]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "try_guests: run as root" >&2; exit 1; }
if [ ! -x "$daemon" ] || [ ! -x "$yardctl_bin" ]; then
  echo "try_guests: build the switch first ($build)" >&2
  exit 1
fi

log() { printf '[try_guests %6.1fs] %s\n' "$(elapsed "$t0")" "$*"; }
now_ns() { date +%s%N; }
elapsed() { printf '%.2f' "$(echo "scale=3; ($(now_ns) - $1) / 1000000000" | bc)"; }
t0=$(now_ns)

"$here/build_guest.sh" "$guest_out"
kernel=$guest_out/vmlinux
initrd=$guest_out/initramfs.cpio.gz

work=$(mktemp -d /tmp/sy-try-guests.XXXXXX)
ns=syg-$$
prefix=sy-try-$$
tap=sytb$$; tap=${tap:0:15}
api=$work/api.sock
switch_pid="" ns_made=0
qemu_pids=()

# --- cleanup: only what this run made ---------------------------------------
stop_pid() {  # stop_pid PID SECONDS: TERM, then KILL after SECONDS
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  set +e
  if [ $rc -ne 0 ]; then
    echo "try_guests: FAILED (rc $rc); logs:" >&2
    for f in "$work"/*.log; do
      [ -f "$f" ] && { echo "--- $f (tail)" >&2; tail -n 15 "$f" | tr -d "\r" >&2; echo >&2; }
    done
  fi
  for pid in "${qemu_pids[@]}"; do stop_pid "$pid" 3; done
  if [ -n "$switch_pid" ]; then
    yc port delete vb >/dev/null 2>&1
    yc port delete va >/dev/null 2>&1
    stop_pid "$switch_pid" 10
  fi
  if [ $ns_made -eq 1 ]; then
    ip netns exec "$ns" ip link del "$tap" 2>/dev/null
    ip netns del "$ns"
  fi
  rm -rf "/var/run/dpdk/$prefix"
  if [ $keep -eq 1 ]; then echo "try_guests: kept $work"; else rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

yc() { "$yardctl_bin" --socket "$api" "$@"; }

# qmp SOCKET COMMAND: one QMP command; prints the reply.
qmp() {
  "$python" - "$1" "$2" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
f = s.makefile("rw")
json.loads(f.readline())  # greeting
for cmd in ("qmp_capabilities", sys.argv[2]):
    f.write(json.dumps({"execute": cmd}) + "\n")
    f.flush()
    while True:
        reply = json.loads(f.readline())
        if "return" in reply or "error" in reply:
            break
print(json.dumps(reply))
sys.exit(0 if "return" in reply else 1)
EOF
}

# wait_marker FILE PATTERN TIMEOUT_S START_NS PID: seconds from START_NS to
# the first line matching PATTERN; fails on timeout or when PID exits.
wait_marker() {
  local deadline=$(($(now_ns) + $3 * 1000000000))
  while [ "$(now_ns)" -lt $deadline ]; do
    if grep -aq "$2" "$1" 2>/dev/null; then elapsed "$4"; return 0; fi
    kill -0 "$5" 2>/dev/null || { echo "exited"; return 1; }
    sleep 0.05
  done
  echo "timeout"
  return 1
}

# wait_exit PID TIMEOUT_S START_NS: seconds until PID exits.
wait_exit() {
  local deadline=$(($(now_ns) + $2 * 1000000000))
  while [ "$(now_ns)" -lt $deadline ]; do
    if ! kill -0 "$1" 2>/dev/null; then wait "$1" 2>/dev/null || true; elapsed "$3"; return 0; fi
    sleep 0.05
  done
  echo "timeout"
  return 1
}

show_cmd() {  # prints a command line, single-quoting words that need it
  local out="" w
  for w in "$@"; do
    if [[ $w =~ ^[A-Za-z0-9_./:,=@%+-]+$ ]]; then out+=" $w"; else out+=" '$w'"; fi
  done
  echo " $out"
}

# --- the switch, in its own namespace ---------------------------------------
ip netns add "$ns"
ns_made=1
ip netns exec "$ns" ip link set lo up
# `ip netns exec` execs the daemon: $! is the daemon's PID.
ip netns exec "$ns" "$daemon" --socket "$api" --state-dir "$work/state" \
  --file-prefix "$prefix" --hugepages off --memory-mb 256 \
  --control-cpu 0 --pmd-cpus 1 > "$work/switchyardd.log" 2>&1 &
switch_pid=$!
for _ in $(seq 1 200); do
  grep -q "api: serving" "$work/switchyardd.log" && break
  kill -0 "$switch_pid" 2>/dev/null || { echo "switchyardd exited" >&2; exit 1; }
  sleep 0.1
done
grep -q "api: serving" "$work/switchyardd.log" || { echo "switchyardd API not up" >&2; exit 1; }
yc network create lan0 >/dev/null
yc port add va --network lan0 --vhost-server "$work/va.sock" >/dev/null
yc port add vb --network lan0 --tap "$tap" >/dev/null
log "switchyardd up in netns $ns; ports va (vhost-user server $work/va.sock), vb (tap $tap)"

# --- the guests ---------------------------------------------------------------
common=(-nodefaults -no-user-config -nographic -no-reboot -m 96 -smp 1
        -kernel "$kernel" -initrd "$initrd" -monitor none)
guest_a=(qemu-system-x86_64 -name guest-a -accel tcg,tb-size=16 "${common[@]}"
  -machine pc,memory-backend=mem
  -object memory-backend-memfd,id=mem,size=96M,share=on
  -chardev socket,id=c0,path="$work/va.sock",reconnect=1
  -netdev vhost-user,id=n0,chardev=c0
  -device virtio-net-pci,netdev=n0,mac=52:54:00:5e:00:0a,vectors=0,romfile=
  -serial file:"$work/guest-a.log" -qmp unix:"$work/guest-a.qmp",server=on,wait=off
  -append "console=ttyS0 quiet sy.ip=10.0.0.1/24 sy.ping=10.0.0.2")
guest_b=(ip netns exec "$ns" qemu-system-x86_64 -name guest-b -accel tcg,tb-size=16 "${common[@]}"
  -machine pc
  -netdev tap,id=n0,ifname="$tap",script=no,downscript=no,vhost=off
  -device virtio-net-pci,netdev=n0,mac=52:54:00:5e:00:0b,romfile=
  -serial file:"$work/guest-b.log" -qmp unix:"$work/guest-b.qmp",server=on,wait=off
  -append "console=ttyS0 quiet sy.ip=10.0.0.2/24")

start_b=$(now_ns)
"${guest_b[@]}" < /dev/null > "$work/qemu-b.log" 2>&1 &
pid_b=$!
qemu_pids+=("$pid_b")
start_a=$(now_ns)
"${guest_a[@]}" < /dev/null > "$work/qemu-a.log" 2>&1 &
pid_a=$!
qemu_pids+=("$pid_a")
log "QEMU A pid $pid_a (vhost-user), QEMU B pid $pid_b (tap)"

ready_b=$(wait_marker "$work/guest-b.log" "SY-GUEST-READY" 60 "$start_b" "$pid_b")
log "guest B ready ${ready_b}s after its QEMU started"
ready_a=$(wait_marker "$work/guest-a.log" "SY-GUEST-READY" 60 "$start_a" "$pid_a")
log "guest A ready ${ready_a}s after its QEMU started"
ping_a=$(wait_marker "$work/guest-a.log" "SY-PING-OK" 60 "$start_a" "$pid_a")
log "guest A: first SY-PING-OK to 10.0.0.2 ${ping_a}s after its QEMU started"
grep -ao "SY-PING-.*" "$work/guest-a.log" | tr -d '\r' | sed 's/^/    guest A: /'
yc port list | sed 's/^/    /'
rss_a=$(($(ps -o rss= -p "$pid_a") / 1024)) rss_b=$(($(ps -o rss= -p "$pid_b") / 1024))
log "host memory (RSS): QEMU A ${rss_a} MB, QEMU B ${rss_b} MB"

# --- ACPI power button --------------------------------------------------------
off_t0=$(now_ns)
qmp "$work/guest-a.qmp" system_powerdown > /dev/null
qmp "$work/guest-b.qmp" system_powerdown > /dev/null
off_a=$(wait_exit "$pid_a" 20 "$off_t0")
off_b=$(wait_exit "$pid_b" 20 "$off_t0")
grep -aq SY-GUEST-POWEROFF "$work/guest-a.log" && grep -aq SY-GUEST-POWEROFF "$work/guest-b.log"
qemu_pids=()
log "system_powerdown: QEMU A exited after ${off_a}s, QEMU B after ${off_b}s"

# --- KVM, once ----------------------------------------------------------------
kvm_result="not checked (--kvm-check)"
if [ $kvm_check -eq 1 ]; then
  guest_k=(qemu-system-x86_64 -name guest-kvm -accel kvm "${common[@]}" -machine pc
    -serial file:"$work/guest-kvm.log" -qmp unix:"$work/guest-kvm.qmp",server=on,wait=off
    -append "console=ttyS0 sy.ip=10.0.0.3/24")
  start_k=$(now_ns)
  "${guest_k[@]}" < /dev/null > "$work/qemu-kvm.log" 2>&1 &
  pid_k=$!
  qemu_pids+=("$pid_k")
  if ready_k=$(wait_marker "$work/guest-kvm.log" "SY-GUEST-READY" 20 "$start_k" "$pid_k"); then
    kvm_result="READY after ${ready_k}s"
  elif [ "$ready_k" = "exited" ]; then
    wait "$pid_k" && rc_k=0 || rc_k=$?
    kvm_result="QEMU exited (rc $rc_k) before READY: $(tail -n 2 "$work/qemu-kvm.log" | tr '\n' ' ')"
  else
    kvm_result="no READY within 20 s (QEMU still running: hang); last console line: $(grep -a . "$work/guest-kvm.log" | tail -n 1 | tr -d '\r' | cut -c1-160)"
  fi
  log "-accel kvm: $kvm_result"
  echo "    console (last 8 lines):"
  tail -n 8 "$work/guest-kvm.log" | tr -d '\r' | sed 's/^/    | /'
  stop_pid "$pid_k" 3
  qemu_pids=()
fi

echo
echo "Command lines that worked (WORK=$work, removed at exit):"
echo "guest A (vhost-user port, switch is server):"
show_cmd "${guest_a[@]}"
echo "guest B (tap port the switch created, run in its namespace):"
show_cmd "${guest_b[@]}"
[ $kvm_check -eq 1 ] && { echo "KVM check:"; show_cmd "${guest_k[@]}"; }
echo
echo "RESULT boot-to-ready A=${ready_a}s B=${ready_b}s; boot-to-first-ping A->B=${ping_a}s;" \
  "powerdown exit A=${off_a}s B=${off_b}s; RSS A=${rss_a}MB B=${rss_b}MB; kvm: $kvm_result"
