#include "gtest_dist/schedule/tail_split.h"

#include <algorithm>

namespace gtest_dist {
namespace {

// The best cut of one chunk: the one that ends both halves soonest.
std::optional<TailCut> BestCutOf(const RunningChunk& chunk,
                                 const std::function<double(int)>& cost_of,
                                 const TailSplitCosts& costs) {
  const std::vector<int>& tests = chunk.unstarted;
  if (tests.empty()) return std::nullopt;
  double total = chunk.running_left;
  for (int test : tests) total += cost_of(test);
  std::optional<TailCut> best;
  double best_end = total;  // uncut, the chunk ends after all of it
  double kept = chunk.running_left;
  for (std::size_t k = 0; k < tests.size(); ++k) {
    // The tail is tests[k...]; the chunk keeps what comes before.
    if (k == 0 && !chunk.running) {
      kept += cost_of(tests[k]);
      continue;
    }
    const double tail = total - kept;
    const double overhead =
        costs.startup + (costs.repeated_setup ? costs.repeated_setup(tests[k]) : 0.0);
    const double end = std::max(kept, tail + overhead);
    // Worth it: the chunk ends sooner by at least half what the cut costs.
    // Not "the tail outweighs its start-up": the last short test behind a
    // long one would wait while a slot stands idle (the start-up is paid by
    // that slot, which has nothing else to do).
    if (total - end >= overhead / 2 && end < best_end) {
      best_end = end;
      best = TailCut{chunk.chunk_id, tests[k], kept, tail};
    }
    kept += cost_of(tests[k]);
  }
  return best;
}

}  // namespace

std::optional<TailCut> ChooseTailCut(const std::vector<RunningChunk>& chunks,
                                     const std::function<double(int)>& cost_of,
                                     const TailSplitCosts& costs) {
  // Most work left first; the first that has a cut worth making gives it.
  std::vector<std::pair<double, const RunningChunk*>> by_work;
  for (const RunningChunk& chunk : chunks) {
    double left = chunk.running_left;
    for (int test : chunk.unstarted) left += cost_of(test);
    by_work.emplace_back(left, &chunk);
  }
  std::stable_sort(by_work.begin(), by_work.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [left, chunk] : by_work) {
    if (std::optional<TailCut> cut = BestCutOf(*chunk, cost_of, costs)) return cut;
  }
  return std::nullopt;
}

}  // namespace gtest_dist
