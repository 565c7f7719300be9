"""Driver library for gtest_dist's integration tests (Python 3 stdlib only).

It starts real worker daemons on 127.0.0.1 port 0, runs test binaries plainly
and distributed, parses gtest's console output, XML and JSON reports, and
checks that a distributed run reports what a plain run of the same binary
with the same gtest flags reports.

Rules kept everywhere: every subprocess has a timeout, every wait is on a real
condition with a deadline (no sleep-and-hope), and workers are stopped in
finally blocks (WorkerPool / Worker are context managers).
"""

import argparse
import collections
import fcntl
import json
import os
import pty
import re
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import unittest
import urllib.request
import xml.etree.ElementTree as ElementTree

# Test runs keep out of the developer's own history store unless a test asks
# for one (--dist-history on the command line wins over the environment).
os.environ.setdefault("GTEST_DIST_HISTORY", "off")

# Deadlines, in seconds. Generous: CI machines are slow and shared.
WORKER_START_DEADLINE = 20
WORKER_STOP_DEADLINE = 15
RUN_TIMEOUT = 120

PASSED, FAILED, SKIPPED, DISABLED = "PASSED", "FAILED", "SKIPPED", "DISABLED"
WORKER_PROPERTY = "gtest_dist_worker"

# Command-line options of the driver scripts, set by main().
OPTIONS = argparse.Namespace(bin=None, other_bin=None, cli=None, keep=False)


def main():
    """Entry point of every driver script: --bin BINARY [--other-bin BINARY]
    [--cli GTEST_DIST], the rest goes to unittest (e.g. -v, -k pattern)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--bin", required=True, help="test binary linked with gtest_dist::main")
    parser.add_argument("--other-bin", help="a different build, for mismatch tests")
    parser.add_argument("--cli", help="the gtest_dist command, for history queries")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directories (reports, worker logs)")
    options, rest = parser.parse_known_args()
    for path in (options.bin, options.other_bin, options.cli):
        if path is not None and not os.access(path, os.X_OK):
            parser.error("not an executable: %s" % path)
    OPTIONS.bin, OPTIONS.other_bin, OPTIONS.keep = options.bin, options.other_bin, options.keep
    OPTIONS.cli = options.cli
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


# ---------------------------------------------------------------------------
# Processes


class RunResult:
    """What one run of a test binary produced."""

    def __init__(self, argv, returncode, stdout, stderr, elapsed):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed

    def describe(self):
        """For assertion messages: the command, its exit code and its output."""
        return "command: %s\nexit code: %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            " ".join(self.argv), self.returncode, tail(self.stdout), tail(self.stderr))


def tail(text, limit=6000):
    return text if len(text) <= limit else "...\n" + text[-limit:]


def run(argv, timeout=RUN_TIMEOUT, env=None):
    """Runs argv to completion (killing it after `timeout`) and returns a RunResult."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    start = time.monotonic()
    # Own process group: on timeout, kill whatever the binary started too.
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=full_env, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        stdout, stderr = process.communicate(timeout=WORKER_STOP_DEADLINE)
        raise AssertionError("timed out after %ss: %s\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            timeout, " ".join(argv), tail(stdout.decode(errors="replace")),
            tail(stderr.decode(errors="replace"))))
    return RunResult(argv, process.returncode, stdout.decode(errors="replace"),
                     stderr.decode(errors="replace"), time.monotonic() - start)


def query_history(history, *args):
    """`gtest_dist ARGS --history=HISTORY --json` (the command from --cli),
    its JSON parsed; an AssertionError when it fails."""
    if OPTIONS.cli is None:
        raise unittest.SkipTest("no --cli given: the gtest_dist command is needed")
    result = run([OPTIONS.cli] + list(args) + ["--history=" + history, "--json"], timeout=60)
    if result.returncode != 0:
        raise AssertionError("gtest_dist %s failed\n%s" % (" ".join(args), result.describe()))
    return json.loads(result.stdout)


# The wire protocol's version (kProtocolVersion in gtest_dist/protocol/protocol.h):
# what a test that speaks the protocol by hand says in its hello.
PROTOCOL_VERSION = 6


def wire_frame(obj):
    """One frame of the wire protocol: 4-byte big-endian length, then JSON."""
    payload = json.dumps(obj).encode()
    return struct.pack(">I", len(payload)) + payload


def wire_message(payload):
    """A frame's payload as a dict: JSON, or the compact form of test_started
    (tag 0x01) and test_finished (0x02) of protocol.h, read as far as their
    chunk_id and index (big-endian u64, u32 after the tag)."""
    if payload[:1] in (b"\x01", b"\x02") and len(payload) >= 13:
        chunk_id, index = struct.unpack(">QI", payload[1:13])
        return {"type": "test_started" if payload[0] == 1 else "test_finished",
                "chunk_id": chunk_id, "index": index}
    return json.loads(payload)


def vm_rss_kib(pid):
    """The resident memory of process `pid`, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def built_with_asan(binary):
    """Whether `binary` runs under AddressSanitizer (scripts/sanitize.sh):
    its allocator keeps freed memory in a quarantine, so resident memory says
    nothing about what the program gave back."""
    listed = subprocess.run(["ldd", binary], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, check=False)
    return "libasan" in listed.stdout


def kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.kill()
    except ProcessLookupError:
        pass


def descendants(pid):
    """PIDs of every living descendant of `pid` (from /proc; zombies excluded)."""
    children = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after its end.
        fields = stat.rpartition(")")[2].split()
        if fields and fields[0] != "Z":
            children[int(fields[1])].append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_until(condition, deadline_s, what):
    """Polls `condition` until it returns a true value (returned) or the
    deadline passes (AssertionError naming `what`)."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("%s: not within %ss" % (what, deadline_s))
        time.sleep(0.02)


def wait_or_kill(process, argv, timeout):
    """The exit code of `process`; past `timeout` its group is killed and the
    test fails."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        process.wait()
        raise AssertionError("%s did not exit within %ss" % (" ".join(argv), timeout))


class TerminalProcess:
    """A process whose stdout is a pseudo-terminal of `columns` columns
    (stderr on a pipe), read as it runs: everything written to the terminal is
    kept as bytes, so a test can watch a status line drawn in place."""

    def __init__(self, argv, env=None, columns=100):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        full_env = dict(os.environ, TERM="xterm", COLUMNS=str(columns))
        full_env.pop("NO_COLOR", None)
        full_env.update(env or {})
        self.argv = argv
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave,
                                        stderr=subprocess.PIPE, env=full_env,
                                        start_new_session=True)
        os.close(slave)
        self._master = master
        self._data = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: the last holder of the terminal closed it
                return
            if not chunk:
                return
            with self._lock:
                self._data += chunk

    def raw(self):
        with self._lock:
            return bytes(self._data)

    def text(self):
        return self.raw().decode(errors="replace")

    def wait_for_output(self, pattern, deadline_s):
        """Waits until `pattern` (a regex) is in what was written; fails at
        once if the process exits first."""
        regex = re.compile(pattern)

        def matched():
            if regex.search(self.text()):
                return True
            if self.process.poll() is not None:
                self._reader.join(timeout=5)
                if regex.search(self.text()):
                    return True
                raise AssertionError("%s exited (code %s) before %r in its output\n%s" % (
                    " ".join(self.argv), self.process.returncode, pattern, tail(self.text())))
            return False
        wait_until(matched, deadline_s, "%r in the output of %s" % (pattern, " ".join(self.argv)))

    def finish(self, timeout=RUN_TIMEOUT):
        """Waits for the exit: (exit code, what it wrote to the terminal, its
        stderr)."""
        try:
            code = wait_or_kill(self.process, self.argv, timeout)
        finally:
            self._reader.join(timeout=10)
        stderr = self.process.stderr.read().decode(errors="replace")
        self.process.stderr.close()
        os.close(self._master)
        return code, self.raw(), stderr


class LiveProcess:
    """A process started in the background whose stdout and stderr are
    collected as it runs, so a test can wait for a line and then act (send a
    signal, kill a worker) in the middle of a run."""

    def __init__(self, argv, env=None):
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.argv = argv
        self.started = time.monotonic()
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=full_env, start_new_session=True)
        self._chunks = {"stdout": [], "stderr": []}
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._drain, args=(name, stream), daemon=True)
                         for name, stream in (("stdout", self.process.stdout),
                                              ("stderr", self.process.stderr))]
        for thread in self._threads:
            thread.start()

    def _drain(self, name, stream):
        for chunk in iter(lambda: stream.read1(65536), b""):
            with self._lock:
                self._chunks[name].append(chunk)

    def text(self, name="stdout"):
        with self._lock:
            return b"".join(self._chunks[name]).decode(errors="replace")

    def wait_for_output(self, pattern, count=1, deadline_s=RUN_TIMEOUT, name="stdout"):
        """Waits until `pattern` (a regex) matched `count` times in the output;
        fails at once if the process exits first."""
        regex = re.compile(pattern, re.M)

        def matched():
            if len(regex.findall(self.text(name))) >= count:
                return True
            if self.process.poll() is None:
                return False
            for thread in self._threads:  # what it wrote before exiting
                thread.join(timeout=5)
            if len(regex.findall(self.text(name))) >= count:
                return True
            raise AssertionError("%s exited (code %s) before %d x %r in its %s\n%s" % (
                " ".join(self.argv), self.process.returncode, count, pattern, name,
                tail(self.text(name))))
        return wait_until(matched, deadline_s, "%d x %r in the %s of %s" % (
            count, pattern, name, " ".join(self.argv)))

    def finish(self, timeout=RUN_TIMEOUT):
        """Waits for the exit; returns a RunResult."""
        code = wait_or_kill(self.process, self.argv, timeout)
        self._close()
        return RunResult(self.argv, code, self.text("stdout"), self.text("stderr"),
                         time.monotonic() - self.started)

    def kill(self):
        if self.process.poll() is None:
            kill_group(self.process)
            self.process.wait()
        self._close()

    def _close(self):
        for thread in self._threads:
            thread.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if not stream.closed:
                stream.close()


class DashboardServer:
    """`gtest_dist serve` (the CLI binary `cli`) over a history store, on
    127.0.0.1 port 0: start() reads the "serving URL" line; get() fetches a
    JSON API answer; events() follows a run's Server-Sent Events stream in a
    thread, collecting each data document."""

    def __init__(self, cli, history, extra_args=()):
        self.process = subprocess.Popen(
            [cli, "serve", "--history=" + history, "--bind", "127.0.0.1:0"] + list(extra_args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        self.url = None

    def start(self):
        line = self.process.stdout.readline().decode()
        match = re.match(r"serving (http://\S+) ", line)
        if not match:
            self.kill()
            raise AssertionError("serve printed %r\n%s" % (line, self.process.stderr.read()))
        self.url = match.group(1)
        return self

    def get(self, path, timeout=RUN_TIMEOUT):
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=timeout) as response:
            return json.load(response)

    def events(self, run_id, timeout=RUN_TIMEOUT):
        """Returns (documents, thread, stream): `documents` grows as events
        come; the thread ends with the stream (the run's end)."""
        stream = urllib.request.urlopen(self.url + "api/runs/%d/events" % run_id,
                                        timeout=timeout)
        documents = []
        reader = threading.Thread(target=lambda: documents.extend(
            json.loads(line[6:]) for line in (raw.decode() for raw in stream)
            if line.startswith("data: ")), daemon=True)
        reader.start()
        return documents, reader, stream

    def stop(self, timeout=RUN_TIMEOUT):
        self.process.terminate()
        return self.process.wait(timeout)

    def kill(self):
        if self.process.poll() is None:
            kill_group(self.process)
            self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()


class RecordingProxy:
    """Listens on 127.0.0.1, forwards one connection to `target`, and keeps
    every byte each side sent."""

    def __init__(self, target):
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.from_client = b""
        self.from_server = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        client, _ = self.listener.accept()
        upstream = socket.create_connection(self.target)
        back = threading.Thread(target=self._pump, args=(upstream, client, "from_server"),
                                daemon=True)
        back.start()
        self._pump(client, upstream, "from_client")
        back.join(timeout=10)

    def _pump(self, source, sink, record):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                for s in (source, sink):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return
            setattr(self, record, getattr(self, record) + data)
            try:
                sink.sendall(data)
            except OSError:
                return

    def close(self):
        self.listener.close()
        self.thread.join(timeout=10)


class Worker:
    """One `BINARY --dist-worker --bind 127.0.0.1:0` daemon.

    start() returns once the worker printed its `listening on HOST:PORT` line;
    stop() sends SIGTERM and returns the exit code (waiting at most
    WORKER_STOP_DEADLINE). Use as a context manager, or through WorkerPool, so
    that it is killed whatever happens.
    """

    def __init__(self, binary, jobs=2, extra_args=(), env=None, log_dir=None,
                 bind_host="127.0.0.1", command_prefix=(), bind_port=0):
        self.binary = binary
        self.bind_host = bind_host
        self.bind_port = bind_port  # 0: the worker picks a free port
        # E.g. ("ip", "netns", "exec", NAME): a worker on another host.
        self.command_prefix = list(command_prefix)
        self.jobs = jobs
        self.extra_args = list(extra_args)
        self.env = env
        self.log_dir = log_dir
        self.process = None
        self.address = None  # "127.0.0.1:PORT"
        self.port = None
        self._stdout_chunks = []
        self._drain_thread = None
        self._log = None
        self._terminated = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

    def start(self):
        argv = self.command_prefix + [
            self.binary, "--dist-worker", "--bind", "%s:%d" % (self.bind_host, self.bind_port),
            "--dist-jobs=%d" % self.jobs] + self.extra_args
        full_env = dict(os.environ)
        if self.env:
            full_env.update(self.env)
        log_dir = self.log_dir or tempfile.gettempdir()
        self._log = tempfile.NamedTemporaryFile(
            prefix="worker-", suffix=".log", dir=log_dir, delete=False)
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._log,
                                        env=full_env, start_new_session=True)
        try:
            line = self._read_first_line(WORKER_START_DEADLINE)
            match = re.fullmatch(r"listening on (%s):(\d+)" % re.escape(self.bind_host), line)
            if not match:
                raise AssertionError("worker's first line is %r, expected "
                                     "'listening on %s:PORT'\n%s" % (
                                         line, self.bind_host, self.log()))
        except BaseException:
            self.kill()
            raise
        self.port = int(match.group(2))
        self.address = "%s:%d" % (self.bind_host, self.port)
        # Keep reading stdout so that the worker can never block on a full pipe.
        self._drain_thread = threading.Thread(target=self._drain, daemon=True)
        self._drain_thread.start()
        return self

    def _read_first_line(self, deadline_s):
        deadline = time.monotonic() + deadline_s
        data = b""
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in data:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("worker printed no 'listening on' line within %ss "
                                         "(got %r)\n%s" % (deadline_s, data, self.log()))
                if not selector.select(left):
                    continue
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise AssertionError("worker exited (code %s) before printing "
                                         "'listening on' (got %r)\n%s" % (
                                             self.process.wait(timeout=WORKER_STOP_DEADLINE),
                                             data, self.log()))
                data += chunk
        line, rest = data.split(b"\n", 1)
        self._stdout_chunks.append(rest)
        return line.decode(errors="replace").rstrip("\r")

    def _drain(self):
        fd = self.process.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self._stdout_chunks.append(chunk)

    def log(self):
        """The worker's stderr so far (its log lines)."""
        if self._log is None:
            return ""
        try:
            with open(self._log.name, encoding="utf-8", errors="replace") as f:
                return "--- worker %s log ---\n%s" % (self.address, tail(f.read()))
        except OSError:
            return ""

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def terminate(self):
        """Sends SIGTERM once (a second one during shutdown may legitimately kill)."""
        if self.process is not None and not self._terminated and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self._terminated = True

    def stop(self, deadline_s=WORKER_STOP_DEADLINE):
        """SIGTERM, then the exit code; None if it did not exit in time (then killed)."""
        if self.process is None:
            return None
        self.terminate()
        try:
            code = self.process.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self._finish()
        return code

    def kill(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            kill_group(self.process)
            try:
                self.process.wait(timeout=WORKER_STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                pass
        self._finish()

    def _finish(self):
        if self._drain_thread is not None:
            self._drain_thread.join(timeout=5)
            self._drain_thread = None
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        if self._log is not None:
            self._log.close()


class WorkerPool:
    """Several workers, all killed on exit; stop_all() asserts clean exits."""

    def __init__(self, testcase, binary, count, jobs=2, log_dir=None, env=None):
        self.testcase = testcase
        self.workers = [Worker(binary, jobs=jobs, log_dir=log_dir, env=env)
                        for _ in range(count)]

    def __enter__(self):
        try:
            for worker in self.workers:
                worker.start()
        except BaseException:
            self.kill_all()
            raise
        return self

    def __exit__(self, *exc):
        self.kill_all()
        return False

    def kill_all(self):
        for worker in self.workers:
            worker.kill()

    def addresses(self, count=None):
        return [w.address for w in self.workers[:count]]

    def stop_all(self):
        """SIGTERM to every worker; each must exit 0 within the deadline."""
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            log = worker.log()
            code = worker.stop()
            self.testcase.assertEqual(
                code, 0, "worker %s did not exit 0 within %ss of SIGTERM\n%s" % (
                    worker.address, WORKER_STOP_DEADLINE, log))


# ---------------------------------------------------------------------------
# Parsing


ANSI = re.compile(r"\x1b\[[0-9;]*m")
RAN_LINE = re.compile(r"^\[==========\] (\d+) tests? from (\d+) test suites? ran\.")
RUN_LINE = re.compile(r"^\[ RUN      \] (\S+)$")
END_LINE = re.compile(r"^\[(       OK |  FAILED  |  SKIPPED )\] (\S+?)(?:, where .*?)?"
                      r"(?: \(\d+ ms\))?$")
END_OUTCOME = {"       OK ": PASSED, "  FAILED  ": FAILED, "  SKIPPED ": SKIPPED}


class Console:
    """gtest's console output, parsed.

    runs / ends: how many "[ RUN      ]" / end lines each test has in the test
    section (before "[==========] N tests from M test suites ran.");
    outcomes: test -> list of outcomes from its end lines; blocks: test ->
    the text between its RUN and end lines; summary fields from after it.
    """

    def __init__(self, text):
        self.text = ANSI.sub("", text)
        self.runs = collections.Counter()
        self.ends = collections.Counter()
        self.outcomes = collections.defaultdict(list)
        self.blocks = {}
        self.ran_tests = self.ran_suites = None
        self.passed_count = None
        self.skipped_count = 0
        self.failed_count = 0
        self.skipped_listed = collections.Counter()
        self.failed_listed = collections.Counter()
        self.disabled_count = 0
        self._parse()

    def _parse(self):
        lines = self.text.splitlines()
        in_summary = False
        listing = None
        open_block = None
        block_lines = []
        for line in lines:
            if not in_summary:
                ran = RAN_LINE.match(line)
                if ran:
                    self.ran_tests, self.ran_suites = int(ran.group(1)), int(ran.group(2))
                    in_summary = True
                    continue
                run_match = RUN_LINE.match(line)
                if run_match:
                    self.runs[run_match.group(1)] += 1
                    open_block, block_lines = run_match.group(1), []
                    continue
                end = END_LINE.match(line)
                if end:
                    name = end.group(2)
                    self.ends[name] += 1
                    self.outcomes[name].append(END_OUTCOME[end.group(1)])
                    if open_block == name:
                        self.blocks[name] = "\n".join(block_lines)
                    open_block = None
                    continue
                if open_block is not None:
                    block_lines.append(line)
                continue
            m = re.match(r"^\[  PASSED  \] (\d+) tests?\.$", line)
            if m:
                self.passed_count = int(m.group(1))
                continue
            m = re.match(r"^\[  (SKIPPED |FAILED  )\] (\d+) tests?, listed below:$", line)
            if m:
                listing = m.group(1).strip()
                if listing == "SKIPPED":
                    self.skipped_count = int(m.group(2))
                else:
                    self.failed_count = int(m.group(2))
                continue
            m = re.match(r"^\[  (SKIPPED |FAILED  )\] (\S+?)(?:, where .*)?$", line)
            if m and listing == m.group(1).strip():
                target = self.skipped_listed if listing == "SKIPPED" else self.failed_listed
                target[m.group(2)] += 1
                continue
            m = re.match(r"^\s*YOU HAVE (\d+) DISABLED TESTS?$", line)
            if m:
                self.disabled_count = int(m.group(1))

    def outcome_map(self):
        return {name: outs[0] for name, outs in self.outcomes.items()}


def split_full_name(full_name):
    """("Suite", "Name") of "Suite.Name"; the suite part never holds a dot."""
    suite, _, name = full_name.partition(".")
    return suite, name


class Report:
    """An XML or JSON report: per-test outcomes, properties and failure
    messages, and the root's counts, keyed by full test name."""

    def __init__(self):
        self.occurrences = collections.Counter()
        self.outcomes = {}
        self.properties = {}   # name -> dict (the test's own, without the worker's)
        self.workers = {}      # name -> value of gtest_dist_worker, if any
        self.messages = {}     # name -> failure messages, joined
        self.times = {}        # name -> the test's time in seconds
        self.root = {}         # tests, failures, disabled, errors, skipped (summed)
        self.root_attributes = {}  # every attribute/member of the root, as text
        self.suite_counts = {}  # suite -> (tests, failures, disabled, skipped)

    @staticmethod
    def from_xml(path):
        report = Report()
        root = ElementTree.parse(path).getroot()
        if root.tag != "testsuites":
            raise AssertionError("%s: root element is <%s>, not <testsuites>" % (path, root.tag))
        for key in ("tests", "failures", "disabled", "errors"):
            report.root[key] = int(root.get(key))
        report.root_attributes = dict(root.attrib)
        skipped = 0
        for suite in root.findall("testsuite"):
            report.suite_counts[suite.get("name")] = tuple(
                int(suite.get(k, "0")) for k in ("tests", "failures", "disabled", "skipped"))
            skipped += int(suite.get("skipped", "0"))
            for case in suite.findall("testcase"):
                name = "%s.%s" % (case.get("classname"), case.get("name"))
                report.occurrences[name] += 1
                failures = case.findall("failure")
                if failures:
                    outcome = FAILED
                elif case.get("status") == "notrun":
                    outcome = DISABLED
                elif case.get("result") == "skipped":
                    outcome = SKIPPED
                else:
                    outcome = PASSED
                report.outcomes[name] = outcome
                report.times[name] = float(case.get("time", "0"))
                report.messages[name] = "\n".join(f.get("message", "") + "\n" + (f.text or "")
                                                  for f in failures)
                props = {}
                for prop in case.findall("properties/property"):
                    props[prop.get("name")] = prop.get("value")
                worker = props.pop(WORKER_PROPERTY, None)
                if worker is not None:
                    report.workers[name] = worker
                report.properties[name] = props
        report.root["skipped"] = skipped
        return report

    # Keys of a JSON testcase object that are gtest's own; any other key is
    # a RecordProperty() (gtest writes properties as plain members).
    JSON_CASE_KEYS = {"name", "file", "line", "status", "result", "timestamp", "time",
                      "classname", "failures", "value_param", "type_param", "skipped"}

    @staticmethod
    def from_json(path):
        report = Report()
        with open(path, encoding="utf-8") as f:
            root = json.load(f)
        for key in ("tests", "failures", "disabled", "errors"):
            report.root[key] = int(root[key])
        report.root_attributes = {k: v for k, v in root.items() if not isinstance(v, list)}
        skipped = 0
        for suite in root.get("testsuites", []):
            report.suite_counts[suite["name"]] = tuple(
                int(suite.get(k, 0)) for k in ("tests", "failures", "disabled", "skipped"))
            skipped += int(suite.get("skipped", 0))
            for case in suite.get("testsuite", []):
                name = "%s.%s" % (case["classname"], case["name"])
                report.occurrences[name] += 1
                failures = case.get("failures", [])
                if failures:
                    outcome = FAILED
                elif case.get("status") == "NOTRUN":
                    outcome = DISABLED
                elif case.get("result") == "SKIPPED":
                    outcome = SKIPPED
                else:
                    outcome = PASSED
                report.outcomes[name] = outcome
                # gtest writes "0.123s".
                report.times[name] = float(str(case.get("time", "0s")).rstrip("s") or 0)
                report.messages[name] = "\n".join(f.get("failure", "") for f in failures)
                props = {k: str(v) for k, v in case.items() if k not in Report.JSON_CASE_KEYS}
                worker = props.pop(WORKER_PROPERTY, None)
                if worker is not None:
                    report.workers[name] = worker
                report.properties[name] = props
        report.root["skipped"] = skipped
        return report


# ---------------------------------------------------------------------------
# Runs and their comparison


class Outcome:
    """One run of a binary with XML and JSON reports: RunResult + parsed views."""

    def __init__(self, result, console, xml, json_report):
        self.result = result
        self.console = console
        self.xml = xml
        self.json = json_report


_PLAIN_CACHE = {}


class Runner:
    """Runs a binary plainly or distributed, with reports in a scratch dir.

    A plain run is made twice (gtest writes one report format per run: XML,
    then JSON); the console of the first is used. Plain references are cached
    per gtest flag list, so a matrix compares many distributed runs with one
    plain run.
    """

    def __init__(self, testcase, scratch_dir):
        self.testcase = testcase
        self.scratch = scratch_dir
        self._counter = 0

    def _paths(self, tag):
        self._counter += 1
        base = os.path.join(self.scratch, "%03d-%s" % (self._counter, re.sub(r"\W", "_", tag)))
        return base + ".xml", base + ".json"

    def plain(self, binary, gtest_args=(), env=None):
        key = (binary, tuple(gtest_args), tuple(sorted((env or {}).items())))
        if key not in _PLAIN_CACHE:
            xml_path, json_path = self._paths("plain")
            first = run([binary] + list(gtest_args) + ["--gtest_output=xml:" + xml_path], env=env)
            second = run([binary] + list(gtest_args) + ["--gtest_output=json:" + json_path],
                         env=env)
            self.testcase.assertEqual(first.returncode, second.returncode,
                                      "two plain runs disagree\n" + second.describe())
            _PLAIN_CACHE[key] = Outcome(first, Console(first.stdout),
                                             Report.from_xml(xml_path),
                                             Report.from_json(json_path))
        return _PLAIN_CACHE[key]

    def distributed(self, binary, workers, gtest_args=(), env=None, extra_args=(),
                    timeout=RUN_TIMEOUT):
        """Two supervisor runs, one writing XML and one JSON (gtest_output takes
        one format); returns the first run's console and both reports."""
        xml_path, json_path = self._paths("dist-" + ",".join(workers))
        base = [binary, "--dist-supervisor", "--workers", ",".join(workers)] + \
            list(extra_args) + list(gtest_args)
        first = run(base + ["--gtest_output=xml:" + xml_path], env=env, timeout=timeout)
        self.testcase.assertTrue(os.path.exists(xml_path),
                                 "no XML report at %s\n%s" % (xml_path, first.describe()))
        second = run(base + ["--gtest_output=json:" + json_path], env=env, timeout=timeout)
        self.testcase.assertTrue(os.path.exists(json_path),
                                 "no JSON report at %s\n%s" % (json_path, second.describe()))
        self.testcase.assertEqual(first.returncode, second.returncode,
                                  "two identical distributed runs disagree on the exit code\n"
                                  "first run:\n" + first.describe() + "\nsecond run:\n"
                                  + second.describe())
        return Outcome(first, Console(first.stdout), Report.from_xml(xml_path),
                       Report.from_json(json_path))


def check_same_as_plain(testcase, plain, dist, worker_ports=None, local_only=False,
                        context=""):
    """The invariants of a distributed run, against the plain run.

    worker_ports: the ports of the remote workers in use, for a run on remote
    workers only: every test that ran must carry the gtest_dist_worker
    property naming one of them. local_only: no test may carry it. Neither
    (a mix of local slots and workers): only tests that ran may carry it.
    """
    where = "%s\n%s" % (context, dist.result.describe())
    # Exit code.
    testcase.assertEqual(dist.result.returncode, plain.result.returncode,
                         "exit code differs from the plain run's\n" + where)

    expected = plain.xml.outcomes  # full name -> outcome, every reported test
    # gtest reports a failure outside any test (a global Environment) in the
    # reports as a nameless test of a "NonTestSuiteFailure" suite: no console
    # RUN line belongs to it.
    ran = {n: o for n, o in expected.items() if o != DISABLED and not n.startswith(".")}

    # Console: each test that ran has exactly one RUN line and one end line,
    # with the plain run's outcome; nothing else ran.
    con = dist.console
    duplicates = sorted(n for n, c in list(con.runs.items()) + list(con.ends.items()) if c != 1)
    testcase.assertEqual(duplicates, [], "tests with more than one RUN or end line\n" + where)
    testcase.assertEqual(set(con.runs), set(ran), "RUN lines differ from the plain run's tests"
                         "\nmissing: %s\nextra: %s\n%s" % (
                             sorted(set(ran) - set(con.runs))[:20],
                             sorted(set(con.runs) - set(ran))[:20], where))
    testcase.assertEqual(set(con.ends), set(ran), "end lines differ from the plain run's\n" + where)
    wrong = {n: (con.outcome_map()[n], o) for n, o in ran.items() if con.outcome_map()[n] != o}
    testcase.assertEqual(wrong, {}, "console outcomes (distributed, plain) differ\n" + where)
    # Console summary.
    pc = plain.console
    testcase.assertEqual((con.ran_tests, con.ran_suites), (pc.ran_tests, pc.ran_suites),
                         "'N tests from M test suites ran' differs\n" + where)
    testcase.assertEqual(con.passed_count, pc.passed_count, "PASSED count differs\n" + where)
    testcase.assertEqual(con.failed_count, pc.failed_count, "FAILED count differs\n" + where)
    testcase.assertEqual(con.skipped_count, pc.skipped_count, "SKIPPED count differs\n" + where)
    testcase.assertEqual(dict(con.failed_listed), dict(pc.failed_listed),
                         "FAILED list differs (each test once)\n" + where)
    testcase.assertEqual(dict(con.skipped_listed), dict(pc.skipped_listed),
                         "SKIPPED list differs (each test once)\n" + where)
    testcase.assertEqual(con.disabled_count, pc.disabled_count,
                         "'YOU HAVE N DISABLED TESTS' differs\n" + where)

    # XML and JSON: each test once, same outcome, same own properties, same
    # root counts and per-suite counts.
    for label, dist_report, plain_report in (("XML", dist.xml, plain.xml),
                                             ("JSON", dist.json, plain.json)):
        if dist_report is None:  # a run that wrote only the other format
            continue
        dup = sorted(n for n, c in dist_report.occurrences.items() if c != 1)
        testcase.assertEqual(dup, [], "%s: tests reported more than once\n%s" % (label, where))
        testcase.assertEqual(set(dist_report.outcomes), set(plain_report.outcomes),
                             "%s: set of tests differs\nmissing: %s\nextra: %s\n%s" % (
                                 label,
                                 sorted(set(plain_report.outcomes) - set(dist_report.outcomes))[:20],
                                 sorted(set(dist_report.outcomes) - set(plain_report.outcomes))[:20],
                                 where))
        wrong = {n: (dist_report.outcomes[n], o) for n, o in plain_report.outcomes.items()
                 if dist_report.outcomes[n] != o}
        testcase.assertEqual(wrong, {}, "%s: outcomes (distributed, plain) differ\n%s"
                             % (label, where))
        testcase.assertEqual(dist_report.root, plain_report.root,
                             "%s: root counts differ\n%s" % (label, where))
        testcase.assertEqual(dist_report.suite_counts, plain_report.suite_counts,
                             "%s: per-suite counts differ\n%s" % (label, where))
        wrong_props = {n: (dist_report.properties[n], p)
                       for n, p in plain_report.properties.items()
                       if dist_report.properties[n] != p}
        testcase.assertEqual(wrong_props, {}, "%s: RecordProperty values differ\n%s"
                             % (label, where))
        # Where each test ran.
        ran_here = [n for n, o in plain_report.outcomes.items() if o != DISABLED]
        if local_only:
            testcase.assertEqual(dist_report.workers, {},
                                 "%s: local-only run carries %s\n%s" % (
                                     label, WORKER_PROPERTY, where))
        elif worker_ports is not None:
            missing = [n for n in ran_here if n not in dist_report.workers]
            testcase.assertEqual(missing[:20], [], "%s: tests run by a worker without the %s "
                                 "property\n%s" % (label, WORKER_PROPERTY, where))
            ports = {str(p) for p in worker_ports}
            strangers = {n: w for n, w in dist_report.workers.items()
                         if w.rpartition(":")[2] not in ports}
            testcase.assertEqual(strangers, {}, "%s: %s names no worker in use (ports %s)\n%s" % (
                label, WORKER_PROPERTY, sorted(ports), where))
        testcase.assertFalse(
            any(n not in ran_here for n in dist_report.workers),
            "%s: a test that did not run carries %s\n%s" % (label, WORKER_PROPERTY, where))


def list_tests(testcase, binary, gtest_args=()):
    """Full names that plain `--gtest_list_tests` prints for these flags."""
    result = run([binary, "--gtest_list_tests"] + list(gtest_args))
    testcase.assertEqual(result.returncode, 0, result.describe())
    names = []
    suite = None
    for line in result.stdout.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            suite = line.split("#")[0].strip()
        else:
            names.append(suite + line.split("#")[0].strip())
    return names


class IntegrationTestCase(unittest.TestCase):
    """Gives each test a scratch directory (removed unless --keep) and a Runner."""

    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="gtest_dist_it_")
        if OPTIONS.keep:
            print("\nscratch directory: " + self.scratch, file=sys.stderr)
        else:
            self.addCleanup(shutil.rmtree, self.scratch, True)
        self.runner = Runner(self, self.scratch)

    def pool(self, binary, count, jobs=2, env=None):
        return WorkerPool(self, binary, count, jobs=jobs, log_dir=self.scratch, env=env)


class HistoryTestCase(IntegrationTestCase):
    """An IntegrationTestCase whose runs share one SQLite history store,
    self.history, read back with query() (JSON) or cli() (the command's result)."""

    def setUp(self):
        super().setUp()
        self.history = os.path.join(self.scratch, "history.sqlite")

    def supervise_into_history(self, workers, *extra, env=None, timeout=RUN_TIMEOUT):
        """One supervisor run on WORKERS that records into self.history."""
        return run([OPTIONS.bin, "--dist-supervisor", "--workers", workers,
                    "--dist-history=" + self.history] + list(extra), env=env, timeout=timeout)

    def query(self, *args):
        return query_history(self.history, *args)

    def cli(self, *args, timeout=120):
        return run([OPTIONS.cli] + list(args) + ["--history=" + self.history], timeout=timeout)


