#!/usr/bin/env bash
# The demo: builds the sample suite, starts three worker daemons on loopback
# (port 0, each prints its port on its first line), runs the supervisor over
# them with an XML report, shows the report and stops the workers on exit.
#
# The samples contain one intentional failure (IntentionalDemoFailure.*) to
# show what a failure looks like, so the supervisor exits 1. The demo exits 0
# when that is what happened and the report was written; any other outcome
# (build error, worker that does not start, exit code other than 0 or 1, no
# report) makes it exit non-zero.
#
# Environment: BUILD_DIR (default build), DEMO_JOBS (slots per worker, 2).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
jobs=${DEMO_JOBS:-2}
start_deadline_s=20
stop_deadline_s=15

echo "demo: building the samples in $build/"
cmake -S . -B "$build"
cmake --build "$build" -j2 --target gtest_dist_samples
samples=$build/samples/gtest_dist_samples
demo_dir=$build/demo
report=$demo_dir/report.xml
mkdir -p "$demo_dir"
rm -f "$report"

pids=()
workers_ok=1
stop_workers() {
  local pid waited code
  ((${#pids[@]})) || return 0
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    # Give each worker a deadline, then kill it.
    waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < stop_deadline_s * 10)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    code=0
    wait "$pid" 2>/dev/null || code=$?
    if ((code != 0)); then
      echo "demo: worker (pid $pid) exited $code after SIGTERM, expected 0" >&2
      workers_ok=0
    fi
  done
  pids=()
}
trap stop_workers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts one worker; its first stdout line, "listening on 127.0.0.1:PORT",
# is read from a pipe with a deadline.
workers=""
for i in 1 2 3; do
  fifo=$demo_dir/worker$i.fifo
  rm -f "$fifo"
  mkfifo "$fifo"
  "$samples" --dist-worker --bind 127.0.0.1:0 --dist-jobs="$jobs" \
    >"$fifo" 2>"$demo_dir/worker$i.log" &
  pids+=($!)
  exec {out}<"$fifo"
  rm -f "$fifo"
  line=""
  if ! IFS= read -r -t "$start_deadline_s" -u "$out" line ||
     [[ ! $line =~ ^listening\ on\ (127\.0\.0\.1:[0-9]+)$ ]]; then
    echo "demo: worker $i did not report its port within ${start_deadline_s}s" \
         "(first line: '$line'); its log:" >&2
    cat "$demo_dir/worker$i.log" >&2
    exit 1
  fi
  address=${BASH_REMATCH[1]}
  # Keep draining its stdout so that it never blocks on a full pipe.
  cat <&"$out" >"$demo_dir/worker$i.out" &
  exec {out}<&-
  echo "demo: worker $i listening on $address (log: $demo_dir/worker$i.log)"
  workers+=${workers:+,}$address
done

echo "demo: $samples --dist-supervisor --workers $workers --gtest_output=xml:$report"
echo
set +e
"$samples" --dist-supervisor --workers "$workers" --gtest_output="xml:$report"
status=$?
set -e
echo

if [[ ! -s $report ]]; then
  echo "demo: FAILED: the supervisor exited $status and wrote no report at $report" >&2
  exit 1
fi
echo "demo: the XML report ($report):"
cat "$report"
echo

stop_workers
if ((!workers_ok)); then
  echo "demo: FAILED: a worker did not stop cleanly; see $demo_dir/worker*.log" >&2
  exit 1
fi
case $status in
  0)
    echo "demo: the supervisor exited 0 (the intentional failure was left out)."
    exit 0
    ;;
  1)
    # Exit code 1 is expected only for the one intentional failure.
    failed=$(awk '/<testcase /{match($0, /classname="[^"]*"/); c=substr($0, RSTART+11, RLENGTH-12)}
                  /<failure /{print c}' "$report" | sort -u | paste -sd ' ')
    if [[ $failed != IntentionalDemoFailure ]]; then
      echo "demo: FAILED: tests other than the intentional failure failed: $failed" >&2
      exit 1
    fi
    echo "demo: the supervisor exited 1 because of the samples' intentional failure" \
         "(IntentionalDemoFailure.LabelUsesCanonicalSku); the demo counts that as success."
    exit 0
    ;;
  *)
    echo "demo: FAILED: the supervisor exited $status" >&2
    exit "$status"
    ;;
esac
