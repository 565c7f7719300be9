// `gtest_dist quarantine auto`: which tests the history says to quarantine
// (flaky above a rate, by the one flake rule of analytics.h) and which
// entries to lift (the test passed in each of its latest runs). Pure.
#ifndef GTEST_DIST_ANALYTICS_QUARANTINE_POLICY_H_
#define GTEST_DIST_ANALYTICS_QUARANTINE_POLICY_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "gtest_dist/analytics/analytics.h"
#include "gtest_dist/model/outcome.h"

namespace gtest_dist::analytics {

struct QuarantinePolicy {
  double min_flake_rate = 0.05;  // --flake-rate: quarantine at or above it
  int clear_after_runs = 10;     // --clear-after: lift after this many passed runs in a row
};

// A test's flake counts over the window (history::Flaky's rows).
struct FlakeCandidate {
  std::string test;
  FlakeCounts counts;
};

// One result of a test, for deciding whether its latest runs all passed.
struct RunResult {
  std::int64_t run_id = 0;
  Outcome outcome = Outcome::kNotRun;
};

// Whether the latest `runs` runs of a test all passed: `newest_first` holds
// its results (every attempt) newest run first. A run passes when some
// attempt passed and none failed (FLAKY does not count as passed); runs
// that did not run it (NOT_RUN, SKIPPED) are no evidence and are skipped.
// False when fewer than `runs` runs are known.
bool PassedLatestRuns(const std::vector<RunResult>& newest_first, int runs);

struct QuarantineProposal {
  std::vector<FlakeCandidate> add;  // most flaky first, as given
  std::vector<std::string> remove;  // entries whose test passed its latest runs
};

// `candidates`: flaky tests of the window; `quarantined`: tests with an
// entry; `cleared`: the quarantined tests for which PassedLatestRuns holds.
QuarantineProposal ProposeQuarantine(const std::vector<FlakeCandidate>& candidates,
                                     const std::set<std::string>& quarantined,
                                     const std::set<std::string>& cleared,
                                     const QuarantinePolicy& policy);

}  // namespace gtest_dist::analytics

#endif  // GTEST_DIST_ANALYTICS_QUARANTINE_POLICY_H_
