#!/usr/bin/env python3
"""Speed at scale (issue 15): wall time against the ideal makespan.

Builds the benchmark suites in a build of this tree (--build, default
build/: configured with GTEST_DIST_SCALE_BENCH_GEN_DIR, which adds
bench/scale; nothing is added to `all` or to ctest) and runs each scenario
with gtest_dist five times in the same run, the speed-ups switched off by
their environment variables: "before" (all off: chunks cut for balance
alone, a child started per chunk), "sized" (start-up-aware chunk sizes
only), "no-tail" (all but tail control), "unpriced" (all but set-up-aware
splits) and "this" (all on, the default); --runners picks some of them. With --base-rev REV it also builds REV standalone (cmake -S
bench/scale against `git archive REV`) and runs it too: on a loaded 2-core
machine that is a long build. Printed per runner: the wall time, the ideal
makespan, their ratio, the peak RSS of the largest process of the run (the
supervisor), the CPU seconds of the whole process tree and, where the suite
traces them, the number of SetUpTestSuite runs.

Scenarios (the table of issue 15):
  trivial2k   2,000 trivial tests, 2 slots   (plain; each test in its own
              process, 2 at once, as ctest -j2 runs them)
  trivial100k 100,000 trivial tests (100 value-parameterised suites of
              1,000), 2 slots                              (plain)
  sleep20     the same binary, tests sleeping ~20 ms (log-normal), 64 slots.
              Opt-in: --only sleep20 runs 10,000 of the tests (ideal about
              3 s), --full all 100,000 (ideal about 31 s; plain would take
              2,000 s). Either takes minutes of CPU on 2 cores: every child
              of the 100,000-test binary registers all of its tests.
  setup60     60 suites x 10 tests of 50 ms, 1 s SetUpTestSuite, 8 slots,
              warm history      (a process per test, 8 at once, with --peers)
  heavytail   400 log-normal tests (mean 100 ms) with 4 x 5 s outliers,
              8 slots, warm history      (a process per test, 8 at once, with --peers)
  first40     a first run without history, 3 slots: 211 tests, the longest
              40 s x --first-scale (default 0.25: 10 s, the whole scenario
              about a minute), in one suite with four long tests (a quarter of
              it each) among short ones; the ideal is the longest test
              (bench/scale/gen_first_run_suite.py)

Each gtest_dist runner but "before" has tail control (an idle slot takes the
unstarted tests of a running chunk); "no-tail" is "this" without it
(GTEST_DIST_TAIL_SPLIT=0).

The default run takes a few minutes on 2 cores. The machine is small and
shared: quote the ratios, measured side by side in the same run.

  bench/scale_bench.py [--build DIR] [--base-rev main] [--base-build DIR] [--full] [--peers]
                       [--only a,b] [--runners before,this]
"""
import argparse
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def sh(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def generate(gen, shared, full, first_scale):
    sh([sys.executable, os.path.join(HERE, "scale", "gen_param_suite.py"),
        "--out", os.path.join(gen, "param")])
    suites = {
        "trivial": ["--suites", "20", "--tests-per-suite", "100", "--dist", "const",
                    "--mean-ms", "0", "--suite-prefix", "Trivial"],
        "setup": ["--suites", "60", "--tests-per-suite", "10", "--dist", "const",
                  "--mean-ms", "50", "--setup-ms", "1000", "--suite-prefix", "Setup"],
        "tail": ["--suites", "40", "--tests-per-suite", "10", "--dist", "lognormal",
                 "--mean-ms", "100", "--outliers", "4", "--outlier-ms", "5000",
                 "--suite-prefix", "Tail"],
    }
    for name, args in suites.items():
        out = os.path.join(gen, name)
        sh([sys.executable, os.path.join(shared, "gen_suite.py"), "--out", out, "--seed", "1"]
           + args, stderr=subprocess.DEVNULL)
        for f in ("bench_work.h", "bench_work.cc"):
            src, dst = os.path.join(shared, f), os.path.join(out, f)
            if not os.path.exists(dst) or open(src).read() != open(dst).read():
                shutil.copy(src, dst)
    sh([sys.executable, os.path.join(HERE, "scale", "gen_first_run_suite.py"),
        "--out", os.path.join(gen, "first"), "--scale", str(first_scale)])
    # Durations of the param suite: log-normal, mean 20 ms.
    rng = random.Random(1)
    s = 1.0
    durations = [rng.lognormvariate(math.log(20) - s * s / 2, s) for _ in range(100000)]
    path = os.path.join(gen, "durations20.f32")
    with open(path, "wb") as f:
        f.write(struct.pack("<%df" % len(durations), *durations))
    return durations


def build(src, build_dir, gen):
    launcher = []
    if shutil.which("ccache"):
        launcher = ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
    sh(["cmake", "-S", os.path.join(HERE, "scale"), "-B", build_dir,
        "-DCMAKE_BUILD_TYPE=Release", "-DGTEST_DIST_SOURCE_DIR=" + src,
        "-DSCALE_GEN_DIR=" + gen] + launcher, stdout=subprocess.DEVNULL)
    sh(["nice", "cmake", "--build", build_dir, "-j2"], stdout=subprocess.DEVNULL)


def manifest_ideal(gen, name, slots):
    m = json.load(open(os.path.join(gen, name, "manifest.json")))
    suites = {s["name"]: s for s in m["suites"]}

    def setup(s):
        return suites[s]["setup_ms"] + suites[s]["teardown_ms"]
    total = sum(t["duration_ms"] for t in m["tests"]) + sum(setup(s) for s in suites)
    longest = max(t["duration_ms"] + setup(t["suite"]) for t in m["tests"])
    return max(longest, total / slots) / 1000.0


def run(cmd, env_extra=None, cwd=None):
    """Wall seconds, CPU seconds of the tree, peak RSS (MB) of its largest process."""
    env = dict(os.environ)
    env.update(env_extra or {})
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, proc.returncode


def per_test_main(binary, jobs):
    names, suite = [], ""
    for line in subprocess.run([binary, "--gtest_list_tests"], check=True, capture_output=True,
                               text=True).stdout.splitlines():
        if not line.startswith(" "):
            suite = line.split("#")[0].strip()
        else:
            names.append(suite + line.split("#")[0].strip())
    from concurrent.futures import ThreadPoolExecutor

    def one(name):
        return subprocess.run([binary, "--gtest_filter=" + name], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode
    with ThreadPoolExecutor(jobs) as pool:
        failed = sum(1 for rc in pool.map(one, names) if rc != 0)
    sys.exit(1 if failed else 0)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--internal-per-test":
        per_test_main(sys.argv[2], int(sys.argv[3]))
        return
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "bench"),
                   help="directory of gen_suite.py and bench_work.{h,cc}")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "scale-bench"))
    p.add_argument("--build", default=os.path.join(ROOT, "build"),
                   help="build directory of this tree (configured to add bench/scale)")
    p.add_argument("--base-rev", help="also build and run this git revision (e.g. main)")
    p.add_argument("--full", action="store_true",
                   help="sleep20 with all 100,000 tests (ideal about 31 s)")
    p.add_argument("--peers", action="store_true",
                   help="also ctest -j8 for setup60 and heavytail (about 80 s each)")
    p.add_argument("--first-scale", type=float, default=0.25,
                   help="first40: the longest test is 40 s times this")
    p.add_argument("--only", default="", help="comma-separated scenarios")
    p.add_argument("--runners", default="",
                   help="comma-separated runners (before,sized,no-tail,unpriced,this)")
    p.add_argument("--repeat", type=int, default=1, help="runs per runner (best is kept)")
    p.add_argument("--base-build",
                   help="a directory of scale_*_dist binaries built from another revision "
                        "(e.g. copied from a bench build before a change): runner \"base\", "
                        "run with the environment of \"this\"")
    a = p.parse_args()

    work = os.path.abspath(a.work)
    gen = os.path.join(work, "gen")
    os.makedirs(gen, exist_ok=True)
    durations = generate(gen, os.path.abspath(a.shared), a.full, a.first_scale)
    builds = {}  # label -> (build dir, extra environment)
    only = set(filter(None, a.only.split(",")))
    needs = {"param": {"trivial100k", "sleep20"}, "trivial": {"trivial2k"},
             "setup": {"setup60"}, "tail": {"heavytail"}, "first": {"first40"}}
    targets = ["scale_%s_%s" % (n, k) for n in needs
               if not only or needs[n] & only or (n == "param" and a.full)
               for k in ("dist", "plain")]
    if a.base_rev:
        # Another revision, standalone (cmake -S bench/scale): LABEL/src, LABEL/build.
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", a.base_rev],
                             check=True, capture_output=True, text=True).stdout.strip()
        base_src = os.path.join(work, rev, "src")
        if not os.path.isdir(base_src):
            os.makedirs(base_src)
            archive = subprocess.run(["git", "-C", ROOT, "archive", rev], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", base_src], input=archive, check=True)
        print("building against %s ..." % rev, file=sys.stderr, flush=True)
        b = os.path.join(work, rev, "build")
        build(base_src, b, gen)
        builds[rev] = (b, {})
    # This tree: its own build directory, configured to add bench/scale.
    this_build = os.path.abspath(a.build)
    print("building in %s ..." % this_build, file=sys.stderr, flush=True)
    sh(["cmake", "-S", ROOT, "-B", this_build, "-DGTEST_DIST_SCALE_BENCH_GEN_DIR=" + gen],
       stdout=subprocess.DEVNULL)
    sh(["nice", "cmake", "--build", this_build, "-j2", "--target"] + targets,
       stdout=subprocess.DEVNULL)
    # The same binary with the speed-ups switched off one by one: "before"
    # spawns a child per chunk and cuts chunks for balance alone, "sized" adds
    # start-up-aware chunk sizes, "no-tail" has everything but tail control,
    # "unpriced" everything but set-up-aware splits, "this" everything.
    scale_dir = os.path.join(this_build, "bench", "scale")
    off = {"GTEST_DIST_CHUNK_SIZING": "0", "GTEST_DIST_WARM_CHILDREN": "off",
           "GTEST_DIST_TAIL_SPLIT": "0", "GTEST_DIST_SETUP_PRICING": "0"}
    builds["before"] = (scale_dir, off)
    builds["sized"] = (scale_dir, dict(off, GTEST_DIST_CHUNK_SIZING="1"))
    builds["no-tail"] = (scale_dir, {"GTEST_DIST_TAIL_SPLIT": "0"})
    builds["unpriced"] = (scale_dir, {"GTEST_DIST_SETUP_PRICING": "0"})
    builds["this"] = (scale_dir, {"GTEST_DIST_WARM_CHILDREN": "on"})
    if a.base_build:
        builds["base"] = (os.path.abspath(a.base_build), dict(builds["this"][1]))
    any_build = builds["this"][0]
    chosen = set(filter(None, a.runners.split(",")))
    if chosen - set(builds):
        sys.exit("--runners: unknown runner %s; the runners are %s" %
                 (", ".join(sorted(chosen - set(builds))), ", ".join(builds)))
    if chosen:
        builds = {label: b for label, b in builds.items() if label in chosen}

    results = []
    # For the trivial scenarios the ideal is the plain sequential run (one
    # process, no distribution), and "over" = wall - plain is the cost of
    # distributing; for the others it is the makespan formula of
    # shared/bench/README.md.
    print("%-12s %-24s %8s %8s %7s %8s %8s %7s" % (
        "scenario", "runner", "wall s", "ideal s", "ratio", "RSS MB", "CPU s", "setups"))

    def report(scenario, runner, ideal, cmd, env=None, trace=False, warm=None, cwd=None):
        best = None
        for _ in range(a.repeat):
            env = dict(env or {})
            tf = None
            if trace:
                tf = tempfile.NamedTemporaryFile(prefix="trace-", dir=work, delete=False).name
                env["BENCH_TRACE"] = tf
            wall, cpu, rss, rc = run(cmd, env, cwd)
            setups = ""
            if tf:
                setups = sum(1 for line in open(tf) if line.startswith("SETUP "))
                os.unlink(tf)
            if best is None or wall < best[0]:
                best = (wall, cpu, rss, rc, setups)
        wall, cpu, rss, rc, setups = best
        ratio = ideal / wall if ideal else float("nan")
        line = "%-12s %-24s %8.2f %8s %7.2f %8.1f %8.1f %7s%s" % (
            scenario, runner, wall, "%.2f" % ideal if ideal else "-", ratio, rss, cpu, setups,
            "" if rc in (0,) else "  (exit %d)" % rc)
        print(line, flush=True)
        results.append(dict(scenario=scenario, runner=runner, wall=wall, ideal=ideal,
                            ratio=ratio, rss_mb=rss, cpu=cpu, setups=setups, exit=rc))
        return wall

    def dist(label, name, slots, extra, history=None):
        cmd = [os.path.join(builds[label][0], "scale_" + name + "_dist"), "--dist-supervisor",
               "--workers", "local:%d" % slots,
               "--dist-history=" + (history or "off")] + extra
        return cmd

    def env_of(label, extra=None):
        env = dict(builds[label][1])
        env.update(extra or {})
        return env

    def per_test(name, jobs, env=None):
        """Each test in its own process, `jobs` at once: what ctest -j does
        with gtest_discover_tests, without ctest's own bookkeeping."""
        binary = os.path.join(any_build, "scale_%s_plain" % name)
        return [sys.executable, os.path.abspath(__file__), "--internal-per-test", binary,
                str(jobs)]

    def want(s):
        return not only or s in only

    if want("trivial2k"):
        plain = os.path.join(any_build, "scale_trivial_plain")
        ideal = report("trivial2k", "plain gtest (= ideal)", None, [plain])
        for label in builds:
            report("trivial2k", "gtest_dist " + label, ideal, dist(label, "trivial", 2, []),
                   env_of(label))
        report("trivial2k", "process per test -j2", ideal, per_test("trivial", 2))
    if want("trivial100k"):
        plain = os.path.join(any_build, "scale_param_plain")
        run([plain])  # warms the page cache
        ideal = report("trivial100k", "plain gtest (= ideal)", None, [plain])
        for label in builds:
            report("trivial100k", "gtest_dist " + label, ideal, dist(label, "param", 2, []),
                   env_of(label))
    # Opt-in: 64 children of a 100,000-test binary each pay its start-up
    # (about 0.3 CPU-s) per chunk, minutes of CPU on 2 cores.
    if (only and "sleep20" in only) or a.full:
        n = 100000 if a.full else 10000
        flt = [] if a.full else ["--gtest_filter=S/P00?.*"]
        ideal = max(max(durations[:n]), sum(durations[:n]) / 64) / 1000.0
        env = {"BENCH_SCALE_DURATIONS": os.path.join(gen, "durations20.f32")}
        for label in builds:
            report("sleep20" + ("" if a.full else "/10k"), "gtest_dist " + label, ideal,
                   dist(label, "param", 64, flt), env_of(label, env))
    for name, scenario in (("setup", "setup60"), ("tail", "heavytail")):
        if not want(scenario):
            continue
        ideal = manifest_ideal(gen, name, 8)
        for label in builds:
            hist = os.path.join(work, "history-%s-%s.sqlite" % (scenario, label))
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(hist + suffix):
                    os.unlink(hist + suffix)
            run(dist(label, name, 8, [], hist), env_of(label))  # warms the history
            report(scenario, "gtest_dist " + label + " warm", ideal,
                   dist(label, name, 8, [], hist), env_of(label), trace=True)
        if a.peers:
            report(scenario, "process per test -j8", ideal, per_test(name, 8), trace=True)
    if want("first40"):
        # No history: each run is a first run.
        ideal = manifest_ideal(gen, "first", 3)
        for label in builds:
            report("first40", "gtest_dist " + label, ideal, dist(label, "first", 3, []),
                   env_of(label))
    json.dump(results, open(os.path.join(work, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
