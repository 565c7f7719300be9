#!/usr/bin/env python3
"""The console a person watches (issue 17), through a real pseudo-terminal:

- on a terminal, a status line ("[n/72] ... passed ...") is drawn at the
  bottom and redrawn in place (carriage return, erase to the end of the
  line) while the run goes, says something different as it progresses, never
  runs past the terminal's width, and is erased before gtest's summary:
  nothing of it is drawn after the summary begins;
- on a terminal the default console is `lines`: one line per finished test,
  then gtest's summary and the run's digest (slowest tests, worker shares);
- into a pipe, the same run prints gtest's blocks and not one byte of a
  status line (no carriage return, no escape sequence), with or without
  --dist-console=lines;
- a bad --dist-console value (flag or environment) is refused, naming it.

Usage: console_test.py --bin build/tests/integration/slow_suite [-v]
"""

import os
import re

import harness

SELECTED = 72  # slow_suite: 6 suites x 12 tests of 150 ms
COLUMNS = 100
# A status line as drawn: carriage return, the text, erase to end of line.
STATUS = re.compile(rb"\r(\[\d+/\d+\] [^\r\n\x1b]*)\x1b\[K")
ERASE = b"\r\x1b[K"
COLOR = re.compile(rb"\x1b\[[0-9;]*m")
SUMMARY = b"[==========] %d tests from 6 test suites ran." % SELECTED


class TerminalRun(harness.TerminalProcess):
    """The supervisor with its stdout on a pseudo-terminal of COLUMNS
    columns, what it writes read without colours."""

    def __init__(self, argv, env=None):
        super().__init__(argv, env, columns=COLUMNS)

    def data(self):
        """What was written, colours left out (the status line has none)."""
        return COLOR.sub(b"", self.raw())

    def statuses(self):
        return [m.group(1).decode(errors="replace") for m in STATUS.finditer(self.data())]

    def finish(self, timeout=harness.RUN_TIMEOUT):
        code, _, stderr = super().finish(timeout)
        return code, self.data(), stderr


class ConsoleTest(harness.IntegrationTestCase):

    def argv(self, pool, *extra):
        return [harness.OPTIONS.bin, "--dist-supervisor", "--workers",
                ",".join(pool.addresses() + ["local:2"])] + list(extra)

    def test_status_line_updates_in_place_and_is_gone_before_the_summary(self):
        with self.pool(harness.OPTIONS.bin, 1) as pool:
            run = TerminalRun(self.argv(pool))
            try:
                # Two different renderings while tests are still left: the
                # line is redrawn, not printed once.
                harness.wait_until(
                    lambda: len({s for s in run.statuses() if "/%d]" % SELECTED in s
                                 and not s.startswith("[%d/" % SELECTED)}) >= 2,
                    harness.RUN_TIMEOUT, "two different status lines during the run")
            finally:
                code, data, stderr = run.finish()
            pool.stop_all()
        text = data.decode(errors="replace")
        self.assertEqual(code, 0, stderr + harness.tail(text))
        statuses = [m for m in STATUS.finditer(data)]
        self.assertGreaterEqual(len(statuses), 2, harness.tail(text))
        for match in statuses:
            line = match.group(1).decode()
            # Cut to the terminal's width, one column short: never wraps.
            self.assertLess(len(line), COLUMNS, line)
            self.assertRegex(line, r"^\[\d+/72\] \d+ passed, 0 failed \| ")
            self.assertRegex(line, r"\| workers \d/\d busy")
        self.assertTrue(any("ETA " in m.group(1).decode() for m in statuses))
        self.assertTrue(any("running" in m.group(1).decode() for m in statuses))
        # Erased before the summary, never drawn again after it.
        summary = data.find(SUMMARY)
        self.assertGreater(summary, 0, harness.tail(text))
        self.assertLess(statuses[-1].end(), summary)
        self.assertNotEqual(data.rfind(ERASE, statuses[-1].end(), summary), -1,
                            "the last status line is not erased before the summary")
        self.assertIsNone(STATUS.search(data, summary), harness.tail(text))
        # `lines` is the default on a terminal: one line per test, then the
        # summary and the digest.
        # (A line may follow the erased status line on the same row.)
        lines = re.findall(rb"\[\s*\d+/72\] OK Step/Slow\w\.Works/\d+ \(", data)
        self.assertEqual(len(lines), SELECTED, harness.tail(text))
        self.assertNotIn(b"[ RUN      ]", data)
        tail = data[summary:]
        self.assertRegex(tail, rb"\r\nSlowest: Step/Slow\w\.Works/\d+ \d")
        self.assertRegex(tail, rb"\r\nWork: [^\r\n]*% \(\d+ tests?\)")

    def test_failures_console_on_a_terminal_prints_no_passing_test(self):
        run = TerminalRun([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:3",
                           "--dist-console=failures", "--gtest_filter=Step/SlowA*:Step/SlowB*"])
        code, data, stderr = run.finish()
        text = data.decode(errors="replace")
        self.assertEqual(code, 0, stderr + harness.tail(text))
        self.assertNotIn(b"] OK ", data)
        self.assertIn(b"[==========] 24 tests from 2 test suites ran.", data)
        self.assertIn(b"[  PASSED  ] 24 tests.", data)

    def test_a_pipe_gets_no_status_line(self):
        for extra in ([], ["--dist-console=lines"]):
            with self.subTest(extra=extra):
                result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers",
                                      "local:3", "--gtest_filter=Step/SlowA*:Step/SlowB*"] + extra,
                                     env={"TERM": "xterm"})
                self.assertEqual(result.returncode, 0, result.describe())
                self.assertNotIn("\r", result.stdout)
                self.assertNotIn("\x1b", result.stdout)
                if extra:
                    self.assertRegex(result.stdout, r"(?m)^\[ \d/24\] OK Step/SlowA\.")
                else:
                    # blocks, as before: what log scrapers and drivers read.
                    self.assertIn("[ RUN      ] Step/SlowA.Works/0\n", result.stdout)
                    self.assertNotIn("Slowest:", result.stdout)

    def test_a_result_is_shown_while_the_next_test_of_its_chunk_runs(self):
        # dashboard_suite (--other-bin): an instant test, then one of 6 s, in
        # one chunk on one slot. The first one's line must not wait for the
        # second to end (a child's batched events are sent when a test starts).
        if not harness.OPTIONS.other_bin:
            self.skipTest("needs --other-bin dashboard_suite")
        state = os.path.join(self.scratch, "state")
        os.mkdir(state)
        run = harness.LiveProcess(
            [harness.OPTIONS.other_bin, "--dist-supervisor", "--workers", "local:1",
             "--dist-min-chunk=2", "--dist-console=lines", "--dist-history=off",
             "--gtest_filter=Flip.*:Many/Slow.Works/0"],
            env={"DASHBOARD_SUITE_SLEEP_MS": "6000", "DASHBOARD_SUITE_STATE": state})
        self.addCleanup(run.kill)
        run.wait_for_output(r"OK Flip\.FailsEveryOtherRun", deadline_s=4)
        self.assertNotIn("Many/Slow.Works/0 (", run.text(), "the long test had not ended yet")
        result = run.finish()
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertIn("OK Many/Slow.Works/0", result.stdout, result.describe())

    def test_bad_console_value_is_refused_naming_it(self):
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:1",
                              "--dist-console=fancy"])
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('--dist-console: expected blocks, lines or failures, got "fancy"',
                      result.stderr)
        result = harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", "local:1"],
                             env={"GTEST_DIST_CONSOLE": "verbose"})
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("GTEST_DIST_CONSOLE", result.stderr)
        self.assertIn('"verbose"', result.stderr)


if __name__ == "__main__":
    harness.main()
