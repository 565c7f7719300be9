// The console a person watches (issue 17): the formats of the `lines` and
// `failures` consoles, the status line, the run's digest and the terminal
// checks. What a real terminal shows is checked by
// tests/integration/console_test.py through a pseudo-terminal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gtest_dist/model/run_estimate.h"
#include "gtest_dist/report/console_format.h"
#include "gtest_dist/report/console_stream.h"
#include "gtest_dist/report/line_console.h"
#include "gtest_dist/report/run_digest.h"
#include "gtest_dist/report/status_line.h"
#include "gtest_dist/report/terminal.h"
#include "tests/unit/report_test_model.h"
#include "tests/unit/terminal_test_support.h"

namespace gtest_dist {
namespace {

using report_test::CapturedFile;
using report_test::ReportRun;

TEST(ConsoleFormatTest, DurationsReadAsAPersonWouldSayThem) {
  EXPECT_EQ("0 ms", FormatDuration(-5));
  EXPECT_EQ("0 ms", FormatDuration(0));
  EXPECT_EQ("999 ms", FormatDuration(999));
  EXPECT_EQ("1.0 s", FormatDuration(1000));
  EXPECT_EQ("2.1 s", FormatDuration(2150));
  EXPECT_EQ("9.9 s", FormatDuration(9999));  // never "10.0 s"
  EXPECT_EQ("10 s", FormatDuration(10000));
  EXPECT_EQ("59 s", FormatDuration(59999));
  EXPECT_EQ("1 min 00 s", FormatDuration(60000));
  EXPECT_EQ("4 min 05 s", FormatDuration(245000));
  EXPECT_EQ("1 h 02 min", FormatDuration(3720000));
}

TEST(ConsoleFormatTest, TestLineAsTheIssueShowsIt) {
  EXPECT_EQ("[137/211] OK DBTest.Recover (2.1 s, hostB)",
            FormatTestLine(137, 211, "OK", "DBTest.Recover", 2100, "hostB", 1));
  // The count aligns under the total's width; attempts beyond the first show.
  EXPECT_EQ("[  7/211] FLAKY A.B (350 ms, local, attempt 2)",
            FormatTestLine(7, 211, "FLAKY", "A.B", 350, "local", 2));
  EXPECT_EQ("[1/1] NOT RUN A.B (0 ms)", FormatTestLine(1, 1, "NOT RUN", "A.B", 0, "", 1));
}

TEST(ConsoleFormatTest, FitToColumnsCutsWithoutWrappingOrSplittingCharacters) {
  EXPECT_EQ("short", FitToColumns("short", 10));
  EXPECT_EQ("exactly10!", FitToColumns("exactly10!", 10));
  EXPECT_EQ("exactl...", FitToColumns("exactly10!", 9));
  EXPECT_EQ("...", FitToColumns("abcdef", 3));
  EXPECT_EQ("..", FitToColumns("abcdef", 2));
  EXPECT_EQ("", FitToColumns("abcdef", 0));
  // "é" is two bytes and one column: kept whole or not at all.
  EXPECT_EQ("\xC3\xA9\xC3\xA9\xC3\xA9", FitToColumns("\xC3\xA9\xC3\xA9\xC3\xA9", 3));
  EXPECT_EQ("\xC3\xA9...", FitToColumns("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 4));
  // Nothing that moves the cursor survives into a line redrawn in place.
  EXPECT_EQ("a?b?c?", FitToColumns("a\nb\rc\033", 80));
}

TEST(RunEstimateTest, ThePaceSoFarExtrapolated) {
  RunTotals totals;
  totals.selected = 10;
  EXPECT_EQ(std::nullopt, EstimateRemainingMs(totals, 2000));  // no pace yet
  totals.Add(Outcome::kPassed, 4);
  totals.Add(Outcome::kFailed);
  EXPECT_EQ(std::optional<std::int64_t>(5000), EstimateRemainingMs(totals, 5000));
  totals.Add(Outcome::kPassed, 5);
  EXPECT_EQ(std::optional<std::int64_t>(0), EstimateRemainingMs(totals, 9000));
}

StatusSnapshot SampleStatus() {
  StatusSnapshot status;
  status.totals.selected = 211;
  status.totals.Add(Outcome::kPassed, 130);
  status.totals.Add(Outcome::kFailed, 3);
  status.totals.Add(Outcome::kCrashed, 1);
  status.totals.Add(Outcome::kFlaky, 2);
  status.totals.Add(Outcome::kSkipped, 1);
  status.running = 4;
  status.longest_test = "DBTest.Recover";
  status.longest_ms = 12400;
  status.workers_busy = 3;
  status.workers_connected = 4;
  status.elapsed_ms = 62000;
  status.eta_ms = 35000;
  return status;
}

TEST(StatusLineTest, ShowsProgressFailuresTimeWorkersAndTheLongestRunningTest) {
  EXPECT_EQ(
      "[137/211] 132 passed, 4 failed, 2 flaky, 1 skipped | 1 min 02 s, ETA 35 s | "
      "workers 3/4 busy | 4 running, longest DBTest.Recover 12 s",
      FormatStatusLine(SampleStatus(), 200));
  StatusSnapshot start;
  start.totals.selected = 5;
  EXPECT_EQ("[0/5] 0 passed, 0 failed | 0 ms, ETA ? | workers 0/0 busy | 0 running",
            FormatStatusLine(start, 200));
  // --dist-flaky-fails: a FLAKY test is a failure there too.
  StatusSnapshot flaky = SampleStatus();
  flaky.flaky_fails = true;
  EXPECT_NE(std::string::npos, FormatStatusLine(flaky, 200).find("130 passed, 6 failed, 2 flaky"));
}

TEST(StatusLineTest, ANarrowTerminalLosesTheRunningTestFirstAndNeverWraps) {
  const std::string line = FormatStatusLine(SampleStatus(), 80);
  EXPECT_EQ(80u, line.size());
  EXPECT_EQ("[137/211] 132 passed, 4 failed, 2 flaky, 1 skipped | 1 min 02 s, ETA 35 s | w...",
            line);
  EXPECT_EQ(20u, FormatStatusLine(SampleStatus(), 20).size());
}

TEST(StatusLineTest, RunProgressFollowsTheRunOnItsClock) {
  ReportRun run;
  report_test::BuildGoldenRun(&run);
  std::int64_t now = 1000;
  RunProgress progress([&now] { return now; });
  EXPECT_FALSE(progress.running());
  progress.OnRunStart(run.plan);
  EXPECT_TRUE(progress.running());
  const TestEntry& passes = run.catalog.test(0);
  const TestEntry& fails = run.catalog.test(1);
  progress.OnTestStarted(passes, "hostA:1");
  now = 1500;
  progress.OnTestStarted(fails, "local");
  now = 4000;
  StatusSnapshot status = progress.Snapshot(2, 3);
  EXPECT_EQ(2, status.running);
  EXPECT_EQ("Basic.Passes", status.longest_test);
  EXPECT_EQ(3000, status.longest_ms);
  EXPECT_EQ(3000, status.elapsed_ms);
  EXPECT_EQ(std::nullopt, status.eta_ms);
  EXPECT_EQ(2, status.workers_busy);
  EXPECT_EQ(3, status.workers_connected);
  EXPECT_EQ(9, status.totals.selected);

  progress.OnTestFinished(passes, run.summary.records.at(0));
  now = 5000;
  status = progress.Snapshot(1, 3);
  EXPECT_EQ(1, status.running);
  EXPECT_EQ("Basic.FailsTwice", status.longest_test);
  EXPECT_EQ(1, status.totals.recorded());
  // The dashboard's estimate: 4 s for one test, 8 left.
  EXPECT_EQ(std::optional<std::int64_t>(32000), status.eta_ms);
  progress.OnRunEnd(run.summary);
  EXPECT_FALSE(progress.running());
}

TEST(ConsoleStreamTest, TheStatusLineIsErasedBeforeAnythingElseIsPrinted) {
  CapturedFile out;
  ConsoleStream stream(out.get(), /*color=*/false);
  stream.Print("before\n");
  stream.Flush();  // no status line yet: nothing to redraw
  stream.ShowStatus("[1/2] one");
  stream.ShowStatus("[1/2] one");  // unchanged: nothing written
  stream.ShowStatus("[1/2] two");
  EXPECT_TRUE(stream.status_shown());
  stream.Print("a test ");
  EXPECT_FALSE(stream.status_shown());
  stream.Print("line\n");
  stream.Flush();  // the block is done: the status line comes back below it
  EXPECT_TRUE(stream.status_shown());
  stream.Print("partial");
  stream.ShowStatus("[2/2] three");  // a partial line is not overwritten
  stream.HideStatus();
  stream.HideStatus();  // nothing shown: nothing written
  stream.Print("summary\n");
  stream.Flush();  // hidden for good: not redrawn
  EXPECT_FALSE(stream.status_shown());
  EXPECT_EQ(
      "before\n"
      "\r[1/2] one\033[K"
      "\r[1/2] two\033[K"
      "\r\033[K"
      "a test line\n"
      "\r[1/2] two\033[K"
      "\r\033[K"
      "partial"
      "\n\r[2/2] three\033[K"
      "\r\033[K"
      "summary\n",
      out.Contents());
}

// Issue 15: within a burst of events the supervisor handles in one go, the
// console writes once, at the end of the burst; the text is the same.
TEST(ConsoleStreamTest, FlushesWithinABurstAreOneWriteAtItsEnd) {
  CapturedFile out;
  ConsoleStream stream(out.get(), /*color=*/false);
  const auto written = [&out] {
    struct stat info {};
    EXPECT_EQ(0, fstat(fileno(out.get()), &info));
    return static_cast<long>(info.st_size);
  };
  stream.Print("one\n");
  stream.Flush();
  EXPECT_EQ(4, written());
  stream.HoldFlushes();
  stream.Print("two\n");
  stream.Flush();
  stream.Print("three\n");
  stream.Flush();
  EXPECT_EQ(4, written()) << "held: still in the stream's buffer";
  stream.ReleaseFlushes();
  EXPECT_EQ(14, written());
  stream.ReleaseFlushes();  // nothing due: nothing written
  stream.Print("four\n");
  stream.Flush();  // released: at once again
  EXPECT_EQ(19, written());
  EXPECT_EQ("one\ntwo\nthree\nfour\n", out.Contents());
}

// A run of three tests as they finish: one passed on a worker, one failed
// with output, one flaky; and a SetUpTestSuite failure.
class LineConsoleTest : public testing::Test {
 protected:
  LineConsoleTest() {
    const std::string f = "db_test.cc";
    run_.SetCatalog({report_test::Entry(f, "DBTest", "Recover", 3),
                     report_test::Entry(f, "DBTest", "Open", 9),
                     report_test::Entry(f, "Net", "Flaky", 20)});
    run_.plan.retries = 1;
    TestRecord& recover = run_.Record("DBTest.Recover", Outcome::kPassed);
    recover.elapsed_ms = 2100;
    recover.worker = "hostB:7420";
    recover.output_after = "not shown: it passed\n";
    TestRecord& open = run_.Record("DBTest.Open", Outcome::kFailed);
    open.elapsed_ms = 300;
    open.worker = "local";
    open.parts = {report_test::Failure(f, 11, "Expected: true", "opening\n")};
    open.output_after = "closing\n";
    TestRecord first;
    first.outcome = Outcome::kCrashed;
    first.elapsed_ms = 40;
    first.worker = "hostB:7420";
    first.reason = "killed by signal 11 (Segmentation fault)";
    first.output_after = "segv ahead\n";
    TestRecord& flaky = run_.Record("Net.Flaky", Outcome::kFlaky);
    flaky.elapsed_ms = 50;
    flaky.worker = "local";
    flaky.failed_attempts = {first};
  }

  std::string Report(bool failures_only) {
    CapturedFile out;
    ConsoleStream stream(out.get(), /*color=*/false);
    LineConsoleOptions options;
    options.failures_only = failures_only;
    LineConsole console(&stream, options);
    console.OnRunStart(run_.plan);
    for (int index : {0, 1, 2}) {
      console.OnTestFinished(run_.catalog.test(index), run_.summary.records.at(index));
    }
    console.OnSuitePart("DBTest", report_test::Failure("db_test.cc", 2, "Failed\nno disk"));
    console.OnRunEnd(run_.summary);
    return out.Contents();
  }

  ReportRun run_;
};

constexpr char kLinesTail[] =
    "[  FAILED  ] DBTest: SetUpTestSuite or TearDownTestSuite:\n"
    "db_test.cc:2: Failure\n"
    "Failed\n"
    "no disk\n"
    "[==========] 3 tests from 2 test suites ran. (42 ms total)\n"
    "[  PASSED  ] 2 tests.\n"
    "[  FLAKY   ] 1 test, listed below:\n"
    "[  FLAKY   ] Net.Flaky (passed on attempt 2)\n"
    "[  FAILED  ] 1 test, listed below:\n"
    "[  FAILED  ] DBTest.Open\n"
    "\n"
    " 1 FAILED TEST\n"
    "Slowest: DBTest.Recover 2.1 s (hostB:7420), DBTest.Open 300 ms (local), "
    "Net.Flaky 50 ms (local)\n"
    "Work: hostB:7420 86% (1 test), local 14% (2 tests)\n";

TEST_F(LineConsoleTest, LinesPrintsOneLinePerTestAndFailuresInFull) {
  EXPECT_EQ(std::string("[==========] Running 3 tests from 2 test suites.\n"
                        "[1/3] OK DBTest.Recover (2.1 s, hostB:7420)\n"
                        "[2/3] FAILED DBTest.Open (300 ms, local)\n"
                        "opening\n"
                        "db_test.cc:11: Failure\n"
                        "Expected: true\n"
                        "closing\n"
                        "[3/3] FLAKY Net.Flaky (50 ms, local, attempt 2)\n"
                        "segv ahead\n"
                        "unknown file: Failure\n"
                        "killed by signal 11 (Segmentation fault)\n"
                        "[  RETRY   ] Net.Flaky (attempt 1 of 2 failed, 40 ms, hostB:7420)\n") +
                kLinesTail,
            Report(/*failures_only=*/false));
}

TEST_F(LineConsoleTest, FailuresPrintsOnlyWhatFailedInFull) {
  const std::string text = Report(/*failures_only=*/true);
  EXPECT_EQ(std::string::npos, text.find("DBTest.Recover (")) << text;
  EXPECT_NE(std::string::npos, text.find("[2/3] FAILED DBTest.Open (300 ms, local)\nopening\n"))
      << text;
  EXPECT_NE(std::string::npos, text.find("[3/3] FLAKY Net.Flaky")) << text;
  EXPECT_NE(std::string::npos, text.find(kLinesTail)) << text;
}

TEST(RunDigestTest, SlowestFiveAndEachWorkersShare) {
  ReportRun run;
  std::vector<TestEntry> tests;
  for (int i = 0; i < 7; ++i) {
    tests.push_back(report_test::Entry("t.cc", "S", "T" + std::to_string(i), i));
  }
  run.SetCatalog(tests);
  for (int i = 0; i < 7; ++i) {
    TestRecord& record = run.Record("S.T" + std::to_string(i), Outcome::kPassed);
    record.elapsed_ms = 1000 * (i + 1);
    record.worker = i % 2 == 0 ? "a:1" : "local";
  }
  // Ties keep catalog order; a test that never ran counts nowhere.
  run.summary.records.at(0).elapsed_ms = 7000;
  run.Record("S.T1", Outcome::kNotRun).worker = "";
  EXPECT_EQ(
      std::vector<std::string>({"Slowest: S.T0 7.0 s (a:1), S.T6 7.0 s (a:1), S.T5 6.0 s (local), "
                                "S.T4 5.0 s (a:1), S.T3 4.0 s (local)",
                                "Work: a:1 69% (4 tests), local 31% (2 tests)"}),
      RunDigestLines(run.summary));
  RunSummary empty;
  EXPECT_TRUE(RunDigestLines(empty).empty());
}

TEST(TerminalTest, StatusLineOnlyOnARealTerminalAndNoColorHonouredForAuto) {
  TerminalAndPipe fds;
  if (!fds.ok()) GTEST_SKIP() << "no pseudo-terminal available";
  const int terminal = fds.terminal;
  const int pipe_fd = fds.pipe_write;
  {
    ScopedEnv term("TERM", "xterm");
    ScopedEnv no_color("NO_COLOR", std::nullopt);
    EXPECT_TRUE(SupportsStatusLine(terminal));
    EXPECT_FALSE(SupportsStatusLine(pipe_fd));
    EXPECT_TRUE(ShouldUseColor("auto", terminal));
    ScopedEnv set("NO_COLOR", "1");
    EXPECT_FALSE(ShouldUseColor("auto", terminal));
    EXPECT_TRUE(ShouldUseColor("yes", terminal));  // the explicit flag wins
  }
  {
    ScopedEnv term("TERM", "dumb");
    EXPECT_FALSE(SupportsStatusLine(terminal));
  }
  winsize size = {};
  size.ws_col = 57;
  size.ws_row = 20;
  ASSERT_EQ(0, ioctl(terminal, TIOCSWINSZ, &size));
  EXPECT_EQ(57, TerminalColumns(terminal));
  {
    ScopedEnv columns("COLUMNS", "33");
    EXPECT_EQ(33, TerminalColumns(pipe_fd));
    ScopedEnv none("COLUMNS", std::nullopt);
    EXPECT_EQ(80, TerminalColumns(pipe_fd));
  }
}

}  // namespace
}  // namespace gtest_dist
