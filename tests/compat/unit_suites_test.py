#!/usr/bin/env python3
"""GoogleTest's and GoogleMock's own unit-test programs (gtest_all_test,
gtest_unittest, gmock_all_test from Debian's googletest package: about 2,400
tests of every kind, death tests included, that nobody here wrote), run
plainly and distributed: on local slots and on two worker daemons. Every test
must be reported as the plain run reports it, in the console, the XML and the
JSON, with the same counts and exit code (harness.check_same_as_plain).

Usage: unit_suites_test.py --bin BIN_DIR (the directory holding the three)
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

PROGRAMS = ("gtest_all_test", "gtest_unittest", "gmock_all_test")


class UnitSuitesTest(harness.IntegrationTestCase):

    def check_program(self, name):
        binary = os.path.join(harness.OPTIONS.bin, name)
        if not os.path.exists(binary):
            self.skipTest("%s was not built" % binary)
        plain = self.runner.plain(binary)
        self.assertGreater(len(plain.xml.outcomes), 300, "a real suite has hundreds of tests")
        dist = self.runner.distributed(binary, ["local:3"])
        harness.check_same_as_plain(self, plain, dist, local_only=True, context=name + " local:3")
        with self.pool(binary, 2, jobs=2) as pool:
            dist = self.runner.distributed(binary, pool.addresses())
            harness.check_same_as_plain(self, plain, dist,
                                        worker_ports=[w.port for w in pool.workers],
                                        context=name + " on two workers")
            pool.stop_all()

    def test_gtest_all_test(self):
        self.check_program("gtest_all_test")

    def test_gtest_unittest(self):
        self.check_program("gtest_unittest")

    def test_gmock_all_test(self):
        self.check_program("gmock_all_test")

    def test_a_test_looking_through_the_registry_sees_every_test(self):
        # RegisterTest.WasRegistered looks for DynamicUnitTestFixture's test in
        # the registry; alone in its chunk, it must still find it, as under a
        # plain --gtest_filter (a child that narrowed its registry failed it).
        binary = os.path.join(harness.OPTIONS.bin, "gtest_all_test")
        if not os.path.exists(binary):
            self.skipTest("%s was not built" % binary)
        only = ["--gtest_filter=RegisterTest.*"]
        plain = self.runner.plain(binary, only)
        self.assertEqual(plain.xml.outcomes, {"RegisterTest.WasRegistered": harness.PASSED})
        dist = self.runner.distributed(binary, ["local:1"], only)
        harness.check_same_as_plain(self, plain, dist, local_only=True,
                                    context="gtest_all_test, RegisterTest alone")


if __name__ == "__main__":
    harness.main()
