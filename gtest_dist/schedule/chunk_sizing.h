// Start-up-aware chunk sizes (issue 15). Every chunk costs a test process
// start-up before its first test: exec, static initialisation registering
// every test, the child's index of them, and a SetUpTestSuite. On a binary of
// 100,000 tests that is most of a second, and a plan cut for balance alone
// (guided self-scheduling, a suite split in smaller and smaller pieces near
// the end) spends more time starting processes than running tests.
//
// ChunkSizing watches the chunks of a run (when each was handed out, when its
// first test started, when it ended) and says the least cost, in the
// scheduler's units, a chunk should have: kStartupsPerChunk start-ups' worth
// of work. The scheduler never asks for more than one slot's share of what is
// left, so balance is kept (scheduler.h). Pure: the caller passes the times.
#ifndef GTEST_DIST_SCHEDULE_CHUNK_SIZING_H_
#define GTEST_DIST_SCHEDULE_CHUNK_SIZING_H_

#include <cstdint>
#include <map>

namespace gtest_dist {

class ChunkSizing {
 public:
  // A chunk's work is at least this many of its start-ups: a start-up is
  // then at most a fifth of a slot's time.
  static constexpr double kStartupsPerChunk = 5.0;

  // `cost`: the scheduler's cost of the chunk's tests. Times in ms, on any
  // steady clock. `first_setup_ms`: the priced set-up of the chunk's first
  // suite (suite_setup_costs.h), part of `cost`, which runs before its first
  // test: neither a process start-up nor run time, so it is left out of both.
  void OnDispatched(std::int64_t chunk_id, double cost, double now_ms, double first_setup_ms = 0);
  void OnTestStarted(std::int64_t chunk_id, double now_ms);
  // A test of `cost` ended: what a chunk still running has done counts in
  // the time a unit of cost takes (a run planned as one chunk per slot has
  // no chunk that ends before its last minutes).
  void OnTestEnded(std::int64_t chunk_id, double cost, double now_ms);
  void OnFinished(std::int64_t chunk_id, double now_ms);
  // Tail control took tests of this cost from the chunk: they do not count
  // in its run time.
  void OnCut(std::int64_t chunk_id, double cost);
  // A lost chunk tells nothing.
  void Forget(std::int64_t chunk_id) { chunks_.erase(chunk_id); }

  // The least cost a new chunk should have; 0 until a chunk has ended (then
  // both a start-up and the time a unit of cost takes are known).
  double MinChunkCost() const;

  // What was measured: the shortest start-up seen (-1 while none), and ms
  // per unit of cost (-1 while no test ended).
  double startup_ms() const { return startup_ms_; }
  double ms_per_cost() const;

  // What a new process takes to start now, for tail control: the recent
  // start-ups (a moving average of what each added after the one before it),
  // or longer while the processes dispatched
  // and not started yet have waited longer (the median of their waits, when
  // two or more wait: many processes starting at once, at the end of a run,
  // start slowly; one stuck in a slow Environment must not stop every cut).
  // -1 while none started.
  double CurrentStartupMs(double now_ms) const;
  // Weight of the latest start-up in that moving average.
  static constexpr double kRecentWeight = 0.3;

 private:
  struct Chunk {
    double cost = 0;
    double dispatched_ms = 0;
    double first_start_ms = -1;
    double first_setup_ms = 0;
    double ended_cost = 0;  // of its tests that ended
    double last_end_ms = -1;
  };
  std::map<std::int64_t, Chunk> chunks_;
  // The shortest start-up: a chunk whose first suite has an expensive
  // SetUpTestSuite must not make every chunk look expensive to start.
  double startup_ms_ = -1;
  double run_ms_ = 0;    // first test start to end, over ended chunks
  double run_cost_ = 0;  // their cost
  double recent_startup_ms_ = -1;
  double last_first_start_ms_ = -1e300;  // the latest chunk's first test start
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SCHEDULE_CHUNK_SIZING_H_
