#!/usr/bin/env python3
"""A worker meets bad peers on its port: random bytes, a frame announcing
2 GiB, a hello with protocol 999, a first frame that is not a hello, a peer
that says nothing. It must close each of those connections (recv returns b''
within a deadline) and go on serving a real supervisor, during and after.

Frames: 4-byte big-endian payload length, then a JSON object.

Also (issue 11): a chunk naming a test twice is refused and the worker serves
on; idle connections cannot keep a supervisor out, and a worker that is full
makes the supervisor fall back to local slots; text from strangers reaches
the log escaped and bounded, and nothing after a refusal is read; a large
frame after the handshake leaves no memory behind once the connection ends.

Usage: protocol_robustness_test.py --bin build/tests/integration/gen_suite [-v]
"""

import random
import selectors
import socket
import struct
import time

import harness

# The worker drops a peer that sent no hello within 10 s (its hello deadline);
# a malformed frame must be dropped at once, well within this.
CLOSE_DEADLINE = 20


frame = harness.wire_frame


def hello(protocol):
    return frame({"type": "hello", "protocol": protocol, "role": "supervisor",
                  "host": "robustness-test", "binary_name": "gen_suite", "slots": 0,
                  "fingerprint": {"binary": "0" * 64, "names": "0" * 64, "tests": 1},
                  "nonce": "", "proof": ""})


vm_rss_kib = harness.vm_rss_kib


class RawSupervisor:
    """A connection that says a genuine supervisor's hello (recorded, so its
    fingerprint is right; the worker has no secret) and reads the replies."""

    def __init__(self, address, hello_message):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=CLOSE_DEADLINE)
        self.received = b""
        self.sock.sendall(frame(hello_message))

    def wait_for(self, message_type):
        deadline = time.monotonic() + CLOSE_DEADLINE
        while time.monotonic() < deadline:
            types = [f.get("type") for f in decode_frames(self.received)]
            if message_type in types:
                return decode_frames(self.received)
            data = self.sock.recv(65536)
            if not data:
                break
            self.received += data
        raise AssertionError("no %s from the worker: %r" % (message_type,
                                                            decode_frames(self.received)))

    def wait_closed(self):
        deadline = time.monotonic() + CLOSE_DEADLINE
        while time.monotonic() < deadline:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            self.received += data
        raise AssertionError("the worker did not close the connection")


def decode_frames(data):
    """The JSON objects of the complete frames in `data` (a worker's replies)."""
    frames = []
    while len(data) >= 4:
        (length,) = struct.unpack(">I", data[:4])
        if len(data) < 4 + length:
            break
        try:
            frames.append(harness.wire_message(data[4:4 + length]))
        except ValueError:
            frames.append({"undecodable": data[4:4 + length]})
        data = data[4 + length:]
    return frames


class BadPeer:
    """A raw connection that sends `payload` and then waits for the close."""

    def __init__(self, name, address, payload):
        self.name = name
        self.received = b""
        self.closed = False
        self.error = None
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        if payload:
            try:
                self.sock.sendall(payload)
            except OSError as e:  # the worker may already have hung up
                self.error = e
        self.sock.setblocking(False)

    def on_readable(self):
        try:
            chunk = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:  # a reset is a close too
            self.error = e
            self.closed = True
            return
        if not chunk:
            self.closed = True
        self.received += chunk


def wait_all_closed(testcase, peers, deadline_s):
    deadline = time.monotonic() + deadline_s
    with selectors.DefaultSelector() as selector:
        for peer in peers:
            selector.register(peer.sock, selectors.EVENT_READ, peer)
        while any(not p.closed for p in peers):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, _ in selector.select(left):
                peer = key.data
                peer.on_readable()
                if peer.closed:
                    selector.unregister(peer.sock)
    open_ones = [p.name for p in peers if not p.closed]
    testcase.assertEqual(open_ones, [], "the worker did not close these connections within "
                         "%ss" % deadline_s)


class ProtocolRobustnessTest(harness.IntegrationTestCase):

    def test_bad_peers_are_dropped_and_worker_serves_on(self):
        binary = harness.OPTIONS.bin
        args = ["--gtest_filter=Suite0*:Suite1*"]
        plain = self.runner.plain(binary, args)
        rng = random.Random(20240607)
        random_garbage = bytes(rng.randrange(256) for _ in range(4096))
        garbage_frame = struct.pack(">I", 512) + bytes(rng.randrange(256) for _ in range(512))
        cases = [
            ("random bytes", random_garbage),
            ("frame of random bytes", garbage_frame),
            ("2 GiB frame header", struct.pack(">I", 2 << 30)),
            ("hello with protocol 999", hello(999)),
            ("run_chunk before hello", frame({"type": "run_chunk", "chunk_id": 1, "tests": [0],
                                              "settings": []})),
            ("JSON that is not an object", struct.pack(">I", 2) + b"[]"),
            ("silent peer", b""),
        ]
        with self.pool(binary, 1, jobs=2) as pool:
            worker = pool.workers[0]
            peers = []
            try:
                for name, payload in cases:
                    peers.append(BadPeer(name, worker.address, payload))
                # While the bad peers are connected, a real supervisor is served.
                dist = self.runner.distributed(binary, pool.addresses(), args)
                harness.check_same_as_plain(self, plain, dist, worker_ports=[worker.port],
                                            context="while bad peers are connected")
                wait_all_closed(self, peers, CLOSE_DEADLINE)
            finally:
                for peer in peers:
                    peer.sock.close()
            by_name = {p.name: p for p in peers}
            # The wrong version is refused with a reason naming it.
            replies = decode_frames(by_name["hello with protocol 999"].received)
            refusals = [f for f in replies if f.get("type") == "refusal"]
            self.assertTrue(refusals, "no refusal frame before the close: %r" % replies)
            self.assertIn("999", refusals[0].get("reason", ""), replies)
            self.assertTrue(worker.alive(), worker.log())
            # And after: still serving.
            dist = self.runner.distributed(binary, pool.addresses(), args)
            harness.check_same_as_plain(self, plain, dist, worker_ports=[worker.port],
                                        context="after the bad peers")
            pool.stop_all()

    def genuine_hello(self, worker, binary):
        """The hello a real supervisor of `binary` sends (recorded by a proxy)."""
        proxy = harness.RecordingProxy(worker.address)
        self.addCleanup(proxy.close)
        result = harness.run([binary, "--dist-supervisor", "--workers", proxy.address,
                              "--dist-fallback=fail", "--gtest_filter=Suite0*"])
        frames = decode_frames(proxy.from_client)
        self.assertTrue(frames and frames[0].get("type") == "hello",
                        result.describe() + worker.log())
        return frames[0]

    def test_chunk_naming_a_test_twice_is_refused_and_the_worker_serves_on(self):
        binary = harness.OPTIONS.bin
        args = ["--gtest_filter=Suite1*"]
        plain = self.runner.plain(binary, args)
        with self.pool(binary, 1, jobs=2) as pool:
            worker = pool.workers[0]
            genuine = self.genuine_hello(worker, binary)
            for tests in ([0, 0], [5, 6, 5]):
                raw = RawSupervisor(worker.address, genuine)
                raw.wait_for("ready")
                raw.sock.sendall(frame({"type": "run_chunk", "chunk_id": 1, "tests": tests,
                                        "settings": []}))
                raw.wait_closed()  # a frame that does not validate closes the connection
                raw.sock.close()
                harness.wait_until(lambda: "names test %d more than once" % tests[0]
                                   in worker.log(), 10, "the worker logs why\n" + worker.log())
                self.assertTrue(worker.alive(), "the worker died on tests %s\n%s"
                                % (tests, worker.log()))
            dist = self.runner.distributed(binary, pool.addresses(), args,
                                           extra_args=["--dist-fallback=fail"])
            harness.check_same_as_plain(self, plain, dist, worker_ports=[worker.port],
                                        context="after chunks naming a test twice")
            pool.stop_all()

    def test_a_chunk_still_queued_on_the_worker_is_cut_at_once(self):
        # One slot: the second chunk waits behind the first. A cut of it is
        # answered at once with its tests from the cut on (never its first),
        # and only the rest of it runs.
        binary = harness.OPTIONS.bin
        with self.pool(binary, 1, jobs=1) as pool:
            worker = pool.workers[0]
            raw = RawSupervisor(worker.address, self.genuine_hello(worker, binary))
            raw.wait_for("ready")
            raw.sock.sendall(
                frame({"type": "run_chunk", "chunk_id": 1, "tests": [0], "settings": []}) +
                frame({"type": "run_chunk", "chunk_id": 2, "tests": [1, 2, 3],
                       "settings": []}) +
                frame({"type": "cut_chunk", "chunk_id": 2, "from_index": 2}))
            raw.wait_for("chunk_cut")
            deadline = time.monotonic() + CLOSE_DEADLINE
            while time.monotonic() < deadline:
                frames = decode_frames(raw.received)
                if sum(1 for f in frames if f.get("type") == "chunk_finished") == 2:
                    break
                raw.received += raw.sock.recv(65536)
            frames = decode_frames(raw.received)
            cuts = [f for f in frames if f.get("type") == "chunk_cut"]
            self.assertEqual([(c.get("chunk_id"), c.get("tests")) for c in cuts], [(2, [2, 3])],
                             frames)
            ran = sorted((f.get("chunk_id"), f.get("index")) for f in frames
                         if f.get("type") == "test_started")
            self.assertEqual(ran, [(1, 0), (2, 1)], frames)
            finished = [f.get("chunk_id") for f in frames if f.get("type") == "chunk_finished"]
            self.assertEqual(sorted(finished), [1, 2], frames)
            # The answer came before the queued chunk ran anything.
            first_of_2 = next(i for i, f in enumerate(frames) if f.get("chunk_id") == 2)
            self.assertEqual(frames[first_of_2].get("type"), "chunk_cut", frames)
            raw.sock.close()
            pool.stop_all()

    def test_idle_connections_do_not_keep_a_supervisor_out(self):
        binary = harness.OPTIONS.bin
        args = ["--gtest_filter=Suite2*"]
        plain = self.runner.plain(binary, args)
        with self.pool(binary, 1, jobs=2) as pool:
            host, port = pool.addresses()[0].rsplit(":", 1)
            idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(80)]
            try:
                dist = self.runner.distributed(binary, pool.addresses(), args,
                                               extra_args=["--dist-fallback=fail"])
                harness.check_same_as_plain(self, plain, dist, worker_ports=[int(port)],
                                            context="with 80 idle connections open")
            finally:
                for sock in idle:
                    sock.close()
            pool.stop_all()

    def test_full_worker_makes_the_supervisor_fall_back(self):
        binary = harness.OPTIONS.bin
        args = ["--gtest_filter=Suite3*"]
        plain = self.runner.plain(binary, args)
        worker = harness.Worker(binary, jobs=1, log_dir=self.scratch,
                                extra_args=["--dist-heartbeat-timeout=120"])
        self.addCleanup(worker.kill)
        worker.start()
        genuine = self.genuine_hello(worker, binary)
        sessions = []
        try:
            for _ in range(64):  # the limit of supervisors served at once
                sessions.append(RawSupervisor(worker.address, genuine))
                sessions[-1].wait_for("ready")
            dist = self.runner.distributed(binary, [worker.address], args)
            harness.check_same_as_plain(self, plain, dist, local_only=True,
                                        context="every worker full, --dist-fallback=local")
            self.assertIn("every worker is busy", dist.result.stderr)
        finally:
            for raw in sessions:
                raw.sock.close()

    def test_text_from_strangers_is_escaped_and_bounded_in_the_log(self):
        binary = harness.OPTIONS.bin
        with self.pool(binary, 1, jobs=1) as pool:
            worker = pool.workers[0]
            genuine = self.genuine_hello(worker, binary)
            forged_line = "\ngtest_dist worker: 10.6.6.6:1: supervisor on FORGED connected " \
                          "(authenticated)\n\x1b[2J\x1b]0;owned\x07"
            peers = []
            # A hello whose host is 8 MiB: refused from its header.
            huge = dict(genuine, host="h" * (8 << 20))
            peers.append(BadPeer("8 MiB hello", worker.address, frame(huge)))
            # A hello whose host forges a log line: accepted, logged escaped.
            peers.append(BadPeer("forged host", worker.address,
                                 frame(dict(genuine, host="evil" + forged_line))))
            # A refusal whose reason forges one.
            peers.append(BadPeer("forged refusal", worker.address,
                                 frame({"type": "refusal", "reason": "bye" + forged_line})))
            # An unknown type that forges one.
            peers.append(BadPeer("forged type", worker.address,
                                 frame({"type": "x" + forged_line})))
            # Thousands of frames after the first one is refused: one refusal.
            flood = frame({"type": "run_chunk", "chunk_id": 1, "tests": [0],
                           "settings": []}) * 5000
            peers.append(BadPeer("flood after a refusal", worker.address, flood))
            try:
                harness.wait_until(lambda: "FORGED" in worker.log(), 10,
                                   "the forged host is logged\n" + worker.log())
                peers[1].sock.close()
                wait_all_closed(self, [p for p in peers if p.name != "forged host"],
                                CLOSE_DEADLINE)
            finally:
                for peer in peers:
                    peer.sock.close()
            harness.wait_until(lambda: "expected hello first" in worker.log(), 10, "a refusal")
            with open(worker._log.name, "rb") as f:
                log = f.read()
            self.assertLess(len(log), 64 * 1024, "the log grew to %d bytes" % len(log))
            self.assertNotIn(b"\x1b", log)
            self.assertNotIn(b"\x07", log)
            for line in log.split(b"\n"):
                self.assertFalse(line.startswith(b"gtest_dist worker: 10.6.6.6"),
                                 "a forged line: %r" % line)
                self.assertLess(len(line), 2048, "a line of %d bytes" % len(line))
            self.assertIn(b"evil\\ngtest_dist worker: 10.6.6.6", log)
            self.assertIn(b"limit before authentication is 4096", log)
            # One refusal per connection, however many frames followed it.
            self.assertEqual(log.count(b"expected hello first"), 1, log[-3000:])
            self.assertTrue(worker.alive(), worker.log())
            pool.stop_all()

    def test_memory_of_a_large_frame_is_returned_after_the_connection(self):
        binary = harness.OPTIONS.bin
        if harness.built_with_asan(binary):
            self.skipTest("AddressSanitizer's quarantine keeps freed memory resident")
        with self.pool(binary, 1, jobs=1) as pool:
            worker = pool.workers[0]
            genuine = self.genuine_hello(worker, binary)
            before = vm_rss_kib(worker.process.pid)
            raw = RawSupervisor(worker.address, genuine)
            raw.wait_for("ready")
            # Once past the handshake a frame may be large: a heartbeat with
            # 48 MiB of padding the decoder ignores.
            raw.sock.sendall(frame({"type": "heartbeat", "padding": "p" * (48 << 20)}))
            raw.sock.sendall(frame({"type": "refusal", "reason": "done"}))
            raw.wait_closed()
            raw.sock.close()
            harness.wait_until(lambda: "done" in worker.log(), 20, "the refusal is logged")
            # During the frame the worker holds it (and its parse) several times.
            harness.wait_until(
                lambda: vm_rss_kib(worker.process.pid) - before < 16 * 1024, 10,
                "VmRSS back within 16 MiB of %d KiB (now %d KiB)\n%s"
                % (before, vm_rss_kib(worker.process.pid), worker.log()))
            pool.stop_all()

    def test_many_connections_that_go_away(self):
        # Connections opened and closed at once (a port scanner) cost nothing.
        binary = harness.OPTIONS.bin
        args = ["--gtest_filter=Suite2*"]
        plain = self.runner.plain(binary, args)
        with self.pool(binary, 1, jobs=1) as pool:
            host, port = pool.addresses()[0].rsplit(":", 1)
            for _ in range(50):
                socket.create_connection((host, int(port)), timeout=5).close()
            dist = self.runner.distributed(binary, pool.addresses(), args)
            harness.check_same_as_plain(self, plain, dist, worker_ports=[int(port)],
                                        context="after 50 empty connections")
            pool.stop_all()


if __name__ == "__main__":
    harness.main()
