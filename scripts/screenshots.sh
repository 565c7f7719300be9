#!/usr/bin/env bash
# Regenerates the dashboard screenshots the README shows (docs/dashboard-*.png):
# runs tests/integration/dashboard_suite distributed with --dist-dashboard and
# photographs the runs list, a live run, a test's page and the flaky tests in
# headless chromium (needs what the browser tests need: chromium, node, and
# `npm ci` in tests/browser; scripts/install-deps.sh installs them).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [[ ! -f build/CMakeCache.txt ]]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build -j2 --target dashboard_suite
python3 tests/browser/dashboard_browser_test.py --bin build/tests/integration/dashboard_suite \
  --screenshots "$root/docs"
