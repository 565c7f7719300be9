// What the history of a test says about it: its flake rate, where its
// duration changed, where it failed. One home for each rule, shared by the
// `gtest_dist` command (flaky, trend), the dashboard over a history store and
// the dashboard of a live run, so that a number means the same on all three.
// Pure functions over plain values: the callers read the rows (SQL, memory).
#ifndef GTEST_DIST_ANALYTICS_ANALYTICS_H_
#define GTEST_DIST_ANALYTICS_ANALYTICS_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "gtest_dist/model/outcome.h"

namespace gtest_dist::analytics {

// ---------------------------------------------------------------- flake rate
//
// A test is flaky over a window of runs when it failed in some of them and
// passed in others; a test that always fails is broken, not flaky. Counted in
// runs, not attempts: a run where it failed and then passed on a retry
// (FLAKY) counts once as failed and once as passed. A run that never ran it
// (NOT_RUN) is no evidence either way and is not counted.
//
// flake rate = failed runs / runs, and 0 for a test that is not flaky.
struct FlakeCounts {
  int runs = 0;         // runs with a result other than NOT_RUN
  int failed_runs = 0;  // runs where some attempt failed (HadFailure)
  int passed_runs = 0;  // runs where some attempt passed (HadPass)
  int flaky_runs = 0;   // runs whose final outcome is FLAKY
};
bool IsFlaky(const FlakeCounts& counts);
double FlakeRate(const FlakeCounts& counts);

// Counts runs from result rows (every attempt, or final records only: the
// rule gives the same counts) in memory. The SQL of history::Flaky counts the
// same way in the store.
class FlakeTally {
 public:
  void Add(std::int64_t run_id, Outcome outcome);
  const FlakeCounts& counts() const { return counts_; }

 private:
  FlakeCounts counts_;
  std::set<std::int64_t> ran_, failed_, passed_, flaky_;
};

// ---------------------------------------------------------- duration change
//
// The one rule for "this test's duration changed", oldest result first:
//   - only results that ran to their end count (PASSED, FAILED, FLAKY); a
//     crash, a timeout, a skip or a test not run say nothing about speed;
//   - the baseline of a point is the median of up to `window` (5) counted
//     points before it, since the last change: a median, because one slow
//     outlier (a loaded machine, a cold cache) must not move the baseline;
//     since the last change, so that a step is marked once, where it happened;
//   - a point is a change when it differs from its baseline by at least
//     `min_delta_ms` (20 ms) AND by more than `ratio` (50 %) of the baseline:
//     the absolute floor keeps millisecond tests, whose times are mostly
//     scheduler noise, from flagging at every run; the relative part keeps a
//     long test's ordinary jitter from flagging. 50 % (rather than 20 %)
//     because runs on shared, loaded machines (CI, a worker pool) vary by
//     more than 20 % without any change to the test, while a real
//     regression worth a look (a new sleep, a doubled loop) is a step of
//     half again or more. These were the dashboard's values; the command's
//     `trend` used a mean and a 5 ms floor, and now follows this rule.
// The first counted point has no baseline and is never a change.
struct DurationRule {
  std::size_t window = 5;
  double ratio = 0.5;
  std::int64_t min_delta_ms = 20;
};
struct DurationSample {
  std::int64_t duration_ms = 0;
  Outcome outcome = Outcome::kPassed;
};
struct DurationPoint {
  bool counted = false;  // the result counts (ran to its end)
  bool changed = false;
  double baseline_ms = 0;  // 0 when it has none
};
// Counts its duration under the rule: PASSED, FAILED, FLAKY.
bool HasMeaningfulDuration(Outcome outcome);
// One point per sample, same order.
std::vector<DurationPoint> DurationChanges(const std::vector<DurationSample>& samples,
                                           const DurationRule& rule = DurationRule());
// The indices of the changed points.
std::vector<std::size_t> ChangeIndices(const std::vector<DurationPoint>& points);

// ---------------------------------------------------------- failure places
//
// Where a failure happened, for grouping a test's failures by machine: the
// worker that ran it ("host:port"), or the supervisor's host when its own
// slots ran it (worker "local" or unknown).
std::string FailurePlace(const std::string& worker, const std::string& run_host);

}  // namespace gtest_dist::analytics

#endif  // GTEST_DIST_ANALYTICS_ANALYTICS_H_
