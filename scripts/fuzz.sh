#!/usr/bin/env bash
# Builds the libFuzzer target over the wire protocol with clang (ASan+UBSan)
# and fuzzes it for SECONDS (default 600). Exits non-zero on a finding; the
# crashing input is left in build-fuzz/findings/.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-600}
build=build-fuzz
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGTEST_DIST_FUZZ=ON -DGTEST_DIST_BUILD_TESTS=OFF -DGTEST_DIST_BUILD_SAMPLES=OFF \
  -DGTEST_DIST_INSTALL=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 --target frame_decoder_fuzzer
# Work on a copy of the seed corpus: what the fuzzer learns stays out of git.
mkdir -p "$build/corpus" "$build/findings"
cp -n tests/fuzz/corpus/* "$build/corpus/" 2>/dev/null || true
"$build/tests/fuzz/frame_decoder_fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$build/findings/" "$build/corpus" 2>&1 | tail -n 15
