#!/usr/bin/env bash
# The dashboard's latency over a big history (issue 6's benchmark): builds
# dashboard_bench in build/, fills build/dashboard_bench.db with 1,000 runs of
# a 5,000-test suite (5 million results) and prints the median time of the
# runs list, a run page and a test page API answers. Extra arguments go to
# dashboard_bench (--runs N --tests N --samples N --reuse).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [[ ! -f build/CMakeCache.txt ]]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build -j2 --target dashboard_bench
exec build/gtest_dist/dashboard_bench --db build/dashboard_bench.db "$@"
