#!/usr/bin/env python3
"""Shipping a build to generic workers: first run (empty caches) against warm
runs of the same build, on two `gtest_dist worker` daemons.

Prints, per run, what the supervisor's "shipped" line says for each daemon
(files, bytes, seconds) and the run's wall time, and compares the warm runs
with the same build on two `--dist-worker` daemons of the binary itself (no
shipping at all): the difference is what shipping adds to a warm run.

Usage: bench/shipping.py --cli build/bin/gtest_dist \
           --bin build/tests/integration/gen_suite [--runs 5]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

SHIPPED = re.compile(r"gtest_dist: (\S+): shipped (\d+) of (\d+) files, (.+?) in ([\d.]+) s")


def start(argv):
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    line = process.stdout.readline().decode().strip()
    match = re.fullmatch(r"listening on (\S+)", line)
    if not match:
        process.kill()
        raise SystemExit("no 'listening on' line from %s: %r" % (argv, line))
    return process, match.group(1)


def timed_run(binary, workers):
    argv = [binary, "--dist-supervisor", "--workers", ",".join(workers), "--gtest_brief=1"]
    began = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, GTEST_DIST_HISTORY="off"))
    elapsed = time.monotonic() - began
    if result.returncode not in (0, 1):
        raise SystemExit("run failed (%d):\n%s" % (result.returncode, result.stderr[-3000:]))
    return elapsed, SHIPPED.findall(result.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    options = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="gtest_dist_ship_bench_")
    processes = []
    try:
        generic = []
        for i in range(2):
            process, address = start([options.cli, "worker", "--bind", "127.0.0.1:0", "--jobs",
                                      str(options.jobs), "--cache-dir",
                                      os.path.join(scratch, "cache%d" % i)])
            processes.append(process)
            generic.append(address)
        legacy = []
        for i in range(2):
            process, address = start([options.bin, "--dist-worker", "--bind", "127.0.0.1:0",
                                      "--dist-jobs=%d" % options.jobs])
            processes.append(process)
            legacy.append(address)

        first, lines = timed_run(options.bin, generic)
        print("first run (empty caches): %.3f s" % first)
        for worker, files, total, size, seconds in lines:
            print("  %s: shipped %s of %s files, %s in %s s" % (worker, files, total, size,
                                                                seconds))
        warm, warm_ship, plain = [], [], []
        for _ in range(options.runs):
            elapsed, lines = timed_run(options.bin, generic)
            warm.append(elapsed)
            warm_ship.append(max(float(line[4]) for line in lines))
            assert all(line[3] == "0 bytes" for line in lines), lines
            plain.append(timed_run(options.bin, legacy)[0])
        print("warm runs (%d): median %.3f s, shipping step (manifest, check, answer) "
              "median %.3f s, max %.3f s, 0 bytes shipped" % (
                  options.runs, statistics.median(warm), statistics.median(warm_ship),
                  max(warm_ship)))
        print("same build on two --dist-worker daemons (no shipping): median %.3f s" %
              statistics.median(plain))
        print("shipping adds to a warm run: %+.0f ms (median wall time difference)" %
              (1000 * (statistics.median(warm) - statistics.median(plain))))
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
