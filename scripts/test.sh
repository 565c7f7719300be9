#!/usr/bin/env bash
# Builds gtest_dist and runs all its tests: unit, integration and packaging.
# Configures build/ first if it does not exist yet. Extra arguments go to
# ctest, e.g. `scripts/test.sh -L unit` or `scripts/test.sh -R packaging`.
# CI (.ci/run) runs it label by label.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [[ ! -f build/CMakeCache.txt ]]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}"
fi
cmake --build build -j2
ctest --test-dir build --output-on-failure -j2 "$@"
