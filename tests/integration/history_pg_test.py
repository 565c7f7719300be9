#!/usr/bin/env python3
"""The history store on a real PostgreSQL server that this test starts on a
free port in a scratch directory (initdb + pg_ctl as the postgres user) and
removes again:

- a distributed run with passes, crashes and a timeout (crash_suite) is
  stored completely, and the `gtest_dist` queries return its rows;
- a run with retries (flaky_suite): every attempt stored, FLAKY tests found;
- results are visible while the run is still going (slow_suite);
- two supervisors writing at the same time: both runs complete and intact;
- the server killed mid-run: the run finishes and reports, and says what was
  not recorded;
- `gtest_dist quarantine add` from many processes at once: all land;
- a run on a generic worker (`gtest_dist worker`) stores what shipping its
  build moved, and a second run that it shipped nothing;
- `gtest_dist serve` over the same server: a stored run with crashes is
  listed with the right counts, a live run is followed to its end, and the
  dashboard connects again after the database server restarts.

Skipped (exit 77) where PostgreSQL's server binaries or the postgres user are
missing.

Usage: history_pg_test.py --bin build/tests/integration/crash_suite
       --other-bin build/tests/integration/slow_suite --cli build/bin/gtest_dist
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import harness

SKIP = 77
FLAKY_BIN = None  # flaky_suite, from --flaky-bin


def server_binaries():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway cluster: trust authentication on 127.0.0.1 only."""

    def __init__(self, bindir):
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="gtest_dist_pg_")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.url = "postgresql://postgres@127.0.0.1:%d/postgres" % self.port
        postgres = pwd.getpwnam("postgres")
        os.chown(self.dir, postgres.pw_uid, postgres.pw_gid)

    def _as_postgres(self, *argv):
        return subprocess.run(["runuser", "-u", "postgres", "--"] + list(argv),
                              capture_output=True, text=True, timeout=120)

    def start(self):
        if not os.path.exists(self.data):
            done = self._as_postgres(os.path.join(self.bindir, "initdb"), "-D", self.data,
                                     "-A", "trust", "-U", "postgres", "--no-sync")
            if done.returncode != 0:
                raise AssertionError("initdb failed: " + done.stdout + done.stderr)
        done = self._as_postgres(
            os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-w", "-t", "60",
            "-l", os.path.join(self.dir, "server.log"),
            "-o", "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off" % (self.port, self.dir),
            "start")
        if done.returncode != 0:
            raise AssertionError("pg_ctl start failed: " + done.stdout + done.stderr)

    def kill(self):
        self._as_postgres(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m",
                          "immediate", "-w", "stop")

    def remove(self):
        self.kill()
        shutil.rmtree(self.dir, True)


query = harness.query_history


class HistoryPostgresTest(harness.IntegrationTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = PostgresServer(server_binaries())
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.remove()

    def supervise(self, binary, label, extra=()):
        return [binary, "--dist-supervisor", "--workers", "local:2",
                "--dist-history=" + self.server.url, "--dist-label=" + label] + list(extra)

    def run_of(self, label):
        runs = [r for r in query(self.server.url, "runs", "--label", label)]
        self.assertEqual(len(runs), 1, runs)
        return runs[0]

    def test_run_with_crashes_and_timeout_is_stored_completely(self):
        plain_names = harness.list_tests(self, harness.OPTIONS.bin)
        result = harness.run(self.supervise(harness.OPTIONS.bin, "complete",
                                            ["--dist-test-timeout=2"]))
        self.assertEqual(result.returncode, 1, result.describe())
        run = self.run_of("complete")
        self.assertEqual(run["status"], "red", run)
        shown = query(self.server.url, "show", str(run["id"]))
        statuses = {r["suite"] + "." + r["name"]: r["status"] for r in shown["results"]}
        self.assertEqual(sorted(statuses), sorted(plain_names), shown)
        self.assertEqual(statuses["CrashChunk.Test2Aborts"], "CRASHED")
        self.assertEqual(statuses["CrashChunk.Test10Hangs"], "TIMEOUT")
        self.assertEqual(statuses["CrashChunk.Test1Passes"], "PASSED")
        failing = {f["suite"] + "." + f["name"]
                   for f in query(self.server.url, "failures", "--test", "CrashChunk.*")}
        self.assertEqual(failing, {n for n, s in statuses.items() if s in ("CRASHED", "TIMEOUT")})

    def test_each_results_process_is_recorded_for_repro(self):
        # One slot, one chunk: Test2Aborts kills its child, and the rest of
        # the chunk runs in a new one (issue 16, exact reproduction).
        names = ["CrashChunk.Test1Passes", "CrashChunk.Test2Aborts", "CrashChunk.Test3Passes",
                 "CrashChunk.Test4Segfaults"]
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:1",
                              "--dist-min-chunk=1000", "--dist-history=" + self.server.url,
                              "--dist-label=repro", "--dist-env=PG_MARK=1",
                              "--gtest_filter=" + ":".join(names)])
        self.assertEqual(result.returncode, 1, result.describe())
        run = str(self.run_of("repro")["id"])
        replays = {name: query(self.server.url, "repro", run, name) for name in names}
        self.assertEqual(replays[names[1]]["predecessors"], names[:1])
        self.assertEqual(replays[names[1]]["status"], "CRASHED")
        self.assertEqual(replays[names[2]]["predecessors"], [])
        self.assertEqual(replays[names[3]]["predecessors"], names[2:3])
        self.assertEqual(replays[names[0]]["process"], replays[names[1]]["process"])
        self.assertEqual(replays[names[2]]["process"], replays[names[1]]["process"] + 1)
        self.assertEqual(replays[names[3]]["env"], {"PG_MARK": "1"})
        self.assertEqual(replays[names[3]]["argv"][-1], "--gtest_filter=" + ":".join(names[2:]))

    def test_flaky_tests_and_retries_are_stored_with_every_attempt(self):
        state = tempfile.mkdtemp(prefix="gtest_dist_flaky_")
        self.addCleanup(shutil.rmtree, state, True)
        argv = self.supervise(FLAKY_BIN, "retries", ["--dist-retries=2"])
        result = harness.run(argv, env={"FLAKY_SUITE_STATE_DIR": state})
        self.assertEqual(result.returncode, 1, result.describe())  # Broken.AlwaysFails
        run = self.run_of("retries")
        self.assertEqual((run["status"], run["flaky"], run["failed"]), ("red", 2, 1), run)
        shown = query(self.server.url, "show", str(run["id"]), "--no-output")
        attempts = {}
        for row in shown["results"]:
            attempts.setdefault(row["test"], []).append((row["attempt"], row["status"]))
        self.assertEqual(sorted(attempts["Flaky.FailsFirstTime"]), [(1, "FAILED"), (2, "FLAKY")])
        self.assertEqual(sorted(attempts["Flaky.CrashesFirstTime"]),
                         [(1, "CRASHED"), (2, "FLAKY")])
        self.assertEqual(sorted(attempts["Broken.AlwaysFails"]),
                         [(1, "FAILED"), (2, "FAILED"), (3, "FAILED")])
        # Sometimes.FailsOneRunInFive passes on its first run: one attempt.
        self.assertEqual(attempts["Sometimes.FailsOneRunInFive"], [(1, "PASSED")])
        flaky = {row["test"]: row for row in query(self.server.url, "flaky")}
        self.assertEqual(flaky["Flaky.FailsFirstTime"]["flaky_runs"], 1, flaky)
        self.assertNotIn("Broken.AlwaysFails", flaky)  # broken, not flaky
        failing = {f["test"] for f in query(self.server.url, "failures", "--test", "Broken.*")}
        self.assertEqual(failing, {"Broken.AlwaysFails"})
        slowest = {row["test"]: row for row in query(self.server.url, "slowest", "--limit", "100")}
        self.assertIn("Many/Steady.Passes/0", slowest)
        self.assertGreaterEqual(slowest["Flaky.FailsFirstTime"]["samples"], 1, slowest)
        trend = query(self.server.url, "trend", "Flaky.FailsFirstTime")
        # One point per run: the last attempt, FLAKY.
        self.assertEqual([(p["run_id"], p["status"]) for p in trend], [(run["id"], "FLAKY")])

    def test_results_are_visible_while_the_run_goes_on(self):
        supervisor = harness.LiveProcess(self.supervise(harness.OPTIONS.other_bin, "live"))
        try:
            supervisor.wait_for_output(r"^\[       OK \] ", count=4)

            def seen_running():
                runs = query(self.server.url, "runs", "--label", "live")
                if not runs or runs[0]["status"] != "running":
                    return False
                return query(self.server.url, "show", str(runs[0]["id"]))["results"]
            results = harness.wait_until(seen_running, 30, "results while running")
            self.assertIsNone(supervisor.process.poll(), "the run ended before the check")
            self.assertGreater(len(results), 0)
            result = supervisor.finish()
        finally:
            supervisor.kill()
        self.assertEqual(result.returncode, 0, result.describe())
        run = self.run_of("live")
        self.assertEqual((run["status"], run["passed"]), ("green", 72), run)

    def test_two_supervisors_at_once(self):
        runs = [harness.LiveProcess(self.supervise(harness.OPTIONS.other_bin, "pair%d" % i))
                for i in (1, 2)]
        try:
            results = [r.finish() for r in runs]
        finally:
            for r in runs:
                r.kill()
        for i, result in enumerate(results, 1):
            self.assertEqual(result.returncode, 0, result.describe())
            run = self.run_of("pair%d" % i)
            self.assertEqual((run["status"], run["passed"]), ("green", 72), run)
            shown = query(self.server.url, "show", str(run["id"]))
            self.assertEqual(len(shown["results"]), 72)

    def test_concurrent_quarantine_adds_all_land(self):
        # Issue 16: a team shares one list; adds racing each other (and the
        # schema's creation, on a fresh server) must all land.
        names = ["PgConcurrent.T%d" % i for i in range(12)]
        processes = [subprocess.Popen([harness.OPTIONS.cli, "quarantine", "add", name,
                                       "--reason", "concurrent", "--history=" + self.server.url],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for name in names]
        for process in processes:
            _, err = process.communicate(timeout=60)
            self.assertEqual(process.returncode, 0, err.decode())
        listed = query(self.server.url, "quarantine", "list")
        self.assertEqual(sorted(e["test"] for e in listed if e["test"].startswith("PgConc")),
                         sorted(names))
        for name in names:
            removed = harness.run([harness.OPTIONS.cli, "quarantine", "remove", name,
                                   "--history=" + self.server.url], timeout=60)
            self.assertEqual(removed.returncode, 0, removed.describe())

    def test_serve_lists_stored_runs_and_follows_a_live_one(self):
        result = harness.run(self.supervise(harness.OPTIONS.bin, "served-crash",
                                            ["--dist-test-timeout=2"]))
        self.assertEqual(result.returncode, 1, result.describe())
        stored = self.run_of("served-crash")
        shown = query(self.server.url, "show", str(stored["id"]))
        statuses = [r["status"] for r in shown["results"]]
        server = harness.DashboardServer(harness.OPTIONS.cli, self.server.url).start()
        supervisor = None
        try:
            listed = {r["id"]: r for r in server.get("/api/runs?label=served-crash")["runs"]}
            self.assertEqual(list(listed), [stored["id"]])
            self.assertEqual(listed[stored["id"]]["status"], "red")
            page = server.get("/api/runs/%d" % stored["id"])
            counts = page["run"]["counts"]
            self.assertEqual(counts["total"], len(statuses), page["run"])
            self.assertEqual(counts["passed"], statuses.count("PASSED"), page["run"])
            self.assertEqual(counts["failed"], sum(statuses.count(s) for s in
                                                   ("FAILED", "CRASHED", "TIMEOUT")), page["run"])
            self.assertEqual(len(page["results"]), len(statuses))
            failed = {f["test"]: f for f in page["failures"]}
            self.assertIn("CrashChunk.Test2Aborts", failed)
            self.assertEqual(failed["CrashChunk.Test2Aborts"]["status"], "CRASHED")
            self.assertTrue(failed["CrashChunk.Test2Aborts"]["messages"], failed)
            # The history queries behind the other pages, on PostgreSQL.
            failures = server.get("/api/failures?test=Test2Aborts&label=served-crash")
            self.assertEqual([f["run_id"] for f in failures["failures"]], [stored["id"]])
            self.assertTrue(server.get("/api/tests/CrashChunk.Test2Aborts")["failed_on"])
            self.assertEqual(server.get("/api/flaky?label=served-crash")["tests"], [])
            output_id = failed["CrashChunk.Test2Aborts"]["id"]
            with urllib.request.urlopen(server.url + "api/results/%d/output" % output_id,
                                        timeout=60) as response:
                self.assertEqual(response.status, 200)

            # A live run, written by another supervisor while the page watches.
            supervisor = harness.LiveProcess(self.supervise(harness.OPTIONS.other_bin,
                                                            "served-live"))
            live = harness.wait_until(
                lambda: server.get("/api/runs?label=served-live")["runs"], 30, "the live run")[0]
            events, reader, stream = server.events(live["id"], 60)
            harness.wait_until(lambda: any(not e["finished"] and e["results"] for e in events),
                               60, "results streamed while the run goes on")
            result = supervisor.finish()
            self.assertEqual(result.returncode, 0, result.describe())
            reader.join(60)
            stream.close()
            self.assertFalse(reader.is_alive(), "the stream did not end with the run")
            self.assertTrue(events[-1]["finished"])
            self.assertEqual(events[-1]["run"]["status"], "green")
            self.assertEqual(events[-1]["run"]["counts"]["passed"], 72)
            streamed = [r["id"] for e in events for r in e["results"]]
            self.assertEqual(len(streamed), 72)
            self.assertEqual(len(set(streamed)), 72)  # each once

            # The database server restarts; the dashboard connects again.
            self.server.kill()
            self.server.start()

            def answers():
                try:
                    return server.get("/api/runs?label=served-live")["runs"]
                except urllib.error.HTTPError as e:
                    self.assertEqual(e.code, 500)  # the lost connection, said once
                    return None
            self.assertEqual(harness.wait_until(answers, 30, "an answer after the restart")[0]
                             ["status"], "green")
        finally:
            if supervisor:
                supervisor.kill()
            server.kill()

    def test_shipping_to_a_generic_worker_is_stored(self):
        # Issue 13: what shipping the build to a `gtest_dist worker` moved, in
        # run_shipping (schema version 6), read back by `show`.
        cache = tempfile.mkdtemp(prefix="gtest_dist_pg_cache_")
        self.addCleanup(shutil.rmtree, cache, True)
        worker = subprocess.Popen([harness.OPTIONS.cli, "worker", "--bind", "127.0.0.1:0",
                                   "--jobs", "2", "--cache-dir", cache],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        self.addCleanup(worker.wait)
        self.addCleanup(worker.terminate)
        address = worker.stdout.readline().decode().strip().replace("listening on ", "")
        for label in ("ship1", "ship2"):
            argv = [harness.OPTIONS.other_bin, "--dist-supervisor", "--workers", address,
                    "--dist-history=" + self.server.url, "--dist-label=" + label]
            result = harness.run(argv)
            self.assertEqual(result.returncode, 0, result.describe())
        first = query(self.server.url, "show", str(self.run_of("ship1")["id"]), "--no-output")
        second = query(self.server.url, "show", str(self.run_of("ship2")["id"]), "--no-output")
        self.assertEqual([s["worker"] for s in first["shipping"]], [address], first["shipping"])
        cold, warm = first["shipping"][0], second["shipping"][0]
        self.assertGreater(cold["files_shipped"], 0, cold)
        self.assertEqual(cold["files_shipped"], cold["files_total"], cold)
        self.assertGreater(cold["bytes_shipped"], 0, cold)
        self.assertEqual((warm["files_shipped"], warm["bytes_shipped"]), (0, 0), warm)
        self.assertEqual(warm["files_total"], cold["files_total"], warm)

    def test_server_killed_mid_run(self):
        supervisor = harness.LiveProcess(self.supervise(harness.OPTIONS.other_bin, "killed"))
        try:
            supervisor.wait_for_output(r"^\[       OK \] ", count=4)
            self.server.kill()
            result = supervisor.finish()
        finally:
            supervisor.kill()
            self.server.start()  # for the other tests
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)  # the run itself passed
        self.assertEqual(harness.Console(result.stdout).passed_count, 72, where)
        self.assertIn("not recorded", result.stderr, where)


if __name__ == "__main__":
    if "--flaky-bin" in sys.argv:
        i = sys.argv.index("--flaky-bin")
        FLAKY_BIN = sys.argv[i + 1]
        del sys.argv[i:i + 2]
    if server_binaries() is None:
        print("SKIPPED: PostgreSQL's server binaries (package postgresql) are not installed")
        sys.exit(SKIP)
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        print("SKIPPED: there is no postgres user to run the server as")
        sys.exit(SKIP)
    if os.geteuid() != 0:
        print("SKIPPED: starting a PostgreSQL server as the postgres user needs root")
        sys.exit(SKIP)
    harness.main()
