#!/usr/bin/env python3
"""Chaos: many runs of gen_suite (555 tests) on 3 workers, each run killing a
random worker with SIGKILL at a random moment. In every run each selected test
appears exactly once in the console and the report (XML in even rounds, JSON
in odd ones), and outcomes, counts and exit code equal a plain run's. The
killed worker is replaced before the next round.

Environment: GTEST_DIST_CHAOS_ROUNDS (default 30), GTEST_DIST_CHAOS_SEED
(default: random; printed, so a failing run can be replayed).

Usage: chaos_test.py --bin build/tests/integration/gen_suite [-v]
"""

import os
import random
import re
import statistics
import sys
import time

import harness

ROUNDS = int(os.environ.get("GTEST_DIST_CHAOS_ROUNDS", "30"))
# The moment of the kill: this long after the supervisor printed its first
# "[ RUN      ]" line, drawn uniformly. A run takes ~0.3-1 s here, so some
# kills land early, some late, some after the victim's last chunk.
KILL_WINDOW_S = 0.4
REQUEUED = re.compile(r"(\d+) unfinished tests of (\S+) go back on the queue")


class ChaosTest(harness.IntegrationTestCase):

    def test_random_worker_killed_in_every_run(self):
        seed = int(os.environ.get("GTEST_DIST_CHAOS_SEED", random.randrange(1 << 30)))
        print("\nchaos: seed %d (GTEST_DIST_CHAOS_SEED=%d replays it), %d rounds" % (
            seed, seed, ROUNDS), file=sys.stderr)
        rng = random.Random(seed)
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        selected = plain.console.ran_tests
        self.assertGreaterEqual(selected, 300)
        delays, walls, requeued_per_round = [], [], []
        with self.pool(binary, 3, jobs=2) as pool:
            for round_number in range(ROUNDS):
                fmt = "xml" if round_number % 2 == 0 else "json"
                report_path = os.path.join(self.scratch, "round%02d.%s" % (round_number, fmt))
                supervisor = harness.LiveProcess(
                    [binary, "--dist-supervisor", "--workers", ",".join(pool.addresses()),
                     "--gtest_output=%s:%s" % (fmt, report_path)])
                victim = rng.randrange(len(pool.workers))
                delay = rng.uniform(0, KILL_WINDOW_S)
                try:
                    supervisor.wait_for_output(r"^\[ RUN      \] ")
                    time.sleep(delay)  # the random moment itself, not a wait
                    pool.workers[victim].kill()
                    result = supervisor.finish()
                finally:
                    supervisor.kill()
                context = "chaos round %d (seed %d): killed worker %d after %.3f s" % (
                    round_number, seed, victim, delay)
                report = (harness.Report.from_xml if fmt == "xml"
                          else harness.Report.from_json)(report_path)
                dist = harness.Outcome(result, harness.Console(result.stdout),
                                       report if fmt == "xml" else None,
                                       report if fmt == "json" else None)
                harness.check_same_as_plain(self, plain, dist, context=context)
                delays.append(delay)
                walls.append(result.elapsed)
                requeued_per_round.append(sum(int(m.group(1))
                                              for m in REQUEUED.finditer(result.stderr)))
                # A fresh worker takes the dead one's place.
                replacement = harness.Worker(binary, jobs=2, log_dir=self.scratch)
                replacement.start()
                pool.workers[victim] = replacement
            pool.stop_all()
        print("chaos: %d rounds x %d tests, 3 workers x 2 jobs, one SIGKILL per round at "
              "%.0f-%.0f ms after the first test started; tests requeued in %d rounds "
              "(%d in all, max %d); wall per run min %.2f / median %.2f / max %.2f s "
              "(plain %.2f s); every round equal to plain" % (
                  ROUNDS, selected, min(delays) * 1000, max(delays) * 1000,
                  sum(1 for r in requeued_per_round if r), sum(requeued_per_round),
                  max(requeued_per_round), min(walls), statistics.median(walls), max(walls),
                  plain.result.elapsed), file=sys.stderr)


if __name__ == "__main__":
    harness.main()
