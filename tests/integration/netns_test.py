#!/usr/bin/env python3
"""Workers on hosts of their own: each in a network namespace joined to the
supervisor's by a veth pair (10.77.N.0/24), with a shared secret as any
non-loopback worker needs. Mid-run, one link is cut (`ip link set ... down`,
or `tc netem loss 100%`) or slowed (`tc netem delay 200ms`):

- a cut is detected within the heartbeat deadline (--dist-heartbeat-timeout,
  3 s here; measured from the cut to the supervisor's "heartbeat timeout"
  line), the lost worker's unfinished tests run on the other, and the run
  completes with every test exactly once, all passing, exit 0;
- a slow link loses nothing and the run completes the same way.

The namespaces and veths are created and removed by the test itself. Needs
root and `ip netns`; exits with code 77 (ctest: skipped) where not permitted.

Usage: netns_test.py --bin build/tests/integration/slow_suite [-v]
"""

import os
import re
import subprocess
import sys
import time

import harness

SKIP = 77
HEARTBEAT_TIMEOUT_S = 3
# Detection may take the timeout plus one heartbeat interval (the silence
# timer restarts on every frame) plus scheduling noise on a loaded machine.
DETECTION_SLACK_S = 2.0
SELECTED = 72
LOST_LINE = r"nothing received for \d+ ms \(heartbeat timeout\)"


def ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), check=check, capture_output=True, text=True,
                          timeout=30)


def tc(*args, check=True):
    return subprocess.run(["tc"] + list(args), check=check, capture_output=True, text=True,
                          timeout=30)


def add_qdisc(link, *spec):
    """`tc qdisc add dev LINK root SPEC`; False if this kernel lacks the qdisc
    (sch_netem is often not built, or not loadable in a container)."""
    added = tc("qdisc", "add", "dev", link, "root", *spec, check=False)
    if added.returncode == 0:
        return True
    if "unknown" in added.stderr.lower():
        return False
    raise AssertionError("tc qdisc add dev %s root %s: %s" % (link, " ".join(spec),
                                                                added.stderr.strip()))


def netns_unavailable():
    """Why namespaces cannot be used here, or None."""
    if os.geteuid() != 0:
        return "not root"
    for tool in ("ip", "tc"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            return "%s (iproute2) is not installed" % tool
    probe = "gdprobe%d" % os.getpid()
    added = ip("netns", "add", probe, check=False)
    if added.returncode != 0:
        return "ip netns add failed: " + added.stderr.strip()
    ip("netns", "del", probe, check=False)
    return None


class Host:
    """A namespace with one veth to the root namespace: 10.77.N.1 on our side,
    10.77.N.2 inside."""

    def __init__(self, number):
        tag = "%d%d" % (os.getpid() % 100000, number)
        self.netns = "gdns" + tag
        self.host_link = "gdh" + tag      # at most 15 characters
        self.inner_link = "gdi" + tag
        self.host_address = "10.77.%d.1" % number
        self.address = "10.77.%d.2" % number

    def create(self):
        ip("netns", "add", self.netns)
        ip("link", "add", self.host_link, "type", "veth", "peer", "name", self.inner_link)
        ip("link", "set", self.inner_link, "netns", self.netns)
        ip("addr", "add", self.host_address + "/24", "dev", self.host_link)
        ip("link", "set", self.host_link, "up")
        inside = ["-n", self.netns]
        ip(*inside, "addr", "add", self.address + "/24", "dev", self.inner_link)
        ip(*inside, "link", "set", self.inner_link, "up")
        ip(*inside, "link", "set", "lo", "up")

    def remove(self):
        # Deleting the namespace deletes its end of the veth, and so the pair.
        ip("netns", "del", self.netns, check=False)
        ip("link", "del", self.host_link, check=False)


class NetnsTest(harness.IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.secret = os.path.join(self.scratch, "secret")
        with open(self.secret, "w") as f:
            f.write("netns-test-secret-" + "x" * 32 + "\n")
        os.chmod(self.secret, 0o600)
        self.hosts = [Host(n) for n in (1, 2)]
        for host in self.hosts:
            self.addCleanup(host.remove)
            host.create()

    def run_with_fault(self, fault, expect_loss):
        """Starts a worker in each namespace, runs slow_suite from here, and
        applies `fault(host)` to the first host's link once tests pass."""
        binary = harness.OPTIONS.bin
        workers = [harness.Worker(binary, jobs=2, log_dir=self.scratch, bind_host=h.address,
                                  command_prefix=["ip", "netns", "exec", h.netns],
                                  extra_args=["--dist-secret-file=" + self.secret])
                   for h in self.hosts]
        for worker in workers:
            self.addCleanup(worker.kill)
            worker.start()
        supervisor = harness.LiveProcess(
            [binary, "--dist-supervisor", "--workers", ",".join(w.address for w in workers),
             "--dist-secret-file=" + self.secret,
             "--dist-heartbeat-timeout=%d" % HEARTBEAT_TIMEOUT_S,
             "--gtest_output=xml:" + os.path.join(self.scratch, "report.xml")])
        self.addCleanup(supervisor.kill)
        supervisor.wait_for_output(r"^\[       OK \] ", count=4)
        fault(self.hosts[0])
        cut_at = time.monotonic()
        detected_after = None
        if expect_loss:
            supervisor.wait_for_output(LOST_LINE, name="stderr",
                                       deadline_s=HEARTBEAT_TIMEOUT_S + DETECTION_SLACK_S)
            detected_after = time.monotonic() - cut_at
        result = supervisor.finish()
        where = result.describe() + "\n" + "\n".join(w.log() for w in workers)
        self.assertEqual(result.returncode, 0, where)
        report = harness.Report.from_xml(os.path.join(self.scratch, "report.xml"))
        self.assertEqual(len(report.occurrences), SELECTED, where)
        self.assertEqual(set(report.occurrences.values()), {1}, where)
        self.assertEqual(set(report.outcomes.values()), {harness.PASSED}, where)
        console = harness.Console(result.stdout)
        self.assertEqual(console.passed_count, SELECTED, where)
        if not expect_loss:
            self.assertNotRegex(result.stderr, LOST_LINE, where)
        return detected_after, result

    def test_link_down_is_detected_within_the_heartbeat_deadline(self):
        detected, result = self.run_with_fault(
            lambda host: ip("link", "set", host.host_link, "down"), expect_loss=True)
        print("\nnetns: link down detected after %.2f s (--dist-heartbeat-timeout=%d); "
              "run of %d tests completed in %.2f s" % (
                  detected, HEARTBEAT_TIMEOUT_S, SELECTED, result.elapsed), file=sys.stderr)
        self.assertRegex(result.stderr, r"unfinished tests of \S+ go back on the queue")

    def test_total_packet_loss_is_detected_within_the_heartbeat_deadline(self):
        if not self.netem_available():
            self.skipTest("this kernel has no netem qdisc (sch_netem); the link-down test "
                          "covers a cut link")
        detected, result = self.run_with_fault(
            lambda host: add_qdisc(host.host_link, "netem", "loss", "100%"), expect_loss=True)
        print("\nnetns: 100%% loss detected after %.2f s; run completed in %.2f s" % (
            detected, result.elapsed), file=sys.stderr)

    def test_slow_link_loses_nothing(self):
        # netem's 200 ms delay where the kernel has it; otherwise a token
        # bucket at 64 kbit/s, which queues each burst of events for a while.
        if self.netem_available():
            spec, what = ("netem", "delay", "200ms"), "netem delay 200ms"
        else:
            spec, what = ("tbf", "rate", "64kbit", "burst", "2kb", "latency", "2s"), \
                "tbf rate 64kbit (no netem in this kernel)"
        _, result = self.run_with_fault(lambda host: add_qdisc(host.host_link, *spec),
                                        expect_loss=False)
        print("\nnetns: slow link (%s): run completed in %.2f s" % (what, result.elapsed),
              file=sys.stderr)

    def netem_available(self):
        link = self.hosts[1].host_link
        if not add_qdisc(link, "netem", "delay", "1ms"):
            return False
        tc("qdisc", "del", "dev", link, "root")
        return True


if __name__ == "__main__":
    why = netns_unavailable()
    if why:
        print("SKIPPED: network namespaces are not available here (%s)" % why)
        sys.exit(SKIP)
    harness.main()
