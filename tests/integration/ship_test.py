#!/usr/bin/env python3
"""Shipping builds to generic workers (`gtest_dist worker`, issue 13).

A fresh daemon with an empty cache runs a build as a plain run does, then
ships nothing the second time; two builds share one daemon at once; test data
(--dist-files) and a shared library of the project's own travel with the
build; the cache keeps to --cache-size (least recently used build out first),
refetches a blob corrupted on disk, keeps no partial file when the daemon is
killed mid-upload; a peer that fails the handshake ships and runs nothing.

Usage: ship_test.py --bin gen_suite --other-bin gen_suite_plus_one \
           --cli bin/gtest_dist --ship-bin ship_suite [-v]
"""

import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness

SHIP_BIN = None  # ship_suite, from --ship-bin
# A part of gen_suite whose tests all pass (its failing tests are fixed by
# make_suite.py's seed; the tests below check the exit code is 0).
PASSING = "--gtest_filter=Suite0*.*:-Suite06*.*:Suite0*Param*.*:Suite0*Typed*.*"
SHIPPED = re.compile(r"gtest_dist: (\S+): shipped (\d+) of (\d+) files, (.+?) in ([\d.]+) s "
                     r"\((\d+) files, (.+?) cached\)")
SUMMARY = re.compile(r"^\[(?:==========|  PASSED  |  FAILED  )\] .*tests?.*$", re.M)
TIMES = re.compile(r" \(\d+ ms total\)")


def summary(stdout):
    """gtest's count lines, without their times."""
    return [TIMES.sub("", line) for line in SUMMARY.findall(stdout)]


class GenericWorker(harness.Worker):
    """`gtest_dist worker --bind 127.0.0.1:0 --cache-dir DIR`, reusing the
    harness's first-line, log and stop handling."""

    def __init__(self, cache_dir, jobs=2, extra_args=(), log_dir=None, cwd=None):
        super().__init__(harness.OPTIONS.cli, jobs=jobs, extra_args=extra_args, log_dir=log_dir)
        self.cache_dir = cache_dir
        self.cwd = cwd

    def start(self):
        argv = [os.path.abspath(self.binary), "worker", "--bind", "127.0.0.1:%d" % self.bind_port,
                "--jobs", str(self.jobs), "--cache-dir", self.cache_dir] + self.extra_args
        env = dict(os.environ)
        env.pop("LD_LIBRARY_PATH", None)  # the worker has no copy of any project library
        self._log = tempfile.NamedTemporaryFile(prefix="generic-worker-", suffix=".log",
                                                dir=self.log_dir or tempfile.gettempdir(),
                                                delete=False)
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._log, env=env,
                                        cwd=self.cwd or "/", start_new_session=True)
        try:
            line = self._read_first_line(harness.WORKER_START_DEADLINE)
            match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", line)
            if not match:
                raise AssertionError("first line %r\n%s" % (line, self.log()))
        except BaseException:
            self.kill()
            raise
        self.port = int(match.group(1))
        self.address = "127.0.0.1:%d" % self.port
        self._drain_thread = threading.Thread(target=self._drain, daemon=True)
        self._drain_thread.start()
        return self


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_in(cwd, argv, env=None, timeout=harness.RUN_TIMEOUT):
    full_env = dict(os.environ)
    full_env.update(env or {})
    process = subprocess.run(argv, cwd=cwd, env=full_env, capture_output=True, timeout=timeout)
    return harness.RunResult(argv, process.returncode, process.stdout.decode(errors="replace"),
                             process.stderr.decode(errors="replace"), 0)


class ShipTest(harness.IntegrationTestCase):

    def setUp(self):
        super().setUp()
        if not harness.OPTIONS.cli or not harness.OPTIONS.other_bin or not SHIP_BIN:
            raise unittest.SkipTest("needs --cli, --other-bin and --ship-bin")
        self.workers = []

    def tearDown(self):
        for worker in self.workers:
            worker.kill()
        super().tearDown()

    def daemon(self, cache_dir=None, jobs=2, extra_args=()):
        worker = GenericWorker(cache_dir or os.path.join(self.scratch, "cache"), jobs=jobs,
                               extra_args=extra_args, log_dir=self.scratch)
        self.workers.append(worker)
        return worker.start()

    def shipped(self, result, address):
        """(files shipped, files in all, bytes text) from the run's stderr line."""
        for match in SHIPPED.finditer(result.stderr):
            if match.group(1) == address:
                return int(match.group(2)), int(match.group(3)), match.group(4)
        self.fail("no 'shipped' line for %s\n%s" % (address, result.describe()))

    def supervise(self, binary, workers, extra=(), cwd=None, env=None):
        argv = [os.path.abspath(binary), "--dist-supervisor", "--workers",
                ",".join(workers)] + list(extra)
        return run_in(cwd or self.scratch, argv, env=env)

    def assert_same_summary(self, plain, dist):
        self.assertEqual(dist.returncode, plain.returncode, dist.describe())
        self.assertEqual(summary(dist.stdout), summary(plain.stdout), dist.describe())

    def wait_for_upload(self, cache):
        """Until the worker with cache directory `cache` is receiving a blob."""
        tmp = os.path.join(cache, "tmp")
        harness.wait_until(lambda: any(n.startswith("blob-") for n in os.listdir(tmp)),
                           60, "an upload in the worker's tmp/")

    def big_data(self, mib):
        """A directory holding data/big.bin of `mib` MiB of random bytes:
        an upload that takes long enough to be interrupted."""
        root = os.path.join(self.scratch, "big")
        os.makedirs(os.path.join(root, "data"))
        with open(os.path.join(root, "data", "big.bin"), "wb") as f:
            for _ in range(mib):
                f.write(os.urandom(1 << 20))
        return root

    def test_fresh_daemon_runs_like_plain_then_ships_nothing(self):
        binary = harness.OPTIONS.bin
        worker = self.daemon()
        first = self.supervise(binary, [worker.address])
        files, total, size = self.shipped(first, worker.address)
        self.assertGreater(files, 0)
        self.assertEqual(files, total, "an empty cache gets every file\n" + first.stderr)
        plain = self.runner.plain(binary)
        dist = self.runner.distributed(binary, [worker.address])
        harness.check_same_as_plain(self, plain, dist, worker_ports=[worker.port],
                                    context="a generic worker")
        files, total2, size = self.shipped(dist.result, worker.address)
        self.assertEqual((files, size), (0, "0 bytes"), dist.result.stderr)
        self.assertEqual(total2, total)
        self.assertEqual(worker.stop(), 0, worker.log())

    def test_shipping_numbers_are_in_the_history_store(self):
        # The numbers of the stderr line, per worker, in the run's history
        # (gtest_dist show, as text and JSON): a first run ships every file,
        # a second one 0 bytes.
        binary = harness.OPTIONS.bin
        history = os.path.join(self.scratch, "history.sqlite")
        worker = self.daemon()
        runs = []
        for label in ("first", "second"):
            result = self.supervise(binary, [worker.address],
                                    [PASSING, "--dist-history=" + history, "--dist-label=" + label])
            self.assertEqual(result.returncode, 0, result.describe())
            self.assertNotIn("history:", result.stderr, result.describe())
            runs.append((result, self.shipped(result, worker.address)))
        ids = {r["label"]: r["id"] for r in harness.query_history(history, "runs")}
        first = harness.query_history(history, "show", str(ids["first"]), "--no-output")
        second = harness.query_history(history, "show", str(ids["second"]), "--no-output")
        for shown, (result, (files, total, _)) in zip((first, second), runs):
            self.assertEqual(len(shown["shipping"]), 1, shown["shipping"])
            row = shown["shipping"][0]
            self.assertEqual(row["worker"], worker.address)
            self.assertEqual((row["files_shipped"], row["files_total"]), (files, total),
                             result.stderr)
            self.assertGreaterEqual(row["elapsed_ms"], 0)
        cold, warm = first["shipping"][0], second["shipping"][0]
        self.assertGreater(cold["files_shipped"], 0)
        self.assertEqual(cold["files_shipped"], cold["files_total"])
        self.assertGreater(cold["bytes_shipped"], 0)
        self.assertEqual(cold["bytes_cached"], 0)
        self.assertEqual((warm["files_shipped"], warm["bytes_shipped"]), (0, 0))
        self.assertGreaterEqual(warm["bytes_cached"], cold["bytes_shipped"])
        # The text form prints the stderr line's words.
        text = harness.run([harness.OPTIONS.cli, "show", str(ids["second"]), "--no-output",
                            "--history=" + history])
        self.assertEqual(text.returncode, 0, text.describe())
        self.assertIn("%s: shipped 0 of %d files, 0 bytes in " % (worker.address,
                                                                  warm["files_total"]),
                      text.stdout)

    def test_a_stdio_generic_worker_receives_the_build_too(self):
        # What an ssh:// worker runs with --dist-ssh-remote-command="gtest_dist
        # worker --stdio": the "ssh" here runs the remote command locally, so
        # the build travels over the stdio channel exactly as over ssh.
        fake_ssh = os.path.join(self.scratch, "fake_ssh")
        with open(fake_ssh, "w") as f:
            f.write('#!/bin/bash\nexec bash -c "${@: -1}"\n')
        os.chmod(fake_ssh, 0o755)
        cache = os.path.join(self.scratch, "stdio-cache")
        remote = "%s worker --stdio --jobs 2 --cache-dir %s" % (os.path.abspath(harness.OPTIONS.cli),
                                                                cache)
        extra = ["--dist-ssh-command=" + fake_ssh, "--dist-ssh-remote-command=" + remote]
        binary = harness.OPTIONS.bin
        first = self.supervise(binary, ["ssh://stdio-host"], extra)
        files, total, _ = self.shipped(first, "ssh://stdio-host")
        self.assertEqual(files, total, "an empty cache gets every file\n" + first.stderr)
        self.assert_same_summary(harness.run([binary]), first)
        second = self.supervise(binary, ["ssh://stdio-host"], extra)
        files, _, size = self.shipped(second, "ssh://stdio-host")
        self.assertEqual((files, size), (0, "0 bytes"), second.stderr)
        self.assert_same_summary(harness.run([binary]), second)
        self.assertEqual(len(os.listdir(os.path.join(cache, "builds"))), 1)

    def test_two_builds_at_once_on_one_daemon(self):
        worker = self.daemon(jobs=4)
        builds = [harness.OPTIONS.bin, harness.OPTIONS.other_bin]
        plains = [harness.run([b]) for b in builds]
        results = [None, None]

        def supervise(i):
            results[i] = self.supervise(builds[i], [worker.address])

        threads = [threading.Thread(target=supervise, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(harness.RUN_TIMEOUT + 10)
        for plain, result in zip(plains, results):
            self.assertIsNotNone(result)
            self.assert_same_summary(plain, result)
            self.shipped(result, worker.address)
        self.assertNotEqual(summary(results[0].stdout), summary(results[1].stdout))
        builds_dir = os.path.join(self.scratch, "cache", "builds")
        self.assertEqual(len(os.listdir(builds_dir)), 2, os.listdir(builds_dir))

    def test_two_supervisors_shipping_one_build_at_once_send_each_file_once(self):
        # Both supervisors meet a fresh daemon with the same build at the same
        # moment: a file the first is sending is not asked of the second (it
        # waits for that copy), so each file crosses the wire once, is stored
        # once, and both runs are right.
        binary = harness.OPTIONS.bin
        cache = os.path.join(self.scratch, "cache")
        worker = self.daemon(cache_dir=cache, jobs=4)
        plain = harness.run([binary, PASSING])
        results = [None, None]

        def supervise(i):
            results[i] = self.supervise(binary, [worker.address], [PASSING])

        threads = [threading.Thread(target=supervise, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(harness.RUN_TIMEOUT + 10)
        shipped = []
        for result in results:
            self.assertIsNotNone(result)
            self.assert_same_summary(plain, result)
            shipped.append(self.shipped(result, worker.address))
        total = shipped[0][1]
        self.assertEqual(shipped[1][1], total)
        self.assertEqual(shipped[0][0] + shipped[1][0], total,
                         "each file shipped once over both connections\n%s\n%s\n%s" %
                         (results[0].stderr, results[1].stderr, worker.log()))
        blobs = os.listdir(os.path.join(cache, "blobs"))
        self.assertEqual(len(blobs), total, blobs)
        for name in blobs:
            self.assertEqual(sha256_of(os.path.join(cache, "blobs", name)), name)
        self.assertEqual(os.listdir(os.path.join(cache, "tmp")), [])
        self.assertEqual(len(os.listdir(os.path.join(cache, "builds"))), 1)
        if "from another supervisor; waiting" in worker.log():
            print("  (the second supervisor's manifest came while the first was sending)")

    def test_a_waiting_supervisor_sends_what_the_one_that_left_did_not(self):
        # The first supervisor is stopped in the middle of its upload, the
        # second arrives with the same build and waits for the first's files;
        # the first is killed: the worker asks the second for them, and its
        # run completes.
        binary = harness.OPTIONS.bin
        cache = os.path.join(self.scratch, "cache")
        worker = self.daemon(cache_dir=cache)
        root = self.big_data(64)
        plain = harness.run([binary, PASSING])
        argv = [os.path.abspath(binary), "--dist-supervisor", "--workers", worker.address,
                "--dist-files=data", PASSING]
        first = subprocess.Popen(argv, cwd=root, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self.wait_for_upload(cache)
            first.send_signal(signal.SIGSTOP)
            second = subprocess.Popen(argv, cwd=root, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, start_new_session=True)
            try:
                harness.wait_until(lambda: "from another supervisor; waiting" in worker.log(), 60,
                                   "the second supervisor waiting for the first's files")
                first.kill()
                first.wait()
                stdout, stderr = second.communicate(timeout=harness.RUN_TIMEOUT)
            finally:
                if second.poll() is None:
                    harness.kill_group(second)
                    second.wait()
        finally:
            if first.poll() is None:
                harness.kill_group(first)
                first.wait()
        result = harness.RunResult(argv, second.returncode, stdout.decode(errors="replace"),
                                   stderr.decode(errors="replace"), 0)
        self.assert_same_summary(plain, result)
        files, _, _ = self.shipped(result, worker.address)
        self.assertGreater(files, 0, result.stderr)
        self.assertIn("left before it was stored; asking this one for it", worker.log())
        self.assertEqual(os.listdir(os.path.join(cache, "tmp")), [])
        for name in os.listdir(os.path.join(cache, "blobs")):
            self.assertEqual(sha256_of(os.path.join(cache, "blobs", name)), name)
        self.assertEqual(worker.stop(), 0, worker.log())

    def project(self):
        """A working directory with testdata/input.txt, away from the daemon's."""
        root = os.path.join(self.scratch, "project")
        os.makedirs(os.path.join(root, "testdata"))
        with open(os.path.join(root, "testdata", "input.txt"), "w") as f:
            f.write("shipped input\n")
        return root

    def lib_env(self):
        return {"LD_LIBRARY_PATH": os.path.join(os.path.dirname(SHIP_BIN), "ship_own_lib")}

    def test_dist_files_are_laid_out_in_the_working_directory(self):
        worker = self.daemon()
        root = self.project()
        with_files = self.supervise(SHIP_BIN, [worker.address],
                                    ["--dist-files=testdata", "--gtest_filter=ShipData.*"],
                                    cwd=root, env=self.lib_env())
        self.assertEqual(with_files.returncode, 0, with_files.describe() + worker.log())
        self.assertIn("[  PASSED  ] 1 test.", with_files.stdout)
        without = self.supervise(SHIP_BIN, [worker.address], ["--gtest_filter=ShipData.*"],
                                 cwd=root, env=self.lib_env())
        self.assertNotEqual(without.returncode, 0, without.describe())
        self.assertIn("cannot open testdata/input.txt", without.stdout)
        # A path leaving the working directory is refused before anything runs.
        bad = self.supervise(SHIP_BIN, [worker.address], ["--dist-files=../x"], cwd=root,
                             env=self.lib_env())
        self.assertEqual(bad.returncode, 2, bad.describe())
        self.assertIn("--dist-files", bad.stderr)

    def test_own_shared_library_travels_with_the_build(self):
        worker = self.daemon()
        result = self.supervise(SHIP_BIN, [worker.address], ["--gtest_filter=ShipLib.*"],
                                env=self.lib_env())
        self.assertEqual(result.returncode, 0, result.describe() + worker.log())
        self.assertIn("[  PASSED  ] 1 test.", result.stdout)
        # Without the library shipped, the worker cannot start the test.
        none = self.supervise(SHIP_BIN, [worker.address],
                              ["--gtest_filter=ShipLib.*", "--dist-ship-libs=none",
                               "--dist-fallback=fail"], env=self.lib_env())
        self.assertEqual(none.returncode, 1, none.describe())
        self.assertIn("libship_own_lib.so", none.stdout + none.stderr, none.describe())

    def test_cache_keeps_the_two_most_recent_of_three_builds(self):
        binary = harness.OPTIONS.bin
        pad_size = 1 << 20
        exe_size = os.path.getsize(binary)
        # Room for the executable and two pads, not three.
        cache_size = exe_size + 2 * pad_size + pad_size // 2
        worker = self.daemon(extra_args=["--cache-size", str(cache_size)])
        roots = []
        for i in range(3):
            root = os.path.join(self.scratch, "build%d" % i)
            os.makedirs(os.path.join(root, "pad"))
            with open(os.path.join(root, "pad", "data.bin"), "wb") as f:
                f.write(os.urandom(pad_size))
            roots.append(root)
        extra = ["--dist-files=pad", "--dist-ship-libs=none", PASSING]
        for root in roots:
            result = self.supervise(binary, [worker.address], extra, cwd=root)
            self.assertEqual(result.returncode, 0, result.describe() + worker.log())
        builds = os.listdir(os.path.join(self.scratch, "cache", "builds"))
        self.assertEqual(len(builds), 2, builds)
        # The two most recent ship nothing; the first is gone and ships its pad.
        for root, expected in ((roots[2], 0), (roots[1], 0), (roots[0], 1)):
            result = self.supervise(binary, [worker.address], extra, cwd=root)
            self.assertEqual(result.returncode, 0, result.describe())
            self.assertEqual(self.shipped(result, worker.address)[0], expected,
                             root + "\n" + result.stderr + worker.log())

    def test_blob_corrupt_on_disk_is_fetched_again(self):
        binary = harness.OPTIONS.bin
        worker = self.daemon()
        extra = [PASSING]
        first = self.supervise(binary, [worker.address], extra)
        self.assertEqual(first.returncode, 0, first.describe())
        blob = os.path.join(self.scratch, "cache", "blobs", sha256_of(binary))
        os.chmod(blob, 0o644)
        # The worker ends its warm-child template of the build once the
        # supervisor has gone; until then the executable is busy (ETXTBSY).
        deadline = time.monotonic() + 30
        while True:
            try:
                f = open(blob, "r+b")
                break
            except OSError as e:
                if e.errno != errno.ETXTBSY or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with f:
            f.seek(os.path.getsize(blob) // 2)
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 0xFF]))
        second = self.supervise(binary, [worker.address], extra)
        self.assertEqual(second.returncode, 0, second.describe() + worker.log())
        self.assertEqual(self.shipped(second, worker.address)[0], 1, second.stderr)
        self.assertIn("corrupt", worker.log())
        self.assertEqual(sha256_of(blob), sha256_of(binary))

    def test_daemon_killed_mid_upload_loses_nothing(self):
        binary = harness.OPTIONS.bin
        cache = os.path.join(self.scratch, "cache")
        worker = self.daemon(cache_dir=cache)
        root = self.big_data(96)
        plain = harness.run([binary])
        argv = [os.path.abspath(binary), "--dist-supervisor", "--workers",
                worker.address + ",local:2",
                "--dist-files=data"]
        process = subprocess.Popen(argv, cwd=root, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
        try:
            self.wait_for_upload(cache)
            worker.process.send_signal(signal.SIGKILL)
            stdout, stderr = process.communicate(timeout=harness.RUN_TIMEOUT)
        finally:
            if process.poll() is None:
                harness.kill_group(process)
                process.wait()
        self.assertEqual(process.returncode, plain.returncode, stderr.decode(errors="replace"))
        self.assertEqual(summary(stdout.decode()), summary(plain.stdout))
        worker.kill()
        restarted = self.daemon(cache_dir=cache)
        self.assertEqual(os.listdir(os.path.join(cache, "tmp")), [],
                         "a partial file survived the restart")
        for name in os.listdir(os.path.join(cache, "blobs")):
            self.assertEqual(sha256_of(os.path.join(cache, "blobs", name)), name)
        self.assertEqual(restarted.stop(), 0, restarted.log())

    def test_peer_failing_the_handshake_ships_and_runs_nothing(self):
        binary = harness.OPTIONS.bin
        secret = os.path.join(self.scratch, "secret")
        other = os.path.join(self.scratch, "other-secret")
        for path in (secret, other):
            subprocess.run([harness.OPTIONS.cli, "secret", path], check=True,
                           capture_output=True)
        worker = self.daemon(extra_args=["--secret-file", secret])
        for extra in (["--dist-secret-file=" + other], []):
            result = self.supervise(binary, [worker.address],
                                    extra + ["--dist-fallback=fail"])
            self.assertNotEqual(result.returncode, 0, result.describe())
            self.assertNotIn("shipped", result.stderr)
            self.assertRegex(result.stderr, r"authentication|secret", result.describe())
        cache = os.path.join(self.scratch, "cache")
        self.assertEqual(os.listdir(os.path.join(cache, "blobs")), [])
        self.assertEqual(os.listdir(os.path.join(cache, "builds")), [])
        self.assertEqual(os.stat(cache).st_mode & 0o777, 0o700)
        good = self.supervise(binary, [worker.address],
                              ["--dist-secret-file=" + secret, PASSING])
        self.assertEqual(good.returncode, 0, good.describe() + worker.log())

    def test_bad_flags_and_unsafe_bind_are_refused(self):
        cli = harness.OPTIONS.cli
        result = harness.run([cli, "worker", "--cache-size", "lots"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--cache-size", result.stderr)
        self.assertIn("lots", result.stderr)
        result = harness.run([cli, "worker", "--bind", "0.0.0.0:0", "--cache-dir",
                              os.path.join(self.scratch, "c")])
        self.assertEqual(result.returncode, 2, result.describe())
        self.assertIn("secret", result.stderr)
        result = harness.run([cli, "worker", "--jobs", "0"])
        self.assertEqual(result.returncode, 2)
        self.assertIn("--jobs", result.stderr)


if __name__ == "__main__":
    if "--ship-bin" in sys.argv:
        i = sys.argv.index("--ship-bin")
        SHIP_BIN = os.path.abspath(sys.argv[i + 1])
        del sys.argv[i:i + 2]
    harness.main()
