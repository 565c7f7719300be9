// The console reporter against real GoogleTest 1.12.1 console output.
//
// The golden texts below are what the plain binaries described in
// report_test_model.h printed (g++ -std=c++17 golden_test.cc -lgtest
// -lgtest_main -pthread), with the flags named above each, minus gtest_main's
// "Running main() from ..." line and with times replaced by '#'.
#include "gtest_dist/report/console_reporter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/unit/report_test_model.h"
#include "tests/unit/terminal_test_support.h"

namespace gtest_dist {
namespace {

using report_test::BuildGoldenRun;
using report_test::BuildSuiteRun;
using report_test::CapturedFile;
using report_test::NormaliseTimes;
using report_test::ReportRun;

// ./golden
constexpr char kGoldenConsole[] =
    R"golden([==========] Running 9 tests from 4 test suites.
[----------] Global test environment set-up.
[----------] 5 tests from Basic
[ RUN      ] Basic.Passes
hello from Passes
[       OK ] Basic.Passes (# ms)
[ RUN      ] Basic.FailsTwice
before first
golden_test.cc:12: Failure
Expected equality of these values:
  1
  2
between
golden_test.cc:15: Failure
Failed
second <script>alert(1)</script> & ]]> done
after
[  FAILED  ] Basic.FailsTwice (# ms)
[ RUN      ] Basic.Skips
skipping now
golden_test.cc:22: Skipped
not today
[  SKIPPED ] Basic.Skips (# ms)
[ DISABLED ] Basic.DISABLED_Off
[ RUN      ] Basic.Props
[       OK ] Basic.Props (# ms)
[ RUN      ] Basic.Control
golden_test.cc:33: Failure
Failed
ctrl)golden"
    "\x01"
    R"golden()golden"
    "\x02"
    R"golden( tab)golden"
    "\x09"
    R"golden(end)golden"
    "\x1f"
    R"golden(
[  FAILED  ] Basic.Control (# ms)
[----------] 5 tests from Basic (# ms total)

[----------] 1 test from TypedTest/0, where TypeParam = int
[ RUN      ] TypedTest/0.Works
[       OK ] TypedTest/0.Works (# ms)
[----------] 1 test from TypedTest/0 (# ms total)

[----------] 1 test from TypedTest/1, where TypeParam = char
[ RUN      ] TypedTest/1.Works
golden_test.cc:44: Failure
Expected equality of these values:
  sizeof(TypeParam)
    Which is: 1
  4u
    Which is: 4
[  FAILED  ] TypedTest/1.Works, where TypeParam = char (# ms)
[----------] 1 test from TypedTest/1 (# ms total)

[----------] 2 tests from Values/ParamTest
[ RUN      ] Values/ParamTest.Check/0
[       OK ] Values/ParamTest.Check/0 (# ms)
[ RUN      ] Values/ParamTest.Check/1
golden_test.cc:37: Failure
Expected equality of these values:
  GetParam()
    Which is: 2
  1
[  FAILED  ] Values/ParamTest.Check/1, where GetParam() = 2 (# ms)
[----------] 2 tests from Values/ParamTest (# ms total)

[----------] Global test environment tear-down
[==========] 9 tests from 4 test suites ran. (# ms total)
[  PASSED  ] 4 tests.
[  SKIPPED ] 1 test, listed below:
[  SKIPPED ] Basic.Skips
[  FAILED  ] 4 tests, listed below:
[  FAILED  ] Basic.FailsTwice
[  FAILED  ] Basic.Control
[  FAILED  ] TypedTest/1.Works, where TypeParam = char
[  FAILED  ] Values/ParamTest.Check/1, where GetParam() = 2

 4 FAILED TESTS
  YOU HAVE 2 DISABLED TESTS

)golden";

// ./golden --gtest_filter='Basic.*:-Basic.Control' --gtest_print_time=0
// --gtest_color=yes
constexpr char kColorConsole[] =
    "\033[0;33mNote: Google Test filter = Basic.*:-Basic.Control\n"
    "\033[m\033[0;32m[==========] \033[mRunning 4 tests from 1 test suite.\n"
    "\033[0;32m[----------] \033[mGlobal test environment set-up.\n"
    "\033[0;32m[----------] \033[m4 tests from Basic\n"
    "\033[0;32m[ RUN      ] \033[mBasic.Passes\n"
    "hello from Passes\n"
    "\033[0;32m[       OK ] \033[mBasic.Passes\n"
    "\033[0;32m[ RUN      ] \033[mBasic.FailsTwice\n"
    "before first\n"
    "golden_test.cc:12: Failure\n"
    "Expected equality of these values:\n"
    "  1\n"
    "  2\n"
    "between\n"
    "golden_test.cc:15: Failure\n"
    "Failed\n"
    "second <script>alert(1)</script> & ]]> done\n"
    "after\n"
    "\033[0;31m[  FAILED  ] \033[mBasic.FailsTwice\n"
    "\033[0;32m[ RUN      ] \033[mBasic.Skips\n"
    "skipping now\n"
    "golden_test.cc:22: Skipped\n"
    "not today\n"
    "\033[0;32m[  SKIPPED ] \033[mBasic.Skips\n"
    "\033[0;33m[ DISABLED ] \033[mBasic.DISABLED_Off\n"
    "\033[0;32m[ RUN      ] \033[mBasic.Props\n"
    "\033[0;32m[       OK ] \033[mBasic.Props\n"
    "\033[0;32m[----------] \033[mGlobal test environment tear-down\n"
    "\033[0;32m[==========] \033[m4 tests from 1 test suite ran.\n"
    "\033[0;32m[  PASSED  ] \033[m2 tests.\n"
    "\033[0;32m[  SKIPPED ] \033[m1 test, listed below:\n"
    "\033[0;32m[  SKIPPED ] \033[mBasic.Skips\n"
    "\033[0;31m[  FAILED  ] \033[m1 test, listed below:\n"
    "\033[0;31m[  FAILED  ] \033[mBasic.FailsTwice\n"
    "\n"
    " 1 FAILED TEST\n"
    "\033[0;33m  YOU HAVE 1 DISABLED TEST\n"
    "\n"
    "\033[m";

// ./golden --gtest_brief=1
constexpr char kBriefConsole[] =
    R"golden(hello from Passes
before first
golden_test.cc:12: Failure
Expected equality of these values:
  1
  2
between
golden_test.cc:15: Failure
Failed
second <script>alert(1)</script> & ]]> done
after
[  FAILED  ] Basic.FailsTwice (# ms)
skipping now
golden_test.cc:22: Skipped
not today
golden_test.cc:33: Failure
Failed
ctrl)golden"
    "\x01"
    R"golden()golden"
    "\x02"
    R"golden( tab)golden"
    "\x09"
    R"golden(end)golden"
    "\x1f"
    R"golden(
[  FAILED  ] Basic.Control (# ms)
golden_test.cc:44: Failure
Expected equality of these values:
  sizeof(TypeParam)
    Which is: 1
  4u
    Which is: 4
[  FAILED  ] TypedTest/1.Works, where TypeParam = char (# ms)
golden_test.cc:37: Failure
Expected equality of these values:
  GetParam()
    Which is: 2
  1
[  FAILED  ] Values/ParamTest.Check/1, where GetParam() = 2 (# ms)
[==========] 9 tests from 4 test suites ran. (# ms total)
[  PASSED  ] 4 tests.
[  SKIPPED ] 1 test.
  YOU HAVE 2 DISABLED TESTS

)golden";

// ./golden --gtest_filter=Basic.Passes --gtest_repeat=2
constexpr char kRepeatConsole[] =
    R"golden(
Repeating all tests (iteration 1) . . .

Note: Google Test filter = Basic.Passes
[==========] Running 1 test from 1 test suite.
[----------] Global test environment set-up.
[----------] 1 test from Basic
[ RUN      ] Basic.Passes
hello from Passes
[       OK ] Basic.Passes (# ms)
[----------] 1 test from Basic (# ms total)

[==========] 1 test from 1 test suite ran. (# ms total)
[  PASSED  ] 1 test.

Repeating all tests (iteration 2) . . .

Note: Google Test filter = Basic.Passes
[==========] Running 1 test from 1 test suite.
[----------] 1 test from Basic
[ RUN      ] Basic.Passes
hello from Passes
[       OK ] Basic.Passes (# ms)
[----------] 1 test from Basic (# ms total)

[----------] Global test environment tear-down
[==========] 1 test from 1 test suite ran. (# ms total)
[  PASSED  ] 1 test.
)golden";

// ./golden --gtest_filter=Nope
constexpr char kNoTestsConsole[] =
    R"golden(Note: Google Test filter = Nope
[==========] Running 0 tests from 0 test suites.
[==========] 0 tests from 0 test suites ran. (# ms total)
[  PASSED  ] 0 tests.
)golden";

// ./golden --gtest_filter=Basic.Passes --gtest_shuffle --gtest_random_seed=5
constexpr char kShuffleConsole[] =
    R"golden(Note: Google Test filter = Basic.Passes
Note: Randomizing tests' orders with a seed of 5 .
[==========] Running 1 test from 1 test suite.
[----------] Global test environment set-up.
[----------] 1 test from Basic
[ RUN      ] Basic.Passes
hello from Passes
[       OK ] Basic.Passes (# ms)
[----------] 1 test from Basic (# ms total)

[----------] Global test environment tear-down
[==========] 1 test from 1 test suite ran. (# ms total)
[  PASSED  ] 1 test.
)golden";

// ./suite
constexpr char kSuiteConsole[] =
    R"golden([==========] Running 4 tests from 3 test suites.
[----------] Global test environment set-up.
[----------] 2 tests from SetUpFails
in SetUpTestSuite
suite_test.cc:10: Failure
Failed
setup broke
[ RUN      ] SetUpFails.A
suite_test.cc:13: Skipped

[  SKIPPED ] SetUpFails.A (# ms)
[ RUN      ] SetUpFails.B
suite_test.cc:14: Skipped

[  SKIPPED ] SetUpFails.B (# ms)
[----------] 2 tests from SetUpFails (# ms total)

[----------] 1 test from TearDownFails
[ RUN      ] TearDownFails.A
[       OK ] TearDownFails.A (# ms)
suite_test.cc:18: Failure
Failed
teardown broke
[----------] 1 test from TearDownFails (# ms total)

[----------] 1 test from Thrower
[ RUN      ] Thrower.Throws
unknown file: Failure
Unknown C++ exception thrown in the test body.
[  FAILED  ] Thrower.Throws (# ms)
[----------] 1 test from Thrower (# ms total)

[----------] Global test environment tear-down
suite_test.cc:27: Failure
Failed
env teardown broke
[==========] 4 tests from 3 test suites ran. (# ms total)
[  PASSED  ] 1 test.
[  SKIPPED ] 2 tests, listed below:
[  SKIPPED ] SetUpFails.A
[  SKIPPED ] SetUpFails.B
[  FAILED  ] 1 test, listed below:
[  FAILED  ] Thrower.Throws

 1 FAILED TEST
[  FAILED  ] SetUpFails: SetUpTestSuite or TearDownTestSuite
[  FAILED  ] TearDownFails: SetUpTestSuite or TearDownTestSuite

 2 FAILED TEST SUITES
)golden";

ConsoleOptions Options(bool ordered = false) {
  ConsoleOptions options;
  options.ordered = ordered;
  return options;
}

// Feeds the run to a reporter, tests finishing in `order` (default: the
// plan's), and returns what it printed.
std::string Report(const ReportRun& run, ConsoleOptions options, std::vector<int> order = {}) {
  if (order.empty()) order = run.plan.selected;
  CapturedFile out;
  ConsoleReporter reporter(out.get(), options);
  reporter.OnRunStart(run.plan);
  for (int index : order) {
    reporter.OnTestFinished(run.catalog.test(index), run.summary.records.at(index));
  }
  reporter.OnRunEnd(run.summary);
  return out.Contents();
}

// --dist-retries: failed attempts print before the final one and end in
// "[  RETRY   ]", so that "[  FAILED  ]" stays one line per failed test; FLAKY
// tests are passed, and listed in a block of their own.
TEST(ConsoleReporterTest, RetriedTestsShowEveryAttemptAndFlakyOnesAreListed) {
  ReportRun run;
  const std::string f = "retry_test.cc";
  run.SetCatalog(
      {report_test::Entry(f, "Retry", "Flaky", 3), report_test::Entry(f, "Retry", "Broken", 9)});
  run.plan.retries = 1;
  TestRecord first;
  first.outcome = Outcome::kFailed;
  first.elapsed_ms = 7;
  first.parts = {report_test::Failure(f, 4, "first try fails", "")};
  TestRecord& flaky = run.Record("Retry.Flaky", Outcome::kFlaky);
  flaky.failed_attempts = {first};
  TestRecord& broken = run.Record("Retry.Broken", Outcome::kFailed);
  broken.parts = {report_test::Failure(f, 10, "second try fails too", "")};
  broken.failed_attempts = {first};

  for (const bool flaky_fails : {false, true}) {
    run.plan.flaky_fails = flaky_fails;
    CapturedFile out;
    ConsoleReporter console(out.get(), ConsoleOptions{});
    console.OnRunStart(run.plan);
    for (int index : run.plan.selected) {
      console.OnTestFinished(run.catalog.test(index), run.summary.records.at(index));
    }
    console.OnRunEnd(run.summary);
    const std::string text = NormaliseTimes(out.Contents());
    EXPECT_NE(std::string::npos,
              text.find("[ RUN      ] Retry.Flaky\nretry_test.cc:4: Failure\nfirst try fails\n"
                        "[  RETRY   ] Retry.Flaky (attempt 1 of 2 failed, 7 ms)\n"
                        "[ RUN      ] Retry.Flaky\n" +
                        std::string(flaky_fails ? "[  FAILED  ]" : "[       OK ]") +
                        " Retry.Flaky (# ms)\n"))
        << text;
    EXPECT_NE(std::string::npos,
              text.find("[  RETRY   ] Retry.Broken (attempt 1 of 2 failed, 7 ms)\n"
                        "[ RUN      ] Retry.Broken\nretry_test.cc:10: Failure\n"
                        "second try fails too\n[  FAILED  ] Retry.Broken (# ms)\n"))
        << text;
    EXPECT_NE(std::string::npos, text.find("[  FLAKY   ] Retry.Flaky (passed on attempt 2)\n"))
        << text;
    if (flaky_fails) {
      EXPECT_NE(std::string::npos, text.find("[  PASSED  ] 0 tests.\n")) << text;
      EXPECT_NE(std::string::npos, text.find("[  FAILED  ] 2 tests, listed below:")) << text;
    } else {
      EXPECT_NE(std::string::npos, text.find("[  PASSED  ] 1 test.\n")) << text;
      EXPECT_NE(std::string::npos, text.find("[  FAILED  ] 1 test, listed below:\n"
                                             "[  FAILED  ] Retry.Broken\n"))
          << text;
    }
  }
}

TEST(ConsoleReporterTest, LiveRunInPlanOrderPrintsWhatGtestPrints) {
  ReportRun run;
  BuildGoldenRun(&run);
  EXPECT_EQ(kGoldenConsole, NormaliseTimes(Report(run, Options())));
}

TEST(ConsoleReporterTest, OrderedRunPrintsWhatGtestPrintsWhateverTheArrivalOrder) {
  ReportRun run;
  BuildGoldenRun(&run);
  std::vector<int> reversed(run.plan.selected.rbegin(), run.plan.selected.rend());
  EXPECT_EQ(kGoldenConsole, NormaliseTimes(Report(run, Options(/*ordered=*/true), reversed)));
}

TEST(ConsoleReporterTest, OrderedRunHoldsTestsBackUntilThoseBeforeArePrinted) {
  ReportRun run;
  BuildGoldenRun(&run);
  CapturedFile out;
  ConsoleReporter reporter(out.get(), Options(/*ordered=*/true));
  reporter.OnRunStart(run.plan);
  const int first = run.plan.selected[0];
  const int second = run.plan.selected[1];
  reporter.OnTestFinished(run.catalog.test(second), run.summary.records.at(second));
  EXPECT_EQ(std::string::npos, out.Contents().find("[ RUN      ]"));
  reporter.OnTestFinished(run.catalog.test(first), run.summary.records.at(first));
  const std::string printed = out.Contents();
  const size_t passes = printed.find("[ RUN      ] Basic.Passes\n");
  const size_t fails = printed.find("[ RUN      ] Basic.FailsTwice\n");
  ASSERT_NE(std::string::npos, passes);
  ASSERT_NE(std::string::npos, fails);
  EXPECT_LT(passes, fails);
}

// A suite whose tests arrive between another suite's gets its header again,
// "(continued)", with the suite's count (as the footer): a block's own size
// is not known when its header prints.
TEST(ConsoleReporterTest, LiveRunPrintsEachTestAsItFinishesWithSuiteHeaders) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select(
      {"Basic.Passes", "Basic.Skips", "Values/ParamTest.Check/0", "Values/ParamTest.Check/1"});
  // Times are 1 + catalog index: Passes 1, Skips 3, Check/0 10, Check/1 11.
  const std::vector<int> arrival = {10, 0, 9, 2};
  EXPECT_EQ(
      "[==========] Running 4 tests from 2 test suites.\n"
      "[----------] Global test environment set-up.\n"
      "[----------] 2 tests from Values/ParamTest\n"
      "[ RUN      ] Values/ParamTest.Check/1\n"
      "golden_test.cc:37: Failure\n"
      "Expected equality of these values:\n"
      "  GetParam()\n"
      "    Which is: 2\n"
      "  1\n"
      "[  FAILED  ] Values/ParamTest.Check/1, where GetParam() = 2 (11 ms)\n"
      "[----------] 2 tests from Basic\n"
      "[ RUN      ] Basic.Passes\n"
      "hello from Passes\n"
      "[       OK ] Basic.Passes (1 ms)\n"
      "[----------] 2 tests from Values/ParamTest (continued)\n"
      "[ RUN      ] Values/ParamTest.Check/0\n"
      "[       OK ] Values/ParamTest.Check/0 (10 ms)\n"
      "[----------] 2 tests from Values/ParamTest (21 ms total)\n"
      "\n"
      "[----------] 2 tests from Basic (continued)\n"
      "[ RUN      ] Basic.Skips\n"
      "skipping now\n"
      "golden_test.cc:22: Skipped\n"
      "not today\n"
      "[  SKIPPED ] Basic.Skips (3 ms)\n"
      "[----------] 2 tests from Basic (4 ms total)\n"
      "\n"
      "[----------] Global test environment tear-down\n"
      "[==========] 4 tests from 2 test suites ran. (42 ms total)\n"
      "[  PASSED  ] 2 tests.\n"
      "[  SKIPPED ] 1 test, listed below:\n"
      "[  SKIPPED ] Basic.Skips\n"
      "[  FAILED  ] 1 test, listed below:\n"
      "[  FAILED  ] Values/ParamTest.Check/1, where GetParam() = 2\n"
      "\n"
      " 1 FAILED TEST\n",
      Report(run, Options(), arrival));
}

TEST(ConsoleReporterTest, ColorFilterAndNoTimePrintWhatGtestPrints) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select(
      {"Basic.Passes", "Basic.FailsTwice", "Basic.Skips", "Basic.DISABLED_Off", "Basic.Props"});
  run.plan.filter = "Basic.*:-Basic.Control";
  ConsoleOptions options;
  options.color = true;
  options.print_time = false;
  // No time is printed, so nothing needs normalising.
  EXPECT_EQ(kColorConsole, Report(run, options));
}

TEST(ConsoleReporterTest, BriefPrintsWhatGtestPrints) {
  ReportRun run;
  BuildGoldenRun(&run);
  ConsoleOptions options;
  options.brief = true;
  EXPECT_EQ(kBriefConsole, NormaliseTimes(Report(run, options)));
  options.ordered = true;
  std::vector<int> reversed(run.plan.selected.rbegin(), run.plan.selected.rend());
  EXPECT_EQ(kBriefConsole, NormaliseTimes(Report(run, options, reversed)));
}

TEST(ConsoleReporterTest, RepeatPrintsWhatGtestPrints) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes"});
  run.plan.filter = "Basic.Passes";
  run.plan.repeat = 2;
  CapturedFile out;
  ConsoleReporter reporter(out.get(), Options());
  for (int iteration = 0; iteration < 2; ++iteration) {
    run.plan.iteration = iteration;
    reporter.OnRunStart(run.plan);
    reporter.OnTestFinished(run.catalog.test(0), run.summary.records.at(0));
    reporter.OnRunEnd(run.summary);
  }
  EXPECT_EQ(kRepeatConsole, NormaliseTimes(out.Contents()));
}

TEST(ConsoleReporterTest, NoTestsPrintsWhatGtestPrints) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({});
  run.plan.filter = "Nope";
  EXPECT_EQ(kNoTestsConsole, NormaliseTimes(Report(run, Options())));
}

TEST(ConsoleReporterTest, ShufflePrintsWhatGtestPrints) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes"});
  run.plan.filter = "Basic.Passes";
  run.plan.shuffle = true;
  run.plan.random_seed = 5;
  EXPECT_EQ(kShuffleConsole, NormaliseTimes(Report(run, Options())));
}

// Feeds the suite run's events in the order a plain run reports them.
std::string ReportSuiteRun(const ReportRun& run, ConsoleOptions options) {
  CapturedFile out;
  ConsoleReporter reporter(out.get(), options);
  reporter.OnRunStart(run.plan);
  const auto finish = [&](int index) {
    reporter.OnTestFinished(run.catalog.test(index), run.summary.records.at(index));
  };
  reporter.OnSuitePart("SetUpFails", run.summary.suites[0].parts[0]);
  finish(0);
  finish(1);
  finish(2);
  reporter.OnSuitePart("TearDownFails", run.summary.suites[1].parts[0]);
  finish(3);
  reporter.OnSuitePart("", run.summary.global_parts[0]);
  reporter.OnRunEnd(run.summary);
  return out.Contents();
}

TEST(ConsoleReporterTest, SuiteAndGlobalFailuresPrintWhatGtestPrints) {
  ReportRun run;
  BuildSuiteRun(&run);
  EXPECT_EQ(kSuiteConsole, NormaliseTimes(ReportSuiteRun(run, Options(/*ordered=*/true))));
}

TEST(ConsoleReporterTest, LiveRunPrintsGlobalFailuresWhenTheyArrive) {
  ReportRun run;
  BuildSuiteRun(&run);
  // The only difference from a plain run: the environment's tear-down
  // failure arrives during the run and is printed then, before the line
  // announcing the tear-down.
  std::string expected = kSuiteConsole;
  const std::string failure = "suite_test.cc:27: Failure\nFailed\nenv teardown broke\n";
  const std::string tear_down = "[----------] Global test environment tear-down\n";
  expected.replace(expected.find(tear_down + failure), tear_down.size() + failure.size(),
                   failure + tear_down);
  EXPECT_EQ(expected, NormaliseTimes(ReportSuiteRun(run, Options())));
}

TEST(ConsoleReporterTest, OrderedRunPrintsEarlyGlobalFailuresAtOnce) {
  ReportRun run;
  BuildSuiteRun(&run);
  run.Select({"TearDownFails.A"});
  CapturedFile out;
  ConsoleReporter reporter(out.get(), Options(/*ordered=*/true));
  reporter.OnRunStart(run.plan);
  reporter.OnSuitePart("", run.summary.global_parts[0]);
  EXPECT_EQ(
      "[==========] Running 1 test from 1 test suite.\n"
      "[----------] Global test environment set-up.\n"
      "suite_test.cc:27: Failure\n"
      "Failed\n"
      "env teardown broke\n",
      out.Contents());
}

TEST(ConsoleReporterTest, CrashedTimedOutAndNotRunTestsFailWithTheirReason) {
  ReportRun run;
  report_test::BuildCrashRun(&run);
  // Derived from gtest's own form for a failure without a location (see
  // Thrower.Throws in kSuiteConsole): "unknown file: Failure".
  const std::string expected =
      "[==========] Running 3 tests from 1 test suite.\n"
      "[----------] Global test environment set-up.\n"
      "[----------] 3 tests from Crash\n"
      "[ RUN      ] Crash.Dies\n"
      "started\n"
      "crash_test.cc:4: Failure\n"
      "Value of: ok\n"
      "  Actual: false\n"
      "Expected: true\n"
      "about to die\n"
      "unknown file: Failure\n"
      "killed by signal 11 (Segmentation fault)\n"
      "[  FAILED  ] Crash.Dies (1 ms)\n"
      "[ RUN      ] Crash.Hangs\n"
      "unknown file: Failure\n"
      "killed after 60 s (--dist-test-timeout)\n"
      "[  FAILED  ] Crash.Hangs (2 ms)\n"
      "[ RUN      ] Crash.Never\n"
      "unknown file: Failure\n"
      "the run was interrupted before this test ran\n"
      "[  FAILED  ] Crash.Never (3 ms)\n"
      "[----------] 3 tests from Crash (6 ms total)\n"
      "\n"
      "[----------] Global test environment tear-down\n"
      "[==========] 3 tests from 1 test suite ran. (42 ms total)\n"
      "[  PASSED  ] 0 tests.\n"
      "[  FAILED  ] 3 tests, listed below:\n"
      "[  FAILED  ] Crash.Dies\n"
      "[  FAILED  ] Crash.Hangs\n"
      "[  FAILED  ] Crash.Never\n"
      "\n"
      " 3 FAILED TESTS\n";
  EXPECT_EQ(expected, Report(run, Options()));
}

TEST(ConsoleReporterTest, RunEndingEarlyStillPrintsHeldTestsAndSummary) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes", "Basic.Skips"});
  CapturedFile out;
  ConsoleReporter reporter(out.get(), Options(/*ordered=*/true));
  reporter.OnRunStart(run.plan);
  // Basic.Passes never finishes; Basic.Skips waits behind it until the end.
  reporter.OnTestFinished(run.catalog.test(2), run.summary.records.at(2));
  EXPECT_EQ(std::string::npos, out.Contents().find("Basic.Skips"));
  run.summary.records.erase(0);
  reporter.OnRunEnd(run.summary);
  const std::string printed = out.Contents();
  EXPECT_NE(std::string::npos, printed.find("[  SKIPPED ] Basic.Skips (3 ms)\n"
                                            "[----------] 2 tests from Basic"));
  EXPECT_NE(std::string::npos, printed.find("[  FAILED  ] 1 test, listed below:\n"
                                            "[  FAILED  ] Basic.Passes\n"));
}

TEST(ShouldUseColorTest, ExplicitValuesFollowGtest) {
  for (const char* yes : {"yes", "YES", "true", "True", "t", "T", "1"}) {
    EXPECT_TRUE(ShouldUseColor(yes, -1)) << yes;
  }
  for (const char* no : {"no", "false", "0", "", "sometimes"}) {
    EXPECT_FALSE(ShouldUseColor(no, -1)) << no;
  }
}

TEST(ShouldUseColorTest, AutoNeedsATerminalAndAKnownTerm) {
  TerminalAndPipe fds;
  if (!fds.ok()) GTEST_SKIP() << "no pseudo-terminal available";
  const int terminal = fds.terminal;
  const int pipe_fd = fds.pipe_write;
  {
    ScopedEnv term("TERM", "xterm-256color");
    EXPECT_TRUE(ShouldUseColor("auto", terminal));
    EXPECT_TRUE(ShouldUseColor("AUTO", terminal));
    EXPECT_FALSE(ShouldUseColor("auto", pipe_fd));
  }
  {
    ScopedEnv term("TERM", "dumb");
    EXPECT_FALSE(ShouldUseColor("auto", terminal));
  }
}

}  // namespace
}  // namespace gtest_dist
