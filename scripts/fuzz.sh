#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and fuzzes each for
# SECONDS (default 300 each, 10 minutes in all): the wire protocol's frame
# decoder, then the dashboard's request parsing. Exits non-zero on a finding;
# the crashing input is left in build-fuzz/findings/<target>/.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-300}
build=build-fuzz
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGTEST_DIST_FUZZ=ON -DGTEST_DIST_BUILD_TESTS=OFF -DGTEST_DIST_BUILD_SAMPLES=OFF \
  -DGTEST_DIST_INSTALL=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 --target frame_decoder_fuzzer dashboard_request_fuzzer
# fuzz TARGET SEED_DIR
fuzz() {
  local target=$1 seeds=$2
  # Work on a copy of the seed corpus: what the fuzzer learns stays out of git.
  mkdir -p "$build/corpus/$target" "$build/findings/$target"
  cp -n "$seeds"/* "$build/corpus/$target/" 2>/dev/null || true
  echo "== $target: $seconds s"
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$build/findings/$target/" "$build/corpus/$target" 2>&1 | tail -n 15
  return "${PIPESTATUS[0]}"
}
status=0
fuzz frame_decoder_fuzzer tests/fuzz/corpus || status=$?
fuzz dashboard_request_fuzzer tests/fuzz/dashboard_corpus || status=$?
exit "$status"
