#include "gtest_dist/model/run_summary.h"

#include <algorithm>

namespace gtest_dist {
void RunTotals::Add(Outcome outcome, int count) {
  switch (outcome) {
    case Outcome::kPassed:
      passed += count;
      return;
    case Outcome::kFailed:
      failed += count;
      return;
    case Outcome::kSkipped:
      skipped += count;
      return;
    case Outcome::kCrashed:
      crashed += count;
      return;
    case Outcome::kTimeout:
      timed_out += count;
      return;
    case Outcome::kNotRun:
      not_run += count;
      return;
    case Outcome::kFlaky:
      flaky += count;
      return;
  }
}

int RunTotals::Count(Outcome outcome) const {
  switch (outcome) {
    case Outcome::kPassed:
      return passed;
    case Outcome::kFailed:
      return failed;
    case Outcome::kSkipped:
      return skipped;
    case Outcome::kCrashed:
      return crashed;
    case Outcome::kTimeout:
      return timed_out;
    case Outcome::kNotRun:
      return not_run;
    case Outcome::kFlaky:
      return flaky;
  }
  return 0;
}

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPassed:
      return "green";
    case Verdict::kFailed:
      return "red";
    case Verdict::kInterrupted:
      return "interrupted";
  }
  return "red";
}

Outcome RunSummary::OutcomeOf(int index) const {
  auto found = records.find(index);
  return found == records.end() ? Outcome::kNotRun : found->second.outcome;
}

RunTotals RunSummary::Totals() const {
  RunTotals totals;
  if (plan != nullptr) {
    totals.selected = static_cast<int>(plan->selected.size());
    if (std::is_sorted(plan->selected.begin(), plan->selected.end())) {
      // Catalog order, the usual case: the records walked beside the
      // selection, instead of a tree lookup per test (100,000 tests: the
      // reports ask for the totals several times at the end).
      auto record = records.begin();
      for (int index : plan->selected) {
        while (record != records.end() && record->first < index) ++record;
        totals.Add(record != records.end() && record->first == index ? record->second.outcome
                                                                     : Outcome::kNotRun);
      }
    } else {
      for (int index : plan->selected) totals.Add(OutcomeOf(index));
    }
  } else {
    totals.selected = static_cast<int>(records.size());
    for (const auto& [index, record] : records) totals.Add(record.outcome);
  }
  return totals;
}

bool RunSummary::FailedOutsideTests() const {
  if (AnyFailed(global_parts)) return true;
  for (const SuiteRecord& suite : suites) {
    if (AnyFailed(suite.parts)) return true;
  }
  return false;
}

bool RunSummary::Fails(Outcome outcome) const {
  return FailsRun(outcome, plan != nullptr && plan->flaky_fails);
}

bool RunSummary::Quarantined(int index) const {
  return plan != nullptr && plan->quarantined.count(index) > 0;
}

bool RunSummary::FailsRunAt(int index) const {
  return Fails(OutcomeOf(index)) && !Quarantined(index);
}

std::vector<int> RunSummary::QuarantinedFailures() const {
  std::vector<int> kept;
  if (plan == nullptr) return kept;
  for (const auto& [index, entry] : plan->quarantined) {
    if (Fails(OutcomeOf(index))) kept.push_back(index);
  }
  return kept;
}

Verdict RunSummary::verdict() const {
  if (interrupted) return Verdict::kInterrupted;
  if (FailedOutsideTests()) return Verdict::kFailed;
  const RunTotals totals = Totals();
  // Quarantined tests still count in the totals (they ran and failed); only
  // the verdict lets them pass.
  const int kept = static_cast<int>(QuarantinedFailures().size());
  return totals.failing(plan != nullptr && plan->flaky_fails) - kept > 0 ? Verdict::kFailed
                                                                         : Verdict::kPassed;
}

}  // namespace gtest_dist
