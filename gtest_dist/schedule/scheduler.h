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
#include "gtest_dist/schedule/suite_setup_costs.h"

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
  // The estimated cost of `tests` (with the priced set-up of each of their
  // suites, see SetSetupCosts), of one test.
  double CostOf(const std::vector<int>& tests) const;
  double CostOfTest(int index) const;

  // Set-up-aware planning (issue 15): `costs` (ms, the estimator's unit; it
  // must outlive the scheduler) prices each suite it knows. Such a suite
  // costs its set-up once more in the queue, and is split only where the
  // balance gained is worth the repeated set-up: cut in k pieces, it adds
  // (k - 1) * (set-up + start-up) to the work of the slots and ends at
  // (its cost / k + set-up) at best; Next() takes the k that gives the
  // earliest end of the run, max(work / slots, piece), and 1 on a tie, and
  // then hands out those k pieces. In the last round (no more suites queued
  // than slots) a suite gets no more pieces than its share of the slots, so
  // no slot runs two of the pieces that were cut to end together. A suite
  // nobody measured is planned as before. Call before the first Next().
  void SetSetupCosts(const SuiteSetupCosts* costs);
  // A new test process's start-up before its first set-up, ms (chunk_sizing.h):
  // part of what each extra piece of a split suite costs.
  void SetStartupCost(double ms) { startup_cost_ = ms > 0 ? ms : 0; }
  // The set-up the queue prices `suite_index` at; 0 when not priced.
  double SetupCostOfSuite(int suite_index) const;
  int SuiteOfTest(int index) const { return catalog_.test(index).suite_index; }

  // Tail control is on (tail_split.h): idle slots take the unstarted tails
  // of running chunks, so the end of the run is balanced by cuts rather than
  // by ever smaller chunks. A chunk is then one slot's share of the work
  // left, queued and in flight; a suite larger than that is cut to it, and a
  // chunk of whole suites is topped up with the front of the next suite
  // unless that suite's set-up is priced. P slots start about P processes
  // instead of the 2P ln(tests / 2P) of guided self-scheduling.
  void SetBalancedByCuts(bool on) { balanced_by_cuts_ = on; }

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
    // Priced set-up (SetSetupCosts); then the group costs its tests and a
    // set-up for each of the pieces it is still to be cut into.
    bool priced = false;
    double setup = 0;
    int pieces = 1;
    bool cut = false;  // its pieces are planned: never re-planned
    double whole() const { return cost + pieces * setup; }
    // Moves tests from the front into `chunk` (at least one, never the last)
    // while their cost stays within `limit`; returns the cost moved.
    double TakeFront(double limit, std::vector<int>* chunk);
  };
  std::vector<Group> GroupBySuite(const std::vector<int>& tests) const;
  void Price(Group* group) const;
  // How many pieces to cut the priced `group` into (1: keep it whole).
  int PricedPieces(const Group& group) const;

  const TestCatalog& catalog_;
  std::vector<double> cost_of_;  // by test index
  std::deque<Group> queue_;
  double queued_cost_ = 0;
  int total_slots_;
  int min_chunk_tests_ = 1;
  double min_chunk_cost_ = 0;
  double in_flight_cost_ = 0;
  std::size_t max_chunk_tests_ = std::numeric_limits<std::size_t>::max();
  const SuiteSetupCosts* setup_costs_ = nullptr;
  double startup_cost_ = 0;
  bool shuffled_ = false;
  bool balanced_by_cuts_ = false;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SCHEDULE_SCHEDULER_H_
