# Sourced by the benchmark scripts: medians, ratios, and the back-to-back
# A/B pairs every figure here is made of.

# Median of the numbers on stdin, "%.3f"; 0.000 for none.
median() {
  sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "0.000"; exit}
                 m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m}'
}

# loop_mpps LOG: from sy_loadgen's per-second lines in LOG, the median over
# the seconds after two warm-up ones of the mean of both directions, in
# Mpps.
loop_mpps() {
  sed -n 's/^t=\([0-9]*\) rx0=\([0-9]*\) rx1=\([0-9]*\).*/\1 \2 \3/p' "$1" |
    awk '$1 > 2 {print ($2 + $3) / 2 / 1e6}' | median
}

# A/B, "%.3f"; 0.000 when B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b > 0) ? a / b : 0}'; }

# pairs N NAME_A "CMD_A" NAME_B "CMD_B": N pairs of runs, each command
# printing one rate in Mpps, back to back and alternating A,B then B,A, as
# the host's speed drifts over minutes. Prints a line per pair, then
# "NAME_A_mpps=X NAME_B_mpps=Y ratio=Z": the medians of each side and of the
# pairs' ratios. Leaves X and Y in med_a and med_b.
pairs() {
  local n=$1 name_a=$2 cmd_a=$3 name_b=$4 cmd_b=$5 i a b
  local as=() bs=() rs=()
  for i in $(seq 1 "$n"); do
    if [ $((i % 2)) -eq 1 ]; then a=$($cmd_a); b=$($cmd_b); else b=$($cmd_b); a=$($cmd_a); fi
    as+=("$a") bs+=("$b") rs+=("$(ratio "$a" "$b")")
    echo "sample $i: $name_a $a Mpps, $name_b $b Mpps, ratio ${rs[-1]}"
  done
  med_a=$(printf '%s\n' "${as[@]}" | median)
  med_b=$(printf '%s\n' "${bs[@]}" | median)
  echo "${name_a}_mpps=$med_a ${name_b}_mpps=$med_b ratio=$(printf '%s\n' "${rs[@]}" | median)"
}

# bench_options ARGS...: the options every script takes, --samples N,
# --seconds S and --build DIR, into samples, seconds and build (the script
# sets their defaults first). A script with options of its own defines
# bench_option NAME VALUE, which returns non-zero for a name it does not
# know. Then build is made absolute, and daemon, yardctl and gen name the
# switch, the CLI and sy_loadgen in it.
bench_options() {
  while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "option $1 needs a value" >&2; exit 2; }
    case $1 in
      --samples) samples=$2 ;;
      --seconds) seconds=$2 ;;
      --build) build=$2 ;;
      *) { declare -F bench_option >/dev/null && bench_option "$1" "$2"; } ||
           { echo "unknown option $1" >&2; exit 2; } ;;
    esac
    shift 2
  done
  case $build in /*) ;; *) build=$root/$build ;; esac
  daemon=$build/control/switchyardd
  yardctl=$build/cli/yardctl
  gen=$build/tests/tools/sy_loadgen
}

# require_built FILE...: exits, naming the first missing one, unless all are built.
require_built() {
  local f
  for f in "$@"; do
    [ -x "$f" ] || { echo "build first: $f missing" >&2; exit 1; }
  done
}

# loop_workdir PREFIX: for the sy_loadgen benchmarks, a unique tag (also
# the DPDK file prefixes' stem) and a work directory, removed at exit with
# the switch started there (KEEP=1 keeps the directory).
loop_workdir() {
  tag=$1$$
  work=$(mktemp -d /tmp/$tag.XXXX)
  sw_pid=
  trap loop_cleanup EXIT INT TERM
}
loop_cleanup() {
  [ -n "$sw_pid" ] && kill "$sw_pid" 2>/dev/null && wait "$sw_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
  rm -rf /var/run/dpdk/$tag-*
}

# The switch of the two-port sy_loadgen benchmarks (vlan_vs_plain,
# overlay_vs_plain): control on CPU 0, one busy-polling PMD on CPU 1, its
# state, sockets and log ($work/NAME.log) in $work, its PID in sw_pid.
# start_loop_switch NAME returns once the API answers.
start_loop_switch() {
  rm -rf "$work/state" "$work"/g?.sock
  "$daemon" --socket "$work/api.sock" --state-dir "$work/state" --file-prefix "$tag-sy" \
    --control-cpu 0 --pmd-cpus 1 --pmd-idle-sleep-max-us 0 >"$work/$1.log" 2>&1 &
  sw_pid=$!
  for _ in $(seq 100); do "$yardctl" --socket "$work/api.sock" health >/dev/null 2>&1 && break; sleep 0.1; done
}
# run_loop_generator NAME [OPTION...]: sy_loadgen on CPU 0 over the two
# guest sockets for $seconds (with the options given), its per-second lines
# in $work/gen-NAME.log; then stops the switch (stop_loop_switch NAME).
run_loop_generator() {
  local name=$1
  shift
  "$gen" --sock0 "$work/g0.sock" --sock1 "$work/g1.sock" --prefix $tag-gen --lcore 0 \
    --seconds "$seconds" "$@" >"$work/gen-$name.log" 2>&1 || true
  stop_loop_switch "$name"
  rm -rf /var/run/dpdk/$tag-gen
}
# stats_drops FILE REGEX: the drops of every port in a stats file (JSON,
# as stop_loop_switch writes it) whose reason matches REGEX (Python re,
# whole name).
stats_drops() {
  python3 -c "
import json, re, sys
d = json.load(open(sys.argv[1]))
print(sum(int(v) for p in d['ports'] for k, v in p['counters']['drops'].items()
          if re.fullmatch(sys.argv[2], k)))" "$1" "$2"
}
# stop_loop_switch NAME: its stats into $work/NAME.stats (JSON), then stops it.
stop_loop_switch() {
  "$yardctl" --socket "$work/api.sock" --json stats >"$work/$1.stats" 2>/dev/null || true
  kill "$sw_pid"; wait "$sw_pid" 2>/dev/null || true; sw_pid=
  rm -rf "/var/run/dpdk/$tag-sy"
}
