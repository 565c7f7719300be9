#!/usr/bin/env python3
"""Exact reproduction and order triage (issue 16, items 1 and 2), end to end
with triage_suite, the `gtest_dist` command and a SQLite store.

Item 1: every result records the test process it ran in and that process's
order; `gtest_dist repro RUN TEST` prints the command that replays it and
--run says whether the failure came back. The proof uses a failure that
only a shuffled order produces (OrderC.Reads fails when OrderA.Sets ran
after OrderB.Clears): the repro of a shuffled run reproduces it, and the same
tests in registration order (the filter without the seed) do not.

Usage: order_triage_test.py --bin build/tests/integration/triage_suite --cli build/bin/gtest_dist
"""

import json
import os
import re
import subprocess

import harness

ORDER_FILTER = "--gtest_filter=OrderA.*:OrderB.*:OrderC.*:Between.*:After.*"
RUN_LINE = re.compile(r"^\[ RUN      \] (\S+)$", re.MULTILINE)


def plain_environment():
    """This environment without gtest's and gtest_dist's variables: the
    printed command runs as a user's shell would run it."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GTEST_")}


class ReproTest(harness.HistoryTestCase):

    def supervise(self, *extra, env=None):
        # One slot and one chunk: every test in one process, in gtest's order.
        return self.supervise_into_history("local:1", "--dist-min-chunk=1000", *extra, env=env)

    def latest_run(self):
        return self.query("runs")[0]["id"]

    def test_repro_of_a_shuffled_failure_reproduces_it(self):
        # A seed that runs OrderB.Clears, then OrderA.Sets, then OrderC.Reads:
        # C fails, and in registration order (A, B, C) the same tests pass.
        failed_seed = None
        for seed in range(1, 100):
            result = self.supervise(ORDER_FILTER, "--gtest_shuffle",
                                    "--gtest_random_seed=%d" % seed)
            # The order the supervisor saw the process run.
            seen = RUN_LINE.findall(harness.Console(result.stdout).text)
            if seen.index("OrderB.Clears") < seen.index("OrderA.Sets") < seen.index(
                    "OrderC.Reads"):
                self.assertIn("[  FAILED  ] OrderC.Reads", result.stdout, result.describe())
                failed_seed = seed
                break
        self.assertIsNotNone(failed_seed, "no seed in 1..99 ran B, A, C in that order")
        run_id = str(self.latest_run())
        recorded = seen[:seen.index("OrderC.Reads") + 1]

        described = self.query("repro", run_id, "OrderC.Reads")
        self.assertEqual(described["predecessors"] + ["OrderC.Reads"], recorded, described)
        self.assertTrue(described["shuffle"])
        self.assertEqual(described["random_seed"], failed_seed)
        self.assertEqual(described["status"], "FAILED")
        self.assertGreater(described["process"], 0)
        self.assertEqual(described["worker"], "local")
        self.assertNotEqual(recorded, [t for t in REGISTRATION if t in recorded])

        printed = self.cli("repro", run_id, "OrderC.Reads")
        self.assertEqual(printed.returncode, 0, printed.describe())
        comment, line = printed.stdout.splitlines()
        self.assertIn("OrderC.Reads attempt 1 FAILED in process", comment)
        self.assertIn("shuffled, seed %d" % failed_seed, comment)
        self.assertIn("--gtest_shuffle --gtest_random_seed=%d" % failed_seed, line)
        self.assertIn(harness.OPTIONS.bin.split("/")[-1], line)

        # The printed line, run by a shell: the same order, the same failure.
        shell = subprocess.run(["sh", "-c", line + " --gtest_color=no"], capture_output=True,
                               text=True, timeout=60, env=plain_environment())
        self.assertEqual(RUN_LINE.findall(shell.stdout), recorded, shell.stdout)
        self.assertIn("[  FAILED  ] OrderC.Reads", shell.stdout)
        self.assertEqual(shell.returncode, 1)

        # The same tests in registration order (the filter without the seed)
        # pass: the seed is what reproduces it.
        naive = subprocess.run([harness.OPTIONS.bin, "--gtest_color=no",
                                "--gtest_filter=" + ":".join(recorded)],
                               capture_output=True, text=True, timeout=60,
                               env=plain_environment())
        self.assertIn("[       OK ] OrderC.Reads", naive.stdout)

        ran = self.cli("repro", run_id, "OrderC.Reads", "--run")
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("REPRODUCED: OrderC.Reads FAILED after %d tests in the recorded order"
                      % (len(recorded) - 1), ran.stdout)
        self.assertNotIn("another order", ran.stdout)

        # The dashboard's failure view offers the same line.
        server = harness.DashboardServer(harness.OPTIONS.cli, self.history).start()
        try:
            page = server.get("/api/runs/%s" % run_id)
            card = next(f for f in page["failures"] if f["test"] == "OrderC.Reads")
            self.assertEqual(card["repro"], line)
            self.assertTrue(card["repro_exact"])
            listed = server.get("/api/failures")["failures"]
            self.assertEqual([f["repro"] for f in listed
                              if f["test"] == "OrderC.Reads" and f["run_id"] == int(run_id)],
                             [line])
        finally:
            server.stop()

        # A test that passed: its replay passes too, and --run says so (exit 1).
        passed = next(t for t in recorded[:-1])
        again = self.cli("repro", run_id, passed, "--run")
        self.assertEqual(again.returncode, 1, again.describe())
        self.assertIn("NOT REPRODUCED: %s PASSED" % passed, again.stdout)

    def test_repro_records_dist_env_and_names_bad_arguments(self):
        result = self.supervise(ORDER_FILTER, "--dist-env=TRIAGE_MARK=a b;OTHER=1")
        self.assertEqual(result.returncode, 0, result.describe())
        run_id = str(self.latest_run())
        described = self.query("repro", run_id, "OrderC.Reads")
        self.assertEqual(described["env"], {"TRIAGE_MARK": "a b", "OTHER": "1"})
        self.assertFalse(described["shuffle"])
        self.assertIsNone(described["random_seed"])
        self.assertEqual(described["predecessors"],
                         REGISTRATION[:REGISTRATION.index("OrderC.Reads")])
        line = self.cli("repro", run_id, "OrderC.Reads").stdout.splitlines()[1]
        self.assertIn("env 'TRIAGE_MARK=a b' OTHER=1 ", line)
        self.assertTrue(line.startswith("cd "), line)
        self.assertNotIn("--gtest_shuffle", line)

        for args, message in [
                ((run_id,), "expected RUN and TEST"),
                (("x", "OrderC.Reads"), 'RUN: expected a run id (a number), got "x"'),
                ((run_id, "OrderC.Reads", "--attempt", "0"), '--attempt: expected a whole'),
                ((run_id, "OrderC.Reads", "--bogus"), "unknown option --bogus")]:
            bad = self.cli("repro", *args)
            self.assertEqual(bad.returncode, 2, bad.describe())
            self.assertIn(message, bad.stderr)
        missing = self.cli("repro", run_id, "No.Such")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("run %s has no result of No.Such" % run_id, missing.stderr)
        absent = self.cli("repro", "999", "OrderC.Reads")
        self.assertEqual(absent.returncode, 1)
        self.assertIn("there is no run 999", absent.stderr)


TRIAGE_FILTER = "--gtest_filter=Polluter.*:Between.*:Victim.*:After.*:Flaky30.*:Broken.*"


class TriageTest(harness.HistoryTestCase):
    """Item 2: --dist-triage replays failed tests here and says why."""

    def setUp(self):
        super().setUp()
        # Flaky30.FailsSometimes fails on runs 0, 3, 6 of every ten.
        self.counter = os.path.join(self.scratch, "counter")

    def supervise(self, *extra):
        # Two slots, one chunk: Polluter.SetsGlobal and Victim.ReadsGlobal
        # share a process, with five tests between them. Without tail control,
        # which would move the chunk's tail to the idle slot.
        return self.supervise_into_history("local:2", "--dist-min-chunk=1000", "--dist-retries=1",
                                           TRIAGE_FILTER, *extra,
                                           env={"TRIAGE_COUNTER": self.counter,
                                                "GTEST_DIST_TAIL_SPLIT": "0"})

    def test_order_dependent_flaky_and_broken_verdicts(self):
        out_json = os.path.join(self.scratch, "report.json")
        result = self.supervise("--dist-triage", "--gtest_output=json:" + out_json)
        where = result.describe()
        # The run's own results: the victim and the 30% test FLAKY (failed,
        # passed on the retry), the broken one FAILED: exit 1, as without triage.
        self.assertEqual(result.returncode, 1, where)
        self.assertIn("[  TRIAGE  ] Victim.ReadsGlobal: ORDER-DEPENDENT (after "
                      "Polluter.SetsGlobal)", result.stdout, where)
        self.assertIn("[  TRIAGE  ] Flaky30.FailsSometimes: FLAKY\n", result.stdout, where)
        self.assertIn("[  TRIAGE  ] Broken.AlwaysFails: BROKEN\n", result.stdout, where)
        self.assertIn("triage: Victim.ReadsGlobal: ORDER-DEPENDENT", result.stderr, where)

        with open(out_json) as f:
            report = json.load(f)
        tests = {s["name"] + "." + t["name"]: t for s in report["testsuites"]
                 for t in s["testsuite"]}
        victim = tests["Victim.ReadsGlobal"]
        self.assertEqual(victim["gtest_dist_triage"],
                         "ORDER-DEPENDENT (after Polluter.SetsGlobal)")
        self.assertEqual(victim["gtest_dist_outcome"], "FLAKY")  # unchanged by triage
        self.assertEqual(tests["Flaky30.FailsSometimes"]["gtest_dist_triage"], "FLAKY")
        self.assertEqual(tests["Broken.AlwaysFails"]["gtest_dist_triage"], "BROKEN")
        self.assertNotIn("gtest_dist_triage", tests["Polluter.SetsGlobal"])

        failures = self.query("failures")
        triaged = {f["test"]: f["triage"] for f in failures}
        self.assertEqual(triaged["Victim.ReadsGlobal"]["verdict"], "ORDER-DEPENDENT")
        self.assertEqual(triaged["Victim.ReadsGlobal"]["culprits"], ["Polluter.SetsGlobal"])
        self.assertEqual(triaged["Victim.ReadsGlobal"]["text"],
                         "ORDER-DEPENDENT (after Polluter.SetsGlobal)")
        self.assertEqual(triaged["Flaky30.FailsSometimes"]["verdict"], "FLAKY")
        self.assertEqual(triaged["Broken.AlwaysFails"]["verdict"], "BROKEN")
        table = harness.run([harness.OPTIONS.cli, "failures", "--history=" + self.history])
        self.assertRegex(table.stdout, r"Victim\.ReadsGlobal .*ORDER-DEPENDENT \(after "
                         r"Polluter\.SetsGlobal\)")

        # The dashboard's failure cards carry the verdict.
        run_id = self.query("runs")[0]["id"]
        server = harness.DashboardServer(harness.OPTIONS.cli, self.history).start()
        try:
            cards = server.get("/api/runs/%d" % run_id)["failures"]
            self.assertIn("ORDER-DEPENDENT (after Polluter.SetsGlobal)",
                          [c["triage"] for c in cards if c["test"] == "Victim.ReadsGlobal"])
        finally:
            server.stop()

    def test_auto_triages_a_test_that_passed_on_its_retry_and_off_none(self):
        auto = self.supervise()
        where = auto.describe()
        self.assertEqual(auto.returncode, 1, where)
        self.assertIn("[  TRIAGE  ] Victim.ReadsGlobal: ORDER-DEPENDENT (after "
                      "Polluter.SetsGlobal)", auto.stdout, where)
        # Failed on its retry too: not triaged without --dist-triage.
        self.assertNotIn("[  TRIAGE  ] Broken.AlwaysFails", auto.stdout, where)
        off = self.supervise("--dist-triage=0")
        self.assertEqual(off.returncode, 1, off.describe())
        self.assertNotIn("TRIAGE", off.stdout, off.describe())
        bad = self.supervise("--dist-triage-budget=0")
        self.assertEqual(bad.returncode, 2)
        self.assertIn('--dist-triage-budget: expected whole seconds from 1 to 86400, got "0"',
                      bad.stderr)


# The tests of ORDER_FILTER in registration order.
REGISTRATION = ["Between.First", "Between.Second", "Between.Third", "Between.Fourth",
                "Between.Fifth", "After.One", "After.Two", "OrderA.Sets", "OrderB.Clears",
                "OrderC.Reads"]


if __name__ == "__main__":
    harness.main()
