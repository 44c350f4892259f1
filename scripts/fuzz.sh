#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a while on a copy of its seed
# corpus (tests/fuzz/corpus/<target>/), and prints for each the inputs run,
# inputs a second and coverage: libFuzzer's "cov", the edges reached out of
# all instrumented edges of the binary (our code and the generated protobuf
# code it links), after the seeds and at the end.
#
#   scripts/fuzz.sh [--seconds N] [--build DIR] [--target NAME] [--no-build]
#
# --seconds  per target (default 60); --build the sanitizer build (default
# build-san, made with scripts/build.sh --sanitize when missing or, without
# --no-build, brought up to date); --target only that one.
# Exits non-zero when a target crashed, leaked, timed out or broke an
# invariant, with the path of the input that did it. Run it under the build
# lock on shared machines: flock /tmp/sy-build.lock scripts/fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
build=build-san
only=""
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --target) only="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

targets=()
for src in tests/fuzz/*.cc; do
  name="$(basename "$src" .cc)"
  if [ -z "$only" ] || [ "$only" = "$name" ]; then
    targets+=("$name")
  fi
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no target ${only}" >&2
  exit 2
fi

if [ "$do_build" -eq 1 ]; then
  if [ "$build" = build-san ]; then
    bash scripts/build.sh --sanitize
  else
    cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
  fi
fi

out="$build/fuzz-out"
mkdir -p "$out"
failed=0
printf '%-16s %10s %9s %14s %14s %s\n' target execs exec/s "cov seeds" "cov end" "of edges"
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz.sh: $bin is not built" >&2
    exit 2
  fi
  work="$out/$t"
  rm -rf "$work/corpus" "$work/log"  # artifacts/ keeps earlier runs' findings
  mkdir -p "$work/corpus" "$work/artifacts"
  touch "$work/started"
  if [ -d "tests/fuzz/corpus/$t" ]; then
    cp -r "tests/fuzz/corpus/$t/." "$work/corpus/"
  fi
  set +e
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
  rc=$?
  set -e
  # A crash on the first input leaves most of these out of the log: '?'.
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)"
  cov_seed="$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$work/log" | tail -1)"
  cov_end="$(sed -n 's/^#[0-9].* cov: \([0-9]*\).*/\1/p' "$work/log" | tail -1)"
  edges="$(sed -n 's/.*Loaded 1 modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$work/log" |
    head -1)"
  printf '%-16s %10s %9s %14s %14s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov_seed:-?}" \
    "${cov_end:-?}" "${edges:-?}"
  if [ "$rc" -ne 0 ]; then
    failed=1
    echo "fuzz.sh: $t FAILED (exit $rc); log $work/log" >&2
    grep -E 'ERROR: |SUMMARY: |fuzz invariant failed|runtime error|Test unit written' "$work/log" |
      head -6 >&2 || true
    find "$work/artifacts" -type f -newer "$work/started" |
      while read -r a; do echo "fuzz.sh: $t input: $a" >&2; done
  fi
done
exit "$failed"
