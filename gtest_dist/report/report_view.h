// What the XML and JSON reports show of a run, before either format is
// applied: the reportable tests (selected or disabled-and-matching) grouped by
// suite in catalog order, with the counts and times gtest puts on each suite.
// Private to the report writers; header-only so both share one definition.
#ifndef GTEST_DIST_REPORT_REPORT_VIEW_H_
#define GTEST_DIST_REPORT_REPORT_VIEW_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/model/run_listener.h"
#include "gtest_dist/model/test_record.h"

namespace gtest_dist::report_view {

// One test as a report shows it.
struct Test {
  const TestEntry* entry = nullptr;
  bool run = false;  // false: disabled, reported as "notrun"/"suppressed"
  // The record's parts, then the failure standing for a crash, timeout or
  // missing run (OutcomeFailurePart).
  std::vector<TestPart> parts;
  // RecordProperty() calls, then kWorkerPropertyName for a remote worker,
  // the attempts' properties, kQuarantinedPropertyName.
  std::vector<Property> properties;
  Outcome outcome = Outcome::kNotRun;
  std::int64_t elapsed_ms = 0;
  std::int64_t start_timestamp_ms = 0;
};

struct Suite {
  std::string name;
  std::vector<Test> tests;
  int failures = 0;  // totals.failing(): tests that fail the run
  int disabled = 0;
  int skipped = 0;
  RunTotals totals;  // the reported outcomes of its tests that ran
  // Its tests ran in many processes: the sum of their times, and the
  // earliest start among them (0 when none ran, like gtest's unrun suite).
  std::int64_t elapsed_ms = 0;
  std::int64_t start_timestamp_ms = 0;
  // RecordProperty() calls in SetUpTestSuite/TearDownTestSuite.
  std::vector<Property> properties;
};

// gtest's FormatCompilerIndependentFileLocation: "file:line", "file" without
// a line, "unknown file" without a file.
inline std::string FormatLocation(const std::string& file, int line) {
  std::string name = file.empty() ? "unknown file" : file;
  if (line < 0) return name;
  return name + ":" + std::to_string(line);
}

inline Test MakeTest(const TestEntry& entry, bool run, const RunSummary& summary) {
  Test test;
  test.entry = &entry;
  test.run = run;
  if (!run) return test;
  TestRecord record;
  auto found = summary.records.find(entry.index);
  if (found != summary.records.end()) {
    record = found->second;
  } else {
    // Selected but absent from the summary: the run ended before it.
    record.index = entry.index;
    record.outcome = Outcome::kNotRun;
  }
  const bool flaky_fails =
      ReportedOutcome(record.outcome, summary.plan->flaky_fails) != record.outcome;
  if (flaky_fails) {
    // It fails the run: the failures of its failed attempts are its own.
    for (const TestRecord& attempt : record.failed_attempts) {
      for (const TestPart& part : attempt.parts) {
        if (part.failed() && !part.cleared) test.parts.push_back(part);
      }
      TestPart failure;
      if (OutcomeFailurePart(attempt, &failure)) test.parts.push_back(failure);
    }
  }
  for (const TestPart& part : record.parts) {
    if (!part.cleared) test.parts.push_back(part);
  }
  TestPart failure;
  if (OutcomeFailurePart(record, &failure)) test.parts.push_back(failure);
  test.properties = std::move(record.properties);
  if (!record.worker.empty() && record.worker != kLocalWorker) {
    test.properties.emplace_back(kWorkerPropertyName, record.worker);
  }
  if (!record.failed_attempts.empty()) {
    test.properties.emplace_back(kAttemptsPropertyName, std::to_string(record.attempt()));
    test.properties.emplace_back(kOutcomePropertyName, OutcomeName(record.outcome));
    std::string failures;
    int number = 0;
    for (const TestRecord& attempt : record.failed_attempts) {
      ++number;
      std::vector<TestPart> parts = attempt.parts;
      TestPart failure;
      if (OutcomeFailurePart(attempt, &failure)) parts.push_back(failure);
      for (const TestPart& part : parts) {
        if (!part.failed() || part.cleared) continue;
        failures += "attempt " + std::to_string(number) + ": " +
                    FormatLocation(part.file, part.line) + ": " + part.summary + "\n";
      }
    }
    test.properties.emplace_back(kAttemptFailuresPropertyName, failures);
  }
  const auto quarantined = summary.plan->quarantined.find(entry.index);
  if (quarantined != summary.plan->quarantined.end()) {
    test.properties.emplace_back(kQuarantinedPropertyName, DescribeQuarantine(quarantined->second));
  }
  const auto triaged = summary.triage.find(entry.index);
  if (triaged != summary.triage.end()) {
    test.properties.emplace_back(kTriagePropertyName, triaged->second.Describe());
  }
  test.outcome = ReportedOutcome(record.outcome, summary.plan->flaky_fails);
  test.elapsed_ms = record.elapsed_ms;
  test.start_timestamp_ms = record.start_timestamp_ms;
  return test;
}

// The suites with at least one reportable test, in catalog order, each with
// its reportable tests in catalog order. `summary.plan->catalog` must be set.
inline std::vector<Suite> CollectSuites(const RunSummary& summary) {
  const RunPlan& plan = *summary.plan;
  const TestCatalog& catalog = *plan.catalog;
  std::map<int, bool> reportable;  // test index -> runs
  for (int index : plan.selected) reportable[index] = true;
  for (int index : plan.disabled_matching) reportable.emplace(index, false);

  std::vector<Suite> suites;
  for (const SuiteEntry& entry : catalog.suites()) {
    Suite suite;
    suite.name = entry.name;
    const int end = entry.first_test + entry.test_count;
    for (int i = entry.first_test; i < end; ++i) {
      auto found = reportable.find(i);
      if (found == reportable.end()) continue;
      Test test = MakeTest(catalog.test(i), found->second, summary);
      // gtest counts a DISABLED_ test that matches the filter as disabled
      // even when --gtest_also_run_disabled_tests runs it.
      if (catalog.test(i).disabled) ++suite.disabled;
      if (test.run) {
        suite.totals.Add(test.outcome);
        suite.elapsed_ms += test.elapsed_ms;
        if (test.start_timestamp_ms > 0 &&
            (suite.start_timestamp_ms == 0 || test.start_timestamp_ms < suite.start_timestamp_ms)) {
          suite.start_timestamp_ms = test.start_timestamp_ms;
        }
      }
      suite.tests.push_back(std::move(test));
    }
    if (suite.tests.empty()) continue;
    // Reported outcomes: a FLAKY test that fails the run is already FAILED.
    suite.failures = suite.totals.failing(false);
    suite.skipped = suite.totals.skipped;
    for (const SuiteRecord& record : summary.suites) {
      if (record.name != suite.name) continue;
      suite.properties.insert(suite.properties.end(), record.properties.begin(),
                              record.properties.end());
    }
    suites.push_back(std::move(suite));
  }
  return suites;
}

// The counts in the report's root element (<testsuites>, or the JSON's top
// object): tests, failures and disabled tests over every reported suite.
struct ReportTotals {
  std::int64_t tests = 0;
  std::int64_t failures = 0;
  std::int64_t disabled = 0;
};

inline ReportTotals SumSuites(const std::vector<Suite>& suites) {
  ReportTotals totals;
  for (const Suite& suite : suites) {
    totals.tests += static_cast<std::int64_t>(suite.tests.size());
    totals.failures += suite.failures;
    totals.disabled += suite.disabled;
  }
  return totals;
}

}  // namespace gtest_dist::report_view

#endif  // GTEST_DIST_REPORT_REPORT_VIEW_H_
