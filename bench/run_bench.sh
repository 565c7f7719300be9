#!/usr/bin/env bash
# Wall time of one synthetic suite: plain gtest (sequential), ctest -j P (one
# process per test), and gtest_dist with P local slots and with 3 loopback
# workers; each against the ideal makespan from the generator's manifest.
#
#   bench/run_bench.sh [SHARED_BENCH_DIR] [-- gen_suite.py options]
#
# SHARED_BENCH_DIR holds gen_suite.py and bench_work.{h,cc} (default:
# ../shared/bench beside the repository). The machine is small and noisy: the
# figures to quote are the ratios, all measured in the same run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${1:-$root/../shared/bench}
shift || true
[ "${1:-}" = "--" ] && shift
gen_args=("$@")
if [ ${#gen_args[@]} -eq 0 ]; then
  # Default scenario: 500 I/O-bound tests in 50 suites, lognormal ~20 ms,
  # a 200 ms SetUpTestSuite in a fifth of the suites.
  gen_args=(--suites 50 --tests-per-suite 10 --work sleep --dist lognormal
            --mean-ms 20 --setup-ms 200 --setup-frac 0.2 --seed 1)
fi
slots=${SLOTS:-6}  # a multiple of 3: three workers share them
work=${BENCH_DIR:-$root/build/bench}
mkdir -p "$work/suite"

python3 "$shared/gen_suite.py" --out "$work/suite" "${gen_args[@]}" >/dev/null
cp "$shared/bench_work.h" "$shared/bench_work.cc" "$work/suite/"
cmake -S "$here" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DGTEST_DIST_BENCH_SUITE="$work/suite" >/dev/null
cmake --build "$work/build" -j2 >/dev/null

ideal=$(python3 - "$work/suite/manifest.json" "$slots" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); p = int(sys.argv[2])
tests = m["tests"]; suites = {s["name"]: s for s in m["suites"]}
def setup(s): return suites[s].get("setup_ms", 0) + suites[s].get("teardown_ms", 0)
total = sum(t["duration_ms"] for t in tests) + sum(setup(s) for s in suites)
longest = max(t["duration_ms"] + setup(t["suite"]) for t in tests)
print(max(longest, total / p) / 1000.0)
PY
)

now() { date +%s.%N; }
measure() {  # label, command...
  local label=$1; shift
  local start end
  start=$(now)
  "$@" >/dev/null 2>&1 || true
  end=$(now)
  python3 -c "import sys; w=$end-$start; print(f'{sys.argv[1]:<34} {w:8.2f} s   ideal/wall {$ideal/w:5.2f}')" "$label"
}

bin="$work/build/bench_dist"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
workers=""
for _ in 1 2 3; do
  out=$(mktemp)
  "$bin" --dist-worker --bind 127.0.0.1:0 --dist-jobs=$(( slots / 3 )) >"$out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do grep -q '^listening on' "$out" && break; sleep 0.05; done
  workers+="${workers:+,}$(head -1 "$out" | sed 's/^listening on //')"
done

echo "suite: $(python3 -c "import json;m=json.load(open('$work/suite/manifest.json'));print(len(m['tests']),'tests')")," \
     "slots: $slots, ideal makespan: ${ideal} s"
measure "plain gtest (sequential)" "$work/build/bench_plain"
measure "ctest -j $slots (process per test)" ctest --test-dir "$work/build" -j "$slots"
measure "gtest_dist local:$slots" "$bin" --dist-supervisor --workers "local:$slots"
measure "gtest_dist 3 loopback workers" "$bin" --dist-supervisor --workers "$workers"
