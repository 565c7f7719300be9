#!/usr/bin/env bash
# Builds the unit tests and the integration tests labelled `sanitize` (with the
# binaries they run: target sanitize_binaries, tests/CMakeLists.txt) with
# AddressSanitizer + UndefinedBehaviorSanitizer in build-sanitize/ and runs
# them. Any sanitizer report fails the test that triggered it (the runtime
# aborts; leaks are reported at exit). Extra arguments go to ctest instead of
# the default `-L '^(unit|sanitize)$'`, e.g. `scripts/sanitize.sh -L unit`;
# `scripts/sanitize.sh --build-only` builds and runs nothing (CI builds while
# the plain tests run).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# No -Werror here: GCC 12 warns falsely (maybe-uninitialized in <regex>)
# when instrumenting; the normal build keeps warnings fatal.
# GoogleTest's own test programs (tests/compat) and the samples are not built
# here: not our code, or nothing a sanitizer would find that the rest misses.
build=build-sanitize
tool_args=()
if command -v ccache >/dev/null; then tool_args=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# lld, when installed, links in about a third of GNU ld's CPU time.
if command -v ld.lld >/dev/null; then tool_args+=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld); fi
# -O1 -g1 (line tables only): reports keep file:line, and the build takes
# about half as long as RelWithDebInfo's -O2 -g.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" -DGTEST_DIST_SANITIZE=ON \
  -DGTEST_DIST_WERROR=OFF -DGTEST_DIST_INSTALL=OFF -DGTEST_DIST_COMPAT_TESTS=OFF \
  -DGTEST_DIST_BUILD_SAMPLES=OFF "${tool_args[@]}" >/dev/null
cmake --build "$build" -j2 --target sanitize_binaries
if [[ ${1:-} == --build-only ]]; then exit 0; fi
# abort_on_error makes a report a crash the harness cannot miss. handle_segv=0
# keeps a segfault a SIGSEGV: the crash tests check that gtest_dist reports the
# signal a test died of, and ASan would turn it into "exit status 1". Child
# processes inherit these.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:handle_segv=0:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if (($# == 0)); then set -- -L '^(unit|sanitize)$'; fi
ctest --test-dir "$build" --output-on-failure -j2 "$@"
