#include "gtest_dist/analytics/failure_triage.h"

namespace gtest_dist::analytics {

TriageResult TriageFailure(int predecessor_count, const std::function<bool()>& alone,
                           const Replayer& replay, int alone_runs, int max_replays) {
  TriageResult result;
  // Counts the replays, even those a TriageStopped cut short.
  const Replayer counted = [&](const std::vector<int>& predecessors) {
    ++result.replays;
    return replay(predecessors);
  };
  try {
    int failures = 0;
    for (int i = 0; i < alone_runs; ++i) {
      ++result.replays;
      if (alone()) ++failures;
    }
    result.verdict = ClassifyAlone(alone_runs, failures);
    if (result.verdict != TriageVerdict::kUnknown) return result;
    if (predecessor_count == 0) {
      // It failed first in its process and passes alone: no order to blame.
      result.verdict = TriageVerdict::kFlaky;
      return result;
    }
    const BisectResult bisect = BisectOrder(predecessor_count, counted, max_replays);
    result.verdict = bisect.verdict;
    result.culprits = bisect.culprits;
    if (result.verdict == TriageVerdict::kUnknown) {
      result.why = "no verdict within " + std::to_string(max_replays) + " replays";
    }
  } catch (const TriageStopped& stopped) {
    result.verdict = TriageVerdict::kUnknown;
    result.culprits.clear();
    result.why = stopped.what();
  }
  return result;
}

}  // namespace gtest_dist::analytics
