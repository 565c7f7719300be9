#!/usr/bin/env python3
"""Retries, FLAKY and the loop, on real workers, with a SQLite history:

- --dist-retries: a test that fails (or crashes) once, then passes, is FLAKY:
  listed as such in the console, a passed testcase with gtest_dist_* properties
  in the XML and the JSON, every attempt a row in the store, the retry on the
  other worker; the exit code counts it as passed unless --dist-flaky-fails;
  a test that always fails runs 1 + N times and fails.
- --dist-loop=20 over a test that fails one run in five: the tally names it,
  each iteration is a run in the store, and `gtest_dist flaky` ranks it first.
- --dist-repeat-until-fail stops at the first failing iteration.

flaky_suite counts each test's runs in FLAKY_SUITE_STATE_DIR, so which run
fails is known in advance.

Usage: retry_test.py --bin build/tests/integration/flaky_suite --cli build/bin/gtest_dist
"""

import os

import harness



class RetryTest(harness.HistoryTestCase):

    def setUp(self):
        super().setUp()
        self.state = os.path.join(self.scratch, "state")
        os.mkdir(self.state)
        self.env = {"FLAKY_SUITE_STATE_DIR": self.state}

    def reset_state(self):
        """flaky_suite's tests start counting their runs again."""
        for name in os.listdir(self.state):
            os.remove(os.path.join(self.state, name))

    def run_local(self, *args, timeout=120):
        """One supervisor run on local:2 into the test's history."""
        return self.supervise_into_history("local:2", *args, env=self.env, timeout=timeout)

    def supervise(self, workers, *args):
        xml_path = os.path.join(self.scratch, "report.xml")
        json_path = os.path.join(self.scratch, "report.json")
        argv = [harness.OPTIONS.bin, "--dist-supervisor", "--workers", ",".join(workers),
                "--dist-history=" + self.history] + list(args)
        # One run writes the XML; the state is reset and an identical run
        # writes the JSON, so both describe the same verdicts.
        result = harness.run(argv + ["--gtest_output=xml:" + xml_path], env=self.env)
        self.reset_state()
        again = harness.run(argv + ["--gtest_output=json:" + json_path], env=self.env)
        self.assertEqual(result.returncode, again.returncode, again.describe())
        return (result, harness.Console(result.stdout), harness.Report.from_xml(xml_path),
                harness.Report.from_json(json_path))

    def test_flaky_and_broken_tests_with_retries_on_two_workers(self):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 2, jobs=1, env=self.env) as pool:
            result, console, xml, json_report = self.supervise(
                pool.addresses(), "--dist-retries=2", "--gtest_filter=Flaky.*:Broken.*:Many/*")
            pool.stop_all()
        where = result.describe()
        self.assertEqual(result.returncode, 1, where)  # Broken.AlwaysFails
        flaky = ["Flaky.FailsFirstTime", "Flaky.CrashesFirstTime"]
        # Console: each attempt shown, FLAKY listed, only the broken test failed.
        self.assertEqual(console.runs["Flaky.FailsFirstTime"], 2, where)
        self.assertEqual(console.runs["Flaky.CrashesFirstTime"], 2, where)
        self.assertEqual(console.runs["Broken.AlwaysFails"], 3, where)
        self.assertEqual(console.outcomes["Broken.AlwaysFails"], [harness.FAILED], where)
        for name in flaky:
            self.assertEqual(console.outcomes[name], [harness.PASSED], where)
            self.assertIn("[  FLAKY   ] %s (passed on attempt 2)" % name, result.stdout)
        self.assertIn("[  FLAKY   ] 2 tests, listed below:", result.stdout)
        self.assertEqual(dict(console.failed_listed), {"Broken.AlwaysFails": 1}, where)
        self.assertEqual(console.passed_count, 14, where)
        self.assertEqual(result.stdout.count("[  RETRY   ]"), 4, where)
        # Reports: each test once; FLAKY is a pass with properties saying so.
        for report in (xml, json_report):
            self.assertEqual(max(report.occurrences.values()), 1)
            self.assertEqual(report.root["tests"], 15)
            self.assertEqual(report.root["failures"], 1)
            self.assertEqual(report.outcomes["Broken.AlwaysFails"], harness.FAILED)
            self.assertEqual(report.properties["Broken.AlwaysFails"]["gtest_dist_attempts"], "3")
            for name in flaky:
                self.assertEqual(report.outcomes[name], harness.PASSED, name)
                self.assertEqual(report.properties[name]["gtest_dist_outcome"], "FLAKY")
                self.assertEqual(report.properties[name]["gtest_dist_attempts"], "2")
                self.assertIn("attempt 1: ", report.properties[name]["gtest_dist_attempt_failures"])
            self.assertNotIn("gtest_dist_attempts", report.properties["Many/Steady.Passes/0"])
        self.assertIn("killed by signal 6",
                      xml.properties["Flaky.CrashesFirstTime"]["gtest_dist_attempt_failures"])
        # The store: every attempt, the retry on the other worker.
        runs = self.query("runs")
        self.assertEqual(len(runs), 2)
        run = self.query("show", str(runs[0]["id"]))
        self.assertEqual((run["flaky"], run["failed"], run["passed"]), (2, 1, 12), run)
        attempts = {}
        for row in run["results"]:
            attempts.setdefault(row["test"], []).append(row)
        for name in flaky:
            rows = sorted(attempts[name], key=lambda r: r["attempt"])
            self.assertEqual([r["status"] for r in rows],
                             ["FAILED" if "Fails" in name else "CRASHED", "FLAKY"], rows)
            self.assertNotEqual(rows[0]["worker"], rows[1]["worker"],
                                "%s was retried on the worker it failed on" % name)
        self.assertEqual([r["status"] for r in attempts["Broken.AlwaysFails"]],
                         ["FAILED"] * 3)
        # Each worker's slots (--dist-jobs=1) and every attempt it ran.
        use = run["worker_use"]
        self.assertEqual(len(use), 2, use)
        self.assertEqual([w["slots"] for w in use], [1, 1], use)
        self.assertEqual(sum(w["tests_run"] for w in use), len(run["results"]), use)

    def test_flaky_counts_as_passed_unless_told(self):
        filter_flag = "--gtest_filter=Flaky.*"
        result, console, xml, _ = self.supervise(["local:2"], "--dist-retries=1", filter_flag)
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(xml.root["failures"], 0)
        self.reset_state()
        result, console, xml, json_report = self.supervise(
            ["local:2"], "--dist-retries=1", "--dist-flaky-fails", filter_flag)
        where = result.describe()
        self.assertEqual(result.returncode, 1, where)
        self.assertIn("[  FLAKY   ] 2 tests (failing the run), listed below:", result.stdout)
        self.assertEqual(console.failed_count, 2, where)
        for report in (xml, json_report):
            self.assertEqual(report.root["failures"], 2)
            self.assertEqual(report.outcomes["Flaky.FailsFirstTime"], harness.FAILED)
            self.assertIn("first run fails", report.messages["Flaky.FailsFirstTime"])

    def test_without_retries_a_flaky_test_just_fails(self):
        # Without retries a flaky test simply fails, as in a plain run.
        result = self.run_local("--gtest_filter=Flaky.FailsFirstTime")
        self.assertEqual(result.returncode, 1, result.describe())
        self.assertNotIn("RETRY", result.stdout)
        self.assertNotIn("FLAKY", result.stdout)

    def test_loop_finds_the_test_that_fails_one_run_in_five(self):
        result = self.run_local("--dist-loop=20", "--gtest_filter=Sometimes.*:Many/*",
                                timeout=300)
        where = result.describe()
        self.assertEqual(result.returncode, 1, where)
        self.assertIn("[==========] gtest_dist loop: 20 iterations, 5 failed.", result.stdout)
        tally = [line for line in result.stdout.splitlines() if line.startswith("[  TALLY   ]")]
        self.assertEqual(tally, [
            "[  TALLY   ] Sometimes.FailsOneRunInFive: failed in 4 of 20 iterations, "
            "last in iteration 18",
            "[  TALLY   ] Sometimes.FailsOneRunInTwenty: failed in 1 of 20 iterations, "
            "last in iteration 11"], where)
        self.assertIn("loop iteration 20 of 20: passed; 5 of 20 iterations failed", result.stderr)
        runs = self.query("runs", "--limit", "100")
        self.assertEqual(len(runs), 20)
        self.assertEqual(sorted(r["iteration"] for r in runs), list(range(20)))
        self.assertEqual(sum(1 for r in runs if r["status"] == "red"), 5)
        flaky = self.query("flaky")
        self.assertEqual([row["test"] for row in flaky],
                         ["Sometimes.FailsOneRunInFive", "Sometimes.FailsOneRunInTwenty"], flaky)
        self.assertEqual((flaky[0]["failed_runs"], flaky[0]["runs"]), (4, 20), flaky)

    def test_loop_with_retries_turns_failures_into_flaky(self):
        result = self.run_local("--dist-loop=6", "--dist-retries=1",
                                "--gtest_filter=Sometimes.FailsOneRunInFive")
        where = result.describe()
        # Run 3 fails, its retry (run 4) passes: FLAKY, not a failure.
        self.assertEqual(result.returncode, 0, where)
        self.assertIn("[  TALLY   ] Sometimes.FailsOneRunInFive: failed in 1 of 6 iterations "
                      "(1 FLAKY), last in iteration 3", result.stdout)
        flaky = self.query("flaky")
        self.assertEqual(flaky[0]["flaky_runs"], 1, flaky)

    def test_repeat_until_fail_stops_at_the_first_failure(self):
        result = self.run_local("--dist-repeat-until-fail",
                                "--gtest_filter=Sometimes.FailsOneRunInFive")
        where = result.describe()
        self.assertEqual(result.returncode, 1, where)
        self.assertIn("gtest_dist loop: 3 iterations, 1 failed.", result.stdout, where)
        self.assertEqual(len(self.query("runs")), 3)

    def test_bad_values_are_refused(self):
        for flag, expected in (("--dist-retries=-1", "--dist-retries: expected a whole number"),
                               ("--dist-retries=many", "--dist-retries: expected"),
                               ("--dist-loop=0", "--dist-loop: expected"),
                               ("--gtest_repeat=2", "give one of them")):
            argv = [harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:1", flag,
                    "--dist-loop=2" if "repeat" in flag else "--gtest_filter=Many/*"]
            result = harness.run(argv, env=self.env)
            self.assertEqual(result.returncode, 2, result.describe())
            self.assertIn(expected, result.stderr)


if __name__ == "__main__":
    harness.main()
