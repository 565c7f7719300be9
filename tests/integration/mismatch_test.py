#!/usr/bin/env python3
"""A worker running another build (gen_suite_plus_one: one test more) is
refused by the supervisor with a message naming it; the run goes on with the
good worker, or fails clearly when no worker is left.

Usage: mismatch_test.py --bin build/tests/integration/gen_suite \
           --other-bin build/tests/integration/gen_suite_plus_one [-v]
"""

import re
import unittest

import harness

# The refusal must say what is wrong, not just that something is.
REFUSAL_WORDS = re.compile(r"refus|differ|mismatch|fingerprint|another binary|other binary",
                           re.I)


def lines_naming(text, address):
    return [line for line in text.splitlines() if address in line]


class MismatchTest(harness.IntegrationTestCase):

    def setUp(self):
        super().setUp()
        if not harness.OPTIONS.other_bin:
            raise unittest.SkipTest("needs --other-bin")

    def test_plus_one_really_differs(self):
        good = harness.list_tests(self, harness.OPTIONS.bin)
        other = harness.list_tests(self, harness.OPTIONS.other_bin)
        self.assertEqual(sorted(set(other) - set(good)), ["SuiteExtra.OnlyInThePlusOneBinary"])
        self.assertEqual(len(other), len(good) + 1)

    def test_bad_worker_refused_run_goes_on(self):
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        with self.pool(binary, 1, jobs=2) as good, \
                self.pool(harness.OPTIONS.other_bin, 1, jobs=2) as bad:
            bad_address = bad.addresses()[0]
            dist = self.runner.distributed(binary, [bad_address] + good.addresses())
            harness.check_same_as_plain(self, plain, dist,
                                        worker_ports=[good.workers[0].port],
                                        context="one good and one mismatched worker")
            output = dist.result.stdout + dist.result.stderr
            named = lines_naming(output, bad_address)
            self.assertTrue(named, "no message names the refused worker %s\n%s" % (
                bad_address, dist.result.describe()))
            self.assertTrue(any(REFUSAL_WORDS.search(line) for line in named),
                            "the message naming %s does not say why\n%s" % (
                                bad_address, "\n".join(named)))
            # Nothing ran on the refused worker.
            self.assertNotIn(str(bad.workers[0].port),
                             {w.rpartition(":")[2] for w in dist.xml.workers.values()})
            # The refused worker is still up and serves its own binary.
            self.assertTrue(bad.workers[0].alive(), bad.workers[0].log())
            own = harness.run([harness.OPTIONS.other_bin, "--dist-supervisor", "--workers",
                               bad_address, "--gtest_filter=SuiteExtra.*"])
            self.assertEqual(own.returncode, 0, own.describe())
            self.assertIn("[       OK ] SuiteExtra.OnlyInThePlusOneBinary", own.stdout)
            good.stop_all()
            bad.stop_all()

    def test_only_bad_worker_fails_clearly(self):
        binary = harness.OPTIONS.bin
        with self.pool(harness.OPTIONS.other_bin, 1, jobs=2) as bad:
            bad_address = bad.addresses()[0]
            result = harness.run([binary, "--dist-supervisor", "--workers", bad_address],
                                 timeout=60)
            self.assertNotEqual(result.returncode, 0, result.describe())
            output = result.stdout + result.stderr
            named = lines_naming(output, bad_address)
            self.assertTrue(named and any(REFUSAL_WORDS.search(line) for line in named),
                            "no clear message naming %s\n%s" % (bad_address, result.describe()))
            # Nothing may pass for having run.
            self.assertNotIn("[       OK ]", result.stdout, result.describe())
            self.assertNotIn("[  PASSED  ] 5", result.stdout, result.describe())
            bad.stop_all()


if __name__ == "__main__":
    harness.main()
