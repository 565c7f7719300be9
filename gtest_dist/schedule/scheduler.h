// Plans chunks and hands them out. Pure: no sockets, no processes, no clock.
//
// Tests of one suite stay together (SetUpTestSuite runs once per chunk)
// unless the suite is more than one slot's share of the remaining work;
// suites are queued longest first; chunk size follows guided self-scheduling
// (a share of what is left per slot), so early chunks are large (little
// per-process overhead) and the last ones small (little idle time at the end).
#ifndef GTEST_DIST_SCHEDULE_SCHEDULER_H_
#define GTEST_DIST_SCHEDULE_SCHEDULER_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"

namespace gtest_dist {

// The timing seam: how long a test is expected to take, in milliseconds, or
// nothing when unknown (then the tests of unknown duration count as the
// median of the known ones, or as 1 when none is known).
using DurationEstimator = std::function<std::optional<double>(const TestEntry&)>;

class Scheduler {
 public:
  // With `shuffle_seed` (--gtest_shuffle), suites are queued in an order
  // drawn from the seed instead of longest first: the same seed gives the
  // same order of dispatch.
  Scheduler(const TestCatalog& catalog, const std::vector<int>& selected, int total_slots,
            const DurationEstimator& estimate = nullptr,
            std::optional<unsigned> shuffle_seed = std::nullopt);

  // The next chunk (test indices in catalog order), or nothing when the queue
  // is empty.
  std::optional<std::vector<int>> Next();

  // Puts tests back at the front of the queue (a lost worker's unfinished
  // tests). They keep their suite grouping.
  void Requeue(const std::vector<int>& tests);

  // --dist-min-chunk: no chunk holds fewer than `tests` tests unless the
  // queue runs out. Fewer, larger chunks mean fewer child processes, and so
  // fewer runs of an expensive global Environment, at some cost in balance.
  void SetMinChunkTests(int tests) { min_chunk_tests_ = tests > 1 ? tests : 1; }

  // No chunk holds more tests than this (the supervisor sets what a
  // run_chunk may carry, protocol::kMaxChunkTests; unbounded until then).
  void SetMaxChunkTests(std::size_t tests) { max_chunk_tests_ = tests > 0 ? tests : 1; }

  // Start-up-aware sizing (chunk_sizing.h): no chunk, and no piece of a
  // split suite, costs less than `cost`, unless that is more than one slot's
  // share of the work left, queued and in flight (then the share: the slots
  // still end together).
  void SetMinChunkCost(double cost) { min_chunk_cost_ = cost > 0 ? cost : 0; }
  // The cost of the tests handed out that have not ended yet.
  void SetInFlightCost(double cost) { in_flight_cost_ = cost > 0 ? cost : 0; }
  // The estimated cost of `tests`, of one test.
  double CostOf(const std::vector<int>& tests) const;
  double CostOfTest(int index) const;

  // Slots change as workers join and leave; chunk sizes follow.
  void SetTotalSlots(int slots) { total_slots_ = slots > 0 ? slots : 1; }

  bool empty() const { return queue_.empty(); }
  // Tests not handed out yet.
  int queued_tests() const;
  double queued_cost() const { return queued_cost_; }

  // How many chunks per slot the remaining work is cut into.
  static constexpr double kChunksPerSlot = 2.0;

 private:
  struct Group {  // tests of one suite, in catalog order
    int suite_index = 0;
    std::vector<int> tests;
    std::vector<double> costs;
    double cost = 0;
  };
  std::vector<Group> GroupBySuite(const std::vector<int>& tests) const;

  const TestCatalog& catalog_;
  std::vector<double> cost_of_;  // by test index
  std::deque<Group> queue_;
  double queued_cost_ = 0;
  int total_slots_;
  int min_chunk_tests_ = 1;
  double min_chunk_cost_ = 0;
  double in_flight_cost_ = 0;
  std::size_t max_chunk_tests_ = std::numeric_limits<std::size_t>::max();
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SCHEDULE_SCHEDULER_H_
