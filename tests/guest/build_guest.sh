#!/usr/bin/env bash
# Builds the tiny test guest of yard-kvmd from Debian packages only:
#
#   OUTDIR/vmlinux            the installed linux-image-amd64 kernel, decompressed
#                             from /boot/vmlinuz-K (TCG boots it about twice as
#                             fast as the bzImage); the bzImage itself if no
#                             payload can be extracted (a note says so)
#   OUTDIR/initramfs.cpio.gz  static busybox, the kernel's virtio-net and ACPI
#                             power-button modules, and an /init (below)
#   OUTDIR/kernel.txt         which kernel, and whether vmlinux is uncompressed
#
# usage: build_guest.sh OUTDIR      (env SY_GUEST_KERNEL=K picks a kernel version)
#
# Quick when OUTDIR is already built: OUTDIR/.stamp holds the kernel version,
# this script's sha256 and busybox's; when they match, nothing is done.
#
# The guest's interface is its kernel command line (see tests/guest/README.md):
#   sy.ip=ADDR/LEN   eth0's address          sy.ip1=ADDR/LEN  eth1's address
#   sy.gw=ADDR       default route           sy.ping=ADDR     ping ADDR forever
#   sy.ping_interval=S  seconds between pings (default 1)
#   sy.flood=KIB     write KIB KiB of lines to the console, then a marker
# and it prints marker lines on the console (ttyS0):
#   SY-GUEST-READY <eth0 address>  networking is up
#   SY-PING-OK <addr> seq=N / SY-PING-FAIL <addr> seq=N
#   SY-FLOOD-DONE <KIB>          the flood of sy.flood is written
#   SY-GUEST-POWEROFF            the ACPI power button was pressed
# The ACPI power button (QMP system_powerdown) powers the guest off: the
# kernel's `button` and `evdev` modules make the button an input device,
# busybox acpid runs /etc/acpi/PWRF/00000080, which calls `poweroff -f`.
set -euo pipefail

die() { echo "build_guest: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: build_guest.sh OUTDIR"
out=$1
self=$(readlink -f "${BASH_SOURCE[0]}")
busybox=/bin/busybox

# --- which kernel -----------------------------------------------------------
if [ -n "${SY_GUEST_KERNEL:-}" ]; then
  kver=$SY_GUEST_KERNEL
else
  kver=""
  # The newest /boot/vmlinuz-* that has its modules installed.
  for img in $(printf '%s\n' /boot/vmlinuz-* | sort -V -r); do
    k=${img#/boot/vmlinuz-}
    if [ -d "/lib/modules/$k" ]; then kver=$k; break; fi
  done
  [ -n "$kver" ] || die "no /boot/vmlinuz-K with /lib/modules/K (install linux-image-amd64)"
fi
image=/boot/vmlinuz-$kver
[ -r "$image" ] || die "$image missing"
[ -d "/lib/modules/$kver" ] || die "/lib/modules/$kver missing"
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
  die "$busybox is not a static busybox (install busybox-static)"
fi

stamp="kernel=$kver script=$(sha256sum "$self" | cut -d' ' -f1) busybox=$(sha256sum "$busybox" | cut -d' ' -f1)"
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] \
   && [ -s "$out/vmlinux" ] && [ -s "$out/initramfs.cpio.gz" ]; then
  echo "build_guest: $out is up to date (kernel $kver)"
  exit 0
fi

mkdir -p "$out"
# One build per OUTDIR at a time (parallel test runs share it).
exec 9> "$out/.lock"
flock 9
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
  echo "build_guest: $out was built meanwhile (kernel $kver)"
  exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/sy-guest-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- the uncompressed kernel --------------------------------------------------
# What the kernel's scripts/extract-vmlinux does: find each compressor's magic
# in the bzImage, decompress from there, keep the first result that is ELF.
extract_vmlinux() {
  local img=$1 dst=$2 magic tool off
  local -a formats=(
    '\x1f\x8b\x08'             'gzip -dc'
    '\xfd\x37\x7a\x58\x5a\x00' 'xz -dc --single-stream'
    '\x28\xb5\x2f\xfd'         'zstd -dc -q'
    '\x5d\x00\x00\x00'         'xz -dc --format=lzma'
    '\x42\x5a\x68'             'bzip2 -dc'
    '\x02\x21\x4c\x18'         'lz4 -dc'
  )
  for ((i = 0; i < ${#formats[@]}; i += 2)); do
    magic=${formats[i]} tool=${formats[i + 1]}
    command -v "${tool%% *}" >/dev/null || continue
    for off in $(LC_ALL=C grep -obUaP "$magic" "$img" | cut -d: -f1 | head -20); do
      # Decompressors complain about the bytes after the payload; the output
      # up to there is what counts.
      tail -c +$((off + 1)) "$img" | $tool > "$dst" 2>/dev/null || true
      if [ "$(head -c 4 "$dst" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ]; then
        echo "${tool%% *} payload at offset $off"
        return 0
      fi
    done
  done
  return 1
}

if how=$(extract_vmlinux "$image" "$work/vmlinux"); then
  note="uncompressed from $image ($how)"
else
  cp "$image" "$work/vmlinux"
  note="NOTE: could not extract an ELF payload; vmlinux is the compressed bzImage $image (boots about 2x slower under TCG)"
  echo "build_guest: $note" >&2
fi

# --- the initramfs -------------------------------------------------------------
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc/acpi/PWRF,lib/modules,var/log,var/run,root}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
ln -s ../bin/busybox "$root/sbin/init"
# The kernel opens /dev/console for /init before anything is mounted.
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 666 "$root/dev/null" c 1 3

# Modules in load order: each one's dependencies (modinfo "depends") first.
# Built-in ones (no file) are skipped. Compressed ones are decompressed here
# so that busybox insmod can load them.
wanted=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
        failover net_failover virtio_net evdev button)
order=()
declare -A seen=()
add_module() {
  local name=${1//-/_} dep path
  [ -z "${seen[$name]:-}" ] || return 0
  seen[$name]=1
  path=$(modinfo -k "$kver" -n "$name" 2>/dev/null) || { echo "build_guest: module $name not found, skipped" >&2; return 0; }
  [ -f "$path" ] || return 0  # built in
  for dep in $(modinfo -k "$kver" -F depends "$name" | tr ',' ' '); do
    add_module "$dep"
  done
  order+=("$name:$path")
}
for m in "${wanted[@]}"; do add_module "$m"; done
: > "$root/lib/modules/order"
for entry in "${order[@]}"; do
  name=${entry%%:*} path=${entry#*:}
  case $path in
    *.ko.xz)  xz -dc "$path" > "$root/lib/modules/$name.ko" ;;
    *.ko.zst) zstd -dc -q "$path" > "$root/lib/modules/$name.ko" ;;
    *.ko.gz)  gzip -dc "$path" > "$root/lib/modules/$name.ko" ;;
    *.ko)     cp "$path" "$root/lib/modules/$name.ko" ;;
    *) die "unexpected module file $path" ;;
  esac
  echo "$name" >> "$root/lib/modules/order"
done

cat > "$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
# busybox acpid runs this on the ACPI power button (QMP system_powerdown).
echo "SY-GUEST-POWEROFF" > /dev/console
sync
exec poweroff -f
EOF
chmod 755 "$root/etc/acpi/PWRF/00000080"

# busybox init after /init: reaps orphans, keeps a shell on the console.
cat > "$root/etc/inittab" <<'EOF'
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/bin/poweroff -f
EOF
cat > "$root/etc/profile" <<'EOF'
export PATH=/bin:/sbin
PS1='sy-guest# '
EOF
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"

cat > "$root/init" <<'EOF'
#!/bin/sh
# Switchyard test guest: network from the kernel command line, markers on
# the console, ACPI power button -> poweroff. See tests/guest/README.md.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
exec < /dev/console > /dev/console 2>&1

say() { echo "$*" > /dev/console; }

arg() {  # arg NAME: the value of NAME=... on the kernel command line
  for word in $(cat /proc/cmdline); do
    case $word in "$1="*) echo "${word#*=}"; return 0 ;; esac
  done
  return 1
}

for m in $(cat /lib/modules/order); do
  insmod /lib/modules/$m.ko 2>/dev/null || say "SY-GUEST-WARN insmod $m failed"
done

# The power button is an input device once `button` is loaded.
acpid -l /var/log/acpid.log

ip link set lo up
ip=$(arg sy.ip) || ip=""
ip1=$(arg sy.ip1) || ip1=""
gw=$(arg sy.gw) || gw=""

wait_netdev() {  # wait_netdev NAME TENTHS
  i=0
  while [ ! -e /sys/class/net/$1 ] && [ $i -lt $2 ]; do usleep 100000; i=$((i + 1)); done
  [ -e /sys/class/net/$1 ]
}

# Wait for eth0 only when a virtio-net device (1af4:1000 or 1af4:1041) is
# there: a guest without a NIC still reports READY at once.
has_nic=""
for dev in /sys/bus/pci/devices/*; do
  case "$(cat $dev/vendor 2>/dev/null):$(cat $dev/device 2>/dev/null)" in
    0x1af4:0x1000|0x1af4:0x1041) has_nic=1 ;;
  esac
done
try() { "$@" || say "SY-GUEST-WARN failed: $*"; }
if [ -n "$has_nic" ] && wait_netdev eth0 50; then
  try ip link set eth0 up
  [ -z "$ip" ] || try ip addr add "$ip" dev eth0
else
  say "SY-GUEST-WARN no eth0"
fi
if [ -e /sys/class/net/eth1 ]; then
  try ip link set eth1 up
  [ -z "$ip1" ] || try ip addr add "$ip1" dev eth1
elif [ -n "$ip1" ]; then
  say "SY-GUEST-WARN no eth1 for sy.ip1=$ip1"
fi
[ -z "$gw" ] || try ip route add default via "$gw"
hostname sy-guest
say "SY-GUEST-READY ${ip:-none}${ip1:+ eth1=$ip1}${gw:+ gw=$gw}"

flood=$(arg sy.flood) || flood=""
if [ -n "$flood" ]; then
  # A guest that talks without end, for the agent's console log bound.
  (
    yes "SY-FLOOD 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz" \
      | head -c $((flood * 1024)) > /dev/console
    say "SY-FLOOD-DONE $flood"
  ) &
fi

target=$(arg sy.ping) || target=""
if [ -n "$target" ]; then
  interval=$(arg sy.ping_interval) || interval=1
  (
    seq=0
    while :; do
      seq=$((seq + 1))
      if ping -c 1 -W 1 "$target" > /dev/null 2>&1; then
        say "SY-PING-OK $target seq=$seq"
      else
        say "SY-PING-FAIL $target seq=$seq"
      fi
      sleep "$interval"
    done
  ) &
fi

exec /sbin/init
EOF
chmod 755 "$root/init"

(cd "$root" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc 2>/dev/null) \
  | gzip -6 > "$work/initramfs.cpio.gz"

# Publish: files first, stamp last, so an interrupted build is redone.
rm -f "$out/.stamp"
mv "$work/vmlinux" "$out/vmlinux"
mv "$work/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
printf 'kernel %s\nvmlinux %s\nmodules %s\n' "$kver" "$note" \
  "$(tr '\n' ' ' < "$root/lib/modules/order")" > "$out/kernel.txt"
echo "$stamp" > "$out/.stamp"
echo "build_guest: built $out (kernel $kver; $note)"
