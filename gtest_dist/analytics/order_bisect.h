// Order-dependence triage (issue 16, item 2), the pure part: given the tests
// that ran before a failed test in its process (its predecessors, in order)
// and a way to replay a chosen subset of them followed by the test, find the
// smallest set of predecessors that makes it fail. The replayer is a seam: a
// child process running `--gtest_filter` of the subset and the test in the
// real runner, a fake in the unit tests.
#ifndef GTEST_DIST_ANALYTICS_ORDER_BISECT_H_
#define GTEST_DIST_ANALYTICS_ORDER_BISECT_H_

#include <functional>
#include <string>
#include <vector>

namespace gtest_dist::analytics {

// Replays `predecessors` (indices into the list given to BisectOrder, in
// their original order) and then the test; true when the test failed.
using Replayer = std::function<bool(const std::vector<int>& predecessors)>;

enum class TriageVerdict {
  kOrderDependent,  // fails after `culprits`, passes without them
  kFlaky,           // did not fail again as it did, or not every time
  kBroken,          // fails alone, every time
  kUnknown,         // the replay budget ran out first
};
// "ORDER-DEPENDENT", "FLAKY", "BROKEN", "UNKNOWN". Frozen: reports and the
// history store show these.
const char* TriageVerdictName(TriageVerdict verdict);

struct BisectResult {
  TriageVerdict verdict = TriageVerdict::kUnknown;
  std::vector<int> culprits;  // for kOrderDependent: the smallest failing set found, in order
  int replays = 0;            // replays made
};

// The search, for a test known to pass alone (its retry passed):
//   1. replay every predecessor: no failure means the failure does not come
//      back in order either: FLAKY;
//   2. find the shortest prefix of the predecessors (with the culprits found
//      so far) that still fails, by binary search: its last test is a
//      culprit (pollution persists, so failing is monotone in the prefix);
//   3. replay the culprits alone twice: failing both times verifies them
//      (ORDER-DEPENDENT); passing the first time means another, earlier test
//      is needed too: search again among the tests before the last culprit;
//      failing only once is FLAKY.
// With one culprit among n predecessors this makes 1 + ceil(log2 n) + 2
// replays. At most `max_replays` replays (UNKNOWN when they run out).
BisectResult BisectOrder(int predecessor_count, const Replayer& replay, int max_replays = 64);

// The verdict for a test from how it did alone: failed every one of
// `alone_runs` runs alone is BROKEN; failed some is FLAKY; never failed alone
// is kUnknown: BisectOrder decides.
TriageVerdict ClassifyAlone(int alone_runs, int alone_failures);

}  // namespace gtest_dist::analytics

#endif  // GTEST_DIST_ANALYTICS_ORDER_BISECT_H_
