#!/usr/bin/env python3
"""Failures and skips outside test bodies, distributed on real workers and
compared with a plain run in the console, the XML and the JSON: a failing
SetUpTestSuite, a SetUpTestSuite that skips its suite, GTEST_SKIP in SetUp,
and a global Environment whose SetUp fails.

Usage: setup_test.py --bin build/tests/integration/setup_suite [-v]
"""

import os
import re

import harness



class SetupTest(harness.IntegrationTestCase):

    def check(self, env, context):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 2, jobs=2, env=env) as pool:
            plain = self.runner.plain(binary, env=env)
            dist = self.runner.distributed(binary, pool.addresses(), env=env)
            harness.check_same_as_plain(self, plain, dist,
                                        worker_ports=[w.port for w in pool.workers],
                                        context=context)
            pool.stop_all()
        return plain, dist

    def test_suite_setup_failure_and_skips(self):
        plain, dist = self.check({}, "suite set-up failure and skips")
        self.assertIn("SetUpTestSuite failed on purpose", dist.result.stdout)
        self.assertIn("the whole suite is skipped", dist.result.stdout)
        self.assertEqual(dist.xml.outcomes["SkipInSetUp.Skipped"], harness.SKIPPED)

    def test_environment_setup_skip(self):
        # gtest 1.12 runs no test and counts every one passed, printing no
        # test line; a distributed run says the same.
        binary = harness.OPTIONS.bin
        env = {"SETUP_SUITE_ENV": "skip"}
        with self.pool(binary, 2, jobs=2, env=env) as pool:
            plain = self.runner.plain(binary, env=env)
            dist = self.runner.distributed(binary, pool.addresses(), env=env)
            pool.stop_all()
        self.assertEqual(dist.result.returncode, plain.result.returncode, dist.result.describe())
        # No test line at all, so the whole console compares, times aside.
        self.assertEqual(re.sub(r"\(\d+ ms total\)", "", dist.result.stdout),
                         re.sub(r"\(\d+ ms total\)", "", plain.result.stdout))
        for name, dist_report, plain_report in (("XML", dist.xml, plain.xml),
                                                ("JSON", dist.json, plain.json)):
            self.assertEqual(dist_report.outcomes, plain_report.outcomes, name)
            self.assertEqual(dist_report.root, plain_report.root, name)
            self.assertEqual(dist_report.suite_counts, plain_report.suite_counts, name)
        self.assertEqual(dist.result.returncode, 0, dist.result.describe())
        self.assertEqual(sum(dist.console.runs.values()), 0, dist.result.stdout)
        self.assertEqual(dist.console.passed_count, 7, dist.result.stdout)
        self.assertIn("Environment SetUp skips everything", dist.result.stdout)
        self.assertEqual(dist.xml.root["tests"], 7)

    def test_min_chunk_bounds_how_often_an_environment_is_set_up(self):
        binary = harness.OPTIONS.bin

        def set_ups(*extra):
            log = os.path.join(self.scratch, "env-%d.log" % len(extra))
            env = {"SETUP_SUITE_ENV": "count", "SETUP_SUITE_ENV_LOG": log}
            result = harness.run([binary, "--dist-supervisor", "--workers", "local:2"] +
                                 list(extra), env=env)
            self.assertEqual(result.returncode, 1, result.describe())  # FailingSuiteSetUp
            with open(log) as f:
                return len(f.read().splitlines())

        default = set_ups()
        bounded = set_ups("--dist-min-chunk=4")
        # 7 tests in chunks of at least 4: two children, two set-ups.
        self.assertEqual(bounded, 2)
        self.assertGreater(default, bounded)

    def test_history_keeps_the_failures_outside_tests(self):
        history = os.path.join(self.scratch, "history.sqlite")
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2",
                              "--dist-history=" + history])
        self.assertEqual(result.returncode, 1, result.describe())
        run = harness.query_history(history, "show", "1")
        self.assertEqual(run["status"], "red", run)
        parts = {(p["suite"], p["kind"]) for p in run["suite_parts"]}
        self.assertEqual(parts, {("FailingSuiteSetUp", "nonfatal"), ("SkippedSuite", "skip")},
                         run["suite_parts"])

    def test_environment_setup_failure(self):
        # gtest 1.12 writes invalid JSON here (no comma before its
        # "NonTestSuiteFailure" suite), so the comparison is console and XML;
        # the distributed JSON must still parse.
        binary = harness.OPTIONS.bin
        env = {"SETUP_SUITE_ENV": "fail"}
        xml_path, json_path = self.runner._paths("env")
        plain_result = harness.run([binary, "--gtest_output=xml:" + xml_path], env=env)
        plain = harness.Outcome(plain_result, harness.Console(plain_result.stdout),
                                harness.Report.from_xml(xml_path), None)
        with self.pool(binary, 2, jobs=2, env=env) as pool:
            dist = self.runner.distributed(binary, pool.addresses(), env=env)
            pool.stop_all()
        plain.json = None
        dist_json, dist.json = dist.json, None
        harness.check_same_as_plain(self, plain, dist, context="Environment SetUp fails")
        self.assertIn("Environment SetUp failed on purpose", dist.result.stdout)
        self.assertEqual(dist_json.root["tests"], dist.xml.root["tests"])


if __name__ == "__main__":
    harness.main()
