#include "gtest_dist/report/run_footer.h"

#include <cstdio>
#include <set>
#include <string>

#include "gtest_dist/report/console_format.h"
#include "gtest_dist/report/quarantine_lines.h"
#include "gtest_dist/report/triage_lines.h"

namespace gtest_dist {
namespace {

std::set<int> SuitesWithSelected(const RunPlan& plan) {
  std::set<int> suites;
  if (plan.catalog == nullptr) return suites;
  int last = -1;
  for (int index : plan.selected) {
    // A suite's tests are selected together: one insertion per suite, not
    // one per test (100,000 tests, issue 15).
    const int suite = plan.catalog->test(index).suite_index;
    if (suite != last) suites.insert(suite);
    last = suite;
  }
  return suites;
}

}  // namespace

std::size_t SuitesToRun(const RunPlan& plan) { return SuitesWithSelected(plan).size(); }

void PrintRunFooter(ConsoleStream& out, const RunPlan& plan, const RunSummary& summary,
                    const FooterOptions& options, const std::vector<TestPart>& global_parts) {
  const bool brief = options.brief;
  // The outcome of each selected test, the totals and the verdict are the
  // summary's (a test nobody reported is NOT_RUN there, a failure).
  std::vector<int> skipped;
  std::vector<int> failed;
  std::vector<int> flaky;
  for (int index : plan.selected) {
    const Outcome outcome = summary.OutcomeOf(index);
    if (outcome == Outcome::kFlaky) flaky.push_back(index);
    if (summary.FailsRunAt(index)) {
      failed.push_back(index);
    } else if (outcome == Outcome::kSkipped) {
      skipped.push_back(index);
    }
  }
  const RunTotals totals = summary.Totals();
  const auto passed_count = static_cast<std::size_t>(totals.passing(plan.flaky_fails));
  const std::set<int> suites_to_run = SuitesWithSelected(plan);
  std::set<std::string> names_to_run;
  for (int suite : suites_to_run) {
    names_to_run.insert(plan.catalog->suites()[static_cast<std::size_t>(suite)].name);
  }
  std::vector<std::string> failed_suites;
  for (const SuiteRecord& record : summary.suites) {
    // gtest only counts suites that were to run.
    if (names_to_run.count(record.name) > 0 && AnyFailed(record.parts)) {
      failed_suites.push_back(record.name);
    }
  }
  const bool passed = summary.Passed();

  if (!brief && options.environment_line && !plan.selected.empty() &&
      (plan.iteration == plan.repeat - 1 || plan.repeat < 0 || plan.recreate_environments)) {
    out.PrintColored(ConsoleColor::kGreen, "[----------] ");
    out.Print("Global test environment tear-down\n");
  }
  for (const TestPart& part : global_parts) out.Print(FormatPart(part));
  out.PrintColored(ConsoleColor::kGreen, "[==========] ");
  std::string ran = FormatTestCount(plan.selected.size()) + " from " +
                    FormatTestSuiteCount(suites_to_run.size()) + " ran.";
  if (options.print_time) {
    ran += " (" + std::to_string(summary.elapsed_ms) + " ms total)";
  }
  out.Print(ran + "\n");
  out.PrintColored(ConsoleColor::kGreen, "[  PASSED  ] ");
  out.Print(FormatTestCount(passed_count) + ".\n");

  if (!skipped.empty()) {
    out.PrintColored(ConsoleColor::kGreen, "[  SKIPPED ] ");
    if (brief) {
      out.Print(FormatTestCount(skipped.size()) + ".\n");
    } else {
      out.Print(FormatTestCount(skipped.size()) + ", listed below:\n");
      for (int index : skipped) {
        out.PrintColored(ConsoleColor::kGreen, "[  SKIPPED ] ");
        out.Print(plan.catalog->test(index).FullName() + "\n");
      }
    }
  }

  if (!flaky.empty()) {
    // gtest has no such line; a scraper that does not know it skips it.
    out.PrintColored(ConsoleColor::kYellow, "[  FLAKY   ] ");
    out.Print(FormatTestCount(flaky.size()) + (plan.flaky_fails ? " (failing the run)" : "") +
              ", listed below:\n");
    for (int index : flaky) {
      const TestRecord& record = summary.records.at(index);
      out.PrintColored(ConsoleColor::kYellow, "[  FLAKY   ] ");
      out.Print(plan.catalog->test(index).FullName() + " (passed on attempt " +
                std::to_string(record.attempt()) + ")\n");
    }
  }

  PrintQuarantineSummary(out, plan, summary);
  PrintTriageSummary(out, summary);

  if (!brief && !passed) {
    out.PrintColored(ConsoleColor::kRed, "[  FAILED  ] ");
    out.Print(FormatTestCount(failed.size()) + ", listed below:\n");
    for (int index : failed) {
      const TestEntry& test = plan.catalog->test(index);
      out.PrintColored(ConsoleColor::kRed, "[  FAILED  ] ");
      out.Print(test.FullName() + ParamComment(test) + "\n");
    }
    char banner[64];
    std::snprintf(banner, sizeof(banner), "\n%2d FAILED %s\n", static_cast<int>(failed.size()),
                  failed.size() == 1 ? "TEST" : "TESTS");
    out.Print(banner);
    for (const std::string& name : failed_suites) {
      out.PrintColored(ConsoleColor::kRed, "[  FAILED  ] ");
      out.Print(name + ": SetUpTestSuite or TearDownTestSuite\n");
    }
    if (!failed_suites.empty()) {
      std::snprintf(banner, sizeof(banner), "\n%2d FAILED TEST %s\n",
                    static_cast<int>(failed_suites.size()),
                    failed_suites.size() == 1 ? "SUITE" : "SUITES");
      out.Print(banner);
    }
  }

  const std::size_t disabled = plan.disabled_matching.size();
  if (disabled > 0) {
    if (passed) out.Print("\n");  // a spacer where no failure banner stands
    out.PrintColored(ConsoleColor::kYellow, "  YOU HAVE " + std::to_string(disabled) +
                                                " DISABLED " + (disabled == 1 ? "TEST" : "TESTS") +
                                                "\n\n");
  }
}

}  // namespace gtest_dist
