#!/usr/bin/env python3
"""`gtest_dist serve` over a SQLite history that another process writes while
the dashboard is open: the run's event stream delivers rows as the writer
commits them and ends when the writer marks the run finished; the JSON API
answers from the file; bad stores and addresses fail with a clear message.

The store is made by the history layer itself (a supervisor run of
--other-bin with --dist-history); the writer that the dashboard follows is
this script (python's sqlite3), adding rows to those tables.

Usage: dashboard_serve_test.py --bin build/bin/gtest_dist
       --other-bin build/tests/integration/slow_suite [-v]
"""

import http.client
import json
import os
import re
import socket
import sqlite3
import time
import urllib.error
import urllib.request

import harness

DEADLINE = 20
TOKEN = "serve-test-token-" + "0123456789abcdef" * 2


def serve(path):
    return harness.DashboardServer(harness.OPTIONS.bin, path).start()


class ServeTest(harness.IntegrationTestCase):

    def make_db(self):
        """A store holding one finished run of one test, written by a
        supervisor; returns its path and a connection for writing more."""
        path = os.path.join(self.scratch, "history.db")
        result = harness.run([harness.OPTIONS.other_bin, "--dist-supervisor", "--workers",
                              "local:1", "--dist-history=" + path, "--gtest_filter=*A.Works/0"])
        self.assertEqual(result.returncode, 0, result.describe())
        db = sqlite3.connect(path, isolation_level=None, timeout=DEADLINE)
        return path, db

    def test_follows_a_run_written_by_another_process(self):
        path, db = self.make_db()
        now = int(time.time() * 1000)
        run = db.execute(
            "INSERT INTO runs(started_ms, status, binary_name, binary_digest, names_digest, "
            "command_line, host, user_name, label, mode, iteration, workers, tests_total) "
            "VALUES (?, 'running', 'suite', '', '', '', 'ci-1', '', 'live', 'supervisor', 0, "
            "'w1:7420', 6)", (now,)).lastrowid
        server = serve(path)
        try:
            runs = server.get("/api/runs")["runs"]
            self.assertEqual([r["status"] for r in runs], ["running", "green"])
            events, reader, stream = server.events(run, DEADLINE)
            for i in range(6):
                status = "FAILED" if i == 2 else "PASSED"
                db.execute("INSERT INTO results(run_id, test_index, attempt, suite, name, "
                           "full_name, status, worker, started_ms, duration_ms, reason, output, "
                           "output_truncated) VALUES (?, ?, 1, 'S', ?, ?, ?, 'w1:7420', ?, 10, "
                           "'', ?, 0)",
                           (run, i, "T%d" % i, "S.T%d" % i, status, now + i, "<b>out</b>\n"))
                if status == "FAILED":
                    db.execute("INSERT INTO failure_parts(run_id, test_index, attempt, seq, "
                               "kind, file, line, summary) VALUES (?, ?, 1, 0, 'nonfatal', "
                               "'a.cc', 7, '<img src=x onerror=alert(1)>')", (run, i))
                # The stream must show each row before the next is written.
                harness.wait_until(lambda: sum(len(e["results"]) for e in events) >= i + 1,
                                   DEADLINE, "row %d streamed" % i)
                self.assertFalse(events[-1]["finished"])
            db.execute("UPDATE runs SET status='red', ended_ms=?, passed=5, failed=1 WHERE id=?",
                       (now + 100, run))
            reader.join(DEADLINE)
            stream.close()
            self.assertFalse(reader.is_alive(), "the stream did not end with the run")
            self.assertTrue(events[-1]["finished"])
            self.assertEqual(events[-1]["run"]["status"], "red")
            failures = [f for e in events for f in e["failures"]]
            self.assertEqual([f["test"] for f in failures], ["S.T2"])
            self.assertEqual(failures[0]["messages"][0]["message"], "<img src=x onerror=alert(1)>")

            page = server.get("/api/runs/%d" % run)
            self.assertEqual(page["run"]["counts"]["failed"], 1)
            self.assertEqual(len(page["results"]), 6)
            self.assertEqual(server.get("/api/tests/S.T2")["failed_on"], ["w1:7420"])
            self.assertEqual(server.get("/api/failures?host=ci-1")["failures"][0]["test"], "S.T2")
            with self.assertRaises(urllib.error.HTTPError) as caught:
                server.get("/api/runs/%d" % (run + 1))
            self.assertEqual(caught.exception.code, 404)
            self.assertEqual(server.stop(DEADLINE), 0)
        finally:
            server.kill()

    def check_refused(self, args, says):
        result = harness.run([harness.OPTIONS.bin, "serve"] + args, timeout=DEADLINE)
        self.assertEqual(result.returncode, 2, result.describe())
        self.assertIn(says, result.stderr, result.describe())
        return result

    def test_bad_stores_and_addresses(self):
        missing = os.path.join(self.scratch, "missing.db")
        self.check_refused(["--history=" + missing], "cannot open history database")
        self.assertFalse(os.path.exists(missing))
        foreign = os.path.join(self.scratch, "foreign.db")
        sqlite3.connect(foreign).execute("CREATE TABLE t(x)")
        self.check_refused(["--history=" + foreign], "is not a gtest_dist history store")
        text = os.path.join(self.scratch, "text.db")
        with open(text, "w") as out:
            out.write("not a database at all, just some text " * 10)
        self.check_refused(["--history=" + text], "not a")
        path, db = self.make_db()
        db.execute("INSERT INTO schema_version(version) VALUES (99)")
        self.check_refused(["--history=" + path], "schema version 99, newer than")
        db.execute("DELETE FROM schema_version WHERE version = 99")
        self.check_refused(["--history=" + path, "--bind", "0.0.0.0:0"], "access token")
        self.check_refused(["--bind", "127.0.0.1:0"], "--history is required")
        self.check_refused(["--history=" + path, "--colour"], 'unknown argument "--colour"')
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        refused = self.check_refused(
            ["--history=postgresql://ci:secret@127.0.0.1:%d/history" % port],
            "cannot connect to PostgreSQL")
        self.assertNotIn("secret", refused.stderr)

    # Issue 11 item 10: the token file is a secret file.
    def test_a_token_file_others_may_read_is_refused(self):
        path, _ = self.make_db()
        token = os.path.join(self.scratch, "token")
        with open(token, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token, 0o640)
        refused = self.check_refused(["--history=" + path, "--token-file=" + token], "0640")
        self.assertIn("chmod 600 " + token, refused.stderr, refused.describe())

    def guarded_server(self, path):
        token = os.path.join(self.scratch, "token")
        with open(token, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(token, 0o600)
        server = harness.DashboardServer(harness.OPTIONS.bin, path, [
            "--token-file=" + token, "--allowed-host=dash.example"]).start()
        self.addCleanup(server.kill)
        return server

    def request(self, server, target, host=None, token=True, timeout=DEADLINE):
        """One raw HTTP/1.1 request; returns (status, headers dict, body)."""
        address = server.url[len("http://"):].rstrip("/")
        connection = http.client.HTTPConnection(address, timeout=timeout)
        try:
            connection.putrequest("GET", target, skip_host=True)
            connection.putheader("Host", host or address)
            if token:
                connection.putheader("Authorization", "Bearer " + TOKEN)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    # Issue 11 item 14: DNS rebinding and an off-site redirect.
    def test_other_host_names_are_refused_and_redirects_stay_on_site(self):
        path, _ = self.make_db()
        server = self.guarded_server(path)
        self.assertEqual(self.request(server, "/api/runs")[0], 200)
        self.assertEqual(self.request(server, "/api/runs", host="localhost:1")[0], 200)
        self.assertEqual(self.request(server, "/api/runs", host="dash.example")[0], 200)
        status, _, body = self.request(server, "/api/runs", host="rebind.attacker.example:80")
        self.assertEqual(status, 421, body)
        self.assertIn(b"--allowed-host", body)
        for target in ("//evil.example", "/\\evil.example", "//evil.example/x"):
            status, headers, _ = self.request(server, target + "?token=" + TOKEN, token=False)
            self.assertEqual(status, 303, target)
            self.assertEqual(headers["Location"], "/", target)

    # Issue 11 item 14: strangers holding connections, idle or half-sent, and
    # live streams cannot take every slot from a token holder.
    def test_idle_strangers_and_streams_do_not_lock_out_a_token_holder(self):
        path, db = self.make_db()
        run = db.execute(
            "INSERT INTO runs(started_ms, status, binary_name, binary_digest, names_digest, "
            "command_line, host, user_name, label, mode, iteration, workers, tests_total) "
            "VALUES (?, 'running', 'suite', '', '', '', 'ci-1', '', 'live', 'supervisor', 0, "
            "'w1:7420', 6)", (int(time.time() * 1000),)).lastrowid
        server = self.guarded_server(path)
        address = server.url[len("http://"):].rstrip("/")
        host, port = address.rsplit(":", 1)
        held = []
        try:
            # 64 idle connections, then 64 that send half a request.
            for i in range(128):
                s = socket.create_connection((host, int(port)), timeout=DEADLINE)
                if i >= 64:
                    s.sendall(b"GET /api/runs HTTP/1.1\r\nHost: " + address.encode() + b"\r\n")
                held.append(s)
            start = time.monotonic()
            status, _, body = self.request(server, "/api/runs", timeout=5)
            self.assertEqual(status, 200, body)
            self.assertLess(time.monotonic() - start, 3)
            # Live streams: a bounded number; past it 503, and requests still go.
            streams = []
            for _ in range(16):
                s = socket.create_connection((host, int(port)), timeout=DEADLINE)
                s.sendall(("GET /api/runs/%d/events HTTP/1.1\r\nHost: %s\r\n"
                           "Authorization: Bearer %s\r\n\r\n" % (run, address, TOKEN)).encode())
                self.assertIn(b"200 OK", s.recv(4096))
                streams.append(s)
            held.extend(streams)
            status, headers, _ = self.request(server, "/api/runs/%d/events" % run, timeout=5)
            self.assertEqual(status, 503)
            self.assertEqual(headers.get("Retry-After"), "5")
            self.assertEqual(self.request(server, "/api/runs", timeout=5)[0], 200)
        finally:
            for s in held:
                s.close()

    # Issue 11 item 8: the live dashboard shows the run's --dist-label.
    def test_the_live_dashboard_shows_the_label(self):
        live = harness.LiveProcess([harness.OPTIONS.other_bin, "--dist-supervisor", "--workers",
                                    "local:1", "--dist-history=off", "--dist-label=rev-42",
                                    "--dist-dashboard=127.0.0.1:0"])
        try:
            live.wait_for_output(r"dashboard at (http://\S+)", name="stderr", deadline_s=DEADLINE)
            url = re.search(r"dashboard at (http://\S+)", live.text("stderr")).group(1)
            runs = []

            def listed():
                runs[:] = json.load(urllib.request.urlopen(url + "api/runs",
                                                           timeout=DEADLINE))["runs"]
                return bool(runs)
            harness.wait_until(listed, DEADLINE, "the run on the live dashboard")
            self.assertEqual([r["label"] for r in runs], ["rev-42"])
            result = live.finish()
        finally:
            live.kill()
        self.assertEqual(result.returncode, 0, result.describe())


if __name__ == "__main__":
    harness.main()
