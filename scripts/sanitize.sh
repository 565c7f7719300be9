#!/usr/bin/env bash
# Builds gtest_dist and its tests with AddressSanitizer + UndefinedBehaviorSanitizer
# in build-sanitize/ and runs the test suite there. Any sanitizer report fails
# the test that triggered it (the runtime aborts; leaks are reported at exit).
# Extra arguments go to ctest, e.g. `scripts/sanitize.sh -L unit`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# No -Werror here: GCC 12 warns falsely (maybe-uninitialized in <regex>)
# when instrumenting; the normal build keeps warnings fatal.
# GoogleTest's own test programs (tests/compat) are not built here: not our code.
build=build-sanitize
# -O1 -g1 (line tables only): reports keep file:line, and the build takes
# about half as long as RelWithDebInfo's -O2 -g.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" -DGTEST_DIST_SANITIZE=ON \
  -DGTEST_DIST_WERROR=OFF -DGTEST_DIST_INSTALL=OFF -DGTEST_DIST_COMPAT_TESTS=OFF >/dev/null
cmake --build "$build" -j2
# abort_on_error makes a report a crash the harness cannot miss. handle_segv=0
# keeps a segfault a SIGSEGV: the crash tests check that gtest_dist reports the
# signal a test died of, and ASan would turn it into "exit status 1". Child
# processes inherit these.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:handle_segv=0:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j2 "$@"
