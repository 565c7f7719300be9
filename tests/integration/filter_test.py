#!/usr/bin/env python3
"""--gtest_filter, positive and negative: a distributed run selects exactly
what plain `--gtest_list_tests` lists (minus disabled tests) and reports what
a plain run reports.

Usage: filter_test.py --bin build/tests/integration/gen_suite [-v]
"""

import fnmatch

import harness

FILTERS = (
    "Suite*.*",                 # value-parameterized suites (Gen/...) fall out
    "*-Suite3*:*Param*",        # negative patterns
    "?",                        # matches nothing at all
    "Gen/*:*Contract*/1.*",     # prefixes and type indices
    "*Typed/0.*:-*Typed/0.Sorts*",
    "Suite0?Ledger.*:Suite1*.*Batches*",
    "-*",                       # positive part empty = "*", then all excluded
)


def is_disabled(full_name):
    """gtest's rule: the suite or the test name matches DISABLED_*:*/DISABLED_*."""
    return any(fnmatch.fnmatchcase(part, pattern)
               for part in harness.split_full_name(full_name)
               for pattern in ("DISABLED_*", "*/DISABLED_*"))


class FilterTest(harness.IntegrationTestCase):

    def test_filters_select_what_plain_selects(self):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 2, jobs=2) as pool:
            ports = [w.port for w in pool.workers]
            for pattern in FILTERS:
                with self.subTest(filter=pattern):
                    args = ["--gtest_filter=" + pattern]
                    listed = harness.list_tests(self, binary, args)
                    expected_run = {n for n in listed if not is_disabled(n)}
                    dist = self.runner.distributed(binary, pool.addresses(), args)
                    context = "--gtest_filter=" + pattern
                    self.assertEqual(set(dist.console.runs), expected_run,
                                     "%s: RUN lines differ from --gtest_list_tests\n%s" % (
                                         context, dist.result.describe()))
                    self.assertEqual(set(dist.xml.outcomes), set(listed),
                                     "%s: XML tests differ from --gtest_list_tests" % context)
                    plain = self.runner.plain(binary, args)
                    harness.check_same_as_plain(self, plain, dist, worker_ports=ports,
                                                context=context)
            pool.stop_all()

    def test_filter_over_local_slots(self):
        binary = harness.OPTIONS.bin
        args = ["--gtest_filter=*-Suite3*:*Param*"]
        plain = self.runner.plain(binary, args)
        dist = self.runner.distributed(binary, ["local:2"], args)
        harness.check_same_as_plain(self, plain, dist, local_only=True, context=args[0])


if __name__ == "__main__":
    harness.main()
