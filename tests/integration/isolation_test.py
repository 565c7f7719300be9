#!/usr/bin/env python3
"""Isolation (issue 14): each test process has a private TEST_TMPDIR, no
process a test starts outlives its chunk (setsid, double fork, timeout,
crash), --dist-exclusive and --dist-lock keep tests apart, --dist-env reaches
every child.

Usage: isolation_test.py --bin build/tests/integration/isolation_suite [-v]
"""

import json
import os
import random
import re
import shutil
import urllib.error
import urllib.request

import harness

SHARED_DB = "SharedDb*"


def supervisor_args(workers, *extra):
    return ["--dist-supervisor", "--workers", workers, "--dist-history=off"] + list(extra)


def processes_with_argument(argument):
    """PIDs of live processes whose command line holds `argument` exactly."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                args = f.read().split(b"\0")
            with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as f:
                state = f.read().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if argument.encode() in args and state != "Z":
            found.append(int(entry))
    return found


def read_trace(path):
    """[(test, pid, start_us, end_us, tmpdir)] from the suite's ISO_TRACE file."""
    if not os.path.exists(path):
        return []
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            rows.append((parts[0], int(parts[1]), int(parts[2]), int(parts[3]),
                         parts[4] if len(parts) > 4 else ""))
    return rows


class TmpDirTest(harness.IntegrationTestCase):
    """Item 1: TEST_TMPDIR and TMPDIR name a new private directory per child."""

    def check_shared_db_runs(self, workers, runs, pool_env=None):
        binary = harness.OPTIONS.bin
        for run in range(runs):
            trace = os.path.join(self.scratch, "trace-%d" % run)
            result = harness.run([binary, "--gtest_filter=" + SHARED_DB] +
                                 supervisor_args(workers, "--dist-env=ISO_TRACE"),
                                 env={"ISO_TRACE": trace})
            self.assertEqual(result.returncode, 0, "run %d of %d\n%s" % (
                run + 1, runs, result.describe()))
            self.assertIn("[  PASSED  ] 60 tests.", result.stdout, result.describe())
            rows = read_trace(trace)
            self.assertEqual(len(rows), 60)
            # Tests ran at the same time (or isolation was never put to the
            # test), and no private directory is left.
            self.assertGreater(max_concurrency(rows), 1)
            # A worker removes them once its children have exited, which may
            # be just after the supervisor has its results.
            left = {row[4] for row in rows}
            harness.wait_until(lambda: not any(os.path.exists(d) for d in left), 10,
                               "private directories removed: %s" % sorted(left))

    def test_shared_db_passes_ten_times_with_local_8(self):
        self.check_shared_db_runs("local:8", 10)

    def test_shared_db_passes_ten_times_with_two_workers_of_4_jobs(self):
        with self.pool(harness.OPTIONS.bin, 2, jobs=4) as pool:
            self.check_shared_db_runs(",".join(pool.addresses()), 10)
            pool.stop_all()

    def test_ctest_j8_fails_on_shared_db(self):
        """What ctest -j8 over gtest_discover_tests runs: one plain process per
        test, 8 at a time, all with one TEST_TMPDIR (as they share /tmp)."""
        ctest = shutil.which("ctest")
        if ctest is None:
            self.skipTest("ctest not found")
        binary = os.path.abspath(harness.OPTIONS.bin)
        listed = harness.run([binary, "--gtest_list_tests", "--gtest_filter=" + SHARED_DB])
        names, suite = [], None
        for line in listed.stdout.splitlines():
            if not line.startswith(" "):
                suite = line.strip()
            else:
                names.append(suite + line.strip())
        self.assertEqual(len(names), 60)
        ctest_dir = os.path.join(self.scratch, "ctest")
        os.mkdir(ctest_dir)
        with open(os.path.join(ctest_dir, "CTestTestfile.cmake"), "w", encoding="utf-8") as f:
            for name in names:
                f.write('add_test(%s "%s" "--gtest_filter=%s")\n' % (name, binary, name))
        result = harness.run([ctest, "--test-dir", ctest_dir, "-j8"],
                             env={"TEST_TMPDIR": self.scratch})
        match = re.search(r"(\d+) tests failed out of (\d+)", result.stdout)
        failed = int(match.group(1)) if match else 0
        print("\nctest -j8 over the %d SharedDb tests: %d failed" % (len(names), failed))
        self.assertGreater(failed, 0, "shared_db was never used by two tests at once\n" +
                           result.describe())

    def test_tmpdir_is_private_and_removed_without_following_links(self):
        binary = harness.OPTIONS.bin
        trace = os.path.join(self.scratch, "trace")
        outside = os.path.join(self.scratch, "outside")
        os.mkdir(outside)
        with open(os.path.join(outside, "keep-me"), "w", encoding="ascii") as f:
            f.write("not the runner's")
        parent = os.path.join(self.scratch, "user-tmp")
        os.mkdir(parent)
        result = harness.run([binary, "--gtest_filter=TmpDir.*:SharedDb01.*"] +
                             supervisor_args("local:2"),
                             env={"ISO_TRACE": trace, "ISO_OUTSIDE": outside,
                                  "TEST_TMPDIR": parent})
        self.assertEqual(result.returncode, 0, result.describe())
        rows = read_trace(trace)
        self.assertEqual(len(rows), 3, rows)
        for row in rows:
            self.assertEqual(os.path.dirname(row[4]), parent, row)
            self.assertFalse(os.path.exists(row[4]), row)
        self.assertEqual(os.listdir(parent), [])
        self.assertTrue(os.path.exists(os.path.join(outside, "keep-me")))

    def test_keep_tmp_keeps_and_says_where(self):
        binary = harness.OPTIONS.bin
        trace = os.path.join(self.scratch, "trace")
        outside = os.path.join(self.scratch, "outside")
        os.mkdir(outside)
        result = harness.run([binary, "--gtest_filter=TmpDir.*"] +
                             supervisor_args("local:1", "--dist-keep-tmp"),
                             env={"ISO_TRACE": trace, "ISO_OUTSIDE": outside,
                                  "TEST_TMPDIR": self.scratch})
        self.assertEqual(result.returncode, 0, result.describe())
        (row,) = read_trace(trace)
        self.assertTrue(os.path.isdir(row[4]), result.describe())
        self.assertIn("kept on local: " + row[4], result.stdout, result.describe())
        self.assertIn("keeping TEST_TMPDIR " + row[4], result.stderr, result.describe())
        os.chmod(os.path.join(row[4], "ro"), 0o700)  # for the scratch clean-up


class NoLeakTest(harness.IntegrationTestCase):
    """Item 3: nothing a test started runs on after its chunk."""

    def setUp(self):
        super().setUp()
        # A unique argument, so that only our sleeps are counted.
        self.sleep_arg = "600.%06d" % random.randrange(10 ** 6)
        self.addCleanup(self.kill_leftovers)

    def kill_leftovers(self):
        for pid in processes_with_argument(self.sleep_arg):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass

    def assert_no_sleep_left(self, result):
        # The run has ended: whatever was killed may take a moment to be
        # reaped, but nothing may stay alive.
        try:
            harness.wait_until(lambda: not processes_with_argument(self.sleep_arg), 5,
                               "sleep %s gone" % self.sleep_arg)
        except AssertionError:
            self.fail("left running: %s\n%s" % (processes_with_argument(self.sleep_arg),
                                                result.describe()))

    def run_leaking(self, test, workers, *extra):
        # --dist-env: a worker's test processes see what the supervisor set.
        return harness.run([harness.OPTIONS.bin, "--gtest_filter=" + test] +
                           supervisor_args(workers, "--dist-env=ISO_SLEEP_ARG", *extra),
                           env={"ISO_SLEEP_ARG": self.sleep_arg})

    def test_the_check_sees_what_a_plain_run_leaves(self):
        result = harness.run([harness.OPTIONS.bin, "--gtest_filter=Leak.DetachedSleep"],
                             env={"ISO_SLEEP_ARG": self.sleep_arg})
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual(len(processes_with_argument(self.sleep_arg)), 2)

    def test_setsid_and_double_fork_locally(self):
        result = self.run_leaking("Leak.DetachedSleep:LeakDeathTest.*", "local:2")
        self.assertEqual(result.returncode, 0, result.describe())
        self.assert_no_sleep_left(result)

    def test_setsid_and_double_fork_on_a_worker(self):
        with self.pool(harness.OPTIONS.bin, 1) as pool:
            result = self.run_leaking("Leak.DetachedSleep:LeakDeathTest.*", pool.addresses()[0])
            self.assertEqual(result.returncode, 0, result.describe())
            self.assert_no_sleep_left(result)
            pool.stop_all()

    def test_timeout_takes_the_tree_locally(self):
        result = self.run_leaking("Leak.DetachedSleepThenHang", "local:1",
                                  "--dist-test-timeout=2")
        self.assertNotEqual(result.returncode, 0, result.describe())
        self.assertIn("timed out after 2 s", result.stdout, result.describe())
        self.assert_no_sleep_left(result)

    def test_timeout_takes_the_tree_on_a_worker(self):
        with self.pool(harness.OPTIONS.bin, 1) as pool:
            result = self.run_leaking("Leak.DetachedSleepThenHang", pool.addresses()[0],
                                      "--dist-test-timeout=2")
            self.assertNotEqual(result.returncode, 0, result.describe())
            self.assertIn("timed out after 2 s", result.stdout, result.describe())
            self.assert_no_sleep_left(result)
            pool.stop_all()

    def test_crash_takes_the_tree_on_a_worker(self):
        with self.pool(harness.OPTIONS.bin, 1) as pool:
            result = self.run_leaking("Leak.DetachedSleepThenCrash", pool.addresses()[0])
            self.assertNotEqual(result.returncode, 0, result.describe())
            self.assertIn("killed by signal 6", result.stdout, result.describe())
            self.assert_no_sleep_left(result)
            pool.stop_all()


def overlaps(a, b):
    return a[2] < b[3] and b[2] < a[3]


def max_concurrency(rows):
    events = sorted([(r[2], 1) for r in rows] + [(r[3], -1) for r in rows])
    running = best = 0
    for _, step in events:
        running += step
        best = max(best, running)
    return best


class ExclusiveAndLockTest(harness.IntegrationTestCase):
    """Item 4: --dist-exclusive and --dist-lock, checked on a trace of start
    and end times that the tests write."""

    FILTER = "Serial.*:Device.*:Port.*:Free.*"
    RULES = ["--dist-exclusive=Serial.*", "--dist-lock=dev:Device.*:Free.A",
             "--dist-lock", "port:Port.*"]

    def run_traced(self, workers, env=None):
        trace = os.path.join(self.scratch, "trace")
        report = os.path.join(self.scratch, "report.json")
        result = harness.run([harness.OPTIONS.bin, "--gtest_filter=" + self.FILTER,
                              "--gtest_output=json:" + report] +
                             supervisor_args(workers, "--dist-env=ISO_TRACE", *self.RULES),
                             env=dict(env or {}, ISO_TRACE=trace))
        self.assertEqual(result.returncode, 0, result.describe())
        rows = read_trace(trace)
        self.assertEqual(len(rows), 22, result.describe())
        return rows, harness.Report.from_json(report), result

    def check_trace(self, rows, workers_of):
        by_name = {row[0]: row for row in rows}
        serial = [r for r in rows if r[0].startswith("Serial.")]
        for s in serial:
            for other in rows:
                if other is s or workers_of[other[0]] != workers_of[s[0]]:
                    continue
                self.assertFalse(overlaps(s, other), "%s ran beside %s" % (s, other))
        for lock in (["Device.A", "Device.B", "Device.C", "Device.D", "Free.A"],
                     ["Port.A", "Port.B", "Port.C"]):
            held = [by_name[name] for name in lock]
            for i, a in enumerate(held):
                for b in held[i + 1:]:
                    self.assertFalse(overlaps(a, b), "%s and %s overlap" % (a, b))
        return max_concurrency([r for r in rows if not r[0].startswith("Serial.")])

    def test_local_slots(self):
        rows, report, result = self.run_traced("local:4")
        busiest = self.check_trace(rows, {r[0]: "local" for r in rows})
        print("\nlocal:4: at most %d tests at once" % busiest)
        self.assertEqual(busiest, 4, "the other tests did not use every slot\n" +
                         "\n".join(map(str, rows)))

    def test_two_workers(self):
        with self.pool(harness.OPTIONS.bin, 2, jobs=2) as pool:
            rows, report, result = self.run_traced(",".join(pool.addresses()))
            busiest = self.check_trace(rows, report.workers)
            print("\n2 workers x 2: at most %d tests at once" % busiest)
            # Both workers' slots in use at once (all 4 usually; child start-up
            # on a loaded machine can keep one slot a moment behind).
            self.assertGreaterEqual(busiest, 3, "\n".join(map(str, rows)))
            pool.stop_all()


class DistEnvTest(harness.IntegrationTestCase):
    """Item 5: --dist-env reaches every test process on every worker."""

    def test_set_and_passed_on_to_a_worker(self):
        with self.pool(harness.OPTIONS.bin, 1) as pool:
            result = harness.run(
                [harness.OPTIONS.bin, "--gtest_filter=EnvCheck.*",
                 "--dist-env=ISO_ENV_EXPECT=from the supervisor", "--dist-env", "ISO_ENV_A"] +
                supervisor_args(pool.addresses()[0]),
                env={"ISO_ENV_A": "from the supervisor", "GTEST_DIST_ENV": "ISO_ENV_B=two words"})
            self.assertEqual(result.returncode, 0, result.describe())
            self.assertIn("[  PASSED  ] 1 test.", result.stdout, result.describe())
            self.assertNotIn("SKIPPED", result.stdout, result.describe())
            pool.stop_all()

    def test_the_runners_own_variables_are_refused(self):
        result = harness.run([harness.OPTIONS.bin, "--dist-env=GTEST_DIST_INTERNAL_CHILD=3"] +
                             supervisor_args("local:1"))
        self.assertNotEqual(result.returncode, 0, result.describe())
        self.assertIn("--dist-env", result.stderr, result.describe())
        self.assertIn("set by the runner", result.stderr, result.describe())


def output_pattern(size):
    """The bytes isolation_suite.cc's OutputPattern writes."""
    return bytes((i * 7 + 3) % 251 for i in range(size))


SHOT_BYTES = 2500000   # three pieces on the wire (1 MiB each)
BIG_BYTES = 4 << 20    # over --dist-artifacts-max=3M
OUTPUT_ENV = {"ISO_OUTPUTS": str(SHOT_BYTES), "ISO_BIG": str(BIG_BYTES)}


class ArtifactsTest(harness.IntegrationTestCase):
    """Item 2: what tests leave in TEST_UNDECLARED_OUTPUTS_DIR comes home."""

    def run_outputs(self, workers, test_filter="Outputs.*", *extra):
        artifacts = os.path.join(self.scratch, "artifacts")
        # The local slots' private directories go here: checked empty after.
        self.parent = os.path.join(self.scratch, "parent")
        os.mkdir(self.parent)
        xml = os.path.join(self.scratch, "report.xml")
        json_path = os.path.join(self.scratch, "report.json")
        result = harness.run(
            [harness.OPTIONS.bin, "--gtest_filter=" + test_filter,
             "--dist-artifacts=" + artifacts, "--dist-artifacts-max=3M",
             "--dist-env=ISO_OUTPUTS", "--dist-env=ISO_BIG",
             "--gtest_output=xml:" + xml] + supervisor_args(workers) + list(extra),
            env=dict(OUTPUT_ENV, TEST_TMPDIR=self.parent))
        runs = os.listdir(artifacts) if os.path.isdir(artifacts) else []
        self.assertEqual(len(runs), 1, "one run directory in %s: %s\n%s" % (
            artifacts, runs, result.describe()))
        return result, os.path.join(artifacts, runs[0]), xml

    def check_outputs_came_home(self, result, run_dir, xml):
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertIn("[  PASSED  ] 3 tests.", result.stdout, result.describe())
        shot_dir = os.path.join(run_dir, "Outputs.WritesShot")
        with open(os.path.join(shot_dir, "shot.png"), "rb") as f:
            self.assertEqual(f.read(), output_pattern(SHOT_BYTES))
        with open(os.path.join(shot_dir, "logs", "run.txt"), "rb") as f:
            self.assertEqual(f.read(), output_pattern(100))
        # The link out was not followed, and nothing else came.
        self.assertEqual(sorted(os.listdir(shot_dir)), ["logs", "shot.png"])
        big_dir = os.path.join(run_dir, "Outputs.WritesTooMuch")
        self.assertEqual(sorted(os.listdir(big_dir)), ["small.txt"])
        self.assertFalse(os.path.exists(os.path.join(run_dir, "Outputs.NothingLeftByTheOthers")))
        # The console says what was not kept, and the run went on.
        self.assertRegex(result.stderr, r"Outputs\.WritesTooMuch: test output big\.bin: 4\.0 MiB "
                         r"would take the test past --dist-artifacts-max \(3\.0 MiB")
        self.assertIn("passwd: a symbolic link; links are not followed", result.stderr)
        # The reports name each kept file, with where it is.
        with open(xml, encoding="utf-8") as f:
            report = f.read()
        self.assertIn('<property name="artifact:shot.png" value="%s"/>' %
                      os.path.join(shot_dir, "shot.png"), report)
        self.assertIn('<property name="artifact:logs/run.txt" value="%s"/>' %
                      os.path.join(shot_dir, "logs", "run.txt"), report)
        self.assertIn('<property name="artifact:small.txt" value="%s"/>' %
                      os.path.join(big_dir, "small.txt"), report)
        self.assertRegex(report, r'<property name="gtest_dist_artifacts_dropped" value="big\.bin: '
                         r'4\.0 MiB would take the test past --dist-artifacts-max')

    def test_outputs_come_home_from_a_worker(self):
        with self.pool(harness.OPTIONS.bin, 1) as pool:
            result, run_dir, xml = self.run_outputs(pool.addresses()[0])
            self.check_outputs_came_home(result, run_dir, xml)
            pool.stop_all()

    def test_outputs_come_home_from_local_slots(self):
        result, run_dir, xml = self.run_outputs("local:2")
        self.check_outputs_came_home(result, run_dir, xml)
        self.assertEqual(os.listdir(self.parent), [], "outputs and TEST_TMPDIR directories removed")
        # The JSON report names them too.
        json_path = os.path.join(self.scratch, "report.json")
        result = harness.run(
            [harness.OPTIONS.bin, "--gtest_filter=Outputs.WritesShot",
             "--dist-artifacts=" + os.path.join(self.scratch, "second"),
             "--gtest_output=json:" + json_path] + supervisor_args("local:1"), env=OUTPUT_ENV)
        self.assertEqual(result.returncode, 0, result.describe())
        with open(json_path, encoding="utf-8") as f:
            test = json.load(f)["testsuites"][0]["testsuite"][0]
        self.assertEqual(test["name"], "WritesShot")
        self.assertTrue(test["artifact:shot.png"].endswith("/Outputs.WritesShot/shot.png"))
        with open(test["artifact:shot.png"], "rb") as f:
            self.assertEqual(f.read(), output_pattern(SHOT_BYTES))

    def test_failed_and_crashed_tests_keep_their_outputs(self):
        with self.pool(harness.OPTIONS.bin, 1) as pool:
            result, run_dir, xml = self.run_outputs(pool.addresses()[0], "OutputsFail.*")
            self.assertEqual(result.returncode, 1, result.describe())
            with open(os.path.join(run_dir, "OutputsFail.ShotThenFail", "failure.png"), "rb") as f:
                self.assertEqual(f.read(), output_pattern(1000))
            with open(os.path.join(run_dir, "OutputsFail.ShotThenCrash", "crash.png"), "rb") as f:
                self.assertEqual(f.read(), output_pattern(2000))
            pool.stop_all()

    def test_history_and_dashboard_link_and_serve_them(self):
        """The stored dashboard (`gtest_dist serve --artifacts`) links each kept
        file from the test page and the failures, serves it, and refuses any
        path out of the artifacts directory; the history says which tests
        ran exclusive or under a lock (item 4)."""
        if harness.OPTIONS.cli is None:
            self.skipTest("needs --cli (the gtest_dist command)")
        history = os.path.join(self.scratch, "history.sqlite")
        with self.pool(harness.OPTIONS.bin, 1) as pool:
            result, run_dir, _ = self.run_outputs(
                pool.addresses()[0], "Outputs.WritesShot:OutputsFail.ShotThenFail",
                "--dist-history=" + history, "--dist-exclusive=Outputs.*",
                "--dist-lock=gpu:OutputsFail.*")
            self.assertEqual(result.returncode, 1, result.describe())
            pool.stop_all()
        artifacts = os.path.dirname(run_dir)
        server = harness.DashboardServer(harness.OPTIONS.cli, history,
                                         ["--artifacts=" + artifacts]).start()
        self.addCleanup(server.kill)
        shot = server.get("/api/tests/Outputs.WritesShot")["runs"][-1]
        self.assertEqual(shot["isolation"], "exclusive")
        links = {a["name"]: a["url"] for a in shot["artifacts"]}
        self.assertEqual(sorted(links), ["logs/run.txt", "shot.png"])
        self.assertEqual(links["shot.png"], "/artifacts/%s/Outputs.WritesShot/shot.png" %
                         os.path.basename(run_dir))
        with urllib.request.urlopen(server.url + links["shot.png"].lstrip("/")) as response:
            self.assertEqual(response.headers["Content-Type"], "image/png")
            self.assertEqual(response.read(), output_pattern(SHOT_BYTES))
        failure = server.get("/api/failures")["failures"][0]
        self.assertEqual(failure["test"], "OutputsFail.ShotThenFail")
        self.assertEqual(failure["isolation"], "lock:gpu")
        self.assertEqual([a["name"] for a in failure["artifacts"]], ["failure.png"])
        with urllib.request.urlopen(server.url + failure["artifacts"][0]["url"].lstrip("/")) as r:
            self.assertEqual(r.read(), output_pattern(1000))
        # Nothing out of the directory: "..", an absolute path, a link.
        os.symlink("/etc", os.path.join(run_dir, "etc"))
        for target in ("artifacts/%2E%2E/history.sqlite", "artifacts//etc/passwd",
                       "artifacts/%s/etc/passwd" % os.path.basename(run_dir)):
            with self.assertRaises(urllib.error.HTTPError, msg=target) as caught:
                urllib.request.urlopen(server.url + target).read()
            self.assertIn(caught.exception.code, (400, 404), target)
        self.assertEqual(server.stop(), 0)

    def test_live_dashboard_links_and_serves_them(self):
        """--dist-dashboard serves the run's outputs from --dist-artifacts
        while the run goes on."""
        artifacts = os.path.join(self.scratch, "artifacts")
        gate = os.path.join(self.scratch, "gate")
        live = harness.LiveProcess(
            [harness.OPTIONS.bin, "--gtest_filter=Outputs.WritesShot:OutputsGate.*",
             "--dist-artifacts=" + artifacts, "--dist-dashboard=127.0.0.1:0"] +
            supervisor_args("local:2"), env=dict(OUTPUT_ENV, ISO_GATE=gate))
        try:
            live.wait_for_output(r"dashboard at (http://\S+)", name="stderr", deadline_s=60)
            url = re.search(r"dashboard at (http://\S+)", live.text("stderr")).group(1)
            links = {}

            def linked():
                try:
                    doc = json.load(urllib.request.urlopen(url + "api/tests/Outputs.WritesShot",
                                                           timeout=30))
                except urllib.error.HTTPError as error:  # 404 until the test has ended
                    if error.code != 404:
                        raise
                    return False
                links.update({a["name"]: a["url"] for a in doc["runs"][-1]["artifacts"]})
                return "shot.png" in links
            harness.wait_until(linked, 60, "shot.png linked on the live dashboard")
            with urllib.request.urlopen(url + links["shot.png"].lstrip("/"), timeout=30) as r:
                self.assertEqual(r.read(), output_pattern(SHOT_BYTES))
            with open(gate, "w", encoding="utf-8"):
                pass
            result = live.finish()
        finally:
            live.kill()
        self.assertEqual(result.returncode, 0, result.describe())

    def test_without_the_flag_nothing_is_set(self):
        result = harness.run([harness.OPTIONS.bin, "--gtest_filter=Outputs.NothingLeftByTheOthers"] +
                             supervisor_args("local:1"), env=OUTPUT_ENV)
        self.assertEqual(result.returncode, 1, result.describe())
        self.assertIn("TEST_UNDECLARED_OUTPUTS_DIR is not set", result.stdout, result.describe())

    def test_bad_limit_is_refused(self):
        result = harness.run([harness.OPTIONS.bin, "--dist-artifacts-max=2X"] +
                             supervisor_args("local:1"))
        self.assertEqual(result.returncode, 2, result.describe())
        self.assertIn('--dist-artifacts-max: expected a size from 1 to 1G (e.g. 10M), got "2X"',
                      result.stderr, result.describe())


if __name__ == "__main__":
    harness.main()
