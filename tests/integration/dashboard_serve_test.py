#!/usr/bin/env python3
"""`gtest_dist serve` over a SQLite history that another process writes while
the dashboard is open: the run's event stream delivers rows as the writer
commits them and ends when the writer marks the run finished; the JSON API
answers from the file; bad stores and addresses fail with a clear message.

The writer is this script (python's sqlite3), with the tables the dashboard
reads (kSqliteSchema, the history schema version 1, taken from
gtest_dist/dashboard/sqlite_source.cc).

Usage: dashboard_serve_test.py --bin build/gtest_dist/gtest_dist [-v]
"""

import json
import os
import re
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request

import harness

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DEADLINE = 20


def schema():
    with open(os.path.join(ROOT, "gtest_dist", "dashboard", "sqlite_source.cc")) as source:
        return re.search(r'R"sql\((.*?)\)sql"', source.read(), re.S).group(1)


class Serve:
    def __init__(self, args):
        self.process = subprocess.Popen([harness.OPTIONS.bin, "serve"] + args,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        start_new_session=True)
        self.url = None

    def start(self):
        line = self.process.stdout.readline().decode()
        match = re.match(r"serving (http://\S+) ", line)
        if not match:
            self.kill()
            raise AssertionError("serve printed %r\n%s" % (line, self.process.stderr.read()))
        self.url = match.group(1)
        return self

    def get(self, path):
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=DEADLINE) as response:
            return json.load(response)

    def kill(self):
        if self.process.poll() is None:
            harness.kill_group(self.process)
        self.process.stdout.close()
        self.process.stderr.close()

    def stop(self):
        self.process.terminate()
        return self.process.wait(DEADLINE)


class ServeTest(harness.IntegrationTestCase):

    def make_db(self):
        path = os.path.join(self.scratch, "history.db")
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(schema())
        return path, db

    def test_follows_a_run_written_by_another_process(self):
        path, db = self.make_db()
        now = int(time.time() * 1000)
        db.execute("INSERT INTO runs(id, status, binary_name, host, started_ms, tests_total, "
                   "workers) VALUES (1, 'running', 'suite', 'ci-1', ?, 6, 'w1:7420')", (now,))
        serve = Serve(["--history=" + path, "--bind", "127.0.0.1:0"]).start()
        try:
            self.assertEqual(serve.get("/api/runs")["runs"][0]["status"], "running")
            events = []
            stream = urllib.request.urlopen(serve.url + "api/runs/1/events", timeout=DEADLINE)
            reader = threading.Thread(target=lambda: events.extend(
                json.loads(line[6:]) for line in (raw.decode() for raw in stream)
                if line.startswith("data: ")))
            reader.start()
            for i in range(6):
                status = "FAILED" if i == 2 else "PASSED"
                db.execute("INSERT INTO results(run_id, test_index, attempt, full_name, status, "
                           "worker, started_ms, duration_ms, output) "
                           "VALUES (1, ?, 1, ?, ?, 'w1:7420', ?, 10, ?)",
                           (i, "S.T%d" % i, status, now + i, "<b>out</b>\n"))
                if status == "FAILED":
                    db.execute("INSERT INTO failure_parts(run_id, test_index, attempt, seq, "
                               "kind, file, line, summary) VALUES (1, ?, 1, 0, 'failure', "
                               "'a.cc', 7, '<img src=x onerror=alert(1)>')", (i,))
                # The stream must show each row before the next is written.
                deadline = time.monotonic() + DEADLINE
                while sum(len(e["results"]) for e in events) < i + 1:
                    self.assertLess(time.monotonic(), deadline, "row %d never streamed" % i)
                    time.sleep(0.05)
                self.assertFalse(events[-1]["finished"])
            db.execute("UPDATE runs SET status='red', ended_ms=?, passed=5, failed=1 WHERE id=1",
                       (now + 100,))
            reader.join(DEADLINE)
            stream.close()
            self.assertFalse(reader.is_alive(), "the stream did not end with the run")
            self.assertTrue(events[-1]["finished"])
            self.assertEqual(events[-1]["run"]["status"], "red")
            failures = [f for e in events for f in e["failures"]]
            self.assertEqual([f["test"] for f in failures], ["S.T2"])
            self.assertEqual(failures[0]["messages"][0]["message"], "<img src=x onerror=alert(1)>")

            run = serve.get("/api/runs/1")
            self.assertEqual(run["run"]["counts"]["failed"], 1)
            self.assertEqual(len(run["results"]), 6)
            self.assertEqual(serve.get("/api/tests/S.T2")["failed_on"], ["w1:7420"])
            self.assertEqual(serve.get("/api/failures?host=ci-1")["failures"][0]["test"], "S.T2")
            with self.assertRaises(urllib.error.HTTPError) as caught:
                serve.get("/api/runs/2")
            self.assertEqual(caught.exception.code, 404)
            self.assertEqual(serve.stop(), 0)
        finally:
            serve.kill()

    def check_refused(self, args, says):
        result = harness.run([harness.OPTIONS.bin, "serve"] + args, timeout=DEADLINE)
        self.assertEqual(result.returncode, 2, result.describe())
        self.assertIn(says, result.stderr, result.describe())

    def test_bad_stores_and_addresses(self):
        missing = os.path.join(self.scratch, "missing.db")
        self.check_refused(["--history=" + missing], "cannot open history database")
        foreign = os.path.join(self.scratch, "foreign.db")
        sqlite3.connect(foreign).execute("CREATE TABLE t(x)")
        self.check_refused(["--history=" + foreign], "is not a gtest_dist history database")
        text = os.path.join(self.scratch, "text.db")
        with open(text, "w") as out:
            out.write("not a database at all, just some text " * 10)
        self.check_refused(["--history=" + text], "not a")
        path, _ = self.make_db()
        self.check_refused(["--history=" + path, "--bind", "0.0.0.0:0"], "access token")
        self.check_refused(["--bind", "127.0.0.1:0"], "--history is required")
        self.check_refused(["--history=" + path, "--colour"], 'unknown argument "--colour"')


if __name__ == "__main__":
    harness.main()
