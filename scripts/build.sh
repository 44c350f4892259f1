#!/usr/bin/env bash
# Configures and builds Switchyard into build/ (warnings are errors).
#   --sanitize  instead: clang, ASan+UBSan and the libFuzzer targets into
#               build-san/, only the unit tests and fuzz targets (sy_checks).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"
if [ "${1:-}" = "--sanitize" ]; then
  CC=clang CXX=clang++ cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSY_WERROR=ON -DSY_SANITIZE=ON -DSY_FUZZ=ON -DSY_UNIT_ONLY=ON >/dev/null
  cmake --build build-san -j "$jobs" --target sy_checks
  exit 0
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSY_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
