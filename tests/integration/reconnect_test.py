#!/usr/bin/env python3
"""A worker unreachable when the run starts is reported and skipped, tried
again while the run lasts (every 5 s), and used once it is up: the run
completes on both, each test exactly once, as a plain run.

Usage: reconnect_test.py --bin build/tests/integration/slow_suite [-v]
"""

import os
import socket

import harness

SELECTED = 72


def unused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReconnectTest(harness.IntegrationTestCase):

    def test_worker_down_at_start_joins_later(self):
        binary = harness.OPTIONS.bin
        late_port = unused_port()
        report = os.path.join(self.scratch, "report.xml")
        with self.pool(binary, 1, jobs=1) as pool:
            supervisor = harness.LiveProcess(
                [binary, "--dist-supervisor", "--workers",
                 "%s,127.0.0.1:%d" % (pool.addresses()[0], late_port),
                 "--gtest_output=xml:" + report])
            self.addCleanup(supervisor.kill)
            # Reported as unreachable, and the run goes on without it.
            supervisor.wait_for_output(r"127\.0\.0\.1:%d: cannot connect" % late_port,
                                       name="stderr", deadline_s=30)
            supervisor.wait_for_output(r"^\[       OK \] ", count=2)
            # Now it comes up, on the address the supervisor keeps trying.
            late = harness.Worker(binary, jobs=2, log_dir=self.scratch, bind_port=late_port)
            self.addCleanup(late.kill)
            late.start()
            supervisor.wait_for_output(r"worker 127\.0\.0\.1:%d is back" % late_port,
                                       name="stderr", deadline_s=20)
            result = supervisor.finish()
            pool.stop_all()
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        xml = harness.Report.from_xml(report)
        self.assertEqual(len(xml.occurrences), SELECTED, where)
        self.assertEqual(set(xml.occurrences.values()), {1}, where)
        self.assertEqual(set(xml.outcomes.values()), {harness.PASSED}, where)
        on_late = [n for n, w in xml.workers.items() if w.endswith(":%d" % late_port)]
        self.assertGreater(len(on_late), 0, "no test ran on the late worker\n" + where)


if __name__ == "__main__":
    harness.main()
