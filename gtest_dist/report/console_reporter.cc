#include "gtest_dist/report/console_reporter.h"

#include <algorithm>
#include <limits>

#include "gtest_dist/report/console_format.h"
#include "gtest_dist/report/quarantine_lines.h"
#include "gtest_dist/report/run_footer.h"

namespace gtest_dist {

ConsoleReporter::ConsoleReporter(std::FILE* out, ConsoleOptions options)
    : owned_out_(std::make_unique<ConsoleStream>(out, options.color)),
      out_(owned_out_.get()),
      options_(options) {}

ConsoleReporter::ConsoleReporter(ConsoleStream* out, ConsoleOptions options)
    : out_(out), options_(options) {
  options_.color = out->color();
}

void ConsoleReporter::OnRunStart(const RunPlan& plan) {
  plan_ = plan;
  suites_.clear();
  suite_by_name_.clear();
  held_.clear();
  next_to_print_ = 0;
  seen_.clear();
  pending_close_ = -1;
  current_suite_ = -1;
  pending_global_.clear();

  if (plan_.catalog != nullptr) {
    const TestCatalog& catalog = *plan_.catalog;
    for (const SuiteEntry& entry : catalog.suites()) {
      SuiteState suite;
      suite.name = entry.name;
      // Every test of a typed suite has the suite's type parameter.
      if (entry.test_count > 0) {
        suite.type_param = catalog.test(entry.first_test).type_param;
      }
      suite_by_name_[suite.name] = static_cast<int>(suites_.size());
      suites_.push_back(std::move(suite));
    }
    std::vector<std::vector<int>> selected_by_suite(suites_.size());
    for (int index : plan_.selected) {
      const TestEntry& test = catalog.test(index);
      if (SuiteState* suite = SuiteOf(test)) {
        ++suite->selected;
        selected_by_suite[static_cast<size_t>(test.suite_index)].push_back(index);
      }
    }
    for (std::vector<int>& indices : selected_by_suite) {
      std::sort(indices.begin(), indices.end());
    }
    for (int index : plan_.disabled_matching) {
      const TestEntry& test = catalog.test(index);
      SuiteState* suite = SuiteOf(test);
      if (suite == nullptr) continue;
      const std::vector<int>& selected = selected_by_suite[static_cast<size_t>(test.suite_index)];
      const auto preceding =
          std::lower_bound(selected.begin(), selected.end(), index) - selected.begin();
      suite->disabled.emplace_back(static_cast<int>(preceding), index);
    }
    for (SuiteState& suite : suites_) {
      std::sort(suite.disabled.begin(), suite.disabled.end());
    }
  }

  if (!options_.brief) PrintRunHeader();
  out_->Flush();
}

void ConsoleReporter::OnTestFinished(const TestEntry& test, const TestRecord& record) {
  if (!options_.ordered) {
    PrintTest(test, record);
    return;
  }
  held_[test.index] = HeldTest{test, record};
  PrintHeldTests();
}

void ConsoleReporter::OnSuitePart(const std::string& suite_name, const TestPart& part) {
  auto found = suite_by_name_.find(suite_name);
  const int index = found == suite_by_name_.end() ? -1 : found->second;
  if (options_.brief) {
    // The brief printer has no structure to place the part in: gtest prints
    // it the moment it is reported.
    PrintPart(part);
    out_->Flush();
    return;
  }
  if (index < 0 || suites_[static_cast<size_t>(index)].selected == 0) {
    // A global environment's part. In a plain run one before the first test
    // comes from set-up and one after from tear-down, printed after the
    // "tear-down" line; ordered mode keeps that place.
    if (options_.ordered && !seen_.empty()) {
      pending_global_.push_back(part);
      return;
    }
    ClosePendingSuite();
    current_suite_ = -1;
    PrintPart(part);
    out_->Flush();
    return;
  }
  SuiteState* suite = &suites_[static_cast<size_t>(index)];
  if (options_.ordered && !suite->header_printed) {
    // Most likely from SetUpTestSuite, which a plain run prints right after
    // the suite's header.
    suite->pending_before.push_back(part);
    return;
  }
  if (options_.ordered && suite->printed < suite->selected) {
    // Its turn has come but tests remain: keep it for the place
    // TearDownTestSuite's output has, before the footer.
    suite->pending_after.push_back(part);
    return;
  }
  // Unless the suite is the one waiting to be closed, its footer goes first.
  if (pending_close_ != index) ClosePendingSuite();
  if (!suite->closed) EnterSuite(suite);
  PrintPart(part);
  out_->Flush();
}

void ConsoleReporter::OnRunEnd(const RunSummary& summary) {
  // The status line is gone for good before the summary.
  out_->HideStatus();
  // A run that ended early (interrupted, workers lost) may leave tests held
  // behind one that never finished, or tests only the summary knows about.
  for (; next_to_print_ < plan_.selected.size(); ++next_to_print_) {
    const int index = plan_.selected[next_to_print_];
    auto held = held_.find(index);
    if (held != held_.end()) {
      PrintTest(held->second.test, held->second.record);
      held_.erase(held);
    }
  }
  for (const auto& [index, held] : held_) PrintTest(held.test, held.record);
  held_.clear();
  if (plan_.catalog != nullptr) {
    for (int index : plan_.selected) {
      if (seen_.count(index) != 0) continue;  // the usual case: no record to look up
      auto record = summary.records.find(index);
      if (record != summary.records.end()) PrintTest(plan_.catalog->test(index), record->second);
    }
  }
  if (!options_.brief) {
    ClosePendingSuite();
    for (SuiteState& suite : suites_) {
      if (suite.header_printed && !suite.closed) CloseSuite(&suite);
    }
  }
  FooterOptions footer;
  footer.brief = options_.brief;
  footer.print_time = options_.print_time;
  PrintRunFooter(*out_, plan_, summary, footer, pending_global_);
  pending_global_.clear();
  out_->Flush();
}

void ConsoleReporter::PrintRunHeader() {
  if (plan_.repeat != 1) {
    Print("\nRepeating all tests (iteration " + std::to_string(plan_.iteration + 1) +
          ") . . .\n\n");
  }
  // Reminds the user that some tests may not run, exactly when gtest does.
  if (plan_.filter != "*") {
    PrintColored(ConsoleColor::kYellow, "Note: Google Test filter = " + plan_.filter + "\n");
  }
  if (plan_.shuffle) {
    PrintColored(ConsoleColor::kYellow, "Note: Randomizing tests' orders with a seed of " +
                                            std::to_string(plan_.random_seed) + " .\n");
  }
  size_t suites_to_run = 0;
  for (const SuiteState& suite : suites_) {
    if (suite.selected > 0) ++suites_to_run;
  }
  PrintColored(ConsoleColor::kGreen, "[==========] ");
  Print("Running " + FormatTestCount(plan_.selected.size()) + " from " +
        FormatTestSuiteCount(suites_to_run) + ".\n");
  // gtest sets environments up only when a test will run, and with
  // --gtest_repeat only in the first iteration (every one when repeating
  // forever or told to recreate them).
  if (!plan_.selected.empty() &&
      (plan_.iteration == 0 || plan_.repeat < 0 || plan_.recreate_environments)) {
    PrintColored(ConsoleColor::kGreen, "[----------] ");
    Print("Global test environment set-up.\n");
  }
}

void ConsoleReporter::PrintTest(const TestEntry& test, const TestRecord& record) {
  seen_[test.index] = record.outcome;
  // A test gtest counted without running it prints nothing, as in gtest.
  if (!record.ran) return;
  SuiteState* suite = options_.brief ? nullptr : SuiteOf(test);
  if (!options_.brief) ClosePendingSuite();
  if (suite != nullptr) {
    EnterSuite(suite);
    PrintReadyDisabled(suite, suite->printed);
  }
  // Failed attempts (--dist-retries) first, each as a plain run would print
  // it, but ending in "[  RETRY   ]": a "[  FAILED  ]" line stays one per
  // test that failed in the end, as log scrapers count them.
  const int attempts = record.attempt();
  int number = 0;
  for (const TestRecord& attempt : record.failed_attempts) {
    PrintAttempt(test, attempt);
    PrintColored(ConsoleColor::kYellow, "[  RETRY   ] ");
    std::string line = test.FullName() + " (attempt " + std::to_string(++number) + " of " +
                       std::to_string(std::max(attempts, plan_.retries + 1)) + " failed";
    if (options_.print_time) line += ", " + std::to_string(attempt.elapsed_ms) + " ms";
    Print(line + ")\n");
  }
  PrintAttempt(test, record);
  PrintTestEndLine(test, record);
  PrintQuarantineMark(*out_, plan_, test, record);
  if (suite != nullptr) {
    ++suite->printed;
    suite->elapsed_ms += record.elapsed_ms;
    PrintReadyDisabled(suite, suite->printed);
    if (suite->printed >= suite->selected && !suite->closed) {
      // The footer waits for whatever comes next: TearDownTestSuite's
      // failures, which a plain run prints before it, arrive after the last
      // test.
      pending_close_ = test.suite_index;
    }
  }
  out_->Flush();
}

void ConsoleReporter::PrintAttempt(const TestEntry& test, const TestRecord& record) {
  // What its process printed before the test began (SetUpTestSuite, an
  // Environment's SetUp): a plain run shows it just before "[ RUN      ]".
  Print(record.output_before_start);
  if (!options_.brief) {
    PrintColored(ConsoleColor::kGreen, "[ RUN      ] ");
    PrintNameLine(test, "");
  }
  for (const TestPart& part : record.parts) PrintPart(part);
  Print(record.output_after);
  TestPart failure;
  if (OutcomeFailurePart(record, &failure)) PrintPart(failure);
}

void ConsoleReporter::PrintTestEndLine(const TestEntry& test, const TestRecord& record) {
  const bool failed = FailsRun(plan_, record.outcome);
  // The brief printer announces failures only.
  if (options_.brief && !failed) return;
  const Outcome shown = ReportedOutcome(record.outcome, plan_.flaky_fails);
  if (shown == Outcome::kPassed || shown == Outcome::kFlaky) {
    PrintColored(ConsoleColor::kGreen, "[       OK ] ");
  } else if (shown == Outcome::kSkipped) {
    PrintColored(ConsoleColor::kGreen, "[  SKIPPED ] ");
  } else {
    PrintColored(ConsoleColor::kRed, "[  FAILED  ] ");
  }
  std::string more;
  if (failed) more += ParamComment(test);
  if (options_.print_time) {
    more += " (" + std::to_string(record.elapsed_ms) + " ms)";
  }
  PrintNameLine(test, more);
}

void ConsoleReporter::PrintNameLine(const TestEntry& test, const std::string& more) {
  // One string per line, built once: two lines per test for 100,000 tests.
  std::string line;
  line.reserve(test.suite.size() + test.name.size() + more.size() + 2);
  line.append(test.suite).append(1, '.').append(test.name).append(more).append(1, '\n');
  Print(line);
}

void ConsoleReporter::OpenSuite(SuiteState* suite) {
  PrintColored(ConsoleColor::kGreen, "[----------] ");
  std::string line = FormatTestCount(static_cast<size_t>(suite->selected)) + " from " + suite->name;
  if (!suite->type_param.empty()) {
    line += ", where TypeParam = " + suite->type_param;
  }
  // A later block of a suite whose tests arrive between other suites' (the
  // live console): never a header that seems to hold all of them.
  if (suite->header_printed) line += " (continued)";
  Print(line + "\n");
  suite->header_printed = true;
  for (const TestPart& part : suite->pending_before) PrintPart(part);
  suite->pending_before.clear();
}

void ConsoleReporter::EnterSuite(SuiteState* suite) {
  const int index = static_cast<int>(suite - suites_.data());
  if (current_suite_ == index && suite->header_printed) return;
  OpenSuite(suite);
  current_suite_ = index;
}

void ConsoleReporter::PrintReadyDisabled(SuiteState* suite, int printed) {
  while (suite->disabled_printed < suite->disabled.size() &&
         suite->disabled[suite->disabled_printed].first <= printed) {
    const int index = suite->disabled[suite->disabled_printed].second;
    PrintColored(ConsoleColor::kYellow, "[ DISABLED ] ");
    Print(plan_.catalog->test(index).FullName() + "\n");
    ++suite->disabled_printed;
  }
}

void ConsoleReporter::CloseSuite(SuiteState* suite) {
  // Disabled tests after the suite's last selected one, and any whose
  // neighbours never all arrived (a run that ended early).
  PrintReadyDisabled(suite, std::numeric_limits<int>::max());
  for (const TestPart& part : suite->pending_after) PrintPart(part);
  suite->pending_after.clear();
  suite->closed = true;
  current_suite_ = -1;
  if (!options_.print_time) return;
  PrintColored(ConsoleColor::kGreen, "[----------] ");
  Print(FormatTestCount(static_cast<size_t>(suite->selected)) + " from " + suite->name + " (" +
        std::to_string(suite->elapsed_ms) + " ms total)\n\n");
}

void ConsoleReporter::ClosePendingSuite() {
  if (pending_close_ < 0) return;
  SuiteState* suite = &suites_[static_cast<size_t>(pending_close_)];
  pending_close_ = -1;
  if (!suite->closed) CloseSuite(suite);
}

void ConsoleReporter::PrintHeldTests() {
  while (next_to_print_ < plan_.selected.size()) {
    auto held = held_.find(plan_.selected[next_to_print_]);
    if (held == held_.end()) return;
    PrintTest(held->second.test, held->second.record);
    held_.erase(held);
    ++next_to_print_;
  }
}

void ConsoleReporter::PrintPart(const TestPart& part) { Print(FormatPart(part)); }

void ConsoleReporter::PrintColored(ConsoleColor color, const std::string& text) {
  out_->PrintColored(color, text);
}

void ConsoleReporter::Print(const std::string& text) { out_->Print(text); }

ConsoleReporter::SuiteState* ConsoleReporter::SuiteOf(const TestEntry& test) {
  if (test.suite_index < 0 || static_cast<size_t>(test.suite_index) >= suites_.size()) {
    return nullptr;
  }
  return &suites_[static_cast<size_t>(test.suite_index)];
}

}  // namespace gtest_dist
