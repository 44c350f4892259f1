#!/usr/bin/env bash
# Fails when a C/C++ source differs from what clang-format (.clang-format) makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find cli common datapath control kvm-host ebpf tests -name '*.cc' -o -name '*.h' -o -name '*.c' | sort)
clang-format --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files clean"
