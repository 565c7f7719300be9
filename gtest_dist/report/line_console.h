// The console of --dist-console=lines and failures: what a person watching a
// long run wants (one line per finished test, failures in full as they
// happen), where `blocks` (ConsoleReporter) is what log scrapers and gtest's
// own drivers read.
//
//   lines:    "[137/211] OK DBTest.Recover (2.1 s, hostB)" for every test; a
//             test that failed (or passed only on a retry) has its output and
//             failure messages in full under its line.
//   failures: only the failed and flaky tests, in full (the status line shows
//             the rest).
//
// Both end with gtest's summary (RunFooter) and then the run's digest: the
// slowest tests and each worker's share (RunDigest).
#ifndef GTEST_DIST_REPORT_LINE_CONSOLE_H_
#define GTEST_DIST_REPORT_LINE_CONSOLE_H_

#include <string>

#include "gtest_dist/model/run_listener.h"
#include "gtest_dist/report/console_stream.h"

namespace gtest_dist {

struct LineConsoleOptions {
  bool failures_only = false;  // --dist-console=failures
  bool print_time = true;      // --gtest_print_time (the summary's times)
};

class LineConsole : public RunListener {
 public:
  // `out` must outlive the console.
  LineConsole(ConsoleStream* out, LineConsoleOptions options);

  void OnRunStart(const RunPlan& plan) override;
  void OnTestFinished(const TestEntry& test, const TestRecord& record) override;
  void OnSuitePart(const std::string& suite, const TestPart& part) override;
  void OnRunEnd(const RunSummary& summary) override;

 private:
  // What the test printed and its failures, as gtest prints them, without
  // the "[ RUN      ]" and end lines.
  void PrintOutput(const TestRecord& record);

  ConsoleStream* out_;
  const LineConsoleOptions options_;
  RunPlan plan_;
  int done_ = 0;
};

// The word the `lines` console shows for an outcome: OK, FAILED, SKIPPED,
// FLAKY, CRASHED, TIMEOUT, NOT RUN. Under --dist-flaky-fails a FLAKY test
// still reads FLAKY (it is red, and listed as failed in the summary).
const char* LineStatusWord(Outcome outcome);

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_LINE_CONSOLE_H_
