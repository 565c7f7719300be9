#!/usr/bin/env python3
"""Stopping a run from the supervisor's side, on real workers:

- SIGINT or SIGTERM to the supervisor mid-run: every worker's children are
  gone within a deadline, the report (XML, JSON) is written with each selected
  test exactly once, what ran plus what is NOT RUN adds up to the selection,
  the exit code is non-zero, and the workers serve the next supervisor.
- SIGKILL to the supervisor mid-run: the workers notice the dropped link,
  kill that run's children, free their slots and run the next supervisor's
  whole suite.

Usage: interrupt_test.py --bin build/tests/integration/slow_suite [-v]
"""

import os
import signal

import harness

SELECTED = 72  # slow_suite: 6 suites x 12 tests of 150 ms
# A worker must be rid of a stopped run's children within this many seconds
# (it kills them as soon as it reads the Refusal or sees the link drop).
CHILDREN_GONE_DEADLINE = 10
OK_LINE = r"^\[       OK \] "


class InterruptTest(harness.IntegrationTestCase):

    def start_supervisor(self, pool, report):
        argv = [harness.OPTIONS.bin, "--dist-supervisor", "--workers",
                ",".join(pool.addresses()), "--gtest_output=" + report]
        return harness.LiveProcess(argv)

    def wait_mid_run(self, pool, supervisor):
        """Returns once tests are passing and children run on the workers."""
        supervisor.wait_for_output(OK_LINE, count=6)
        harness.wait_until(lambda: all(harness.descendants(w.process.pid) for w in pool.workers),
                           harness.RUN_TIMEOUT, "children running on every worker")

    def assert_children_gone(self, pool):
        for worker in pool.workers:
            harness.wait_until(lambda: not harness.descendants(worker.process.pid),
                               CHILDREN_GONE_DEADLINE,
                               "worker %s has no child left\n%s" % (worker.address, worker.log()))
            self.assertTrue(worker.alive(), "worker %s died\n%s" % (worker.address, worker.log()))

    def assert_serves_whole_suite(self, pool):
        after = self.runner.distributed(harness.OPTIONS.bin, pool.addresses())
        self.assertEqual(after.result.returncode, 0, after.result.describe())
        self.assertEqual(after.xml.root["tests"], SELECTED, after.result.describe())
        self.assertEqual(set(after.xml.outcomes.values()), {harness.PASSED})

    def check_interrupted(self, signum, report_format):
        report_path = os.path.join(self.scratch, "interrupted." + report_format)
        with self.pool(harness.OPTIONS.bin, 2, jobs=2) as pool:
            supervisor = self.start_supervisor(pool, "%s:%s" % (report_format, report_path))
            try:
                self.wait_mid_run(pool, supervisor)
                supervisor.process.send_signal(signum)
                result = supervisor.finish()
            finally:
                supervisor.kill()
            where = result.describe()
            self.assertNotEqual(result.returncode, 0, where)
            self.assertIn("interrupted by " + signal.Signals(signum).name, result.stderr, where)
            self.assertTrue(os.path.exists(report_path), "no report\n" + where)
            report = (harness.Report.from_xml if report_format == "xml"
                      else harness.Report.from_json)(report_path)
            # Each selected test exactly once; ran + NOT RUN = selected.
            self.assertEqual(len(report.occurrences), SELECTED, where)
            self.assertEqual(set(report.occurrences.values()), {1}, where)
            self.assertEqual(report.root["tests"], SELECTED, where)
            outcomes = list(report.outcomes.values())
            passed = outcomes.count(harness.PASSED)
            not_run = [n for n, m in report.messages.items() if "interrupted" in m]
            self.assertGreaterEqual(passed, 6, where)
            self.assertGreater(len(not_run), 0, "nothing reported NOT RUN\n" + where)
            self.assertEqual(passed + len(not_run), SELECTED,
                             "ran + NOT RUN != selected\n" + where)
            self.assertEqual(report.root["failures"], len(not_run), where)
            # The console summary agrees.
            console = harness.Console(result.stdout)
            self.assertEqual(console.passed_count, passed, where)
            self.assertEqual(console.failed_count, len(not_run), where)
            self.assert_children_gone(pool)
            self.assert_serves_whole_suite(pool)
            pool.stop_all()

    def test_sigint_writes_the_report_and_stops_every_child(self):
        self.check_interrupted(signal.SIGINT, "xml")

    def test_sigterm_writes_the_report_and_stops_every_child(self):
        self.check_interrupted(signal.SIGTERM, "json")

    def test_killed_supervisor_frees_the_workers(self):
        report_path = os.path.join(self.scratch, "killed.xml")
        with self.pool(harness.OPTIONS.bin, 2, jobs=2) as pool:
            supervisor = self.start_supervisor(pool, "xml:" + report_path)
            try:
                self.wait_mid_run(pool, supervisor)
                supervisor.process.kill()
                supervisor.finish()
            finally:
                supervisor.kill()
            self.assert_children_gone(pool)
            self.assert_serves_whole_suite(pool)
            pool.stop_all()

    def test_premature_exit_file_lasts_as_long_as_the_run(self):
        # TEST_PREMATURE_EXIT_FILE (Bazel's protocol): gtest creates it at
        # the start and removes it at a normal end, so a runner that finds it
        # knows the program died early. The children must leave it alone.
        marker = os.path.join(self.scratch, "premature-exit")
        env = {"TEST_PREMATURE_EXIT_FILE": marker}
        argv = [harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2"]
        supervisor = harness.LiveProcess(argv, env=env)
        try:
            supervisor.wait_for_output(OK_LINE, count=30)
            self.assertTrue(os.path.exists(marker), "no premature-exit file mid-run")
            supervisor.process.kill()
            supervisor.finish()
        finally:
            supervisor.kill()
        self.assertTrue(os.path.exists(marker), "a killed run must leave the file behind")
        os.remove(marker)
        result = harness.run(argv + ["--gtest_filter=SlowA.*"], env=env)
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertFalse(os.path.exists(marker), "a complete run must remove the file")


if __name__ == "__main__":
    harness.main()
