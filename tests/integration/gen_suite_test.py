#!/usr/bin/env python3
"""gen_suite (~550 generated tests) distributed over 1, 2 and 3 workers with
1 to 4 jobs each, over local slots, and over a mix of both: every run must
report what a plain run reports.

Usage: gen_suite_test.py --bin build/tests/integration/gen_suite [-v] [-k NAME]
"""

import harness


class GenSuiteMatrixTest(harness.IntegrationTestCase):

    def test_plain_reference_is_as_generated(self):
        # Guards the premise of the matrix: the suite is big and mixed.
        plain = self.runner.plain(harness.OPTIONS.bin)
        outcomes = list(plain.xml.outcomes.values())
        self.assertGreaterEqual(len(outcomes), 500)
        self.assertGreaterEqual(len({n.split(".")[0] for n in plain.xml.outcomes}), 40)
        self.assertGreaterEqual(outcomes.count(harness.FAILED), 3)
        self.assertGreaterEqual(outcomes.count(harness.SKIPPED), 2)
        self.assertGreaterEqual(outcomes.count(harness.DISABLED), 2)
        self.assertEqual(plain.result.returncode, 1)

    def test_workers_by_jobs_matrix(self):
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        for jobs in (1, 2, 3, 4):
            with self.pool(binary, 3, jobs=jobs) as pool:
                for count in (1, 2, 3):
                    with self.subTest(workers=count, jobs=jobs):
                        addresses = pool.addresses(count)
                        dist = self.runner.distributed(binary, addresses)
                        harness.check_same_as_plain(
                            self, plain, dist,
                            worker_ports=[w.port for w in pool.workers[:count]],
                            context="workers=%d jobs=%d" % (count, jobs))
                pool.stop_all()

    def test_local_slots(self):
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        for slots in (1, 3):
            with self.subTest(slots=slots):
                dist = self.runner.distributed(binary, ["local:%d" % slots])
                harness.check_same_as_plain(self, plain, dist, local_only=True,
                                            context="local:%d" % slots)

    def test_local_and_remote_mixed(self):
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        with self.pool(binary, 1, jobs=2) as pool:
            dist = self.runner.distributed(binary, ["local:1"] + pool.addresses())
            harness.check_same_as_plain(self, plain, dist, context="local:1 + worker")
            pool.stop_all()

    def test_also_run_disabled(self):
        binary = harness.OPTIONS.bin
        args = ["--gtest_also_run_disabled_tests"]
        plain = self.runner.plain(binary, args)
        with self.pool(binary, 2, jobs=2) as pool:
            dist = self.runner.distributed(binary, pool.addresses(), args)
            harness.check_same_as_plain(self, plain, dist,
                                        worker_ports=[w.port for w in pool.workers],
                                        context="--gtest_also_run_disabled_tests")
            pool.stop_all()


if __name__ == "__main__":
    harness.main()
