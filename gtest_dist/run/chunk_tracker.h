// Bookkeeping of one chunk's tests while children run it: which have finished,
// which is running, what is left. Pure; ChunkRunner acts on what it says.
#ifndef GTEST_DIST_RUN_CHUNK_TRACKER_H_
#define GTEST_DIST_RUN_CHUNK_TRACKER_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace gtest_dist {

class ChunkTracker {
 public:
  explicit ChunkTracker(std::vector<int> tests);

  // Returns false for an index that is not in the chunk or already finished:
  // the event is out of place and must be ignored.
  bool OnStarted(int index);
  bool OnFinished(int index);

  // The test that started and has not finished, if any.
  std::optional<int> running() const { return running_; }
  // Tests not finished, in chunk order (the running one included).
  std::vector<int> Unfinished() const;
  // Every distinct test of the chunk finished (a test named twice counts once).
  bool done() const { return finished_ == members_; }
  bool Contains(int index) const;
  // Tail control (tail_cut.h): the tests of index >= `limit` that have not
  // started are no longer this chunk's; they are returned (ascending) and
  // every later event about them is refused.
  std::vector<int> CutFrom(int limit);

 private:
  enum class State : std::uint8_t { kPending, kFinished, kCut };
  // The state of test `index`, null when it was never the chunk's. A binary
  // search in a vector: no tree node per test, as every event asks (issue 15).
  State* StateOf(int index);
  const State* StateOf(int index) const;

  std::vector<int> tests_;    // chunk order, without the cut ones
  std::vector<int> sorted_;   // the distinct tests ever in the chunk, ascending
  std::vector<State> state_;  // by position in sorted_
  std::size_t members_ = 0;   // not cut
  std::size_t finished_ = 0;
  std::optional<int> running_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_CHUNK_TRACKER_H_
