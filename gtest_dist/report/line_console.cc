#include "gtest_dist/report/line_console.h"

#include <algorithm>

#include "gtest_dist/report/console_format.h"
#include "gtest_dist/report/quarantine_lines.h"
#include "gtest_dist/report/run_digest.h"
#include "gtest_dist/report/run_footer.h"

namespace gtest_dist {
namespace {

ConsoleColor ColorOf(Outcome outcome, bool fails_run) {
  if (fails_run) return ConsoleColor::kRed;
  if (outcome == Outcome::kFlaky) return ConsoleColor::kYellow;
  return ConsoleColor::kGreen;
}

}  // namespace

const char* LineStatusWord(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed:
      return "OK";
    case Outcome::kFailed:
      return "FAILED";
    case Outcome::kSkipped:
      return "SKIPPED";
    case Outcome::kCrashed:
      return "CRASHED";
    case Outcome::kTimeout:
      return "TIMEOUT";
    case Outcome::kNotRun:
      return "NOT RUN";
    case Outcome::kFlaky:
      return "FLAKY";
  }
  return "?";
}

LineConsole::LineConsole(ConsoleStream* out, LineConsoleOptions options)
    : out_(out), options_(options) {}

void LineConsole::OnRunStart(const RunPlan& plan) {
  plan_ = plan;
  done_ = 0;
  if (plan_.repeat != 1) {
    out_->Print("\nRepeating all tests (iteration " + std::to_string(plan_.iteration + 1) +
                ") . . .\n\n");
  }
  if (plan_.filter != "*") {
    out_->PrintColored(ConsoleColor::kYellow, "Note: Google Test filter = " + plan_.filter + "\n");
  }
  if (plan_.shuffle) {
    out_->PrintColored(ConsoleColor::kYellow, "Note: Randomizing tests' orders with a seed of " +
                                                  std::to_string(plan_.random_seed) + " .\n");
  }
  out_->PrintColored(ConsoleColor::kGreen, "[==========] ");
  out_->Print("Running " + FormatTestCount(plan_.selected.size()) + " from " +
              FormatTestSuiteCount(SuitesToRun(plan_)) + ".\n");
  out_->Flush();
}

void LineConsole::OnTestFinished(const TestEntry& test, const TestRecord& record) {
  ++done_;
  // A test gtest counted without running it prints nothing, as in gtest.
  if (!record.ran) return;
  const bool fails_run = FailsRun(plan_, record.outcome);
  const bool in_full = HadFailure(record.outcome) || IsFailure(record.outcome);
  if (options_.failures_only && !in_full) return;
  const std::string line = FormatTestLine(done_, static_cast<int>(plan_.selected.size()), "",
                                          test.FullName() + (fails_run ? ParamComment(test) : ""),
                                          record.elapsed_ms, record.worker, record.attempt());
  // FormatTestLine put an empty status between "] " and the name; colour
  // the word there.
  const std::size_t word_at = line.find("] ") + 2;
  out_->Print(line.substr(0, word_at));
  out_->PrintColored(ColorOf(record.outcome, fails_run), LineStatusWord(record.outcome));
  out_->Print(line.substr(word_at) + "\n");
  PrintQuarantineMark(*out_, plan_, test, record);
  if (in_full) {
    // Every failed attempt, as gtest prints a test, then the last one.
    int number = 0;
    const int attempts = std::max(record.attempt(), plan_.retries + 1);
    for (const TestRecord& attempt : record.failed_attempts) {
      PrintOutput(attempt);
      out_->PrintColored(ConsoleColor::kYellow, "[  RETRY   ] ");
      std::string retry = test.FullName() + " (attempt " + std::to_string(++number) + " of " +
                          std::to_string(attempts) + " failed, " +
                          FormatDuration(attempt.elapsed_ms);
      if (!attempt.worker.empty()) retry += ", " + attempt.worker;
      out_->Print(retry + ")\n");
    }
    if (record.outcome != Outcome::kFlaky) PrintOutput(record);
  }
  out_->Flush();
}

void LineConsole::OnSuitePart(const std::string& suite, const TestPart& part) {
  if (!part.failed()) return;
  out_->PrintColored(ConsoleColor::kRed, "[  FAILED  ] ");
  out_->Print(suite.empty() ? std::string("a global test environment:\n")
                            : suite + ": SetUpTestSuite or TearDownTestSuite:\n");
  out_->Print(FormatPart(part));
  out_->Flush();
}

void LineConsole::OnRunEnd(const RunSummary& summary) {
  // The status line is gone for good before the summary.
  out_->HideStatus();
  FooterOptions footer;
  footer.print_time = options_.print_time;
  footer.environment_line = false;
  PrintRunFooter(*out_, plan_, summary, footer, {});
  for (const std::string& line : RunDigestLines(summary)) out_->Print(line + "\n");
  out_->Flush();
}

void LineConsole::PrintOutput(const TestRecord& record) {
  out_->Print(record.output_before_start);
  for (const TestPart& part : record.parts) out_->Print(FormatPart(part));
  out_->Print(record.output_after);
  TestPart failure;
  if (OutcomeFailurePart(record, &failure)) out_->Print(FormatPart(failure));
}

}  // namespace gtest_dist
