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

import os
import sqlite3

import harness

FILTER = "--gtest_filter=*SlowA.*:*SlowB.*"  # 24 tests of 150 ms
SELECTED = 24


class HistorySqliteTest(harness.IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.history = os.path.join(self.scratch, "history.sqlite")

    def argv(self, history, label):
        return [harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2",
                "--dist-history=" + history, "--dist-label=" + label, FILTER]

    def query(self, *args):
        return harness.query_history(self.history, *args)

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


if __name__ == "__main__":
    harness.main()
