// Tail control (issue 15): which running chunk an idle slot takes tests
// from, and where to cut it. Pure: the caller passes each running chunk's
// tests not started yet and the costs, in the scheduler's units.
//
// The chunk with the most work left is cut so that both halves end about
// together: the part it keeps (what its running test still needs, then its
// next tests) against the tail, which pays a new process start-up and the
// suite set-up a split repeats before its first test. A cut is made only when
// the chunk then ends sooner, by at least half that overhead.
#ifndef GTEST_DIST_SCHEDULE_TAIL_SPLIT_H_
#define GTEST_DIST_SCHEDULE_TAIL_SPLIT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace gtest_dist {

struct RunningChunk {
  std::int64_t chunk_id = 0;
  // Whether a test of it runs now, and what that test still needs. A chunk
  // that runs none (its process is starting) keeps at least one test: a
  // chunk is never cut whole.
  bool running = false;
  double running_left = 0;
  // Its tests not started, ascending: the order a child runs them.
  std::vector<int> unstarted;
};

struct TailSplitCosts {
  // One test process start-up, in cost units (ChunkSizing measures it).
  double startup = 0;
  // The set-up the tail repeats when it begins with test `first` (its
  // SetUpTestSuite when the kept part ran that suite too, global
  // Environments): a hook for measured set-up times, 0 while none is known.
  std::function<double(int first)> repeated_setup;
};

struct TailCut {
  std::int64_t chunk_id = 0;
  int from_index = 0;  // tests of index >= this, not started, are cut
  double kept = 0;     // cost the chunk keeps, its running test included
  double tail = 0;     // cost of the cut tests
};

// The cut to make, or nothing when no chunk has a tail worth moving.
std::optional<TailCut> ChooseTailCut(const std::vector<RunningChunk>& chunks,
                                     const std::function<double(int)>& cost_of,
                                     const TailSplitCosts& costs);

}  // namespace gtest_dist

#endif  // GTEST_DIST_SCHEDULE_TAIL_SPLIT_H_
