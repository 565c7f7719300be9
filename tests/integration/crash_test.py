#!/usr/bin/env python3
"""crash_suite: abort(), SIGSEGV, exit(0), _exit(1) and a hang in the middle
of a chunk. Each is one FAILED test whose reason names the signal, the exit
status or the timeout; every passing test between them still passes; death
tests pass.

A plain run stops at the first crash, so these checks are absolute rather
than against a plain run.

Usage: crash_test.py --bin build/tests/integration/crash_suite [-v]
"""

import re

import harness

PASSING = ["CrashChunk.Test%dPasses" % i for i in (1, 3, 5, 7, 9, 11)]
HANGING = "CrashChunk.Test10Hangs"
# Every distributed run here: the hanging test is killed after 2 s.
TIMEOUT_ARGS = ["--dist-test-timeout=2"]
# Test -> what its failure message must say.
CRASHING = {
    "CrashChunk.Test2Aborts": re.compile(r"signal 6\b|SIGABRT|Abort", re.I),
    "CrashChunk.Test4Segfaults": re.compile(r"signal 11\b|SIGSEGV|Segmentation", re.I),
    "CrashChunk.Test6ExitsZero": re.compile(r"exit\w*( with)?( status| code)? 0\b", re.I),
    "CrashChunk.Test8UnderscoreExitsOne": re.compile(r"exit\w*( with)?( status| code)? 1\b",
                                                     re.I),
    HANGING: re.compile(r"timed out after 2(\.0+)? ?s", re.I),
}
DEATH_TESTS = ["CrashDeathTest.AbortIsDeath", "CrashDeathTest.ExitCodeIsChecked",
               "CrashDeathTest.SignalIsChecked"]


class CrashTest(harness.IntegrationTestCase):

    def check_crash_run(self, dist, context):
        where = context + "\n" + dist.result.describe()
        self.assertEqual(dist.result.returncode, 1, where)
        console = dist.console
        for name in PASSING + list(CRASHING):
            self.assertEqual(console.runs[name], 1, "%s: RUN lines of %s\n%s" % (
                context, name, where))
            self.assertEqual(console.ends[name], 1, "%s: end lines of %s\n%s" % (
                context, name, where))
        for name in PASSING:
            self.assertEqual(console.outcomes[name], [harness.PASSED], name + "\n" + where)
            self.assertEqual(dist.xml.outcomes[name], harness.PASSED, name)
            self.assertEqual(dist.json.outcomes[name], harness.PASSED, name)
        for name, reason in CRASHING.items():
            self.assertEqual(console.outcomes[name], [harness.FAILED], name + "\n" + where)
            self.assertRegex(console.blocks.get(name, ""), reason,
                             "%s: console block of %s does not give the reason\n%s" % (
                                 context, name, where))
            self.assertEqual(console.failed_listed[name], 1, name + "\n" + where)
            for label, report in (("XML", dist.xml), ("JSON", dist.json)):
                self.assertEqual(report.occurrences[name], 1, "%s %s" % (label, name))
                self.assertEqual(report.outcomes[name], harness.FAILED, "%s %s" % (label, name))
                self.assertRegex(report.messages[name], reason,
                                 "%s: %s failure message of %s" % (context, label, name))
        # The hung test is reported with the time it had run, not 0 ms.
        for label, report in (("XML", dist.xml), ("JSON", dist.json)):
            self.assertGreaterEqual(report.times[HANGING], 1.9, "%s time of %s" % (label, HANGING))
        self.assertIn("about to hang", console.blocks.get(HANGING, ""), where)
        # What the crashed test printed before dying is kept with it.
        self.assertIn("about to abort", console.blocks.get("CrashChunk.Test2Aborts", ""), where)
        self.assertIn("about to raise SIGSEGV",
                      console.blocks.get("CrashChunk.Test4Segfaults", ""), where)
        self.assertEqual(console.failed_count, len(CRASHING), where)
        self.assertEqual(console.passed_count, console.ran_tests - len(CRASHING), where)
        for label, report in (("XML", dist.xml), ("JSON", dist.json)):
            self.assertEqual(report.root["failures"], len(CRASHING), label)
            self.assertEqual(report.root["tests"], console.ran_tests, label)

    def test_crashes_in_one_chunk_on_a_worker(self):
        binary = harness.OPTIONS.bin
        args = ["--gtest_filter=CrashChunk.*"]
        # One worker with one job: the suite's tests share a child process,
        # so each crash must be contained and the rest of the chunk go on.
        with self.pool(binary, 1, jobs=1) as pool:
            dist = self.runner.distributed(binary, pool.addresses(), args,
                                           extra_args=TIMEOUT_ARGS)
            self.check_crash_run(dist, "1 worker, 1 job")
            self.assertEqual({w.rpartition(":")[2] for w in dist.xml.workers.values()},
                             {str(pool.workers[0].port)})
            pool.stop_all()

    def test_crashes_on_local_slots(self):
        dist = self.runner.distributed(harness.OPTIONS.bin, ["local:1"],
                                       ["--gtest_filter=CrashChunk.*"],
                                       extra_args=TIMEOUT_ARGS)
        self.check_crash_run(dist, "local:1")

    def test_whole_suite_on_two_workers(self):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 2, jobs=2) as pool:
            dist = self.runner.distributed(binary, pool.addresses(),
                                           extra_args=TIMEOUT_ARGS)
            self.check_crash_run(dist, "2 workers, 2 jobs, whole suite")
            for name in DEATH_TESTS:
                self.assertEqual(dist.console.outcomes[name], [harness.PASSED],
                                 name + "\n" + dist.result.describe())
                self.assertEqual(dist.xml.outcomes[name], harness.PASSED, name)
            pool.stop_all()

    def test_slow_start_up_is_not_test_time(self):
        # Each process spends 3 s starting, past the 2 s test timeout: the
        # timeout counts from when it takes its chunk, so nothing times out.
        # With warm children (the default) the first chunk is spawned while
        # the template starts; the chunk after the crash is forked or spawned.
        args = ["--gtest_filter=CrashChunk.Test1Passes:CrashChunk.Test2Aborts:"
                "CrashChunk.Test3Passes"]
        dist = self.runner.distributed(harness.OPTIONS.bin, ["local:1"], args,
                                       env={"CRASH_SUITE_START_UP_MS": "3000"},
                                       extra_args=TIMEOUT_ARGS)
        where = dist.result.describe()
        self.assertEqual(dist.result.returncode, 1, where)
        for name in ("CrashChunk.Test1Passes", "CrashChunk.Test3Passes"):
            self.assertEqual(dist.console.outcomes[name], [harness.PASSED], name + "\n" + where)
        self.assertEqual(dist.console.outcomes["CrashChunk.Test2Aborts"], [harness.FAILED], where)
        self.assertRegex(dist.console.blocks.get("CrashChunk.Test2Aborts", ""),
                         CRASHING["CrashChunk.Test2Aborts"], where)
        self.assertNotIn("timed out", dist.result.stdout, where)

    def check_failure_at_exit(self, where_it_fails):
        # The two tests run in two processes. The one that ran
        # SlowExitAfterThis aborts a second after its last test; the other
        # ends at once. Every test then has its result, but the run must wait
        # for the first process's end and report its failure.
        args = ["--gtest_filter=CrashExit.*"]
        dist = self.runner.distributed(harness.OPTIONS.bin, ["local:2"], args,
                                       env={"CRASH_SUITE_FAIL_AT_EXIT": where_it_fails},
                                       extra_args=["--dist-env=CRASH_SUITE_FAIL_AT_EXIT"])
        where = dist.result.describe()
        self.assertEqual(dist.result.returncode, 1, where)
        self.assertIn("FAILURE_ON_EXIT", dist.result.stdout, where)
        self.assertIn("failing in the " + where_it_fails, dist.result.stdout, where)
        for name in ("CrashExit.SlowExitAfterThis", "CrashExit.Other"):
            self.assertEqual(dist.console.outcomes[name], [harness.PASSED], name + "\n" + where)

    def test_a_failure_in_a_static_destructor_after_the_last_test_is_not_lost(self):
        self.check_failure_at_exit("destructor")

    def test_a_crash_in_the_global_tear_down_after_the_last_test_is_not_lost(self):
        self.check_failure_at_exit("teardown")

    def test_death_tests_match_plain(self):
        binary = harness.OPTIONS.bin
        args = ["--gtest_filter=CrashDeathTest.*"]
        plain = self.runner.plain(binary, args)
        self.assertEqual(plain.result.returncode, 0, plain.result.describe())
        with self.pool(binary, 1, jobs=2) as pool:
            dist = self.runner.distributed(binary, pool.addresses(), args)
            harness.check_same_as_plain(self, plain, dist,
                                        worker_ports=[pool.workers[0].port],
                                        context="death tests")
            pool.stop_all()


if __name__ == "__main__":
    harness.main()
