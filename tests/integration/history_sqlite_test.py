#!/usr/bin/env python3
"""The SQLite history store under bad and concurrent input (issue 5, point 5):
the run itself always completes and reports; the store problem costs a clear
message that says what was not recorded.

- two supervisors writing one file at the same time: both runs complete, every
  result of both is stored;
- a database held locked by another process for longer than the busy timeout;
- a foreign file, a store of a newer schema, an unreachable PostgreSQL server.

Usage: history_sqlite_test.py --bin build/tests/integration/slow_suite --cli build/bin/gtest_dist
"""

import json
import os
import sqlite3

import harness

FILTER = "--gtest_filter=*SlowA.*:*SlowB.*"  # 24 tests of 150 ms
SELECTED = 24


class HistorySqliteTest(harness.HistoryTestCase):

    def argv(self, history, label):
        return [harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2",
                "--dist-history=" + history, "--dist-label=" + label, FILTER]

    def assert_run_completed(self, result):
        where = result.describe()
        self.assertEqual(result.returncode, 0, where)
        self.assertEqual(harness.Console(result.stdout).passed_count, SELECTED, where)

    def test_two_supervisors_on_one_file_lose_nothing(self):
        first = harness.LiveProcess(self.argv(self.history, "first"))
        second = harness.LiveProcess(self.argv(self.history, "second"))
        try:
            results = [first.finish(), second.finish()]
        finally:
            first.kill()
            second.kill()
        for result in results:
            self.assert_run_completed(result)
            self.assertNotIn("not recorded", result.stderr, result.describe())
        runs = self.query("runs")
        self.assertEqual(sorted(r["label"] for r in runs), ["first", "second"])
        for run in runs:
            self.assertEqual((run["status"], run["passed"]), ("green", SELECTED), run)
            shown = self.query("show", str(run["id"]), "--no-output")
            self.assertEqual(len(shown["results"]), SELECTED, run)

    def test_a_locked_database_costs_the_history_not_the_run(self):
        # Create the store, then hold its write lock for the whole run.
        self.assert_run_completed(harness.run(self.argv(self.history, "before")))
        holder = sqlite3.connect(self.history, timeout=1, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            result = harness.run(self.argv(self.history, "locked"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        self.assert_run_completed(result)
        self.assertIn("not recorded", result.stderr, result.describe())
        self.assertIn("locked", result.stderr, result.describe())

    def test_a_foreign_file_is_named_and_left_alone(self):
        with open(self.history, "wb") as f:
            f.write(b"this is somebody's notes, not a database\n" * 100)
        result = harness.run(self.argv(self.history, "foreign"))
        self.assert_run_completed(result)
        self.assertIn(self.history, result.stderr, result.describe())
        self.assertIn("not recorded", result.stderr, result.describe())
        with open(self.history, "rb") as f:
            self.assertTrue(f.read().startswith(b"this is somebody's notes"))

    def test_a_newer_schema_is_refused_with_both_versions(self):
        self.assert_run_completed(harness.run(self.argv(self.history, "before")))
        db = sqlite3.connect(self.history)
        db.execute("INSERT INTO schema_version (version) VALUES (99)")
        db.commit()
        db.close()
        result = harness.run(self.argv(self.history, "newer"))
        self.assert_run_completed(result)
        self.assertIn("schema version 99", result.stderr, result.describe())
        self.assertIn("newer than this gtest_dist understands", result.stderr)

    def test_an_unreachable_postgresql_server(self):
        # Nothing listens on port 1 (privileged, unassigned): refused at once.
        url = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
        result = harness.run(self.argv(url, "nowhere"))
        self.assert_run_completed(result)
        self.assertIn("not recorded", result.stderr, result.describe())
        self.assertIn("127.0.0.1", result.stderr, result.describe())

    # Issue 11 item 5: queries read; they never create or change a store.
    def test_a_query_of_a_mistyped_path_creates_nothing(self):
        typo = os.path.join(self.scratch, "no", "such", "typo.db")
        for command in (["runs"], ["show", "1"], ["failures"], ["flaky"]):
            result = harness.run([harness.OPTIONS.cli] + command + ["--history=" + typo],
                                 timeout=60)
            self.assertEqual(result.returncode, 1, result.describe())
            self.assertIn("no history store at " + typo, result.stderr, result.describe())
        self.assertFalse(os.path.exists(os.path.join(self.scratch, "no")))

    def test_a_foreign_sqlite_database_stays_byte_identical(self):
        foreign = os.path.join(self.scratch, "app.db")
        db = sqlite3.connect(foreign)
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)")
        db.execute("INSERT INTO invoices (amount) VALUES (42)")
        db.commit()
        db.close()
        with open(foreign, "rb") as f:
            before = f.read()
        query = harness.run([harness.OPTIONS.cli, "runs", "--history=" + foreign], timeout=60)
        self.assertEqual(query.returncode, 1, query.describe())
        self.assertIn("not a gtest_dist history store", query.stderr, query.describe())
        run = harness.run(self.argv(foreign, "foreign"))
        self.assert_run_completed(run)
        self.assertIn("something else", run.stderr, run.describe())
        self.assertIn("not recorded", run.stderr, run.describe())
        with open(foreign, "rb") as f:
            self.assertEqual(f.read(), before, "the foreign database was changed")
        self.assertFalse(os.path.exists(foreign + "-wal"))
        # And the guard holds on the next run too (nothing marked it ours).
        again = harness.run(self.argv(foreign, "again"))
        self.assertIn("something else", again.stderr, again.describe())

    # Issue 11 item 8: a run still going shows what it has so far.
    def test_runs_shows_the_counts_of_a_run_still_going(self):
        # One slot, 72 tests of 150 ms: about 11 s of run to look at.
        live = harness.LiveProcess([harness.OPTIONS.bin, "--dist-supervisor", "--workers",
                                    "local:1", "--dist-history=" + self.history,
                                    "--dist-label=live"])
        try:
            seen = []

            def counted_while_running():
                if not os.path.exists(self.history):
                    return False
                result = harness.run([harness.OPTIONS.cli, "runs", "--history=" + self.history,
                                      "--json"], timeout=60)
                if result.returncode != 0:
                    return False
                runs = json.loads(result.stdout)
                if runs and runs[0]["status"] == "running" and runs[0]["results_recorded"] >= 5:
                    seen.append(runs[0])
                    return True
                return False

            harness.wait_until(counted_while_running, 60, "a running run with results")
            running = seen[0]
            # Every test passes: each recorded result is one more passed.
            self.assertGreaterEqual(running["passed"], 5, running)
            self.assertEqual(running["failed"], 0, running)
            table = harness.run([harness.OPTIONS.cli, "runs", "--history=" + self.history],
                                timeout=60)
            row = table.stdout.splitlines()[1].split()
            self.assertIn("running", row, table.stdout)
            done, passed = row[-5].split("/")[0], row[-4]
            self.assertNotEqual(passed, "0", table.stdout)
            self.assertLessEqual(int(passed), int(done), table.stdout)
            result = live.finish()
        finally:
            live.kill()
        self.assertEqual(result.returncode, 0, result.describe())

    # Issue 11 item 12: what the store holds reaches a terminal escaped; a
    # label cannot recolour it, move its cursor or forge a line.
    def test_queries_print_text_from_the_store_escaped(self):
        label = "red\x1b[31mALERT\nrun 999  green  forged\x07"
        run = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2",
                           "--dist-history=" + self.history, "--dist-label=" + label,
                           "--gtest_filter=*SlowA.*"])
        self.assertEqual(run.returncode, 0, run.describe())
        stored = self.query("runs")
        self.assertEqual(stored[0]["label"], label, "the store keeps the label as given")
        for command in (["runs"], ["show", str(stored[0]["id"]), "--no-output"]):
            shown = harness.run([harness.OPTIONS.cli] + command + ["--history=" + self.history],
                                timeout=60)
            self.assertEqual(shown.returncode, 0, shown.describe())
            for raw in ("\x1b", "\x07"):
                self.assertNotIn(raw, shown.stdout, shown.describe())
            self.assertIn("red\\x1b[31mALERT\\nrun 999  green  forged\\x07", shown.stdout,
                          shown.describe())
            self.assertFalse([line for line in shown.stdout.splitlines()
                              if line.startswith("run 999")], shown.describe())


if __name__ == "__main__":
    harness.main()
