#!/usr/bin/env python3
"""Tail control (issue 15): when a slot goes idle, the tests of a running
chunk that have not started move to it. tail_suite's first test blocks until
30 other tests have run, and its chunk (--dist-min-chunk=20) holds the next
19 (the other chunk the other 20): the run passes only if an idle slot took
tests of its chunk. Every test is reported
exactly once (console, XML, JSON), and the cut tests ran in another process.

Usage: tail_test.py --bin build/tests/integration/tail_suite [-v]
"""

import collections
import os

import harness

TESTS = 40
LONG = "Tail.ALong"


class TailControlTest(harness.IntegrationTestCase):

    def run_once(self, workers, fmt, env, extra):
        """One supervisor run writing a `fmt` report; its result, the report
        and the trace: (test, pid) for each test that ran."""
        trace = os.path.join(self.scratch, "trace")
        report = os.path.join(self.scratch, "report." + fmt)
        for path in (trace, report):
            if os.path.exists(path):
                os.unlink(path)
        all_env = {"TAIL_TRACE": trace}
        all_env.update(env or {})
        result = harness.run(
            [harness.OPTIONS.bin, "--dist-supervisor", "--workers", ",".join(workers),
             "--dist-history=off", "--dist-min-chunk=20", "--dist-env=TAIL_TRACE",
             "--dist-env=TAIL_WAIT_S", "--gtest_output=%s:%s" % (fmt, report)] + list(extra),
            env=all_env)
        self.assertTrue(os.path.exists(report), result.describe())
        with open(trace, encoding="utf-8") as f:
            pids = [(line.split()[1], int(line.split()[2])) for line in f]
        parsed = harness.Report.from_xml(report) if fmt == "xml" else \
            harness.Report.from_json(report)
        return result, parsed, pids

    def check_tail_moved(self, workers, env=None, extra=()):
        first, xml, xml_pids = self.run_once(workers, "xml", env, extra)
        second, json_report, json_pids = self.run_once(workers, "json", env, extra)
        outcome = harness.Outcome(first, harness.Console(first.stdout), xml, json_report)
        where = first.describe() + "\n" + second.describe()
        self.assertEqual(first.returncode, 0, where)
        self.assertEqual(second.returncode, 0, where)
        plain = harness.Runner(self, self.scratch).plain(harness.OPTIONS.bin)
        # Console, XML and JSON: each test exactly once, all passed.
        harness.check_same_as_plain(self, plain, outcome, context=str(workers))
        self.assertEqual(outcome.console.passed_count, TESTS, where)
        self.assertEqual(sum(xml.occurrences.values()), TESTS, where)
        self.assertEqual(max(xml.occurrences.values()), 1, where)
        self.assertEqual(sum(json_report.occurrences.values()), TESTS, where)
        self.assertEqual(max(json_report.occurrences.values()), 1, where)
        for pids in (xml_pids, json_pids):
            # Every test ran once, and the last test of the long test's
            # chunk ran in another process.
            ran = collections.Counter(name for name, _ in pids)
            self.assertEqual(len(ran), TESTS, where)
            self.assertEqual(max(ran.values()), 1, "a test ran twice: %s\n%s" % (ran, where))
            pid_of = dict(pids)
            self.assertNotEqual(pid_of["Tail.Short19"], pid_of[LONG],
                                "the tail ran in the long test's process\n" + where)

    def test_local_slots_take_the_tail(self):
        self.check_tail_moved(["local:2"])

    def test_local_slots_take_the_tail_from_a_warm_child(self):
        self.check_tail_moved(["local:2"], env={"GTEST_DIST_WARM_CHILDREN": "on"},
                              extra=["--dist-warm-children=on"])

    def test_a_remote_worker_gives_its_tail_to_another_executor(self):
        with harness.Worker(harness.OPTIONS.bin, jobs=1) as worker:
            self.check_tail_moved(["local:1", worker.address])

    def test_remote_worker_slots_take_the_tail(self):
        with harness.Worker(harness.OPTIONS.bin, jobs=2) as worker:
            self.check_tail_moved([worker.address])

    def test_a_crash_in_the_moved_tail_costs_only_the_crashed_test(self):
        # Short15 is in the long test's chunk: it runs (and aborts) in the
        # process that took the tail; the rest of that tail goes on in a new
        # process. Each test is still reported once.
        result, xml, pids = self.run_once(["local:2"], "xml", {"TAIL_CRASH": "Short15"},
                                          ["--dist-env=TAIL_CRASH"])
        where = result.describe()
        self.assertEqual(result.returncode, 1, where)
        console = harness.Console(result.stdout)
        self.assertEqual(sorted(set(console.runs.values()) | set(console.ends.values())), [1],
                         where)
        self.assertEqual(len(console.ends), TESTS, where)
        self.assertEqual(console.failed_listed, collections.Counter({"Tail.Short15": 1}), where)
        self.assertEqual(sum(xml.occurrences.values()), TESTS, where)
        self.assertEqual(max(xml.occurrences.values()), 1, where)
        ran = collections.Counter(name for name, _ in pids)
        self.assertEqual((len(ran), max(ran.values())), (TESTS, 1), where)
        pid_of = dict(pids)
        self.assertNotEqual(pid_of["Tail.Short15"], pid_of[LONG], where)
        self.assertNotEqual(pid_of["Tail.Short16"], pid_of["Tail.Short15"], where)

    def test_without_tail_control_the_long_test_waits_in_vain(self):
        # The off switch: the tail stays behind the long test, which gives
        # up after 5 s and fails. (This is what the old code did.)
        trace = os.path.join(self.scratch, "trace-off")
        result = harness.run(
            [harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2",
             "--dist-history=off", "--dist-min-chunk=20", "--dist-env=TAIL_TRACE",
             "--dist-env=TAIL_WAIT_S"],
            env={"TAIL_TRACE": trace, "TAIL_WAIT_S": "5", "GTEST_DIST_TAIL_SPLIT": "0"})
        self.assertEqual(result.returncode, 1, result.describe())
        self.assertIn("[  FAILED  ] %s" % LONG, result.stdout, result.describe())


if __name__ == "__main__":
    harness.main()
