#!/usr/bin/env python3
"""The sample suite (fixtures, parameterized and typed tests, a death test, a
skip, a disabled test, output, properties and one intentional failure)
distributed in a few worker/job shapes, over local slots and a mix, and with
--gtest_color, --gtest_brief, --gtest_also_run_disabled_tests.

Usage: samples_test.py --bin build/samples/gtest_dist_samples [-v]
"""

import re

import harness

DEMO_FAILURE = "IntentionalDemoFailure.LabelUsesCanonicalSku"
DEATH_TESTS = ("InventoryDeathTest.NegativeStockAbortsWithTheSku",
               "InventoryDeathTest.ValidStockPassesTheCheck")


class SamplesTest(harness.IntegrationTestCase):

    def test_plain_reference_has_every_kind_of_test(self):
        plain = self.runner.plain(harness.OPTIONS.bin)
        outcomes = plain.xml.outcomes
        self.assertEqual(outcomes[DEMO_FAILURE], harness.FAILED)
        self.assertIn(harness.SKIPPED, outcomes.values())
        self.assertIn(harness.DISABLED, outcomes.values())
        for name in DEATH_TESTS:
            self.assertEqual(outcomes[name], harness.PASSED, name)
        self.assertEqual(plain.result.returncode, 1)

    def test_worker_shapes(self):
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        # A subset of the matrix: gen_suite_test.py runs all of it.
        for count, jobs in ((1, 1), (2, 2), (3, 4), (3, 1)):
            with self.subTest(workers=count, jobs=jobs), self.pool(binary, count, jobs) as pool:
                dist = self.runner.distributed(binary, pool.addresses())
                harness.check_same_as_plain(self, plain, dist,
                                            worker_ports=[w.port for w in pool.workers],
                                            context="workers=%d jobs=%d" % (count, jobs))
                # Death tests pass on a worker too.
                for name in DEATH_TESTS:
                    self.assertEqual(dist.xml.outcomes[name], harness.PASSED, name)
                # A test's output and failure message stay in its own block.
                block = dist.console.blocks["InventoryTest.PrintsAStockReport"]
                self.assertIn("stock report: 56 units in 4 items", block)
                self.assertIn("stock report: nothing below reorder level", block)
                self.assertIn("Pallet PAL-0017", dist.console.blocks[DEMO_FAILURE])
                self.assertIn("intentional", dist.xml.messages[DEMO_FAILURE])
                pool.stop_all()

    def test_local_and_mixed(self):
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        dist = self.runner.distributed(binary, ["local:2"])
        harness.check_same_as_plain(self, plain, dist, local_only=True, context="local:2")
        with self.pool(binary, 1, jobs=1) as pool:
            dist = self.runner.distributed(binary, ["local:1", pool.addresses()[0]])
            harness.check_same_as_plain(self, plain, dist, context="local:1,worker")
            pool.stop_all()

    def test_gtest_flags(self):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 2, jobs=2) as pool:
            ports = [w.port for w in pool.workers]
            for args in (["--gtest_also_run_disabled_tests"],
                         ["--gtest_color=yes"],
                         ["--gtest_filter=Inventory*:*Sku*-*Invalid*"],
                         ["--gtest_filter=-IntentionalDemoFailure.*"]):
                with self.subTest(args=args):
                    plain = self.runner.plain(binary, args)
                    dist = self.runner.distributed(binary, pool.addresses(), args)
                    harness.check_same_as_plain(self, plain, dist, worker_ports=ports,
                                                context=" ".join(args))
            # Without the demo failure the samples pass.
            self.assertEqual(self.runner.plain(
                binary, ["--gtest_filter=-IntentionalDemoFailure.*"]).result.returncode, 0)
            pool.stop_all()

    def test_demo_failure_env_guard(self):
        binary = harness.OPTIONS.bin
        env = {"SAMPLES_SKIP_DEMO_FAILURE": "1"}
        plain = self.runner.plain(binary, env=env)
        self.assertEqual(plain.xml.outcomes[DEMO_FAILURE], harness.SKIPPED)
        self.assertEqual(plain.result.returncode, 0)
        # The workers' children inherit the workers' environment.
        with self.pool(binary, 1, jobs=2, env=env) as pool:
            dist = self.runner.distributed(binary, pool.addresses(), env=env)
            harness.check_same_as_plain(self, plain, dist,
                                        worker_ports=[w.port for w in pool.workers],
                                        context="SAMPLES_SKIP_DEMO_FAILURE=1")
            pool.stop_all()

    def test_brief(self):
        binary = harness.OPTIONS.bin
        plain = harness.run([binary, "--gtest_brief=1"])
        with self.pool(binary, 2, jobs=2) as pool:
            dist = harness.run([binary, "--dist-supervisor", "--workers",
                                ",".join(pool.addresses()), "--gtest_brief=1"])
            pool.stop_all()
        self.assertEqual(dist.returncode, plain.returncode, dist.describe())
        # Brief: no RUN lines, end lines for failures only, the same summary.
        for result in (plain, dist):
            console = harness.Console(result.stdout)
            self.assertEqual(dict(console.runs), {}, result.describe())
            self.assertEqual(console.outcome_map(), {DEMO_FAILURE: harness.FAILED},
                             result.describe())
        summary = lambda text: [l for l in text.splitlines()
                                if re.match(r"^\[  (PASSED|FAILED|SKIPPED) ", l)
                                or "DISABLED TEST" in l or "FAILED TEST" in l]
        plain_console = harness.Console(plain.stdout)
        dist_console = harness.Console(dist.stdout)
        self.assertEqual(dist_console.passed_count, plain_console.passed_count)
        self.assertEqual(dist_console.failed_listed, plain_console.failed_listed)
        self.assertEqual(dist_console.skipped_listed, plain_console.skipped_listed)
        self.assertTrue(summary(dist.stdout), dist.describe())


if __name__ == "__main__":
    harness.main()
