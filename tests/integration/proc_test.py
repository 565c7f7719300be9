#!/usr/bin/env python3
"""The test process, seen from the outside: help requests run nothing, a test
inherits no descriptor of the runner's, large output costs bounded memory and
its omitted bytes are counted exactly, and where a test's stderr goes.

Usage: proc_test.py --bin build/tests/integration/proc_suite [-v]
"""

import os
import re
import signal
import time

import harness

# As README.md documents: one channel descriptor per test process.
CHANNEL_FD = 1023
# protocol::kMaxOutputBytesPerEvent: the head and tail kept of a test's output.
KEPT_OUTPUT = 1 << 20
# Far more than the cap, and odd, so that a count off by a chunk shows.
LARGE_OUTPUT = 64 * (1 << 20) + 12345
# A test process that held LARGE_OUTPUT in memory would be far above this.
PEAK_MEMORY_LIMIT_KB = 32 * 1024


def local_supervisor_env(**extra):
    env = {"GTEST_DIST_SUPERVISOR": "1", "GTEST_DIST_WORKERS": "local:2",
           "GTEST_DIST_HISTORY": "off"}
    env.update(extra)
    return env


def peak_memory_kb(pid):
    with open("/proc/%d/status" % pid, encoding="ascii") as f:
        return int(re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M).group(1))


class HelpRequestTest(harness.IntegrationTestCase):
    """Item 1: an unknown --gtest_ flag is a request for help, distributed or not."""

    def check_like_plain(self, args, dist_env_extra=(), dist_args=()):
        binary = harness.OPTIONS.bin
        plain_log = os.path.join(self.scratch, "plain-processes")
        dist_log = os.path.join(self.scratch, "dist-processes")
        plain = harness.run([binary] + args, env={"PROC_SUITE_PROCESS_LOG": plain_log})
        dist = harness.run([binary] + list(dist_args) + args,
                           env=local_supervisor_env(PROC_SUITE_PROCESS_LOG=dist_log,
                                                    **dict(dist_env_extra)))
        self.assertEqual(plain.returncode, 0, plain.describe())
        self.assertIn("This program contains tests written using Google Test", plain.stdout)
        self.assertEqual(dist.returncode, 0, dist.describe())
        self.assertEqual(dist.stdout, plain.stdout, dist.describe())
        self.assertEqual(dist.stderr, plain.stderr, dist.describe())
        with open(dist_log, encoding="ascii") as f:
            processes = f.read().split()
        self.assertEqual(len(processes), 1, "test processes were started\n" + dist.describe())

    def test_unknown_gtest_flag_prints_help_once_and_runs_nothing(self):
        self.check_like_plain(["--gtest_no_such_flag"])

    def test_unknown_flag_in_a_flagfile_is_a_help_request_too(self):
        flagfile = os.path.join(self.scratch, "flags")
        with open(flagfile, "w", encoding="ascii") as f:
            f.write("--gtest_no_such_flag\n")
        self.check_like_plain(["--gtest_flagfile=" + flagfile])

    def test_help_contacts_no_worker(self):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 1) as pool:
            self.check_like_plain(["--help"], dist_args=["--workers", pool.addresses()[0]])
            pool.stop_all()
            self.assertNotIn("connected", pool.workers[0].log())


class DescriptorTest(harness.IntegrationTestCase):
    """Item 3: a test process holds 0, 1, 2 and its channel, nothing else."""

    def check_fds_run(self, result):
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        self.assertIn("[       OK ] ProcFds.OnlyStandardStreamsAndTheChannel", result.stdout,
                      where)

    def test_on_a_worker(self):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 1) as pool:
            result = harness.run([binary, "--dist-supervisor", "--workers",
                                  pool.addresses()[0], "--dist-history=off",
                                  "--gtest_filter=ProcFds.*"])
            pool.stop_all()
        self.check_fds_run(result)

    def test_on_local_slots_with_dashboard_and_history(self):
        binary = harness.OPTIONS.bin
        result = harness.run(
            [binary, "--dist-supervisor", "--workers", "local:2",
             "--dist-dashboard=127.0.0.1:0",
             "--dist-history=" + os.path.join(self.scratch, "history.sqlite"),
             "--gtest_filter=ProcFds.*"])
        self.assertIn("dashboard at http://127.0.0.1:", result.stderr, result.describe())
        self.check_fds_run(result)

    def background_pid(self, pidfile):
        def read():
            try:
                with open(pidfile, encoding="ascii") as f:
                    return int(f.read().strip() or 0)
            except (OSError, ValueError):
                return 0
        pid = harness.wait_until(read, 20, "the background process's pid in " + pidfile)
        self.addCleanup(self.kill_quietly, pid)
        return pid

    @staticmethod
    def kill_quietly(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def test_background_process_does_not_keep_the_worker_port(self):
        binary = harness.OPTIONS.bin
        pidfile = os.path.join(self.scratch, "background.pid")
        worker = harness.Worker(binary, jobs=1, log_dir=self.scratch,
                                env={"PROC_SUITE_BACKGROUND_PIDFILE": pidfile})
        self.addCleanup(worker.kill)
        worker.start()
        result = harness.run([binary, "--dist-supervisor", "--workers", worker.address,
                              "--dist-history=off", "--gtest_filter=ProcBackground.*"])
        self.assertEqual(result.returncode, 0, result.describe())
        self.background_pid(pidfile)  # still alive: it sleeps 60 s
        self.assertEqual(worker.stop(), 0, worker.log())
        # The same port again, while the test's background process lives on.
        again = harness.Worker(binary, jobs=1, log_dir=self.scratch, bind_port=worker.port)
        self.addCleanup(again.kill)
        again.start()
        self.assertEqual(again.stop(), 0, again.log())

    def test_supervisor_notices_a_killed_worker_at_once(self):
        binary = harness.OPTIONS.bin
        pidfile = os.path.join(self.scratch, "background.pid")
        worker = harness.Worker(binary, jobs=1, log_dir=self.scratch,
                                env={"PROC_SUITE_BACKGROUND_PIDFILE": pidfile,
                                     "PROC_SUITE_SLEEP_S": "60"})
        self.addCleanup(worker.kill)
        worker.start()
        # The heartbeat would take 60 s: only the connection's end tells sooner.
        supervisor = harness.LiveProcess(
            [binary, "--dist-supervisor", "--workers", worker.address, "--dist-history=off",
             "--dist-heartbeat-timeout=60", "--dist-fallback=fail",
             "--gtest_filter=ProcBackground.*"])
        self.addCleanup(supervisor.kill)
        self.background_pid(pidfile)  # the test runs, its background process lives
        killed_at = time.monotonic()
        os.kill(worker.process.pid, signal.SIGKILL)
        supervisor.wait_for_output(r"worker %s: " % re.escape(worker.address), name="stderr",
                                   deadline_s=10)
        noticed_after = time.monotonic() - killed_at
        result = supervisor.finish(timeout=30)
        self.assertLess(noticed_after, 5, result.describe())
        self.assertEqual(result.returncode, 1, result.describe())


class OutputTest(harness.IntegrationTestCase):
    """Item 7: large output is streamed with bounded memory, its omitted bytes
    counted exactly."""

    def check_omitted_count(self, block, printed, where):
        """The block says exactly how many bytes were left out."""
        counts = re.findall(r"\[gtest_dist: (\d+) bytes of output omitted\]", block)
        self.assertEqual(counts, [str(printed - KEPT_OUTPUT)], where)

    def test_crashed_test_that_printed_much(self):
        binary = harness.OPTIONS.bin
        worker = harness.Worker(binary, jobs=1, log_dir=self.scratch,
                                env={"PROC_SUITE_OUTPUT_BYTES": str(LARGE_OUTPUT)})
        self.addCleanup(worker.kill)
        worker.start()
        result = harness.run([binary, "--dist-supervisor", "--workers", worker.address,
                              "--dist-history=off",
                              "--gtest_filter=ProcOutput.PrintsManyBytesThenCrashes"])
        where = result.describe()
        self.assertEqual(result.returncode, 1, where)
        console = harness.Console(result.stdout)
        name = "ProcOutput.PrintsManyBytesThenCrashes"
        self.assertEqual(console.outcomes[name], [harness.FAILED], where)
        self.check_omitted_count(console.blocks[name], LARGE_OUTPUT, where)
        self.assertIn("signal 11", console.blocks[name][-2000:], where)
        # The worker read a 64 MiB file for 1 MiB of it.
        self.assertLess(peak_memory_kb(worker.process.pid), PEAK_MEMORY_LIMIT_KB, where)
        self.assertEqual(worker.stop(), 0, worker.log())

    def test_passing_test_that_printed_much(self):
        binary = harness.OPTIONS.bin
        # Both tests in one chunk, so one process: the second reports the
        # first one's peak.
        result = harness.run(
            [binary, "--dist-supervisor", "--workers", "local:1", "--dist-min-chunk=2",
             "--dist-history=off",
             "--gtest_filter=ProcOutput.PrintsManyBytesThenPasses:ProcOutput.ReportsPeakMemory"],
            env={"PROC_SUITE_OUTPUT_BYTES": str(LARGE_OUTPUT)})
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        console = harness.Console(result.stdout)
        self.check_omitted_count(console.blocks["ProcOutput.PrintsManyBytesThenPasses"],
                                 LARGE_OUTPUT, where)
        peak = re.search(r"VmHWM:\s+(\d+) kB", console.blocks["ProcOutput.ReportsPeakMemory"])
        self.assertIsNotNone(peak, where)
        self.assertLess(int(peak.group(1)), PEAK_MEMORY_LIMIT_KB, where)


class StreamsTest(harness.IntegrationTestCase):
    """Item 15, as README's compatibility table says: a test's stderr comes
    back with its stdout, in the order written, on the supervisor's stdout."""

    def test_stderr_of_a_test_is_merged_in_order(self):
        binary = harness.OPTIONS.bin
        result = harness.run([binary, "--gtest_filter=ProcStreams.*"],
                             env=local_supervisor_env())
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        block = harness.Console(result.stdout).blocks["ProcStreams.WritesToStdoutAndStderr"]
        self.assertEqual(re.findall(r"proc_suite: (\w+ line \d)", block),
                         ["stdout line 1", "stderr line 2", "stdout line 3"], where)
        self.assertNotIn("proc_suite:", result.stderr, where)


if __name__ == "__main__":
    harness.main()
