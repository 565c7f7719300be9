#!/usr/bin/env python3
"""gtest flags whose effect a distributed run must reproduce, each compared
with a plain run of gen_suite on real workers (or local slots where the order
of execution is the point):

- --gtest_repeat=3 --gtest_shuffle --gtest_random_seed=7: the seed notes of
  each iteration as gtest prints them (7, 8, 9), the seed in the XML and JSON
  as gtest records it (the last iteration's), and two identical runs on one
  slot dispatch the tests in the same order;
- --gtest_print_time=0: no "(N ms)" on end lines, as plain;
- --gtest_fail_fast: after the first failure nothing new starts; every test is
  still reported exactly once;
- --gtest_list_tests prints what plain prints and contacts no worker (one that
  does not exist);
- XML_OUTPUT_FILE names the XML report as it does for plain gtest;
- --gtest_throw_on_failure and --gtest_break_on_failure reach the children.

Usage: flags_test.py --bin build/tests/integration/gen_suite [-v]
"""

import re

import harness

SHUFFLE = ["--gtest_repeat=3", "--gtest_shuffle", "--gtest_random_seed=7"]
SEED_NOTE = re.compile(r"^Note: Randomizing tests' orders with a seed of (\d+) \.$", re.M)
RUN = re.compile(r"^\[ RUN      \] (\S+)$", re.M)


def root_attribute(path, name):
    import xml.etree.ElementTree as ElementTree
    return ElementTree.parse(path).getroot().get(name)


class FlagsTest(harness.IntegrationTestCase):

    def test_repeat_shuffle_seed(self):
        binary = harness.OPTIONS.bin
        plain = harness.run([binary] + SHUFFLE)
        self.assertEqual(SEED_NOTE.findall(plain.stdout), ["7", "8", "9"])
        with self.pool(binary, 3, jobs=2) as pool:
            dist = self.runner.distributed(binary, pool.addresses(), SHUFFLE)
            pool.stop_all()
        where = dist.result.describe()
        self.assertEqual(dist.result.returncode, plain.returncode, where)
        self.assertEqual(SEED_NOTE.findall(dist.result.stdout), ["7", "8", "9"], where)
        self.assertEqual(len(re.findall(r"^Repeating all tests \(iteration \d\) \. \. \.$",
                                        dist.result.stdout, re.M)), 3, where)
        # Each iteration runs every test once.
        runs = RUN.findall(dist.result.stdout)
        self.assertEqual(len(runs), 3 * len(set(runs)), where)
        self.assertEqual(set(runs), set(RUN.findall(plain.stdout)), where)
        # The seed recorded in the report files, as gtest records it.
        xml_path, json_path = self.runner._paths("plain-seed")
        harness.run([binary, "--gtest_output=xml:" + xml_path] + SHUFFLE)
        harness.run([binary, "--gtest_output=json:" + json_path] + SHUFFLE)
        import json
        plain_seed = root_attribute(xml_path, "random_seed")
        self.assertEqual(plain_seed, "9")
        self.assertEqual(dist.xml.root_attributes["random_seed"], plain_seed)
        with open(json_path, encoding="utf-8") as f:
            self.assertEqual(dist.json.root_attributes["random_seed"],
                             json.load(f)["random_seed"])

    def test_same_seed_same_dispatch_order(self):
        # One local slot: the order of execution is the order of dispatch.
        binary = harness.OPTIONS.bin
        argv = [binary, "--dist-supervisor", "--workers", "local:1"] + SHUFFLE
        first, second = harness.run(argv), harness.run(argv)
        self.assertEqual(RUN.findall(first.stdout), RUN.findall(second.stdout))
        other_seed = harness.run(argv[:-1] + ["--gtest_random_seed=8"])
        self.assertNotEqual(RUN.findall(first.stdout), RUN.findall(other_seed.stdout))
        strip_times = lambda text: re.sub(r"\(\d+ ms( total)?\)", "", text)
        self.assertEqual(strip_times(first.stdout), strip_times(second.stdout))

    def test_print_time_off(self):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 2, jobs=2) as pool:
            plain = self.runner.plain(binary, ["--gtest_print_time=0"])
            dist = self.runner.distributed(binary, pool.addresses(), ["--gtest_print_time=0"])
            harness.check_same_as_plain(self, plain, dist,
                                        worker_ports=[w.port for w in pool.workers],
                                        context="--gtest_print_time=0")
            pool.stop_all()
        for result in (plain.result, dist.result):
            self.assertNotRegex(result.stdout,
                                re.compile(r"^\[(       OK |  FAILED  )\] .*\(\d+ ms\)$", re.M))
            self.assertRegex(result.stdout, re.compile(r"^\[       OK \] \S+$", re.M))

    def test_fail_fast_reports_every_test_once(self):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 2, jobs=2) as pool:
            dist = self.runner.distributed(binary, pool.addresses(), ["--gtest_fail_fast"])
            pool.stop_all()
        where = dist.result.describe()
        self.assertEqual(dist.result.returncode, 1, where)
        names = harness.list_tests(self, binary)
        enabled = [n for n in names if "DISABLED_" not in n]
        for report in (dist.xml, dist.json):
            self.assertEqual(sorted(n for n in report.occurrences if "DISABLED_" not in n),
                             sorted(enabled), where)
            self.assertEqual(set(report.occurrences.values()), {1}, where)
        skipped = [n for n, o in dist.xml.outcomes.items() if o == harness.SKIPPED]
        self.assertGreater(len(skipped), 0, "fail_fast skipped nothing\n" + where)

    def test_list_tests_contacts_no_worker(self):
        binary = harness.OPTIONS.bin
        plain = harness.run([binary, "--gtest_list_tests", "--gtest_filter=Suite0*"])
        # Nothing listens on port 1: any attempt to connect would be reported.
        dist = harness.run([binary, "--gtest_list_tests", "--gtest_filter=Suite0*",
                            "--dist-supervisor", "--workers", "127.0.0.1:1"], timeout=30)
        self.assertEqual(dist.returncode, plain.returncode, dist.describe())
        self.assertEqual(dist.stdout, plain.stdout)
        self.assertNotIn("cannot connect", dist.stderr, dist.describe())

    def test_xml_output_file_variable(self):
        binary = harness.OPTIONS.bin
        plain_path = self.scratch + "/plain-env.xml"
        dist_path = self.scratch + "/dist-env.xml"
        harness.run([binary], env={"XML_OUTPUT_FILE": plain_path})
        result = harness.run([binary, "--dist-supervisor", "--workers", "local:2"],
                             env={"XML_OUTPUT_FILE": dist_path})
        plain = harness.Report.from_xml(plain_path)
        dist = harness.Report.from_xml(dist_path)
        self.assertEqual(dist.outcomes, plain.outcomes, result.describe())
        self.assertEqual(dist.root, plain.root)

    def test_throw_and_break_on_failure_reach_the_children(self):
        # Their meaning is kept where a distributed run can keep it: the
        # failing test's child throws (or traps) and dies, reported with its
        # signal; every other test still runs and passes.
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        failing = sorted(n for n, o in plain.xml.outcomes.items() if o == harness.FAILED)
        self.assertGreater(len(failing), 0)
        for flag, signal_text in (("--gtest_throw_on_failure", "signal 6"),
                                  ("--gtest_break_on_failure", "signal 5")):
            with self.subTest(flag=flag):
                plain_flag = harness.run([binary, flag])
                self.assertNotEqual(plain_flag.returncode, 0)
                dist = self.runner.distributed(binary, ["local:2"], [flag])
                where = dist.result.describe()
                self.assertEqual(dist.result.returncode, 1, where)
                for name in failing:
                    self.assertEqual(dist.xml.outcomes[name], harness.FAILED, name)
                    self.assertIn(signal_text, dist.xml.messages[name], name + "\n" + where)
                passed = sorted(n for n, o in dist.xml.outcomes.items() if o == harness.PASSED)
                self.assertEqual(passed, sorted(n for n, o in plain.xml.outcomes.items()
                                                if o == harness.PASSED), where)


if __name__ == "__main__":
    harness.main()
