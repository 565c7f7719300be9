#!/usr/bin/env python3
"""Workers over ssh (issue 13, item 5), with a real sshd of the test's own.

The test starts /usr/sbin/sshd on 127.0.0.1 (a free port, a host key and an
authorized client key made here with ssh-keygen, StrictModes off, its config
and pid file in a temporary directory) and checks:

- A supervisor with --workers ssh://127.0.0.1:PORT (the key and a known_hosts
  file holding the host key, through --dist-ssh-command) reports what a plain
  run reports: outcomes, counts, exit code, console, XML and JSON; every test
  ran on the ssh worker. Afterwards nothing of the run is left on the
  "remote" side: no process of the suite or the worker, no sshd session.
- The ssh worker killed in the middle of a run (slow_suite, --other-bin):
  the loss is named, its tests go back on the queue, every test passes once.
- ssh that fails (a port nobody listens on; a key the server does not
  accept) is a lost worker: the run completes on local slots, and the message
  names the ssh target and what ssh said.
- The stdio worker alone (`BIN --dist-worker --stdio`, no ssh): only frames on
  its stdout, one session, it exits when its stdin closes, and a test's output
  never reaches its stdout.

Exits with 77 (ctest: skipped) when sshd or the ssh client is not installed
(scripts/install-deps.sh installs openssh-server and openssh-client).

Usage: ssh_test.py --bin build/tests/integration/gen_suite
       --other-bin build/tests/integration/slow_suite [-v]
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import harness

SKIP = 77
SSHD = "/usr/sbin/sshd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def decode_frames(data):
    """The JSON messages of complete frames in `data`, and the bytes after them."""
    messages = []
    while len(data) >= 4:
        (length,) = struct.unpack(">I", data[:4])
        if len(data) < 4 + length:
            break
        messages.append(json.loads(data[4:4 + length]))
        data = data[4 + length:]
    return messages, data


def processes_mentioning(text):
    """PIDs of living processes whose command line contains `text`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as f:
                state = f.read().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if text in cmdline and state != "Z":
            found.append((int(entry), cmdline))
    return found


class Sshd:
    """sshd -D on 127.0.0.1 with everything in a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="gtest_dist_sshd_")
        self.port = free_port()
        self.process = None
        self.log_path = self.path("sshd.log")

    def path(self, name):
        return os.path.join(self.dir, name)

    def keygen(self, name):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "gtest_dist-test",
                        "-f", self.path(name)], check=True, timeout=60)
        return self.path(name)

    def start(self):
        host_key = self.keygen("host_key")
        self.client_key = self.keygen("client_key")
        self.stranger_key = self.keygen("stranger_key")  # never authorized
        shutil.copy(self.client_key + ".pub", self.path("authorized_keys"))
        with open(host_key + ".pub") as f:
            host_public = f.read().split()
        with open(self.path("known_hosts"), "w") as f:
            f.write("[127.0.0.1]:%d %s %s\n" % (self.port, host_public[0], host_public[1]))
        with open(self.path("sshd_config"), "w") as f:
            f.write("\n".join([
                "ListenAddress 127.0.0.1:%d" % self.port,
                "HostKey " + host_key,
                "AuthorizedKeysFile " + self.path("authorized_keys"),
                "PidFile " + self.path("sshd.pid"),
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "X11Forwarding no",
                "AllowTcpForwarding no",
                "PrintMotd no",
                "LogLevel VERBOSE",
                "",
            ]))
        if os.geteuid() == 0:
            # Debian's sshd, as root, wants its privilege separation directory
            # (systemd makes it at boot; a container may not have it).
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", self.path("sshd_config")],
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

        def listening():
            if self.process.poll() is not None:
                raise AssertionError("sshd exited with %s:\n%s" % (self.process.returncode,
                                                                  self.read_log()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False
        harness.wait_until(listening, harness.WORKER_START_DEADLINE, "sshd listening")
        return self

    def ssh_command(self, key=None):
        return ("ssh -F none -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s "
                "-o StrictHostKeyChecking=yes -o ConnectTimeout=10" % (
                    key or self.client_key, self.path("known_hosts")))

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-6000:]

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            harness.kill_group(self.process)
            self.process.wait(timeout=harness.WORKER_STOP_DEADLINE)
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.dir, True)


class SshWorkerTest(harness.IntegrationTestCase):

    @classmethod
    def setUpClass(cls):
        cls.sshd = Sshd()
        try:
            cls.sshd.start()
        except BaseException:
            cls.sshd.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.sshd.stop()

    def binary_path(self):
        return os.path.realpath(harness.OPTIONS.bin)

    def generic_worker_command(self):
        """The generic worker as an ssh worker's remote command (gtest_dist is
        not on the PATH of an sshd session here), its cache in the scratch."""
        if not harness.OPTIONS.cli:
            self.skipTest("needs --cli (the gtest_dist command)")
        return "%s worker --stdio --cache-dir %s" % (os.path.realpath(harness.OPTIONS.cli),
                                                     os.path.join(self.scratch, "ssh-cache"))

    def assert_nothing_left_behind(self, where):
        """No stdio worker of this binary and no sshd session remain."""
        # Workers only: a supervisor of another test running at the same time
        # may name --stdio in its command line too.
        workers = [p for p in processes_mentioning(self.binary_path()) +
                   processes_mentioning(os.path.join(self.scratch, "ssh-cache"))
                   if "--stdio" in p[1] and "--dist-supervisor" not in p[1]]
        self.assertEqual(workers, [], "stdio workers left behind\n" + where)
        # The sshd listener stays; its per-connection children must be gone
        # (they end once the worker has; give them the time to be reaped).
        harness.wait_until(lambda: not harness.descendants(self.sshd.process.pid), 10,
                           "sshd's sessions end: %s\n%s" % (
                               harness.descendants(self.sshd.process.pid), where))

    def test_same_as_plain_over_ssh_and_nothing_left_behind(self):
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        dist = self.runner.distributed(
            binary, ["ssh://127.0.0.1:%d" % self.sshd.port],
            extra_args=["--dist-ssh-command=" + self.sshd.ssh_command(), "--dist-fallback=fail",
                        "--dist-ssh-remote-command=" + self.generic_worker_command()])
        where = dist.result.describe() + "\n--- sshd ---\n" + self.sshd.read_log()
        # Every test that ran, ran on the ssh worker (it names itself HOST:stdio).
        harness.check_same_as_plain(self, plain, dist, worker_ports=["stdio"], context=where)
        # The build went over ssh into the generic worker's (empty) cache.
        self.assertRegex(dist.result.stderr,
                         r"gtest_dist: ssh://127\.0\.0\.1:\d+: shipped (\d+) of \1 files", where)
        self.assertNotIn("worker ssh://", dist.result.stderr, where)
        self.assert_nothing_left_behind(where)

    def test_mixed_with_local_slots_and_a_user(self):
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        user = os.environ.get("USER") or __import__("pwd").getpwuid(os.getuid()).pw_name
        dist = self.runner.distributed(
            binary, ["ssh://%s@127.0.0.1:%d" % (user, self.sshd.port), "local:1"],
            env={"GTEST_DIST_SSH_COMMAND": self.sshd.ssh_command(),
                 "GTEST_DIST_SSH_REMOTE_COMMAND": self.binary_path() + " --dist-worker --stdio"})
        where = dist.result.describe() + "\n--- sshd ---\n" + self.sshd.read_log()
        harness.check_same_as_plain(self, plain, dist, context=where)
        self.assertNotIn("worker ssh://", dist.result.stderr, where)
        self.assert_nothing_left_behind(where)

    def check_lost_ssh_worker(self, workers_entry, ssh_command, ssh_says):
        binary = harness.OPTIONS.bin
        plain = self.runner.plain(binary)
        dist = self.runner.distributed(binary, [workers_entry, "local:2"],
                                       extra_args=["--dist-ssh-command=" + ssh_command])
        where = dist.result.describe()
        # The run completes on the local slots, as with a lost TCP worker.
        harness.check_same_as_plain(self, plain, dist, local_only=True, context=where)
        self.assertIn("worker %s: ssh ended before the worker answered; ssh exited with "
                      "status 255: " % workers_entry, dist.result.stderr, where)
        self.assertIn(ssh_says, dist.result.stderr, where)
        self.assert_nothing_left_behind(where)

    def test_ssh_to_a_closed_port_is_a_lost_worker(self):
        closed = free_port()
        self.check_lost_ssh_worker("ssh://127.0.0.1:%d" % closed, self.sshd.ssh_command(),
                                   "Connection refused")

    def test_a_refused_key_is_a_lost_worker(self):
        self.check_lost_ssh_worker("ssh://127.0.0.1:%d" % self.sshd.port,
                                   self.sshd.ssh_command(self.sshd.stranger_key),
                                   "Permission denied")

    def test_an_ssh_that_never_answers_is_ended(self):
        # An "ssh" that hangs (a host that drops packets): the connect
        # deadline gives up on it (and kills it), the run completes on local
        # slots, and no such process outlives the run.
        # slow_suite's SlowA and SlowB (24 tests of 150 ms): the local slots
        # take longer than the deadline, so the run is still on when it fires.
        if harness.OPTIONS.other_bin is None:
            self.skipTest("needs --other-bin slow_suite")
        marker = "%06d" % ((os.getpid() * 7919 + time.monotonic_ns()) % 1000000)
        binary = os.path.realpath(harness.OPTIONS.other_bin)
        args = ["--gtest_filter=*SlowA*:*SlowB*"]
        plain = self.runner.plain(binary, args)
        start = time.monotonic()
        dist = self.runner.distributed(
            binary, ["ssh://127.0.0.1:%d" % self.sshd.port, "local:2"], args,
            extra_args=["--dist-ssh-command=sh -c 'sleep 7%s' ignored" % marker,
                        "--dist-connect-timeout=1"])
        where = dist.result.describe()
        harness.check_same_as_plain(self, plain, dist, local_only=True, context=where)
        self.assertIn("worker ssh://127.0.0.1:%d: no answer within 1000 ms "
                      "(--dist-connect-timeout)" % self.sshd.port, dist.result.stderr, where)
        self.assertEqual(processes_mentioning("sleep 7" + marker), [], where)
        # Two runs; neither waits out a grace period per attempt.
        self.assertLess(time.monotonic() - start, 60, where)

    def test_a_worker_lost_in_the_middle_of_the_run(self):
        # slow_suite (--other-bin): 72 tests of 150 ms. Once the ssh worker
        # has run tests, its process on the "remote" side is killed: the
        # supervisor names the loss, requeues the unfinished tests and the run
        # completes, every test passed once.
        if harness.OPTIONS.other_bin is None:
            self.skipTest("needs --other-bin slow_suite")
        slow = os.path.realpath(harness.OPTIONS.other_bin)
        run = harness.LiveProcess([slow, "--dist-supervisor", "--workers",
                                   "ssh://127.0.0.1:%d,local:1" % self.sshd.port,
                                   "--dist-ssh-command=" + self.sshd.ssh_command(),
                                   "--dist-ssh-remote-command=" + slow + " --dist-worker --stdio"])
        self.addCleanup(run.kill)

        def busy_stdio_worker():
            # The worker itself: not the local ssh client nor the remote
            # shell, whose command lines name it too; busy once it has
            # children (chunks running).
            for pid, cmdline in processes_mentioning(slow):
                if cmdline.startswith(slow + " --dist-worker --stdio") and \
                        harness.descendants(pid):
                    return pid
            return None
        victim = harness.wait_until(busy_stdio_worker, harness.RUN_TIMEOUT,
                                    "the ssh worker running chunks\n" + run.text("stderr"))
        os.kill(victim, 9)
        result = run.finish()
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        console = harness.Console(result.stdout)
        self.assertEqual(console.passed_count, 72, where)
        self.assertEqual([n for n, c in console.ends.items() if c != 1], [], where)
        self.assertIn("worker ssh://127.0.0.1:%d: the worker closed the connection"
                      % self.sshd.port, result.stderr, where)
        self.assert_nothing_left_behind(where)

    def test_missing_ssh_client_is_named(self):
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers",
                              "ssh://127.0.0.1:%d,local:2" % self.sshd.port,
                              "--dist-ssh-command=no-such-ssh-client-here"])
        self.assertIn("worker ssh://127.0.0.1:%d: cannot start \"no-such-ssh-client-here\": "
                      "not found in PATH (--dist-ssh-command)" % self.sshd.port,
                      result.stderr, result.describe())
        self.assertEqual(result.returncode, self.runner.plain(harness.OPTIONS.bin)
                         .result.returncode, result.describe())


class StdioWorkerTest(harness.IntegrationTestCase):
    """`BIN --dist-worker --stdio` without ssh: what ssh would see."""

    def start(self):
        process = subprocess.Popen([harness.OPTIONS.bin, "--dist-worker", "--stdio"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and harness.kill_group(process))
        return process

    def test_only_frames_on_stdout_and_ends_with_the_session(self):
        process = self.start()
        process.stdin.write(harness.wire_frame({
            "type": "hello", "protocol": harness.PROTOCOL_VERSION, "role": "supervisor", "host": "ssh-test",
            "binary_name": "x", "slots": 0,
            "fingerprint": {"binary_digest": "0" * 64, "names_digest": "0" * 64,
                            "test_count": 1},
            "nonce": "", "proof": ""}))
        process.stdin.flush()
        # A supervisor of another build: hello, ready, a refusal, the end.
        stdout, stderr = process.communicate(timeout=harness.RUN_TIMEOUT)
        messages, rest = decode_frames(stdout)
        where = "stdout: %r\nstderr: %s" % (stdout[:2000], stderr.decode(errors="replace"))
        self.assertEqual([m["type"] for m in messages], ["hello", "ready", "refusal"], where)
        self.assertEqual(rest, b"", where)
        self.assertEqual(process.returncode, 0, where)
        # Slots default to this machine's cores, as a daemon's --dist-jobs.
        self.assertEqual(messages[1]["slots"], os.cpu_count(), where)
        self.assertIn("different test binary", messages[2]["reason"], where)

    def test_exits_when_stdin_closes(self):
        process = self.start()
        process.stdin.close()
        self.assertEqual(process.wait(timeout=harness.WORKER_STOP_DEADLINE), 0)
        self.assertEqual(process.stdout.read(), b"")
        process.stdout.close()
        process.stderr.close()

    def test_stdio_needs_worker_mode(self):
        result = harness.run([harness.OPTIONS.bin, "--stdio"])
        self.assertEqual(result.returncode, 2, result.describe())
        self.assertIn("--stdio is a worker's flag", result.stderr, result.describe())


if __name__ == "__main__":
    for tool in (SSHD, shutil.which("ssh"), shutil.which("ssh-keygen")):
        if tool is None or not os.access(tool, os.X_OK):
            print("SKIPPED: OpenSSH is not installed (%s missing; scripts/install-deps.sh "
                  "installs openssh-server and openssh-client)" % (tool or "ssh"))
            sys.exit(SKIP)
    harness.main()
