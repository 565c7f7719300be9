// --dist-triage (issue 16, item 2), the pure part: the verdict on one failed
// test from replays. First the test alone, `alone_runs` times: failing every
// time is BROKEN, some of the times FLAKY. Passing alone, its failure came
// from the tests before it in its process: BisectOrder finds the smallest set
// of them that makes it fail and verifies it twice (ORDER-DEPENDENT), or
// finds none (FLAKY). The replays are seams: the real runner runs the test
// binary (modes/triage_runner.h), the unit tests pass fakes.
#ifndef GTEST_DIST_ANALYTICS_FAILURE_TRIAGE_H_
#define GTEST_DIST_ANALYTICS_FAILURE_TRIAGE_H_

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gtest_dist/analytics/order_bisect.h"

namespace gtest_dist::analytics {

// Thrown by a replay when the triage budget (--dist-triage-budget) is spent,
// or when a replay cannot tell (the binary could not run); the verdict is
// then UNKNOWN with the message as the reason.
class TriageStopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TriageResult {
  TriageVerdict verdict = TriageVerdict::kUnknown;
  std::vector<int> culprits;  // ORDER-DEPENDENT: indices into the predecessors, in order
  int replays = 0;            // alone runs and bisect replays made
  std::string why;            // UNKNOWN: why
};

// `alone()`: runs the test alone, true when it failed. `replay`: as
// BisectOrder's. Either may throw TriageStopped.
TriageResult TriageFailure(int predecessor_count, const std::function<bool()>& alone,
                           const Replayer& replay, int alone_runs = 3, int max_replays = 64);

}  // namespace gtest_dist::analytics

#endif  // GTEST_DIST_ANALYTICS_FAILURE_TRIAGE_H_
