#!/usr/bin/env python3
"""Triage (issue 16), end to end with the `gtest_dist` command and a SQLite
store. Quarantine (item 3):

- a quarantined failing test leaves the exit code 0, is listed as
  quarantined on the console, carries the property in XML and JSON, and the
  run is green in the history; --dist-quarantine=off makes it red again;
- once --until has passed, the same run is red and says the entry expired;
- `quarantine add` from many processes at once: every entry lands;
- `quarantine auto` proposes a test that failed in some runs and passed in
  others, adds it with --apply, and lifts it once it passed its latest runs.

Failure signatures (item 4): twenty tests failing one assertion with
different numbers are one group of `failures --group`; another assertion is
another group.

Usage: triage_test.py --bin build/tests/integration/triage_suite --cli build/bin/gtest_dist
"""

import json
import os
import subprocess
import time

import harness

FILTER = "--gtest_filter=Quarantine.*"


class TriageTest(harness.HistoryTestCase):

    def supervise(self, *extra, env=None):
        return self.supervise_into_history("local:2", FILTER, *extra, env=env)

    def add(self, *args):
        result = self.cli("quarantine", "add", *args)
        self.assertEqual(result.returncode, 0, result.describe())
        return result

    def test_a_quarantined_failure_keeps_the_run_green(self):
        red = self.supervise()
        self.assertEqual(red.returncode, 1, red.describe())
        self.add("Quarantine.Fails", "--reason", "tracked in BUG-1", "--owner", "ana")
        xml = os.path.join(self.scratch, "report.xml")
        green = self.supervise("--gtest_output=xml:" + xml)
        where = green.describe()
        self.assertEqual(green.returncode, 0, where)
        self.assertIn("[QUARANTINED] Quarantine.Fails (FAILED, does not fail the run: "
                      "tracked in BUG-1; owner ana)", green.stdout, where)
        self.assertIn("[QUARANTINED] 1 test failed but did not fail the run", green.stdout, where)
        self.assertNotIn("FAILED TEST", green.stdout, where)
        with open(xml) as f:
            self.assertIn('name="gtest_dist_quarantined" value="tracked in BUG-1; owner ana"',
                          f.read())
        out_json = os.path.join(self.scratch, "report.json")
        self.assertEqual(self.supervise("--gtest_output=json:" + out_json).returncode, 0)
        with open(out_json) as f:
            report = json.load(f)
        tests = {t["name"]: t for s in report["testsuites"] for t in s["testsuite"]}
        self.assertEqual(tests["Fails"]["gtest_dist_quarantined"], "tracked in BUG-1; owner ana")
        self.assertNotIn("gtest_dist_quarantined", tests["Passes"])
        runs = self.query("runs")
        self.assertEqual([r["status"] for r in runs], ["green", "green", "red"], runs)
        shown = self.cli("show", str(runs[0]["id"]))
        self.assertRegex(shown.stdout, r"Quarantine\.Fails +1 +FAILED \(quarantined\)")
        self.assertIn("  quarantined: tracked in BUG-1; owner ana", shown.stdout)
        self.assertRegex(shown.stdout, r"  signature: triage_suite\.cc:\d+: Expected equality")
        stored = self.query("failures", "--test", "Quarantine.Fails")
        self.assertEqual([f["quarantined"] for f in stored],
                         ["tracked in BUG-1; owner ana"] * 2 + [None], stored)
        # The list is ignored on request.
        off = self.supervise("--dist-quarantine=off")
        self.assertEqual(off.returncode, 1, off.describe())
        self.assertNotIn("QUARANTINED", off.stdout, off.describe())
        # And lifted.
        self.assertEqual(self.cli("quarantine", "remove", "Quarantine.Fails").returncode, 0)
        self.assertEqual(self.supervise().returncode, 1)
        again = self.cli("quarantine", "remove", "Quarantine.Fails")
        self.assertEqual(again.returncode, 1, again.describe())
        self.assertIn("is not quarantined", again.stderr)

    def test_after_until_passes_the_same_run_is_red(self):
        until = int(time.time()) + 6
        self.add("Quarantine.Fails", "--reason", "until the fix lands", "--until", "@%d" % until)
        within = self.supervise()
        self.assertEqual(within.returncode, 0, within.describe())
        harness.wait_until(lambda: time.time() > until + 0.1, 30, "the entry's expiry")
        after = self.supervise()
        where = after.describe()
        self.assertEqual(after.returncode, 1, where)
        self.assertIn("[QUARANTINE] Quarantine.Fails: the quarantine expired on ", after.stdout,
                      where)
        self.assertIn("it fails the run again", after.stdout, where)
        listed = self.query("quarantine", "list")
        self.assertEqual([(e["test"], e["expired"]) for e in listed],
                         [("Quarantine.Fails", True)])

    def test_concurrent_adds_all_land(self):
        # The store exists first, as in any team that has run once.
        self.supervise()
        names = ["Concurrent.T%d" % i for i in range(16)]
        processes = [subprocess.Popen([harness.OPTIONS.cli, "quarantine", "add", name,
                                       "--reason", "concurrent", "--history=" + self.history],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for name in names]
        for process in processes:
            out, err = process.communicate(timeout=60)
            self.assertEqual(process.returncode, 0, err.decode())
        listed = self.query("quarantine", "list")
        self.assertEqual(sorted(e["test"] for e in listed), sorted(names))

    def test_auto_proposes_applies_and_lifts(self):
        for fail in [True, False, True, False]:
            self.supervise(env={"TRIAGE_FAIL": "1"} if fail else None)
        proposal = self.query("quarantine", "auto",
                                         "--flake-rate", "0.3", "--window", "10")
        self.assertEqual([a["test"] for a in proposal["add"]], ["Quarantine.FailsWhenAsked"],
                         proposal)
        self.assertEqual(self.query("quarantine", "list"), [])
        applied = self.cli("quarantine", "auto", "--flake-rate", "0.3", "--apply")
        self.assertEqual(applied.returncode, 0, applied.describe())
        self.assertIn("quarantined Quarantine.FailsWhenAsked", applied.stdout)
        listed = self.query("quarantine", "list")
        self.assertEqual([e["test"] for e in listed], ["Quarantine.FailsWhenAsked"])
        # Three passing runs in a row lift it.
        for _ in range(3):
            self.supervise()
        lifted = self.cli("quarantine", "auto", "--flake-rate", "0.9", "--clear-after", "3",
                          "--apply")
        self.assertEqual(lifted.returncode, 0, lifted.describe())
        self.assertIn("removed the quarantine of Quarantine.FailsWhenAsked", lifted.stdout)
        self.assertEqual(self.query("quarantine", "list"), [])

    def test_failures_group_by_signature(self):
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:2",
                              "--dist-history=" + self.history, "--gtest_filter=*Signature*"])
        self.assertEqual(result.returncode, 1, result.describe())
        groups = self.query("failures", "--group")
        self.assertEqual([(g["failures"], len(g["tests"])) for g in groups], [(20, 20), (1, 1)],
                         groups)
        self.assertRegex(groups[0]["signature"],
                         r"^triage_suite\.cc:\d+: Expected equality of these values: "
                         r"value \* # \+ # Which is: # value Which is: # at 0x\?$")
        self.assertEqual(groups[1]["tests"], ["SignatureOther.AnotherAssertion"])
        table = self.cli("failures", "--group")
        self.assertEqual(table.returncode, 0, table.describe())
        self.assertIn("20        20     1", table.stdout)
        # The dashboard's failures (its page groups them by this field).
        server = harness.DashboardServer(harness.OPTIONS.cli, self.history).start()
        try:
            shown = server.get("/api/failures?limit=100")["failures"]
        finally:
            server.kill()
        self.assertEqual(len({f["signature"] for f in shown}), 2, shown)
        self.assertEqual(sorted({f["signature"] for f in shown}),
                         sorted(g["signature"] for g in groups))

    def test_bad_arguments_are_named(self):
        no_reason = self.cli("quarantine", "add", "Quarantine.Fails")
        self.assertEqual(no_reason.returncode, 2)
        self.assertIn("--reason", no_reason.stderr)
        bad_until = self.cli("quarantine", "add", "Quarantine.Fails", "--reason", "x",
                             "--until", "soon")
        self.assertEqual(bad_until.returncode, 2)
        self.assertIn('--until: expected a date', bad_until.stderr)
        bad_name = self.cli("quarantine", "add", "NoDot", "--reason", "x")
        self.assertEqual(bad_name.returncode, 2)
        self.assertIn('"NoDot"', bad_name.stderr)
        bad_flag = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:1",
                                "--dist-quarantine=maybe"])
        self.assertNotEqual(bad_flag.returncode, 0)
        self.assertIn('--dist-quarantine: expected on or off, got "maybe"', bad_flag.stderr)


if __name__ == "__main__":
    harness.main()
