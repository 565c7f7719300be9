// The live console of a distributed run, in GoogleTest 1.12's own layout
// (PrettyUnitTestResultPrinter, or BriefUnitTestResultPrinter with
// --gtest_brief), so that people and log scrapers read it as a plain run.
//
// Tests finish on many workers in any order, so each test is printed as one
// block ("[ RUN      ]", its output and failure messages interleaved as a
// plain run prints them, then "[       OK ]" or "[  FAILED  ]") when its final
// result arrives. A suite's "[----------] N tests from S" header comes before
// its first printed test and its "(T ms total)" footer after its last one; a
// block of another suite may come in between (documented difference): the
// suite's next block then starts with its header again, marked
// "(continued)". The count in every header is the suite's, as in gtest's
// header and footer: a block's own size is unknown when its header prints.
// With `ordered`, blocks are held back until every test before them has been
// printed, which gives a plain run's structure at the cost of liveness.
#ifndef GTEST_DIST_REPORT_CONSOLE_REPORTER_H_
#define GTEST_DIST_REPORT_CONSOLE_REPORTER_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/model/run_listener.h"
#include "gtest_dist/report/console_stream.h"
#include "gtest_dist/report/terminal.h"

namespace gtest_dist {

struct ConsoleOptions {
  bool color = false;      // already resolved from --gtest_color
  bool brief = false;      // --gtest_brief: only failures and the summary
  bool print_time = true;  // --gtest_print_time
  bool ordered = false;    // --dist-ordered-console
};

class ConsoleReporter : public RunListener {
 public:
  // Prints to `out`, which must outlive the reporter; flushes after every
  // block because the console is watched live.
  ConsoleReporter(std::FILE* out, ConsoleOptions options);
  // Prints through `out` (shared with a status line), which must outlive the
  // reporter; `options.color` is the stream's.
  ConsoleReporter(ConsoleStream* out, ConsoleOptions options);

  // Starts an iteration: resets all state, so one reporter serves every
  // iteration of --gtest_repeat.
  void OnRunStart(const RunPlan& plan) override;
  void OnTestFinished(const TestEntry& test, const TestRecord& record) override;
  void OnSuitePart(const std::string& suite, const TestPart& part) override;
  void OnRunEnd(const RunSummary& summary) override;

 private:
  // What the console knows about one suite of the catalog during a run.
  struct SuiteState {
    std::string name;
    std::string type_param;
    int selected = 0;  // tests of the suite to run (gtest's test_to_run_count)
    int printed = 0;
    std::int64_t elapsed_ms = 0;
    bool header_printed = false;  // its first header
    bool closed = false;          // all its tests printed (footer, if any, too)
    // Disabled tests matching the filter, each with the number of selected
    // tests of its suite that precede it: gtest prints "[ DISABLED ]" among
    // the suite's tests, after that many of them.
    std::vector<std::pair<int, int>> disabled;  // (preceding, test index)
    size_t disabled_printed = 0;
    // Suite-level parts waiting for their place (ordered mode only).
    std::vector<TestPart> pending_before;  // printed after the header
    std::vector<TestPart> pending_after;   // printed before the footer
  };

  struct HeldTest {
    TestEntry test;
    TestRecord record;
  };

  void PrintRunHeader();
  void PrintTest(const TestEntry& test, const TestRecord& record);
  // One attempt: what it printed and its failures, without the end line.
  void PrintAttempt(const TestEntry& test, const TestRecord& record);
  void PrintTestEndLine(const TestEntry& test, const TestRecord& record);
  // "Suite.Name" + `more` + "\n".
  void PrintNameLine(const TestEntry& test, const std::string& more);
  void OpenSuite(SuiteState* suite);
  // Starts a block of `suite`'s output unless the last one printed is its:
  // its header the first time, "(continued)" after another suite's block.
  void EnterSuite(SuiteState* suite);
  // Prints the suite's disabled tests that come after at most `printed` of
  // its selected tests.
  void PrintReadyDisabled(SuiteState* suite, int printed);
  void CloseSuite(SuiteState* suite);
  void ClosePendingSuite();
  void PrintHeldTests();
  void PrintPart(const TestPart& part);
  void PrintColored(ConsoleColor color, const std::string& text);
  void Print(const std::string& text);
  SuiteState* SuiteOf(const TestEntry& test);

  std::unique_ptr<ConsoleStream> owned_out_;
  ConsoleStream* out_;
  ConsoleOptions options_;
  RunPlan plan_;
  std::vector<SuiteState> suites_;  // by catalog suite index
  std::map<std::string, int> suite_by_name_;
  // Ordered mode: finished tests waiting for those before them, and the
  // position in plan_.selected of the next test to print.
  std::map<int, HeldTest> held_;
  size_t next_to_print_ = 0;
  std::map<int, Outcome> seen_;  // every test printed so far, by index
  // The suite whose tests have all been printed but whose footer waits for
  // the next thing printed; -1 when none.
  int pending_close_ = -1;
  // The suite whose block was printed last (its header or a test of it);
  // -1 after a footer or anything outside suites.
  int current_suite_ = -1;
  // Ordered mode: global environment parts held for the end of the run.
  std::vector<TestPart> pending_global_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_CONSOLE_REPORTER_H_
