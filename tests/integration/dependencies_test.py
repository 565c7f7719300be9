#!/usr/bin/env python3
"""What a test binary linked with gtest_dist::main needs at run time (issue 12,
item 4):

- it links no libpq, nor what libpq pulls in (Kerberos, LDAP, GnuTLS, SASL):
  neither the binary nor the gtest_dist command (`ldd`);
- on a machine without libpq (simulated: GTEST_DIST_LIBPQ names a file that
  does not exist) a postgresql:// store costs the history, not the run, and
  the message names the library and the package to install; the gtest_dist
  command fails with the same message.

Usage: dependencies_test.py --bin build/tests/integration/slow_suite --cli build/bin/gtest_dist
"""

import shutil
import subprocess
import unittest

import harness

FILTER = "--gtest_filter=*SlowA.*"  # 12 tests of 150 ms
SELECTED = 12
# libpq and the libraries it brings (Debian 12's libpq5 depends on them).
NOT_LINKED = ("libpq", "libkrb5", "libgssapi", "libldap", "liblber", "libgnutls", "libsasl")
MISSING_LIBPQ = "/nonexistent/gtest_dist/libpq.so.5"
URL = "postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2"


def linked_libraries(binary):
    if shutil.which("ldd") is None:
        raise unittest.SkipTest("ldd is not installed")
    done = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise AssertionError("ldd %s failed: %s%s" % (binary, done.stdout, done.stderr))
    return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]


class DependenciesTest(harness.IntegrationTestCase):

    def assert_no_libpq(self, binary):
        libraries = linked_libraries(binary)
        unwanted = [lib for lib in libraries if lib.startswith(NOT_LINKED)]
        self.assertEqual(unwanted, [], "%s links %s" % (binary, " ".join(libraries)))

    def assert_names_libpq(self, result):
        where = result.describe()
        self.assertIn("cannot load " + MISSING_LIBPQ, result.stderr, where)
        self.assertIn("apt-get install libpq5", result.stderr, where)
        self.assertIn("postgresql://nobody:***@127.0.0.1:1/none", result.stderr, where)
        self.assertNotIn("secret", result.stderr, where)

    def test_the_test_binary_links_no_libpq(self):
        self.assert_no_libpq(harness.OPTIONS.bin)

    def test_the_gtest_dist_command_links_no_libpq(self):
        if harness.OPTIONS.cli is None:
            self.skipTest("no --cli given")
        self.assert_no_libpq(harness.OPTIONS.cli)

    def test_a_run_without_libpq_completes_and_names_it(self):
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2",
                              "--dist-history=" + URL, FILTER],
                             env={"GTEST_DIST_LIBPQ": MISSING_LIBPQ})
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(harness.Console(result.stdout).passed_count, SELECTED,
                         result.describe())
        self.assertIn("not recorded", result.stderr, result.describe())
        self.assert_names_libpq(result)

    def test_the_gtest_dist_command_without_libpq_names_it(self):
        if harness.OPTIONS.cli is None:
            self.skipTest("no --cli given")
        result = harness.run([harness.OPTIONS.cli, "runs", "--history=" + URL],
                             env={"GTEST_DIST_LIBPQ": MISSING_LIBPQ}, timeout=60)
        self.assertNotEqual(result.returncode, 0, result.describe())
        self.assert_names_libpq(result)


if __name__ == "__main__":
    harness.main()
