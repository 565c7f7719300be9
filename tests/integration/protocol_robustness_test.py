#!/usr/bin/env python3
"""A worker meets bad peers on its port: random bytes, a frame announcing
2 GiB, a hello with protocol 999, a first frame that is not a hello, a peer
that says nothing. It must close each of those connections (recv returns b''
within a deadline) and go on serving a real supervisor, during and after.

Frames: 4-byte big-endian payload length, then a JSON object.

Usage: protocol_robustness_test.py --bin build/tests/integration/gen_suite [-v]
"""

import json
import random
import selectors
import socket
import struct
import time

import harness

# The worker drops a peer that sent no hello within 10 s (its hello deadline);
# a malformed frame must be dropped at once, well within this.
CLOSE_DEADLINE = 20


def frame(obj):
    payload = json.dumps(obj).encode()
    return struct.pack(">I", len(payload)) + payload


def hello(protocol):
    return frame({"type": "hello", "protocol": protocol, "role": "supervisor",
                  "host": "robustness-test", "binary_name": "gen_suite", "slots": 0,
                  "fingerprint": {"binary": "0" * 64, "names": "0" * 64, "tests": 1},
                  "nonce": "", "proof": ""})


def decode_frames(data):
    """The JSON objects of the complete frames in `data` (a worker's replies)."""
    frames = []
    while len(data) >= 4:
        (length,) = struct.unpack(">I", data[:4])
        if len(data) < 4 + length:
            break
        try:
            frames.append(json.loads(data[4:4 + length]))
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
