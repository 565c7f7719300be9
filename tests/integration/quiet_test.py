#!/usr/bin/env python3
"""quiet_suite: a test process batches its events and does not write a test's
start (run/event_batcher.h); while it is quiet its runner peeks at the batch.

- A test that hangs right after it starts, with nothing written after the
  start: while it hangs the supervisor already knows it runs (the status line
  on a terminal names it as the longest running test: without the peek it
  would learn of the start only when the timeout killed the process), and it
  is reported once, as that test timing out.
- Tests that sleep between trivial ones, one after a failure: each event
  the runner peeked at arrives again through the socket and is skipped;
  every test and the failure are reported exactly once.

Usage: quiet_test.py --bin build/tests/integration/quiet_suite [-v]
"""

import os
import re

import harness

HANGING = "Quiet/QuietHang.Runs/20"
PASSING = ["Quiet/QuietHang.Runs/%d" % i for i in range(20)]
TIMEOUT_S = 5


def alive(pid):
    """Whether `pid` runs (a zombie, killed and not reaped yet, does not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


class QuietTest(harness.IntegrationTestCase):

    def test_a_hang_right_after_the_start_is_known_and_times_out(self):
        self.check_hang(["local:1"], "local:1")

    def test_a_hang_on_a_worker_is_known_and_times_out(self):
        # The worker's runner peeks; the supervisor learns of the start from it.
        env = {"QUIET_SUITE_PID_FILE": os.path.join(self.scratch, "hanging.pid")}
        with self.pool(harness.OPTIONS.bin, 1, jobs=1, env=env) as pool:
            self.check_hang(pool.addresses(), "1 worker")
            pool.stop_all()

    def check_hang(self, workers, context):
        pid_file = os.path.join(self.scratch, "hanging.pid")
        xml_path = os.path.join(self.scratch, "report.xml")
        argv = [harness.OPTIONS.bin, "--dist-supervisor", "--workers", ",".join(workers),
                "--dist-history=off", "--dist-test-timeout=%d" % TIMEOUT_S,
                "--gtest_filter=Quiet/QuietHang.*", "--gtest_output=xml:" + xml_path]
        supervisor = harness.TerminalProcess(argv, {"QUIET_SUITE_PID_FILE": pid_file}, columns=200)
        try:
            # The status line names the running test; nothing reaches the
            # socket after the hanging test's start.
            supervisor.wait_for_output(r"running, longest " + re.escape(HANGING),
                                       harness.RUN_TIMEOUT)
            with open(pid_file) as f:
                pid = int(f.read())
            self.assertTrue(alive(pid), "the hanging test's process %d is gone: the start was "
                            "learnt only from its death\n%s" % (pid, supervisor.text()))
            code, _, _ = supervisor.finish()
        finally:
            if supervisor.process.poll() is None:
                harness.kill_group(supervisor.process)
                supervisor.process.wait()
        where = context + "\n" + harness.tail(supervisor.text())
        self.assertEqual(code, 1, where)
        xml = harness.Report.from_xml(xml_path)
        self.assertEqual(xml.occurrences[HANGING], 1, where)
        self.assertEqual(xml.outcomes[HANGING], harness.FAILED, where)
        self.assertRegex(xml.messages[HANGING], r"timed out after %d s" % TIMEOUT_S, where)
        self.assertGreaterEqual(xml.times[HANGING], TIMEOUT_S - 0.2, where)
        for name in PASSING:
            self.assertEqual(xml.occurrences[name], 1, name + "\n" + where)
            self.assertEqual(xml.outcomes[name], harness.PASSED, name + "\n" + where)
        self.assertEqual(xml.root["tests"], len(PASSING) + 1, where)
        self.assertEqual(xml.root["failures"], 1, where)

    def test_peeked_events_are_reported_once(self):
        args = ["--gtest_filter=Quiet/QuietPause.*"]
        plain = self.runner.plain(harness.OPTIONS.bin, args)
        self.assertEqual(plain.result.returncode, 1, plain.result.describe())
        dist = self.runner.distributed(harness.OPTIONS.bin, ["local:1"], args,
                                       extra_args=["--dist-history=off"])
        harness.check_same_as_plain(self, plain, dist, local_only=True, context="local:1")
        for name in plain.xml.outcomes:
            self.assertEqual(dist.console.runs[name], 1, name + "\n" + dist.result.describe())
            self.assertEqual(dist.console.ends[name], 1, name + "\n" + dist.result.describe())
            self.assertEqual(dist.xml.occurrences[name], 1, name)
            self.assertEqual(dist.json.occurrences[name], 1, name)
        # Its failure, handled from a peek, is not handled again when the
        # batch arrives through the socket.
        failing = "Quiet/QuietPause.SleepsNowAndThen/15"
        self.assertEqual(dist.xml.outcomes[failing], harness.FAILED, dist.result.describe())
        for label, mine, theirs in (("XML", dist.xml.messages, plain.xml.messages),
                                    ("JSON", dist.json.messages, plain.json.messages),
                                    ("console", dist.console.blocks, plain.console.blocks)):
            self.assertEqual(mine[failing].count("reported once"),
                             theirs[failing].count("reported once"),
                             "%s\n%s\n%s" % (label, mine[failing], dist.result.describe()))


if __name__ == "__main__":
    harness.main()
