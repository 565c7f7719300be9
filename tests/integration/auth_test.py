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
- Before the supervisor has proved itself, the worker says nothing that
  identifies it (host name, binary path, slots, digests).
- Frame integrity: an on-path proxy that injects a frame after a genuine
  handshake (a run_chunk to the worker, a forged result to the supervisor)
  gets the connection dropped; nothing injected runs or is reported.
- A 16 MiB frame before authentication is refused from its header: the
  worker's memory stays where it was.

Usage: auth_test.py --bin build/tests/integration/slow_suite
       [--cli build/bin/gtest_dist] [-v]
"""

import hashlib
import json
import os
import socket
import struct
import threading
import time

import harness

SELECTED = 72
SECRET = "auth-test-secret-0123456789abcdef\n"
OTHER_SECRET = "another-secret-fedcba9876543210\n"
CLOSE_DEADLINE = 20


TAG_BYTES = 32  # the HMAC-SHA256 tag after each payload once the handshake is done


def receive_first_frame(conn, deadline):
    """What `conn` sends until one whole frame has arrived (or `deadline`)."""
    received = b""
    while not read_frames(received) and time.monotonic() < deadline:
        data = conn.recv(65536)
        if not data:
            break
        received += data
    return received


def receive_until_closed(conn, deadline):
    """What `conn` sends until the peer closes it (or `deadline`)."""
    received = b""
    while time.monotonic() < deadline:
        try:
            data = conn.recv(65536)
        except OSError:
            break
        if not data:
            break
        received += data
    return received


def read_frames(data):
    """(raw frame, JSON) pairs; a tagged frame's JSON is read without its tag."""
    frames = []
    while len(data) >= 4:
        (length,) = struct.unpack(">I", data[:4])
        if len(data) < 4 + length:
            break
        payload = data[4:4 + length]
        if payload[:1] in (b"\x01", b"\x02"):
            # The compact form of test_started/test_finished (protocol.h).
            message = {"type": "test_started" if payload[0] == 1 else "test_finished"}
        else:
            try:
                message = json.loads(payload)
            except ValueError:
                message = json.loads(payload[:-TAG_BYTES])
        frames.append((data[:4 + length], message))
        data = data[4 + length:]
    return frames


frame = harness.wire_frame


vm_rss_kib = harness.vm_rss_kib


class InjectingProxy:
    """An on-path attacker: forwards every connection to `target` frame by
    frame, and after the `after`-th frame in one direction ("to_worker" or
    "to_supervisor") sends `injected` (a whole frame) that way too."""

    def __init__(self, target, direction, after, injected):
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.direction, self.after, self.injected = direction, after, injected
        self.injections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for source, sink, direction in ((client, upstream, "to_worker"),
                                            (upstream, client, "to_supervisor")):
                threading.Thread(target=self._pump, args=(source, sink, direction),
                                 daemon=True).start()

    def _pump(self, source, sink, direction):
        data, count = b"", 0
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                data += chunk
                while len(data) >= 4 and len(data) >= 4 + struct.unpack(">I", data[:4])[0]:
                    size = 4 + struct.unpack(">I", data[:4])[0]
                    sink.sendall(data[:size])
                    data = data[size:]
                    count += 1
                    if direction == self.direction and count == self.after:
                        sink.sendall(self.injected)
                        self.injections += 1
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.listener.close()


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
        received += receive_first_frame(replay, deadline)
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
        received += receive_until_closed(replay, deadline)
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

    def test_injected_run_chunk_is_refused_and_runs_nothing(self):
        worker = self.worker()
        # SlowF's tests are not selected: if one runs, it came from the proxy.
        injected = frame({"type": "run_chunk", "chunk_id": 424242, "tests": [60, 61],
                          "settings": []})
        proxy = InjectingProxy(worker.address, "to_worker", 2, injected)  # after hello, auth
        self.addCleanup(proxy.close)
        result = self.supervise(proxy.address, ["--dist-secret-file=" + self.secret],
                                ["--gtest_filter=*SlowA.*"])
        where = result.describe() + "\n" + worker.log()
        self.assertGreaterEqual(proxy.injections, 1, where)
        harness.wait_until(lambda: "integrity check" in worker.log(), 10,
                           "the worker logs the frame that fails its check\n" + where)
        strangers = [name for name in self.ran() if not name.startswith("Step_SlowA.")]
        self.assertEqual(strangers, [], "an injected chunk ran\n" + where)
        # Every connection through the proxy is spoiled: no green run from it.
        self.assertNotEqual(result.returncode, 0, where)
        self.assertTrue(worker.alive(), where)

    def test_injected_result_is_refused_by_the_supervisor(self):
        worker = self.worker()
        forged = frame({"type": "test_finished", "chunk_id": 1, "index": 0, "outcome": "PASSED",
                        "elapsed_ms": 1, "start_timestamp_ms": 1, "properties": [],
                        "output_after": "", "worker": "forged", "reason": ""})
        proxy = InjectingProxy(worker.address, "to_supervisor", 2, forged)  # after hello, ready
        self.addCleanup(proxy.close)
        result = self.supervise(proxy.address, ["--dist-secret-file=" + self.secret],
                                ["--gtest_filter=*SlowA.*"])
        where = result.describe() + "\n" + worker.log()
        self.assertGreaterEqual(proxy.injections, 1, where)
        self.assertIn("fails its integrity check", result.stderr, where)
        self.assertNotEqual(result.returncode, 0, where)
        self.assertNotIn("forged", result.stdout, where)

    def test_worker_says_nothing_identifying_before_authentication(self):
        worker = self.worker()
        with open(harness.OPTIONS.bin, "rb") as f:
            binary_digest = hashlib.sha256(f.read()).hexdigest()
        secrets_of_the_worker = [socket.gethostname(), os.path.abspath(harness.OPTIONS.bin),
                                 os.path.basename(harness.OPTIONS.bin), binary_digest,
                                 binary_digest[:12]]
        conn = socket.create_connection(("127.0.0.1", worker.port), timeout=CLOSE_DEADLINE)
        conn.sendall(frame({"type": "hello", "protocol": harness.PROTOCOL_VERSION, "role": "supervisor",
                            "host": "curious", "binary_name": "x", "slots": 0,
                            "fingerprint": {"binary_digest": "0" * 64, "names_digest": "0" * 64,
                                            "test_count": 1},
                            "nonce": "11" * 32, "proof": ""}))
        received = b""
        deadline = time.monotonic() + CLOSE_DEADLINE
        received += receive_first_frame(conn, deadline)
        hello = read_frames(received)[0][1]
        self.assertEqual(hello["type"], "hello", hello)
        self.assertTrue(hello["nonce"] and hello["proof"], hello)
        self.assertEqual((hello["host"], hello["binary_name"], hello["slots"]), ("", "", 0), hello)
        self.assertEqual(hello["fingerprint"],
                         {"binary_digest": "", "names_digest": "", "test_count": 0}, hello)
        # A wrong proof: refused, and still nothing identifying.
        conn.sendall(frame({"type": "auth", "proof": "00" * 32}))
        received += receive_until_closed(conn, deadline)
        conn.close()
        for text in secrets_of_the_worker:
            self.assertNotIn(text.encode(), received, "disclosed before authentication")
        self.assertEqual(self.ran(), [])

    def test_big_frame_before_authentication_takes_no_memory(self):
        worker = self.worker()
        before = vm_rss_kib(worker.process.pid)
        conn = socket.create_connection(("127.0.0.1", worker.port), timeout=CLOSE_DEADLINE)
        try:
            conn.sendall(struct.pack(">I", 16 << 20) + b"[" * (16 << 20))
        except OSError:
            pass  # refused from the header, the rest need not be sent
        conn.settimeout(CLOSE_DEADLINE)
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        conn.close()
        harness.wait_until(lambda: "limit before authentication is 4096" in worker.log(), 10,
                           "the worker refuses the frame from its header\n" + worker.log())
        after = vm_rss_kib(worker.process.pid)
        # The old worker grew by over a gigabyte for this frame, and kept it.
        self.assertLess(after - before, 8 * 1024,
                        "VmRSS %d KiB -> %d KiB\n%s" % (before, after, worker.log()))
        result = self.supervise(worker.address, ["--dist-secret-file=" + self.secret],
                                ["--gtest_filter=*SlowB.*"])
        self.assertEqual(result.returncode, 0, result.describe() + worker.log())

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
