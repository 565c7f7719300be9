#!/usr/bin/env python3
"""Shipping a build to generic workers: first run (empty caches) against warm
runs of the same build, on two `gtest_dist worker` daemons.

Prints, per run, what the supervisor's "shipped" line says for each daemon
(files, bytes, seconds) and the run's wall time, and compares the warm runs
with the same build on two `--dist-worker` daemons of the binary itself (no
shipping at all): the difference is what shipping adds to a warm run.

The shipping step's own time per worker (manifest out to "build ready",
including reading and digesting the build's files on the first connection)
is read from the history store's run_shipping rows, in milliseconds; every
run, shipping or not, records into the same scratch store so the wall times
compare like with like.

Usage: bench/shipping.py --cli build/bin/gtest_dist \
           --bin build/tests/integration/gen_suite [--runs 5]
"""

import argparse
import os
import re
import shutil
import sqlite3
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


def timed_run(binary, workers, history):
    argv = [binary, "--dist-supervisor", "--workers", ",".join(workers), "--gtest_brief=1",
            "--dist-history=" + history]
    began = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - began
    if result.returncode not in (0, 1):
        raise SystemExit("run failed (%d):\n%s" % (result.returncode, result.stderr[-3000:]))
    return elapsed, SHIPPED.findall(result.stderr)


def last_shipping(history):
    """[(worker, files_shipped, files_total, bytes_shipped, elapsed_ms)] of the
    latest run in the store."""
    db = sqlite3.connect(history)
    try:
        return db.execute("SELECT worker, files_shipped, files_total, bytes_shipped, elapsed_ms"
                          " FROM run_shipping WHERE run_id = (SELECT MAX(id) FROM runs)"
                          " ORDER BY seq").fetchall()
    finally:
        db.close()


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

        history = os.path.join(scratch, "history.sqlite")
        first, lines = timed_run(options.bin, generic, history)
        print("first run (empty caches): %.3f s" % first)
        for worker, files, total, size, seconds in lines:
            print("  %s: shipped %s of %s files, %s in %s s" % (worker, files, total, size,
                                                                seconds))
        for worker, files, total, size, ms in last_shipping(history):
            print("  history: %s: %d of %d files, %d bytes, %d ms" % (worker, files, total, size,
                                                                    ms))
        warm, warm_ship, plain = [], [], []
        for _ in range(options.runs):
            elapsed, lines = timed_run(options.bin, generic, history)
            warm.append(elapsed)
            rows = last_shipping(history)
            assert len(rows) == 2 and all(row[3] == 0 for row in rows), rows
            assert all(line[3] == "0 bytes" for line in lines), lines
            warm_ship.append(max(row[4] for row in rows))
            plain.append(timed_run(options.bin, legacy, history)[0])
        print("warm runs (%d): median %.3f s, shipping step (manifest, check, answer; slower "
              "of the two workers) median %d ms, max %d ms, 0 bytes shipped" % (
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
