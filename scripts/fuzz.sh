#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and fuzzes each for
# SECONDS (default 300), both at once (one core each): the wire protocol's
# frame decoder and the dashboard's request parsing. Exits non-zero on a
# finding; the crashing input is left in build-fuzz/findings/<target>/.
#
#   scripts/fuzz.sh [SECONDS]
#   scripts/fuzz.sh --build-only    (CI builds while the plain tests run)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-300}
if [[ $seconds != --build-only && ! $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, got '$seconds'" >&2
  exit 2
fi
build=build-fuzz
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGTEST_DIST_FUZZ=ON -DGTEST_DIST_BUILD_TESTS=OFF -DGTEST_DIST_BUILD_SAMPLES=OFF \
  -DGTEST_DIST_INSTALL=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 --target frame_decoder_fuzzer dashboard_request_fuzzer
if [[ $seconds == --build-only ]]; then exit 0; fi
# fuzz TARGET SEED_DIR: fuzzes TARGET, its output in $build/TARGET.log.
fuzz() {
  local target=$1 seeds=$2
  # Work on a copy of the seed corpus: what the fuzzer learns stays out of git.
  mkdir -p "$build/corpus/$target" "$build/findings/$target"
  cp -n "$seeds"/* "$build/corpus/$target/" 2>/dev/null || true
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$build/findings/$target/" "$build/corpus/$target" >"$build/$target.log" 2>&1
}
# report TARGET STATUS: the end of TARGET's log; a finding is the whole log.
report() {
  local target=$1 status=$2
  echo "== $target: $seconds s, exit $status"
  if ((status == 0)); then tail -n 15 "$build/$target.log"; else cat "$build/$target.log"; fi
}
fuzz frame_decoder_fuzzer tests/fuzz/corpus &
frame_pid=$!
fuzz dashboard_request_fuzzer tests/fuzz/dashboard_corpus &
dashboard_pid=$!
frame_status=0 dashboard_status=0
wait "$frame_pid" || frame_status=$?
wait "$dashboard_pid" || dashboard_status=$?
report frame_decoder_fuzzer "$frame_status"
report dashboard_request_fuzzer "$dashboard_status"
((frame_status == 0 && dashboard_status == 0))
