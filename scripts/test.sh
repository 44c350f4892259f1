#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs
# every test (unit, integration as root, format check, proto compatibility,
# benchmark smoke), then the sanitizer build (build-san/: clang, ASan+UBSan):
# the unit tests again, the fuzz targets' committed crash inputs, and each
# fuzz target for a bounded time on its seed corpus (label fuzz). Arguments
# go to both ctest runs (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure "$@"
bash scripts/build.sh --sanitize
ctest --test-dir build-san --output-on-failure "$@"
