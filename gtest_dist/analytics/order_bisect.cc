#include "gtest_dist/analytics/order_bisect.h"

#include <algorithm>

namespace gtest_dist::analytics {
namespace {

// The replays of one search, counted and bounded.
class Budget {
 public:
  Budget(const Replayer& replay, int max_replays) : replay_(replay), left_(max_replays) {}
  // False when no replay is left; else sets `failed`.
  bool Replay(const std::vector<int>& predecessors, bool* failed) {
    if (left_ <= 0) return false;
    --left_;
    ++made_;
    *failed = replay_(predecessors);
    return true;
  }
  int made() const { return made_; }

 private:
  const Replayer& replay_;
  int left_;
  int made_ = 0;
};

// `prefix` tests 0..prefix-1 then `culprits` (all later than the prefix), in
// the original order.
std::vector<int> WithPrefix(int prefix, const std::vector<int>& culprits) {
  std::vector<int> tests;
  for (int i = 0; i < prefix; ++i) tests.push_back(i);
  tests.insert(tests.end(), culprits.begin(), culprits.end());
  return tests;
}

}  // namespace

const char* TriageVerdictName(TriageVerdict verdict) {
  switch (verdict) {
    case TriageVerdict::kOrderDependent:
      return "ORDER-DEPENDENT";
    case TriageVerdict::kFlaky:
      return "FLAKY";
    case TriageVerdict::kBroken:
      return "BROKEN";
    case TriageVerdict::kUnknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

BisectResult BisectOrder(int predecessor_count, const Replayer& replay, int max_replays) {
  BisectResult result;
  Budget budget(replay, max_replays);
  auto finish = [&](TriageVerdict verdict) {
    result.verdict = verdict;
    result.replays = budget.made();
    return result;
  };
  bool failed = false;
  if (!budget.Replay(WithPrefix(predecessor_count, {}), &failed)) {
    return finish(TriageVerdict::kUnknown);
  }
  if (!failed) return finish(TriageVerdict::kFlaky);
  // Invariant: prefix `fails` (with the culprits) fails, prefix `passes`
  // does not (0: the test passed alone, or the culprits alone passed).
  std::vector<int> culprits;
  int fails = predecessor_count;
  while (fails > 0) {
    int passes = 0;
    while (fails - passes > 1) {
      const int middle = passes + (fails - passes) / 2;
      if (!budget.Replay(WithPrefix(middle, culprits), &failed)) {
        return finish(TriageVerdict::kUnknown);
      }
      (failed ? fails : passes) = middle;
    }
    culprits.insert(culprits.begin(), fails - 1);
    bool first = false;
    if (!budget.Replay(culprits, &first)) return finish(TriageVerdict::kUnknown);
    if (first) {
      bool second = false;
      if (!budget.Replay(culprits, &second)) return finish(TriageVerdict::kUnknown);
      if (!second) return finish(TriageVerdict::kFlaky);
      result.culprits = culprits;
      return finish(TriageVerdict::kOrderDependent);
    }
    // The culprits alone do not do it: something before the first of them
    // is needed too.
    fails = culprits.front();
  }
  // Every predecessor was needed in turn and they still do not fail alone:
  // the failure is not reproducible by order.
  return finish(TriageVerdict::kFlaky);
}

TriageVerdict ClassifyAlone(int alone_runs, int alone_failures) {
  if (alone_runs > 0 && alone_failures == alone_runs) return TriageVerdict::kBroken;
  if (alone_failures > 0) return TriageVerdict::kFlaky;
  return TriageVerdict::kUnknown;  // passes alone: BisectOrder decides
}

}  // namespace gtest_dist::analytics
