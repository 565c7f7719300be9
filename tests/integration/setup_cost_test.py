#!/usr/bin/env python3
"""Set-up costs reach the history (issue 15): a suite whose SetUpTestSuite
sleeps a known time, run on the supervisor's own slots and on a worker on
loopback; `gtest_dist show` lists the slowest set-ups from the store.

Usage: setup_cost_test.py --bin build/tests/integration/setup_cost_suite
                          --cli build/gtest_dist/gtest_dist [-v]
"""

import os

import harness

SUITE_MS = 400     # SlowSetUp's SetUpTestSuite (SETUP_COST_SUITE_MS)
TEARDOWN_MS = 100  # its TearDownTestSuite
ENV_MS = 150       # the global Environment's SetUp
# A loaded 2-core machine may stretch a sleep; it never shortens one.
SLACK_MS = 3000


class SetupCostTest(harness.IntegrationTestCase):

    def check_setups(self, history, run_id, where):
        run = harness.query_history(history, "show", str(run_id))
        self.assertEqual(run["status"], "green", run)
        setups = {s["suite"]: s for s in run["suite_setups"]}
        self.assertIn("SlowSetUp", setups, (where, run["suite_setups"]))
        slow = setups["SlowSetUp"]
        self.assertGreaterEqual(slow["runs"], 1, slow)
        self.assertGreaterEqual(slow["setup_ms"], SUITE_MS, (where, slow))
        self.assertLess(slow["setup_ms"], SUITE_MS + SLACK_MS, (where, slow))
        self.assertGreaterEqual(slow["teardown_ms"], TEARDOWN_MS, (where, slow))
        self.assertLess(slow["teardown_ms"], TEARDOWN_MS + SLACK_MS, (where, slow))
        self.assertGreaterEqual(slow["total_ms"],
                                slow["runs"] * (SUITE_MS + TEARDOWN_MS), (where, slow))
        # Quick has no set-up: measured, and cheaper than SlowSetUp's.
        self.assertIn("Quick", setups, (where, run["suite_setups"]))
        self.assertLess(setups["Quick"]["setup_ms"], slow["setup_ms"], where)
        # The global Environment, once per test process.
        self.assertIn("", setups, (where, run["suite_setups"]))
        self.assertGreaterEqual(setups[""]["setup_ms"], ENV_MS, (where, setups[""]))
        # The most expensive first.
        self.assertEqual(run["suite_setups"][0]["suite"], "SlowSetUp", where)
        return run

    def test_local_slots_record_the_measured_set_up(self):
        history = os.path.join(self.scratch, "local.sqlite")
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2",
                              "--dist-history=" + history])
        self.assertEqual(result.returncode, 0, result.describe())
        self.check_setups(history, 1, "local")
        text = harness.run([harness.OPTIONS.cli, "show", "1", "--history=" + history])
        self.assertEqual(text.returncode, 0, text.describe())
        self.assertIn("slowest suite set-ups", text.stdout)
        lines = text.stdout.split("slowest suite set-ups", 1)[1].splitlines()
        self.assertIn("SlowSetUp", lines[2], text.stdout)  # the header, then the slowest

    def test_a_remote_worker_streams_the_measured_set_up(self):
        history = os.path.join(self.scratch, "remote.sqlite")
        binary = harness.OPTIONS.bin
        with self.pool(binary, 1, jobs=2) as pool:
            result = harness.run([binary, "--dist-supervisor", "--workers",
                                  ",".join(pool.addresses()), "--dist-history=" + history])
            pool.stop_all()
        self.assertEqual(result.returncode, 0, result.describe())
        self.check_setups(history, 1, "remote worker")

    def test_a_second_run_plans_with_the_set_ups_it_knows(self):
        # A warm history prices SlowSetUp: the run still gives every test
        # exactly once, and records its own set-ups again.
        history = os.path.join(self.scratch, "warm.sqlite")
        for run_id in (1, 2):
            result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers",
                                  "local:3", "--dist-history=" + history])
            self.assertEqual(result.returncode, 0, result.describe())
            self.assertEqual(harness.Console(result.stdout).passed_count, 5, result.stdout)
            self.check_setups(history, run_id, "run %d" % run_id)


if __name__ == "__main__":
    harness.main()
