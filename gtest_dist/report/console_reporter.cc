#include "gtest_dist/report/console_reporter.h"

#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace gtest_dist {
namespace {

// The terminals gtest 1.12 trusts with colour when --gtest_color=auto.
constexpr const char* kColorTerminals[] = {
    "xterm",         "xterm-color",  "xterm-256color",        "screen", "screen-256color", "tmux",
    "tmux-256color", "rxvt-unicode", "rxvt-unicode-256color", "linux",  "cygwin",
};

std::string FormatCount(size_t count, const char* singular, const char* plural) {
  return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

std::string FormatTestCount(size_t count) { return FormatCount(count, "test", "tests"); }

std::string FormatTestSuiteCount(size_t count) {
  return FormatCount(count, "test suite", "test suites");
}

// gtest's FormatFileLocation for a compiler that is not MSVC.
std::string FormatFileLocation(const std::string& file, int line) {
  const std::string name = file.empty() ? "unknown file" : file;
  if (line < 0) return name + ":";
  return name + ":" + std::to_string(line) + ":";
}

// The text gtest puts after the location; both failure kinds read "Failure"
// because users rarely care which one it was.
const char* PartTypeText(TestPart::Type type) {
  switch (type) {
    case TestPart::Type::kSkip:
      return "Skipped\n";
    case TestPart::Type::kSuccess:
      return "Success";
    case TestPart::Type::kNonFatalFailure:
    case TestPart::Type::kFatalFailure:
      return "Failure\n";
  }
  return "Unknown result type";
}

// ", where TypeParam = ... and GetParam() = ...", which gtest adds to the
// name of a failed test (never to a passed or skipped one).
std::string ParamComment(const TestEntry& test) {
  if (test.type_param.empty() && test.value_param.empty()) return "";
  std::string comment = ", where ";
  if (!test.type_param.empty()) {
    comment += "TypeParam = " + test.type_param;
    if (!test.value_param.empty()) comment += " and ";
  }
  if (!test.value_param.empty()) comment += "GetParam() = " + test.value_param;
  return comment;
}

}  // namespace

bool ShouldUseColor(const std::string& gtest_color_flag, int fd) {
  const char* flag = gtest_color_flag.c_str();
  if (strcasecmp(flag, "auto") == 0) {
    const char* term = std::getenv("TERM");
    bool term_supports_color = false;
    if (term != nullptr) {
      for (const char* known : kColorTerminals) {
        if (std::string(term) == known) term_supports_color = true;
      }
    }
    return term_supports_color && isatty(fd) != 0;
  }
  // Anything else but these means no colour, gtest's conservative choice.
  return strcasecmp(flag, "yes") == 0 || strcasecmp(flag, "true") == 0 ||
         strcasecmp(flag, "t") == 0 || gtest_color_flag == "1";
}

ConsoleReporter::ConsoleReporter(std::FILE* out, ConsoleOptions options)
    : out_(out), options_(options) {}

void ConsoleReporter::OnRunStart(const RunPlan& plan) {
  plan_ = plan;
  suites_.clear();
  suite_by_name_.clear();
  held_.clear();
  next_to_print_ = 0;
  seen_.clear();
  pending_close_ = -1;
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
  std::fflush(out_);
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
    std::fflush(out_);
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
    PrintPart(part);
    std::fflush(out_);
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
  if (!suite->header_printed) OpenSuite(suite);
  PrintPart(part);
  std::fflush(out_);
}

void ConsoleReporter::OnRunEnd(const RunSummary& summary) {
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
      auto record = summary.records.find(index);
      if (seen_.count(index) == 0 && record != summary.records.end()) {
        PrintTest(plan_.catalog->test(index), record->second);
      }
    }
  }
  if (!options_.brief) {
    ClosePendingSuite();
    for (SuiteState& suite : suites_) {
      if (suite.header_printed && !suite.closed) CloseSuite(&suite);
    }
  }
  PrintRunFooter(summary);
  std::fflush(out_);
}

void ConsoleReporter::PrintRunHeader() {
  if (plan_.repeat != 1) {
    Print("\nRepeating all tests (iteration " + std::to_string(plan_.iteration + 1) +
          ") . . .\n\n");
  }
  // Reminds the user that some tests may not run, exactly when gtest does.
  if (plan_.filter != "*") {
    PrintColored(Color::kYellow, "Note: Google Test filter = " + plan_.filter + "\n");
  }
  if (plan_.shuffle) {
    PrintColored(Color::kYellow, "Note: Randomizing tests' orders with a seed of " +
                                     std::to_string(plan_.random_seed) + " .\n");
  }
  size_t suites_to_run = 0;
  for (const SuiteState& suite : suites_) {
    if (suite.selected > 0) ++suites_to_run;
  }
  PrintColored(Color::kGreen, "[==========] ");
  Print("Running " + FormatTestCount(plan_.selected.size()) + " from " +
        FormatTestSuiteCount(suites_to_run) + ".\n");
  // gtest sets environments up only when a test will run, and with
  // --gtest_repeat only in the first iteration (every one when repeating
  // forever or told to recreate them).
  if (!plan_.selected.empty() &&
      (plan_.iteration == 0 || plan_.repeat < 0 || plan_.recreate_environments)) {
    PrintColored(Color::kGreen, "[----------] ");
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
    if (!suite->header_printed) OpenSuite(suite);
    PrintReadyDisabled(suite, suite->printed);
  }
  // Failed attempts (--dist-retries) first, each as a plain run would print
  // it, but ending in "[  RETRY   ]": a "[  FAILED  ]" line stays one per
  // test that failed in the end, as log scrapers count them.
  const int attempts = record.attempt();
  int number = 0;
  for (const TestRecord& attempt : record.failed_attempts) {
    PrintAttempt(test, attempt);
    PrintColored(Color::kYellow, "[  RETRY   ] ");
    std::string line = test.FullName() + " (attempt " + std::to_string(++number) + " of " +
                       std::to_string(std::max(attempts, plan_.retries + 1)) + " failed";
    if (options_.print_time) line += ", " + std::to_string(attempt.elapsed_ms) + " ms";
    Print(line + ")\n");
  }
  PrintAttempt(test, record);
  PrintTestEndLine(test, record);
  PrintQuarantineMark(test, record);
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
  std::fflush(out_);
}

void ConsoleReporter::PrintAttempt(const TestEntry& test, const TestRecord& record) {
  // What its process printed before the test began (SetUpTestSuite, an
  // Environment's SetUp): a plain run shows it just before "[ RUN      ]".
  Print(record.output_before_start);
  if (!options_.brief) {
    PrintColored(Color::kGreen, "[ RUN      ] ");
    Print(test.FullName() + "\n");
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
    PrintColored(Color::kGreen, "[       OK ] ");
  } else if (shown == Outcome::kSkipped) {
    PrintColored(Color::kGreen, "[  SKIPPED ] ");
  } else {
    PrintColored(Color::kRed, "[  FAILED  ] ");
  }
  std::string line = test.FullName();
  if (failed) line += ParamComment(test);
  if (options_.print_time) {
    line += " (" + std::to_string(record.elapsed_ms) + " ms)";
  }
  Print(line + "\n");
}

void ConsoleReporter::OpenSuite(SuiteState* suite) {
  PrintColored(Color::kGreen, "[----------] ");
  std::string line = FormatTestCount(static_cast<size_t>(suite->selected)) + " from " + suite->name;
  if (!suite->type_param.empty()) {
    line += ", where TypeParam = " + suite->type_param;
  }
  Print(line + "\n");
  suite->header_printed = true;
  for (const TestPart& part : suite->pending_before) PrintPart(part);
  suite->pending_before.clear();
}

void ConsoleReporter::PrintReadyDisabled(SuiteState* suite, int printed) {
  while (suite->disabled_printed < suite->disabled.size() &&
         suite->disabled[suite->disabled_printed].first <= printed) {
    const int index = suite->disabled[suite->disabled_printed].second;
    PrintColored(Color::kYellow, "[ DISABLED ] ");
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
  if (!options_.print_time) return;
  PrintColored(Color::kGreen, "[----------] ");
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

void ConsoleReporter::PrintRunFooter(const RunSummary& summary) {
  const bool brief = options_.brief;
  // The outcome of each selected test, the totals and the verdict are the
  // summary's (a test nobody reported is NOT_RUN there, a failure).
  std::vector<int> skipped;
  std::vector<int> failed;
  std::vector<int> flaky;
  for (int index : plan_.selected) {
    const Outcome outcome = summary.OutcomeOf(index);
    if (outcome == Outcome::kFlaky) flaky.push_back(index);
    if (summary.FailsRunAt(index)) {
      failed.push_back(index);
    } else if (outcome == Outcome::kSkipped) {
      skipped.push_back(index);
    }
  }
  const RunTotals totals = summary.Totals();
  const std::size_t passed_count = static_cast<std::size_t>(totals.passing(plan_.flaky_fails));
  std::vector<std::string> failed_suites;
  for (const SuiteRecord& record : summary.suites) {
    auto found = suite_by_name_.find(record.name);
    // gtest only counts suites that were to run.
    if (found != suite_by_name_.end() && suites_[static_cast<size_t>(found->second)].selected > 0 &&
        AnyFailed(record.parts)) {
      failed_suites.push_back(record.name);
    }
  }
  const bool passed = summary.Passed();
  size_t suites_to_run = 0;
  for (const SuiteState& suite : suites_) {
    if (suite.selected > 0) ++suites_to_run;
  }

  if (!brief && !plan_.selected.empty() &&
      (plan_.iteration == plan_.repeat - 1 || plan_.repeat < 0 || plan_.recreate_environments)) {
    PrintColored(Color::kGreen, "[----------] ");
    Print("Global test environment tear-down\n");
  }
  for (const TestPart& part : pending_global_) PrintPart(part);
  pending_global_.clear();
  PrintColored(Color::kGreen, "[==========] ");
  std::string ran = FormatTestCount(plan_.selected.size()) + " from " +
                    FormatTestSuiteCount(suites_to_run) + " ran.";
  if (options_.print_time) {
    ran += " (" + std::to_string(summary.elapsed_ms) + " ms total)";
  }
  Print(ran + "\n");
  PrintColored(Color::kGreen, "[  PASSED  ] ");
  Print(FormatTestCount(passed_count) + ".\n");

  if (!skipped.empty()) {
    PrintColored(Color::kGreen, "[  SKIPPED ] ");
    if (brief) {
      Print(FormatTestCount(skipped.size()) + ".\n");
    } else {
      Print(FormatTestCount(skipped.size()) + ", listed below:\n");
      for (int index : skipped) {
        PrintColored(Color::kGreen, "[  SKIPPED ] ");
        Print(plan_.catalog->test(index).FullName() + "\n");
      }
    }
  }

  if (!flaky.empty()) {
    // gtest has no such line; a scraper that does not know it skips it.
    PrintColored(Color::kYellow, "[  FLAKY   ] ");
    Print(FormatTestCount(flaky.size()) + (plan_.flaky_fails ? " (failing the run)" : "") +
          ", listed below:\n");
    for (int index : flaky) {
      const TestRecord& record = summary.records.at(index);
      PrintColored(Color::kYellow, "[  FLAKY   ] ");
      Print(plan_.catalog->test(index).FullName() + " (passed on attempt " +
            std::to_string(record.attempt()) + ")\n");
    }
  }

  PrintQuarantineSummary(summary);

  if (!brief && !passed) {
    PrintColored(Color::kRed, "[  FAILED  ] ");
    Print(FormatTestCount(failed.size()) + ", listed below:\n");
    for (int index : failed) {
      const TestEntry& test = plan_.catalog->test(index);
      PrintColored(Color::kRed, "[  FAILED  ] ");
      Print(test.FullName() + ParamComment(test) + "\n");
    }
    char banner[64];
    std::snprintf(banner, sizeof(banner), "\n%2d FAILED %s\n", static_cast<int>(failed.size()),
                  failed.size() == 1 ? "TEST" : "TESTS");
    Print(banner);
    for (const std::string& name : failed_suites) {
      PrintColored(Color::kRed, "[  FAILED  ] ");
      Print(name + ": SetUpTestSuite or TearDownTestSuite\n");
    }
    if (!failed_suites.empty()) {
      std::snprintf(banner, sizeof(banner), "\n%2d FAILED TEST %s\n",
                    static_cast<int>(failed_suites.size()),
                    failed_suites.size() == 1 ? "SUITE" : "SUITES");
      Print(banner);
    }
  }

  const size_t disabled = plan_.disabled_matching.size();
  if (disabled > 0) {
    if (passed) Print("\n");  // a spacer where no failure banner stands
    PrintColored(Color::kYellow, "  YOU HAVE " + std::to_string(disabled) + " DISABLED " +
                                     (disabled == 1 ? "TEST" : "TESTS") + "\n\n");
  }
}

namespace {

// Quarantine text comes from whoever wrote the store: one line, no control
// characters that could move the cursor or forge lines.
std::string OneSafeLine(const std::string& text) {
  std::string line;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    line += byte < 0x20 || byte == 0x7f ? '?' : c;
  }
  return line;
}

}  // namespace

void ConsoleReporter::PrintQuarantineMark(const TestEntry& test, const TestRecord& record) {
  const auto found = plan_.quarantined.find(test.index);
  if (found == plan_.quarantined.end() || !FailsRun(plan_, record.outcome)) return;
  PrintColored(Color::kYellow, "[QUARANTINED] ");
  Print(test.FullName() + " (" + OutcomeName(record.outcome) +
        ", does not fail the run: " + OneSafeLine(DescribeQuarantine(found->second)) + ")\n");
}

void ConsoleReporter::PrintQuarantineSummary(const RunSummary& summary) {
  // gtest has no such lines; a scraper that does not know them skips them.
  for (const QuarantineEntry& entry : plan_.quarantine_expired) {
    PrintColored(Color::kYellow, "[QUARANTINE] ");
    Print(OneSafeLine(entry.test) + ": the quarantine expired on " +
          FormatQuarantineTime(entry.until_ms) + " (" + OneSafeLine(entry.reason) +
          "); it fails the run again\n");
  }
  const std::vector<int> kept = summary.QuarantinedFailures();
  if (kept.empty()) return;
  PrintColored(Color::kYellow, "[QUARANTINED] ");
  Print(FormatTestCount(kept.size()) + " failed but did not fail the run, listed below:\n");
  for (int index : kept) {
    PrintColored(Color::kYellow, "[QUARANTINED] ");
    Print(plan_.catalog->test(index).FullName() + " (" + OutcomeName(summary.OutcomeOf(index)) +
          "; " + OneSafeLine(DescribeQuarantine(plan_.quarantined.at(index))) + ")\n");
  }
}

void ConsoleReporter::PrintPart(const TestPart& part) {
  Print(part.output_before);
  if (part.type == TestPart::Type::kSuccess) return;
  Print(FormatFileLocation(part.file, part.line) + " " + PartTypeText(part.type) + part.message +
        "\n");
}

void ConsoleReporter::PrintColored(Color color, const std::string& text) {
  const char* code = nullptr;
  switch (color) {
    case Color::kRed:
      code = "1";
      break;
    case Color::kGreen:
      code = "2";
      break;
    case Color::kYellow:
      code = "3";
      break;
    case Color::kDefault:
      break;
  }
  if (!options_.color || code == nullptr) {
    Print(text);
    return;
  }
  Print(std::string("\033[0;3") + code + "m" + text + "\033[m");
}

void ConsoleReporter::Print(const std::string& text) {
  // fwrite, not fputs: test output may contain NUL bytes.
  if (!text.empty()) std::fwrite(text.data(), 1, text.size(), out_);
}

ConsoleReporter::SuiteState* ConsoleReporter::SuiteOf(const TestEntry& test) {
  if (test.suite_index < 0 || static_cast<size_t>(test.suite_index) >= suites_.size()) {
    return nullptr;
  }
  return &suites_[static_cast<size_t>(test.suite_index)];
}

}  // namespace gtest_dist
