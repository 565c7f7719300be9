#!/usr/bin/env python3
"""Who may use a worker. The worker runs slow_suite with SLOW_SUITE_MARKER_DIR
set, so every test it runs leaves a file: "nothing ran" is checked on disk,
not assumed.

- A worker with a secret and a supervisor without one, or with another
  secret: refused, logged on both sides, no test runs there.
- A replayed handshake: a genuine supervisor's frames, recorded by a proxy
  between it and the worker, sent again on a new connection (hello, auth,
  then its chunks): the worker's fresh nonce makes the old proof worthless;
  refused, nothing runs.
- The right secret: every test runs there and passes.
- A non-loopback bind without a secret refuses to start (exit 2) and says why.
- A secret file group or others may read is refused; a guessable one warns;
  `gtest_dist secret` writes a random one with mode 0600 (issue 11, item 10).
- A supervisor refuses a non-loopback worker without a secret or TLS unless
  --dist-insecure (issue 11, item 11).

Usage: auth_test.py --bin build/tests/integration/slow_suite
       [--cli build/bin/gtest_dist] [-v]
"""

import json
import os
import socket
import struct
import time

import harness

SELECTED = 72
SECRET = "auth-test-secret-0123456789abcdef\n"
OTHER_SECRET = "another-secret-fedcba9876543210\n"
CLOSE_DEADLINE = 20


def read_frames(data):
    frames = []
    while len(data) >= 4:
        (length,) = struct.unpack(">I", data[:4])
        if len(data) < 4 + length:
            break
        frames.append((data[:4 + length], json.loads(data[4:4 + length])))
        data = data[4 + length:]
    return frames


class AuthTest(harness.IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.marker_dir = os.path.join(self.scratch, "ran")
        os.mkdir(self.marker_dir)
        self.secret = self.write_secret("secret", SECRET)
        self.other_secret = self.write_secret("other", OTHER_SECRET)

    def write_secret(self, name, text):
        path = os.path.join(self.scratch, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def ran(self):
        return sorted(os.listdir(self.marker_dir))

    def worker(self):
        worker = harness.Worker(harness.OPTIONS.bin, jobs=2, log_dir=self.scratch,
                                extra_args=["--dist-secret-file=" + self.secret],
                                env={"SLOW_SUITE_MARKER_DIR": self.marker_dir})
        self.addCleanup(worker.kill)
        return worker.start()

    def supervise(self, address, secret_args, gtest_args=()):
        return harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", address,
                            "--dist-fallback=fail"] + list(secret_args) + list(gtest_args))

    def check_refused(self, secret_args, supervisor_says, worker_says):
        worker = self.worker()
        result = self.supervise(worker.address, secret_args)
        where = result.describe() + "\n" + worker.log()
        self.assertNotEqual(result.returncode, 0, where)
        self.assertIn(supervisor_says, result.stderr, where)
        self.assertIn("no worker could be used", result.stderr, where)
        harness.wait_until(lambda: worker_says in worker.log(), 10,
                           "the worker logs the refusal (%r)\n%s" % (worker_says, where))
        self.assertEqual(self.ran(), [], "tests ran on a worker that refused\n" + where)
        self.assertTrue(worker.alive(), where)

    def test_supervisor_without_secret_is_refused(self):
        self.check_refused([], "requires a shared secret", "supervisor")

    def test_wrong_secret_is_refused(self):
        self.check_refused(["--dist-secret-file=" + self.other_secret],
                           "failed authentication", "supervisor")

    def test_right_secret_runs_everything(self):
        worker = self.worker()
        result = self.supervise(worker.address, ["--dist-secret-file=" + self.secret])
        where = result.describe() + "\n" + worker.log()
        self.assertEqual(result.returncode, 0, where)
        self.assertEqual(harness.Console(result.stdout).passed_count, SELECTED, where)
        self.assertEqual(len(self.ran()), SELECTED, where)

    def test_replayed_handshake_runs_nothing(self):
        worker = self.worker()
        proxy = harness.RecordingProxy(worker.address)
        self.addCleanup(proxy.close)
        genuine = self.supervise(proxy.address, ["--dist-secret-file=" + self.secret],
                                 ["--gtest_filter=*SlowA.*"])
        self.assertEqual(genuine.returncode, 0, genuine.describe() + worker.log())
        self.assertEqual(len(self.ran()), 12, "the recorded run ran its 12 tests")
        recorded = read_frames(proxy.from_client)
        types = [message["type"] for _, message in recorded]
        self.assertEqual(types[:2], ["hello", "auth"], "recorded frames: %s" % types)
        self.assertIn("run_chunk", types, "recorded frames: %s" % types)
        for name in self.ran():
            os.remove(os.path.join(self.marker_dir, name))

        # Replay: the same hello (same nonce), the same auth, the same chunks.
        replay = socket.create_connection((worker.address.rsplit(":", 1)[0],
                                           worker.port), timeout=CLOSE_DEADLINE)
        received = b""
        replay.sendall(recorded[0][0])
        deadline = time.monotonic() + CLOSE_DEADLINE
        while not read_frames(received) and time.monotonic() < deadline:
            data = replay.recv(65536)
            if not data:
                break
            received += data
        worker_hello = read_frames(received)[0][1]
        self.assertEqual(worker_hello["type"], "hello")
        genuine_worker_hello = read_frames(proxy.from_server)[0][1]
        self.assertTrue(worker_hello.get("nonce"))
        self.assertNotEqual(worker_hello["nonce"], genuine_worker_hello.get("nonce"),
                            "the worker reused a nonce")
        try:
            for raw, _ in recorded[1:]:
                replay.sendall(raw)
        except OSError:
            pass  # the worker may close as soon as it read the bad proof
        while time.monotonic() < deadline:
            try:
                data = replay.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            received += data
        replay.close()
        replies = [message for _, message in read_frames(received)]
        self.assertTrue(any(m["type"] == "refusal" for m in replies),
                        "no refusal for a replayed handshake: %s" % replies)
        harness.wait_until(lambda: "failed authentication" in worker.log() or
                           "authentication" in worker.log(), 10,
                           "the worker logs the failed replay\n" + worker.log())
        # Whatever the worker did, it ran nothing; and it still serves.
        self.assertEqual(harness.descendants(worker.process.pid), [])
        self.assertEqual(self.ran(), [], "a replayed handshake ran tests\n" + worker.log())
        after = self.supervise(worker.address, ["--dist-secret-file=" + self.secret],
                               ["--gtest_filter=*SlowB.*"])
        self.assertEqual(after.returncode, 0, after.describe() + worker.log())

    def test_non_loopback_bind_without_secret_refuses_to_start(self):
        result = harness.run([harness.OPTIONS.bin, "--dist-worker", "--bind", "0.0.0.0:0"],
                             timeout=30)
        self.assertEqual(result.returncode, 2, result.describe())
        self.assertIn("secret", result.stderr, result.describe())
        self.assertNotIn("listening on", result.stdout, result.describe())

    # Issue 11 item 10: a secret others may read is no secret.
    def test_a_secret_file_others_may_read_is_refused(self):
        loose = self.write_secret("loose", SECRET)
        os.chmod(loose, 0o644)
        for role in (["--dist-worker", "--bind", "127.0.0.1:0"],
                     ["--dist-supervisor", "--workers", "local:1"]):
            result = harness.run([harness.OPTIONS.bin, "--dist-secret-file=" + loose] + role,
                                 timeout=CLOSE_DEADLINE)
            where = result.describe()
            self.assertEqual(result.returncode, 2, where)
            for says in ("--dist-secret-file", loose, "0644", "chmod 600 " + loose):
                self.assertIn(says, result.stderr, where)
            self.assertEqual(self.ran(), [], where)

    def test_a_guessable_secret_is_used_with_a_warning(self):
        weak = self.write_secret("weak", "aaaaaaaaaaaaaaaa\n")
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2",
                              "--dist-history=off", "--dist-secret-file=" + weak,
                              "--gtest_filter=*SlowA.*"], timeout=CLOSE_DEADLINE * 3)
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertIn("looks guessable", result.stderr, result.describe())

    def test_gtest_dist_secret_writes_a_private_random_secret(self):
        if harness.OPTIONS.cli is None:
            self.skipTest("no --cli given")
        path = os.path.join(self.scratch, "new-secret")
        made = harness.run([harness.OPTIONS.cli, "secret", path], timeout=CLOSE_DEADLINE)
        self.assertEqual(made.returncode, 0, made.describe())
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            first = f.read()
        self.assertRegex(first, r"^[0-9a-f]{64}\n$")
        again = harness.run([harness.OPTIONS.cli, "secret", path], timeout=CLOSE_DEADLINE)
        self.assertEqual(again.returncode, 1, again.describe())
        self.assertIn("--force", again.stderr, again.describe())
        with open(path) as f:
            self.assertEqual(f.read(), first, "an existing secret was overwritten")
        os.chmod(path, 0o644)
        forced = harness.run([harness.OPTIONS.cli, "secret", path, "--force"],
                             timeout=CLOSE_DEADLINE)
        self.assertEqual(forced.returncode, 0, forced.describe())
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            self.assertNotEqual(f.read(), first)
        # The secret it wrote is taken by a worker and a supervisor as it is.
        self.secret = path
        worker = self.worker()
        result = self.supervise(worker.address, ["--dist-secret-file=" + path],
                                ["--gtest_filter=*SlowA.*"])
        self.assertEqual(result.returncode, 0, result.describe() + "\n" + worker.log())
        self.assertNotIn("guessable", result.stderr)

    # Issue 11 item 11: no secret, no TLS, a worker on another machine.
    def test_a_remote_worker_without_secret_or_tls_needs_insecure(self):
        # 192.0.2.1 (TEST-NET-1) is never assigned: nobody answers there.
        argv = [harness.OPTIONS.bin, "--dist-supervisor", "--workers", "192.0.2.1:7420,local:2",
                "--dist-connect-timeout=1", "--dist-history=off", "--gtest_filter=*SlowA.*"]
        refused = harness.run(argv, timeout=CLOSE_DEADLINE)
        where = refused.describe()
        self.assertEqual(refused.returncode, 2, where)
        self.assertIn("192.0.2.1:7420", refused.stderr, where)
        self.assertIn("--dist-insecure", refused.stderr, where)
        self.assertNotIn("[ RUN      ]", refused.stdout, where)
        for accepted in (harness.run(argv + ["--dist-insecure"], timeout=CLOSE_DEADLINE * 3),
                         harness.run(argv, timeout=CLOSE_DEADLINE * 3,
                                     env=dict(os.environ, GTEST_DIST_INSECURE="1"))):
            self.assertEqual(accepted.returncode, 0, accepted.describe())
            self.assertEqual(harness.Console(accepted.stdout).passed_count, 12,
                             accepted.describe())


if __name__ == "__main__":
    harness.main()
