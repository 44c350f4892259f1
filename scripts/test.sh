#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs
# every test (unit, integration as root, format check, benchmark smoke).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure "$@"
