#!/usr/bin/env python3
"""Warm children (issue 15): after the first chunks, chunk processes are
forked from a template that registered the tests once, so static
initialisation runs in far fewer processes than there are chunk processes;
each process still has its own TEST_TMPDIR; a crash costs only the crashed
test; --dist-warm-children=off spawns every child, as before.

Usage: warm_test.py --bin build/tests/integration/warm_suite [-v]
"""

import collections
import os
import signal
import time

import harness

TESTS = 12 + 10 + 8 + 6 + 1
CRASHER = "P/WarmD.Records/3"


def read_trace(path):
    inits, tests = set(), []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts[0] == "INIT":
                inits.add(int(parts[1]))
            elif parts[0] == "TEST":
                tests.append((parts[1], int(parts[2]), parts[3]))
    return inits, tests


class WarmChildrenTest(harness.IntegrationTestCase):

    def run_suite(self, env=None, workers="local:2"):
        trace = os.path.join(self.scratch, "trace")
        if os.path.exists(trace):
            os.unlink(trace)
        all_env = {"WARM_TRACE": trace, "GTEST_DIST_WARM_CHILDREN": "on"}
        all_env.update(env or {})
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", workers,
                              "--dist-history=off", "--dist-env=WARM_TRACE",
                              "--gtest_filter=-WarmShared.*"] +
                             (["--dist-env=WARM_CRASH"] if "WARM_CRASH" in all_env else []),
                             env=all_env)
        inits, tests = read_trace(trace)
        return result, inits, tests

    def check_private_dirs(self, tests, where):
        dirs_of = collections.defaultdict(set)
        pids_of = collections.defaultdict(set)
        for _, pid, tmpdir in tests:
            dirs_of[pid].add(tmpdir)
            pids_of[tmpdir].add(pid)
        for pid, dirs in dirs_of.items():
            self.assertEqual(len(dirs), 1, "process %d saw %s\n%s" % (pid, dirs, where))
        for tmpdir, pids in pids_of.items():
            self.assertNotEqual(tmpdir, "-", where)
            self.assertEqual(len(pids), 1, "%s shared by %s\n%s" % (tmpdir, pids, where))

    def test_forked_processes_run_chunks(self):
        result, inits, tests = self.run_suite()
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        self.assertIn("[  PASSED  ] %d tests." % TESTS, result.stdout, where)
        self.assertEqual(len(tests), TESTS - 1, where)  # the death test records nothing
        test_pids = {pid for _, pid, _ in tests}
        forked = test_pids - inits
        # Old code: every process that ran a test had run static initialisation.
        self.assertTrue(forked, "no chunk ran in a forked process: %s\n%s" % (
            sorted(test_pids), where))
        self.check_private_dirs(tests, where)

    def test_without_warm_children_every_child_is_spawned(self):
        result, inits, tests = self.run_suite({"GTEST_DIST_WARM_CHILDREN": "off"})
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        self.assertEqual({pid for _, pid, _ in tests} - inits, set(), where)

    def test_the_first_chunks_wait_for_the_template(self):
        # Old code: while the template started, each slot's first chunk was
        # spawned and paid the binary's whole start-up beside it.
        result, inits, tests = self.run_suite(workers="local:3")
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        self.assertEqual({pid for _, pid, _ in tests} & inits, set(), where)

    def test_the_template_started_before_the_run_is_the_one_used(self):
        # The supervisor starts the template before it reads its catalog; the
        # run must adopt that one, not start a second: two processes run
        # static initialisation, the supervisor and the template.
        result, inits, tests = self.run_suite(workers="local:3")
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        self.assertEqual(len(inits), 2, "processes that ran static initialisation: %s\n%s" % (
            sorted(inits), where))
        self.assertEqual({pid for _, pid, _ in tests} & inits, set(), where)

    def test_a_crash_costs_only_the_crashed_test(self):
        result, inits, tests = self.run_suite({"WARM_CRASH": "1"})
        where = result.describe()
        self.assertEqual(result.returncode, 1, where)
        self.assertIn("[  PASSED  ] %d tests." % (TESTS - 1), result.stdout, where)
        self.assertIn("[  FAILED  ] %s" % CRASHER, result.stdout, where)
        self.assertRegex(result.stdout, r"signal 6\b|SIGABRT|Abort")
        ran = collections.Counter(name for name, _, _ in tests)
        # Every test ran exactly once: the crash cost the crashed test only.
        self.assertEqual(len(ran), TESTS - 1, where)
        self.assertEqual(max(ran.values()), 1, where)
        self.check_private_dirs(tests, where)

    def test_a_worker_forks_too(self):
        with harness.Worker(harness.OPTIONS.bin, jobs=2) as worker:
            result, inits, tests = self.run_suite(workers=worker.address)
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        self.assertTrue({pid for _, pid, _ in tests} - inits, where)

    def test_a_supervisor_leaving_spares_processes_forked_for_another(self):
        # Three supervisors with the same binary and environment on one worker
        # share one template. The first (Keeps) holds a spawned process, so
        # the template is ready and never idle; the second's test (Waits) runs
        # in a forked process. The third runs Lingers and Follows in two
        # forked processes: it has every result once Follows ends, while
        # Lingers' process still exits; interrupted then, it leaves and the
        # worker kills that process (CI run 12's race; a supervisor now waits
        # for its processes' ends, so it leaves only when told to). Old code: the template then wrote the
        # killed process's status into a pipe nobody read any more, died of
        # SIGPIPE, and took Waits' process with it (SIGKILL); in 2 of 3 runs
        # here, the rest the template reaped before the pipe was closed.
        trace = os.path.join(self.scratch, "trace")
        release = trace + ".release"
        env = {"WARM_TRACE": trace, "GTEST_DIST_WARM_CHILDREN": "on"}

        def supervisor(tests):
            return harness.LiveProcess(
                [harness.OPTIONS.bin, "--dist-supervisor", "--workers", worker.address,
                 "--dist-history=off", "--dist-env=WARM_TRACE", "--gtest_filter=" + tests],
                env=env)

        def traced(tag):
            if not os.path.exists(trace):
                return set()
            with open(trace, encoding="utf-8") as f:
                return {int(line.split()[1]) for line in f if line.split()[0] == tag}

        def alive(pid):
            try:
                with open("/proc/%d/stat" % pid, encoding="utf-8") as f:
                    return f.read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                return False

        def ready_template():
            # The template blocks SIGCHLD just before it says it is ready.
            for pid in traced("INIT"):
                try:
                    with open("/proc/%d/environ" % pid, "rb") as f:
                        if b"GTEST_DIST_INTERNAL_TEMPLATE=" not in f.read():
                            continue
                    with open("/proc/%d/status" % pid, encoding="utf-8") as f:
                        for line in f:
                            if line.startswith("SigBlk:") and int(line.split()[1], 16) & (
                                    1 << (signal.SIGCHLD - 1)):
                                return pid
                except OSError:
                    pass
            return None

        processes = []
        try:
            with harness.Worker(harness.OPTIONS.bin, jobs=4) as worker:
                keeper = supervisor("WarmShared.Keeps")
                processes.append(keeper)
                harness.wait_until(lambda: traced("KEEP"), 60, "Keeps running")
                template = harness.wait_until(ready_template, 60, "the template ready")
                waiter = supervisor("WarmShared.Waits")
                processes.append(waiter)
                (waits,) = harness.wait_until(lambda: traced("WAIT"), 60, "Waits running")
                leaver = supervisor("WarmShared.Lingers:WarmShared.Follows")
                processes.append(leaver)
                # It has both results once Follows ends, and waits for
                # Lingers' process to end; it leaves when interrupted then.
                leaver.wait_for_output(r"\[       OK \] WarmShared\.Follows", 1, 60)
                harness.wait_until(lambda: traced("EXITING"), 30, "Lingers' process exiting")
                leaver.process.send_signal(signal.SIGINT)
                left = leaver.finish()
                self.assertIn("[  PASSED  ] 2 tests.", left.stdout, left.describe())
                (lingers,) = traced("LINGER")
                (follows,) = traced("FOLLOW")
                forked = {waits, lingers, follows} - traced("INIT")
                self.assertEqual(len(forked), 3, "not all forked: %s" % forked)
                # The worker kills what the leaving supervisor left running.
                harness.wait_until(lambda: not alive(lingers), 30, "Lingers' process gone")
                # Old code: the template dies as it reaps that process, and
                # Waits' process with it, within milliseconds.
                deadline = time.monotonic() + 1
                while time.monotonic() < deadline and alive(template) and alive(waits):
                    time.sleep(0.02)
                self.assertTrue(alive(template), "the template died\n" + worker.log())
                with open(release, "w", encoding="utf-8"):
                    pass
                waited = waiter.finish()
                kept = keeper.finish()
                self.assertEqual(waited.returncode, 0, waited.describe() + worker.log())
                self.assertIn("[  PASSED  ] 1 test.", waited.stdout, waited.describe())
                self.assertEqual(kept.returncode, 0, kept.describe())
        finally:
            with open(release, "w", encoding="utf-8"):
                pass
            for process in processes:
                process.kill()

if __name__ == "__main__":
    harness.main()
