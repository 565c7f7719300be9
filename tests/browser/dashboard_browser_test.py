#!/usr/bin/env python3
"""The dashboard in a real browser: headless Debian chromium, driven by
playwright-core (dashboard_checks.js), watching a distributed run of
tests/integration/dashboard_suite (one worker and one local slot) that the
supervisor serves with --dist-dashboard. Checks, while runs are in progress:
counts rise without a reload, a failure's message shows before the run ends
(an XSS payload, shown as text, running nothing), the runs list turns a run
red at its end, the test page draws the duration trend with the change marked.

Skipped (exit 77) with a message when node, chromium or playwright-core
(npm ci in tests/browser) are missing.

Usage: dashboard_browser_test.py --bin build/tests/integration/dashboard_suite [-v]
       dashboard_browser_test.py --bin ... --screenshots DIR   (scripts/screenshots.sh)
"""

import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402

SKIP = 77
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
URL_DEADLINE = 20
CHECK_TIMEOUT = 150


def missing_tools():
    missing = []
    if shutil.which("node") is None:
        missing.append("node (apt-get install nodejs)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append("chromium at %s (apt-get install chromium)" % CHROMIUM)
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        missing.append("playwright-core (cd tests/browser && npm ci)")
    return missing


class Supervisor:
    """The supervisor serving its runs; reads the dashboard URL off stderr."""

    def __init__(self, argv, env, log_dir):
        self.log = tempfile.NamedTemporaryFile(prefix="supervisor-", suffix=".log",
                                               dir=log_dir, delete=False)
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.PIPE,
                                        env=env, start_new_session=True)
        self.stderr = []
        self.url = None
        self._found = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace")
            self.stderr.append(line)
            match = re.search(r"dashboard at (http://\S+)", line)
            if match and not self.url:
                self.url = match.group(1)
                self._found.set()
        self._found.set()

    def wait_url(self):
        self._found.wait(URL_DEADLINE)
        if not self.url:
            raise AssertionError("supervisor printed no dashboard URL within %ss:\n%s" % (
                URL_DEADLINE, "".join(self.stderr)))
        return self.url

    def wait(self, timeout):
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            harness.kill_group(self.process)
            raise

    def kill(self):
        if self.process.poll() is None:
            harness.kill_group(self.process)


def watch(testcase, mode, extra=(), repeat=5, sleep_ms=900):
    """Starts a worker and a supervisor with a dashboard, runs the node script
    against it, returns (node result, supervisor exit code). In `check` mode
    run 1 cannot end before the page has seen it live, however slowly the
    browser starts: Slow/0 waits for a gate file that the node script creates
    once it has (and this function, once the node script has ended)."""
    state = os.path.join(testcase.scratch, "state")
    os.mkdir(state)
    env = dict(os.environ, DASHBOARD_SUITE_STATE=state, DASHBOARD_SUITE_SLEEP_MS=str(sleep_ms))
    node_env = dict(os.environ)
    gate = os.path.join(testcase.scratch, "gate")
    if mode == "check":
        env["DASHBOARD_SUITE_GATE"] = gate
        node_env["DASHBOARD_GATE"] = gate
    with testcase.pool(harness.OPTIONS.bin, 1, jobs=2, env=env) as pool:
        argv = [harness.OPTIONS.bin, "--dist-supervisor",
                "--workers", ",".join(pool.addresses() + ["local:1"]),
                "--dist-dashboard=127.0.0.1:0", "--gtest_repeat=%d" % repeat,
                # Without timing history the scheduler hands out the biggest
                # suite (Slow, 24 tests) first and Hostile.Message last, when
                # the run is nearly over. Seed 2 puts Hostile's suite first in
                # run 1, so its failure arrives while the Slow tests still run.
                "--gtest_shuffle", "--gtest_random_seed=2"]
        supervisor = Supervisor(argv, env, testcase.scratch)
        try:
            url = supervisor.wait_url()
            try:
                node = subprocess.run(["node", os.path.join(HERE, "dashboard_checks.js"), mode,
                                       url] + list(extra), capture_output=True, text=True,
                                      timeout=CHECK_TIMEOUT, cwd=HERE, env=node_env)
            finally:
                open(gate, "w").close()
            code = supervisor.wait(harness.RUN_TIMEOUT)
        finally:
            supervisor.kill()
        pool.stop_all()
    return node, code


class DashboardBrowserTest(harness.IntegrationTestCase):

    def test_live_run_in_chromium(self):
        node, code = watch(self, "check")
        sys.stderr.write(node.stdout)
        self.assertEqual(node.returncode, 0, "browser checks failed:\n%s\n%s" % (
            node.stdout, node.stderr))
        # Hostile.Message fails in every run.
        self.assertEqual(code, 1)


def main():
    if "--screenshots" in sys.argv:
        at = sys.argv.index("--screenshots")
        out_dir = os.path.abspath(sys.argv[at + 1])
        del sys.argv[at:at + 2]

        class Screenshots(harness.IntegrationTestCase):
            def test_screenshots(self):
                node, _ = watch(self, "screenshots", [out_dir], repeat=8, sleep_ms=150)
                sys.stderr.write(node.stdout)
                self.assertEqual(node.returncode, 0, node.stdout + node.stderr)

        globals()["DashboardBrowserTest"] = Screenshots
    missing = missing_tools()
    if missing:
        print("SKIPPED: the browser tests need " + "; ".join(missing))
        sys.exit(SKIP)
    harness.main()


if __name__ == "__main__":
    main()
