#include "gtest_dist/schedule/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "tests/unit/catalog_test_support.h"

namespace gtest_dist {
namespace {

std::vector<std::vector<int>> Drain(Scheduler* scheduler) {
  std::vector<std::vector<int>> chunks;
  while (auto chunk = scheduler->Next()) {
    chunks.push_back(*chunk);
    if (chunks.size() > 100000) break;  // a scheduler that never empties
  }
  return chunks;
}

// A setting that must not change the plan: the chunks a scheduler configured
// by `configure` hands out equal a default scheduler's.
void ExpectSamePlan(const TestCatalog& catalog, int slots,
                    const std::function<void(Scheduler*)>& configure) {
  Scheduler plain(catalog, AllIndices(catalog), slots);
  Scheduler configured(catalog, AllIndices(catalog), slots);
  configure(&configured);
  EXPECT_EQ(Drain(&plain), Drain(&configured));
}

std::vector<size_t> Sizes(const std::vector<std::vector<int>>& chunks) {
  std::vector<size_t> sizes;
  sizes.reserve(chunks.size());
  for (const auto& chunk : chunks) sizes.push_back(chunk.size());
  return sizes;
}

// An estimator from a table of test index -> milliseconds; absent = unknown.
DurationEstimator FromTable(std::map<int, double> table) {
  return [table = std::move(table)](const TestEntry& test) -> std::optional<double> {
    const auto it = table.find(test.index);
    if (it == table.end()) return std::nullopt;
    return it->second;
  };
}

// Drains a scheduler and checks the invariants that hold for every plan:
// every selected test handed out exactly once; chunks non-empty and in
// catalog order; a suite split only when its remaining cost is above one
// slot's share of the remaining work, and then alone in its chunk.
// `cost` is what the scheduler is expected to charge for a test.
void ExpectSoundPlan(const TestCatalog& catalog, const std::vector<int>& selected, int slots,
                     const DurationEstimator& estimate, const std::function<double(int)>& cost) {
  Scheduler scheduler(catalog, selected, slots, estimate);
  std::map<int, std::set<int>> remaining;  // suite -> tests not handed out
  for (int index : selected) remaining[catalog.test(index).suite_index].insert(index);
  std::vector<int> handed_out;
  int chunks = 0;
  while (!scheduler.empty()) {
    ASSERT_LT(chunks++, 100000) << "the queue never empties";
    double queued = 0;
    for (const auto& [suite, tests] : remaining) {
      for (int index : tests) queued += cost(index);
    }
    ASSERT_NEAR(queued, scheduler.queued_cost(), 1e-6 * (1 + queued));
    const std::optional<std::vector<int>> chunk = scheduler.Next();
    ASSERT_TRUE(chunk.has_value());
    ASSERT_FALSE(chunk->empty());
    EXPECT_TRUE(std::is_sorted(chunk->begin(), chunk->end()));
    std::map<int, std::vector<int>> by_suite;
    for (int index : *chunk) by_suite[catalog.test(index).suite_index].push_back(index);
    for (const auto& [suite, tests] : by_suite) {
      double suite_cost = 0;
      for (int index : remaining[suite]) suite_cost += cost(index);
      if (tests.size() < remaining[suite].size()) {
        EXPECT_EQ(1u, by_suite.size()) << "a split suite shares its chunk";
        EXPECT_GT(suite_cost, queued / slots) << "suite S" << suite << " split below its share";
        // The part handed out is the head of what was left.
        EXPECT_EQ(*remaining[suite].begin(), tests.front());
      }
      for (int index : tests) {
        EXPECT_EQ(1u, remaining[suite].erase(index)) << "test " << index << " handed out twice";
      }
    }
    handed_out.insert(handed_out.end(), chunk->begin(), chunk->end());
  }
  EXPECT_FALSE(scheduler.Next().has_value());
  EXPECT_EQ(0, scheduler.queued_tests());
  std::vector<int> expected = selected;
  std::sort(expected.begin(), expected.end());
  std::sort(handed_out.begin(), handed_out.end());
  EXPECT_EQ(expected, handed_out);
}

TEST(SchedulerTest, EmptySelectionHandsOutNothing) {
  const TestCatalog catalog = CatalogOfSizes({3, 2});
  Scheduler scheduler(catalog, {}, 4);
  EXPECT_TRUE(scheduler.empty());
  EXPECT_EQ(0, scheduler.queued_tests());
  EXPECT_EQ(0.0, scheduler.queued_cost());
  EXPECT_FALSE(scheduler.Next().has_value());
}

TEST(SchedulerTest, EmptyCatalogHandsOutNothing) {
  const TestCatalog catalog({}, "");
  Scheduler scheduler(catalog, {}, 1, FromTable({}));
  EXPECT_FALSE(scheduler.Next().has_value());
}

TEST(SchedulerTest, SingleTest) {
  const TestCatalog catalog = CatalogOfSizes({1});
  Scheduler scheduler(catalog, {0}, 8);
  EXPECT_FALSE(scheduler.empty());
  EXPECT_EQ(1, scheduler.queued_tests());
  EXPECT_EQ(std::optional<std::vector<int>>(std::vector<int>{0}), scheduler.Next());
  EXPECT_TRUE(scheduler.empty());
  EXPECT_FALSE(scheduler.Next().has_value());
}

// A worker refuses a run_chunk of more than protocol::kMaxChunkTests tests,
// so the scheduler never makes one, however large a suite or a chunk would be.
TEST(SchedulerTest, NoChunkHoldsMoreThanTheMaximum) {
  const TestCatalog catalog = CatalogOfSizes({25, 3});
  Scheduler scheduler(catalog, AllIndices(catalog), 1);
  scheduler.SetMinChunkTests(28);
  scheduler.SetMaxChunkTests(10);
  std::vector<int> seen;
  while (const auto chunk = scheduler.Next()) {
    EXPECT_LE(chunk->size(), 10u);
    seen.insert(seen.end(), chunk->begin(), chunk->end());
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(AllIndices(catalog), seen);
}

TEST(SchedulerTest, EveryTestIsHandedOutExactlyOnce) {
  const std::vector<std::vector<int>> shapes = {{1},
                                                {100},
                                                {1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                                                {50, 1, 1, 1, 30, 2, 7},
                                                {3, 9, 27, 81},
                                                {2, 2, 2, 2, 200}};
  for (const auto& shape : shapes) {
    const TestCatalog catalog = CatalogOfSizes(shape);
    std::vector<int> every_other;
    for (int index = 0; index < catalog.size(); index += 2) every_other.push_back(index);
    std::vector<int> reversed = AllIndices(catalog);
    std::reverse(reversed.begin(), reversed.end());
    for (const std::vector<int>& selected : {AllIndices(catalog), every_other, reversed}) {
      for (int slots : {1, 2, 3, 8, 64}) {
        SCOPED_TRACE("shape of " + std::to_string(shape.size()) + " suites, " +
                     std::to_string(selected.size()) + " selected, " + std::to_string(slots) +
                     " slots");
        ExpectSoundPlan(catalog, selected, slots, nullptr, [](int) { return 1.0; });
      }
    }
  }
}

TEST(SchedulerTest, EveryTestIsHandedOutExactlyOnceWithDurations) {
  const TestCatalog catalog = CatalogOfSizes({40, 3, 1, 12, 7, 1, 25});
  std::map<int, double> table;
  for (int index = 0; index < catalog.size(); ++index) {
    table[index] = 1 + (index * 37) % 500;  // 1..500 ms, scattered
  }
  for (int slots : {1, 2, 5, 16}) {
    SCOPED_TRACE(std::to_string(slots) + " slots");
    ExpectSoundPlan(catalog, AllIndices(catalog), slots, FromTable(table),
                    [&table](int index) { return table.at(index); });
  }
}

// chunk_of_suite[s] = the chunks holding tests of suite s.
std::map<int, std::set<size_t>> ChunksOfSuites(const TestCatalog& catalog,
                                               const std::vector<std::vector<int>>& chunks) {
  std::map<int, std::set<size_t>> chunks_of_suite;
  for (size_t c = 0; c < chunks.size(); ++c) {
    for (int index : chunks[c]) chunks_of_suite[catalog.test(index).suite_index].insert(c);
  }
  return chunks_of_suite;
}

TEST(SchedulerTest, WithOneSlotNoSuiteIsSplit) {
  // One slot's share is all the work left: no suite is ever above it.
  const TestCatalog catalog = CatalogOfSizes({5, 50, 1, 7, 5, 5});
  Scheduler scheduler(catalog, AllIndices(catalog), 1);
  const auto chunks_of_suite = ChunksOfSuites(catalog, Drain(&scheduler));
  ASSERT_EQ(6u, chunks_of_suite.size());
  for (const auto& [suite, chunks] : chunks_of_suite) {
    EXPECT_EQ(1u, chunks.size()) << "suite S" << suite << " was split";
  }
}

TEST(SchedulerTest, ASuiteIsSplitOnlyWhenAboveOneSlotsShareOfWhatIsLeft) {
  // Ten suites of 5 over 2 slots. Chunks: S0+S1 (target 50/4), S2+S3 (40/4),
  // then S4..S8 one by one, each at most half of what is left; S9 alone is
  // all that is left, more than one slot's share, so it is split.
  const TestCatalog catalog = CatalogOfSizes(std::vector<int>(10, 5));
  Scheduler scheduler(catalog, AllIndices(catalog), 2);
  const auto chunks = Drain(&scheduler);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(10u, chunks.front().size());  // two whole suites share a chunk
  const auto chunks_of_suite = ChunksOfSuites(catalog, chunks);
  ASSERT_EQ(10u, chunks_of_suite.size());
  for (int suite = 0; suite < 9; ++suite) {
    EXPECT_EQ(1u, chunks_of_suite.at(suite).size()) << "suite S" << suite << " was split";
  }
  EXPECT_GT(chunks_of_suite.at(9).size(), 1u);
  for (size_t c : chunks_of_suite.at(9)) {
    for (int index : chunks[c]) {
      EXPECT_EQ(9, catalog.test(index).suite_index) << "a split suite shares chunk " << c;
    }
  }
}

TEST(SchedulerTest, ALargeSuiteIsSplitAndEachPartIsInCatalogOrder) {
  const TestCatalog catalog = CatalogOfSizes({100});
  Scheduler scheduler(catalog, AllIndices(catalog), 4);
  const auto chunks = Drain(&scheduler);
  ASSERT_GT(chunks.size(), 1u);
  std::vector<int> concatenated;
  for (const auto& chunk : chunks) {
    concatenated.insert(concatenated.end(), chunk.begin(), chunk.end());
  }
  // The parts are consecutive runs: handing them out in order replays the
  // suite in catalog order.
  EXPECT_EQ(AllIndices(catalog), concatenated);
}

TEST(SchedulerTest, ChunkSizesShrinkAsTheQueueDrains) {
  // Guided scheduling on one big suite: each chunk is a share of what is left.
  const TestCatalog catalog = CatalogOfSizes({100});
  Scheduler scheduler(catalog, AllIndices(catalog), 4);
  const std::vector<size_t> sizes = Sizes(Drain(&scheduler));
  ASSERT_GE(sizes.size(), 3u);
  // 100 / (kChunksPerSlot * 4 slots) = 12.5 -> 12 tests.
  EXPECT_EQ(12u, sizes.front());
  EXPECT_EQ(1u, sizes.back());
  EXPECT_TRUE(std::is_sorted(sizes.rbegin(), sizes.rend()))
      << "sizes must not grow: " << testing::PrintToString(sizes);
}

TEST(SchedulerTest, PackedChunksShrinkAsTheQueueDrains) {
  // Forty one-test suites over 2 slots: whole suites packed up to the target.
  const TestCatalog catalog = CatalogOfSizes(std::vector<int>(40, 1));
  Scheduler scheduler(catalog, AllIndices(catalog), 2);
  const std::vector<size_t> sizes = Sizes(Drain(&scheduler));
  ASSERT_GE(sizes.size(), 3u);
  EXPECT_EQ(10u, sizes.front());  // 40 / (2 * 2)
  EXPECT_EQ(1u, sizes.back());
  EXPECT_TRUE(std::is_sorted(sizes.rbegin(), sizes.rend())) << testing::PrintToString(sizes);
}

TEST(SchedulerTest, SetTotalSlotsChangesChunkSizes) {
  const TestCatalog catalog = CatalogOfSizes({100});
  Scheduler one_slot(catalog, AllIndices(catalog), 1);
  // One slot: the suite is its whole share; it is not split.
  EXPECT_EQ(100u, one_slot.Next()->size());

  Scheduler scheduler(catalog, AllIndices(catalog), 1);
  scheduler.SetTotalSlots(4);
  EXPECT_EQ(12u, scheduler.Next()->size());  // 100 / 8
  scheduler.SetTotalSlots(11);
  EXPECT_EQ(4u, scheduler.Next()->size());  // 88 / 22
  scheduler.SetTotalSlots(1);
  EXPECT_EQ(84u, scheduler.Next()->size());  // not split any more
  EXPECT_TRUE(scheduler.empty());
}

TEST(SchedulerTest, MinChunkTestsBoundsTheNumberOfChunks) {
  const TestCatalog catalog = CatalogOfSizes({10, 10, 10, 10, 10, 10, 10, 10, 10, 10});
  Scheduler plain(catalog, AllIndices(catalog), 4);
  const size_t plain_chunks = Drain(&plain).size();
  Scheduler scheduler(catalog, AllIndices(catalog), 4);
  scheduler.SetMinChunkTests(25);
  const std::vector<std::vector<int>> chunks = Drain(&scheduler);
  EXPECT_LT(chunks.size(), plain_chunks);
  EXPECT_LE(chunks.size(), 4u);
  std::multiset<int> seen;
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (i + 1 < chunks.size()) {
      EXPECT_GE(chunks[i].size(), 25u) << "chunk " << i;
    }
    EXPECT_TRUE(std::is_sorted(chunks[i].begin(), chunks[i].end()));
    seen.insert(chunks[i].begin(), chunks[i].end());
  }
  const std::vector<int> all = AllIndices(catalog);
  EXPECT_EQ(std::multiset<int>(all.begin(), all.end()), seen);
}

TEST(SchedulerTest, NonPositiveSlotCountsCountAsOne) {
  const TestCatalog catalog = CatalogOfSizes({100});
  Scheduler zero(catalog, AllIndices(catalog), 0);
  EXPECT_EQ(100u, zero.Next()->size());
  Scheduler negative(catalog, AllIndices(catalog), -5);
  EXPECT_EQ(100u, negative.Next()->size());
  Scheduler reset(catalog, AllIndices(catalog), 4);
  reset.SetTotalSlots(0);
  EXPECT_EQ(100u, reset.Next()->size());
  Scheduler reset_negative(catalog, AllIndices(catalog), 4);
  reset_negative.SetTotalSlots(-1);
  EXPECT_EQ(100u, reset_negative.Next()->size());
}

TEST(SchedulerTest, WithoutEstimatesTheSuiteWithMostTestsGoesFirst) {
  const TestCatalog catalog = CatalogOfSizes({2, 9, 4});
  Scheduler scheduler(catalog, AllIndices(catalog), 8);
  const auto chunk = scheduler.Next();
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(1, catalog.test(chunk->front()).suite_index);
}

TEST(SchedulerTest, WithEstimatesTheLongestSuiteGoesFirst) {
  // S0: one 1 ms test; S1: two 5 ms tests; S2: one 50 ms test.
  const TestCatalog catalog = CatalogOfSizes({1, 2, 1});
  Scheduler scheduler(catalog, AllIndices(catalog), 1,
                      FromTable({{0, 1.0}, {1, 5.0}, {2, 5.0}, {3, 50.0}}));
  const auto chunks = Drain(&scheduler);
  ASSERT_EQ(3u, chunks.size()) << testing::PrintToString(chunks);
  EXPECT_EQ(std::vector<int>({3}), chunks[0]);
  EXPECT_EQ(std::vector<int>({1, 2}), chunks[1]);
  EXPECT_EQ(std::vector<int>({0}), chunks[2]);
}

TEST(SchedulerTest, EqualCostsKeepCatalogOrder) {
  const TestCatalog catalog = CatalogOfSizes({3, 3, 3, 3});
  Scheduler scheduler(catalog, AllIndices(catalog), 2);
  std::vector<int> handed_out;
  for (const auto& chunk : Drain(&scheduler)) {
    handed_out.insert(handed_out.end(), chunk.begin(), chunk.end());
  }
  EXPECT_EQ(AllIndices(catalog), handed_out);
}

std::vector<int> SuiteOrder(const TestCatalog& catalog, Scheduler* scheduler) {
  std::vector<int> suites;
  for (const auto& chunk : Drain(scheduler)) {
    for (int index : chunk) {
      const int suite = catalog.test(index).suite_index;
      if (std::find(suites.begin(), suites.end(), suite) == suites.end()) suites.push_back(suite);
    }
  }
  return suites;
}

TEST(SchedulerTest, SameShuffleSeedGivesTheSamePlan) {
  const TestCatalog catalog = CatalogOfSizes({3, 1, 4, 1, 5, 9, 2, 6, 5, 3});
  Scheduler first(catalog, AllIndices(catalog), 3, nullptr, 42u);
  Scheduler second(catalog, AllIndices(catalog), 3, nullptr, 42u);
  EXPECT_EQ(Drain(&first), Drain(&second));
}

TEST(SchedulerTest, ShuffleSeedDecidesTheSuiteOrder) {
  const TestCatalog catalog = CatalogOfSizes(std::vector<int>(12, 2));
  Scheduler unshuffled(catalog, AllIndices(catalog), 64);
  const std::vector<int> catalog_order = SuiteOrder(catalog, &unshuffled);
  // Equal costs without a seed: catalog order. Some seed among a few must
  // give another order (12! orders; the chance all five keep it is nil).
  bool some_order_differs = false;
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
    Scheduler shuffled(catalog, AllIndices(catalog), 64, nullptr, seed);
    const std::vector<int> order = SuiteOrder(catalog, &shuffled);
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(catalog_order, sorted) << "every suite once, seed " << seed;
    some_order_differs |= order != catalog_order;
  }
  EXPECT_TRUE(some_order_differs);
}

TEST(SchedulerTest, ShuffledPlansAreSoundToo) {
  const TestCatalog catalog = CatalogOfSizes({40, 3, 1, 12, 7, 1, 25});
  for (unsigned seed : {0u, 7u, 123456u}) {
    for (int slots : {1, 3, 8}) {
      Scheduler scheduler(catalog, AllIndices(catalog), slots, nullptr, seed);
      std::vector<int> handed_out;
      for (const auto& chunk : Drain(&scheduler)) {
        EXPECT_TRUE(std::is_sorted(chunk.begin(), chunk.end()));
        handed_out.insert(handed_out.end(), chunk.begin(), chunk.end());
      }
      std::sort(handed_out.begin(), handed_out.end());
      EXPECT_EQ(AllIndices(catalog), handed_out) << "seed " << seed << ", " << slots << " slots";
    }
  }
}

TEST(SchedulerTest, UnknownDurationsCountAsTheMedianOfTheKnown) {
  // Known: 1, 3 and 100 ms (median 3); two unknown tests cost 3 each.
  const TestCatalog catalog = CatalogOfSizes({3, 2});
  Scheduler scheduler(catalog, AllIndices(catalog), 1, FromTable({{0, 1.0}, {1, 3.0}, {2, 100.0}}));
  EXPECT_DOUBLE_EQ(104.0 + 2 * 3.0, scheduler.queued_cost());
}

TEST(SchedulerTest, UnknownDurationsDecideTheOrderAsTheMedian) {
  // S0: one known 10 ms test; S1: one known 30 ms test; S2: one known 20 ms
  // test and one unknown (20 ms, the median): S2 (40) goes first.
  const TestCatalog catalog = CatalogOfSizes({1, 1, 2});
  Scheduler scheduler(catalog, AllIndices(catalog), 1,
                      FromTable({{0, 10.0}, {1, 30.0}, {2, 20.0}}));
  const auto first = scheduler.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(std::vector<int>({2, 3}), *first);
  EXPECT_EQ(std::vector<int>({1}), scheduler.Next().value_or(std::vector<int>{}));
}

TEST(SchedulerTest, AllUnknownDurationsCountAsOne) {
  const TestCatalog catalog = CatalogOfSizes({3, 2});
  Scheduler scheduler(catalog, AllIndices(catalog), 1, FromTable({}));
  EXPECT_DOUBLE_EQ(5.0, scheduler.queued_cost());
}

TEST(SchedulerTest, TinyAndNegativeDurationsStillCostSomething) {
  // Every cost is kept positive so that chunk sizes stay bounded.
  const TestCatalog catalog = CatalogOfSizes({4});
  Scheduler scheduler(catalog, AllIndices(catalog), 1,
                      FromTable({{0, 0.0}, {1, -5.0}, {2, 0.0}, {3, 0.0}}));
  EXPECT_GT(scheduler.queued_cost(), 0.0);
  EXPECT_DOUBLE_EQ(0.4, scheduler.queued_cost());
}

TEST(SchedulerTest, OnlySelectedTestsCountTowardsTheMedian) {
  // Test 2 is not selected: its huge estimate must not move the median.
  const TestCatalog catalog = CatalogOfSizes({4});
  Scheduler scheduler(catalog, {0, 1, 3}, 1, FromTable({{0, 2.0}, {1, 2.0}, {2, 1000.0}}));
  EXPECT_DOUBLE_EQ(6.0, scheduler.queued_cost());
  EXPECT_EQ(3, scheduler.queued_tests());
}

TEST(SchedulerTest, QueuedTestsAndCostFollowTheHandOut) {
  const TestCatalog catalog = CatalogOfSizes({5, 5, 5, 5});
  Scheduler scheduler(catalog, AllIndices(catalog), 2);
  EXPECT_EQ(20, scheduler.queued_tests());
  EXPECT_DOUBLE_EQ(20.0, scheduler.queued_cost());
  const auto chunk = scheduler.Next();
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(20 - static_cast<int>(chunk->size()), scheduler.queued_tests());
  EXPECT_DOUBLE_EQ(20.0 - static_cast<double>(chunk->size()), scheduler.queued_cost());
}

TEST(SchedulerTest, RequeuePutsTestsBackAtTheFront) {
  const TestCatalog catalog = CatalogOfSizes({6, 5, 4, 3});
  Scheduler scheduler(catalog, AllIndices(catalog), 1);
  const std::vector<int> first = scheduler.Next().value();
  ASSERT_EQ(std::vector<int>({0, 1, 2, 3, 4, 5}), first);  // S0, the largest
  const int queued = scheduler.queued_tests();
  const double cost = scheduler.queued_cost();

  // A lost worker's unfinished tests: two of S0.
  scheduler.Requeue({first[3], first[5]});
  EXPECT_EQ(queued + 2, scheduler.queued_tests());
  EXPECT_DOUBLE_EQ(cost + 2, scheduler.queued_cost());
  const std::vector<int> next = scheduler.Next().value();
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(first[3], next.front());
  EXPECT_NE(next.end(), std::find(next.begin(), next.end(), first[5]));
}

TEST(SchedulerTest, RequeuedTestsKeepTheirSuiteGroupingAndCatalogOrder) {
  const TestCatalog catalog = CatalogOfSizes({4, 4, 4});
  Scheduler scheduler(catalog, AllIndices(catalog), 1);
  const auto all = Drain(&scheduler);
  ASSERT_TRUE(scheduler.empty());
  // Requeue tests of S2 and S0 in scrambled order.
  scheduler.Requeue({9, 1, 11, 0});
  EXPECT_FALSE(scheduler.empty());
  EXPECT_EQ(4, scheduler.queued_tests());
  std::vector<std::vector<int>> again = Drain(&scheduler);
  std::vector<int> handed_out;
  for (const auto& chunk : again) {
    EXPECT_TRUE(std::is_sorted(chunk.begin(), chunk.end()));
    handed_out.insert(handed_out.end(), chunk.begin(), chunk.end());
  }
  std::sort(handed_out.begin(), handed_out.end());
  EXPECT_EQ(std::vector<int>({0, 1, 9, 11}), handed_out);
  // With one slot and 4 queued, the target is 2: each suite's pair comes
  // whole, lowest suite first.
  EXPECT_EQ(std::vector<std::vector<int>>({{0, 1}, {9, 11}}), again);
}

TEST(SchedulerTest, RequeueGoesBeforeWorkNotHandedOutYet) {
  const TestCatalog catalog = CatalogOfSizes({1, 1, 1, 1, 1, 1, 1, 1});
  Scheduler scheduler(catalog, AllIndices(catalog), 64);  // one suite per chunk
  EXPECT_EQ(std::vector<int>({0}), scheduler.Next().value());
  EXPECT_EQ(std::vector<int>({1}), scheduler.Next().value());
  scheduler.Requeue({0});
  EXPECT_EQ(std::vector<int>({0}), scheduler.Next().value());
  EXPECT_EQ(std::vector<int>({2}), scheduler.Next().value());
}

TEST(SchedulerTest, RequeueUsesTheEstimatedCosts) {
  const TestCatalog catalog = CatalogOfSizes({2});
  Scheduler scheduler(catalog, AllIndices(catalog), 1, FromTable({{0, 7.0}, {1, 9.0}}));
  EXPECT_DOUBLE_EQ(16.0, scheduler.queued_cost());
  Drain(&scheduler);
  EXPECT_DOUBLE_EQ(0.0, scheduler.queued_cost());
  scheduler.Requeue({1});
  EXPECT_DOUBLE_EQ(9.0, scheduler.queued_cost());
}

TEST(SchedulerTest, RequeueOfNothingChangesNothing) {
  const TestCatalog catalog = CatalogOfSizes({3});
  Scheduler scheduler(catalog, AllIndices(catalog), 1);
  scheduler.Requeue({});
  EXPECT_EQ(3, scheduler.queued_tests());
  EXPECT_EQ(std::vector<int>({0, 1, 2}), scheduler.Next().value());
  EXPECT_TRUE(scheduler.empty());
}

}  // namespace
}  // namespace gtest_dist

namespace gtest_dist {
namespace {

// Hands out chunks to `slots` slots that each run their chunk until the next
// one is asked for (round-robin): the others' chunks are in flight, as the
// dispatch policy tells the scheduler. Costs are one per test.
std::vector<std::vector<int>> DrainWithSlotsBusy(Scheduler* scheduler, size_t slots) {
  std::vector<std::vector<int>> chunks;
  for (;;) {
    double in_flight = 0;
    for (size_t i = 1; i < slots && i <= chunks.size(); ++i) {
      in_flight += static_cast<double>(chunks[chunks.size() - i].size());
    }
    scheduler->SetInFlightCost(in_flight);
    auto chunk = scheduler->Next();
    if (!chunk || chunks.size() > 100000) break;
    chunks.push_back(*chunk);
  }
  return chunks;
}

TEST(SchedulerMinChunkCostTest, ExpensiveStartUpsMakeFewerLargerChunks) {
  // 100 suites of 1,000 trivial tests on 2 slots: cut for balance alone, the
  // last suites are split into ever smaller pieces (about 40 chunks, each a
  // process start-up).
  const TestCatalog catalog = CatalogOfSizes(std::vector<int>(100, 1000));
  Scheduler balance_only(catalog, AllIndices(catalog), 2);
  const size_t before = Drain(&balance_only).size();
  EXPECT_GT(before, 30u);

  Scheduler sized(catalog, AllIndices(catalog), 2);
  sized.SetMinChunkCost(std::numeric_limits<double>::infinity());
  const auto chunks = DrainWithSlotsBusy(&sized, 2);
  // Each chunk is one slot's share of what is left.
  EXPECT_LE(chunks.size(), 8u);
  std::set<int> seen;
  for (const auto& chunk : chunks) {
    for (int index : chunk) EXPECT_TRUE(seen.insert(index).second) << index;
  }
  EXPECT_EQ(seen.size(), 100000u);
}

TEST(SchedulerMinChunkCostTest, NoChunkIsMoreThanOneSlotsShare) {
  // However expensive a start-up, every slot still gets work.
  const TestCatalog catalog = CatalogOfSizes({100});
  Scheduler scheduler(catalog, AllIndices(catalog), 4);
  scheduler.SetMinChunkCost(1e9);
  const auto first = scheduler.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->size(), 25u);
}

TEST(SchedulerMinChunkCostTest, WorkInFlightCountsInTheShare) {
  // One slot frees while the other still has as much work as is queued: the
  // freed slot takes all of it instead of half (which would cost it one more
  // start-up, then another, each taking half of what is left).
  const TestCatalog catalog = CatalogOfSizes(std::vector<int>(10, 100));
  Scheduler alone(catalog, AllIndices(catalog), 2);
  alone.SetMinChunkCost(std::numeric_limits<double>::infinity());
  EXPECT_EQ(alone.Next()->size(), 500u);

  Scheduler with_in_flight(catalog, AllIndices(catalog), 2);
  with_in_flight.SetMinChunkCost(std::numeric_limits<double>::infinity());
  with_in_flight.SetInFlightCost(1000);
  EXPECT_EQ(with_in_flight.Next()->size(), 1000u);
  EXPECT_TRUE(with_in_flight.empty());
}

// Neither least size changes the default plan when it is at its smallest.
TEST(SchedulerMinChunkCostTest, SmallMinimumsChangeNothing) {
  ExpectSamePlan(CatalogOfSizes({7, 3, 12, 1, 5}), 3,
                 [](Scheduler* scheduler) { scheduler->SetMinChunkTests(1); });
  ExpectSamePlan(CatalogOfSizes({50, 30, 20, 10, 5}), 3,
                 [](Scheduler* scheduler) { scheduler->SetMinChunkCost(1); });
}

TEST(SchedulerMinChunkCostTest, SplitPiecesAreAtLeastTheMinimum) {
  const TestCatalog catalog = CatalogOfSizes({1000});
  Scheduler scheduler(catalog, AllIndices(catalog), 2);
  scheduler.SetMinChunkCost(400);
  const auto chunks = DrainWithSlotsBusy(&scheduler, 2);
  EXPECT_EQ(Sizes(chunks), (std::vector<size_t>{400, 400, 200}));
  for (size_t i = 0; i + 1 < chunks.size(); ++i) EXPECT_GE(chunks[i].size(), 400u) << i;
}

TEST(SchedulerMinChunkCostTest, CostOfSumsTheEstimates) {
  const TestCatalog catalog = CatalogOfSizes({3});
  Scheduler scheduler(catalog, AllIndices(catalog), 1, FromTable({{0, 5}, {1, 7}, {2, 11}}));
  EXPECT_DOUBLE_EQ(scheduler.CostOf({0, 2}), 16);
  EXPECT_DOUBLE_EQ(scheduler.CostOf({}), 0);
}

}  // namespace
}  // namespace gtest_dist

namespace gtest_dist {
namespace {

// Balanced by cuts (tail control on): one slot's share per chunk.
TEST(SchedulerBalancedByCutsTest, EachSlotGetsItsShareInOneChunk) {
  // 100 suites of 1,000 tests on 64 slots: guided self-scheduling cuts them
  // into hundreds of chunks; balanced by cuts, 64 of about 1,562 tests each.
  const TestCatalog catalog = CatalogOfSizes(std::vector<int>(100, 1000));
  Scheduler guided(catalog, AllIndices(catalog), 64);
  EXPECT_GT(DrainWithSlotsBusy(&guided, 64).size(), 300u);

  Scheduler balanced(catalog, AllIndices(catalog), 64);
  balanced.SetBalancedByCuts(true);
  const auto chunks = DrainWithSlotsBusy(&balanced, 64);
  ASSERT_EQ(chunks.size(), 64u);
  std::set<int> seen;
  for (const auto& chunk : chunks) {
    EXPECT_GE(chunk.size(), 1500u);
    EXPECT_LE(chunk.size(), 1600u);
    EXPECT_TRUE(std::is_sorted(chunk.begin(), chunk.end()));
    for (int index : chunk) EXPECT_TRUE(seen.insert(index).second) << index;
  }
  EXPECT_EQ(seen.size(), 100000u);
}

TEST(SchedulerBalancedByCutsTest, WholeSuitesAreToppedUpFromTheNextSuitesFront) {
  // Suites of 6, 3 and 3 on 2 slots: a share is 6. The first chunk is the
  // first suite; the second the two others.
  const TestCatalog catalog = CatalogOfSizes({6, 3, 3});
  Scheduler exact(catalog, AllIndices(catalog), 2);
  exact.SetBalancedByCuts(true);
  EXPECT_EQ(Sizes(DrainWithSlotsBusy(&exact, 2)), (std::vector<size_t>{6, 6}));
  // Suites of 4 and 8: the first chunk takes the suite of 4 and the first 2
  // tests of the next, the second chunk its other 6.
  const TestCatalog uneven = CatalogOfSizes({4, 8});
  Scheduler topped(uneven, AllIndices(uneven), 2);
  topped.SetBalancedByCuts(true);
  const auto chunks = DrainWithSlotsBusy(&topped, 2);
  ASSERT_EQ(Sizes(chunks), (std::vector<size_t>{6, 6}));
  // Longest first: the suite of 8 (tests 4..11) leads; its first 6 tests go
  // alone, the rest joins the suite of 4.
  EXPECT_EQ(chunks[0], (std::vector<int>{4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(chunks[1], (std::vector<int>{0, 1, 2, 3, 10, 11}));
}

TEST(SchedulerBalancedByCutsTest, ACutTailIsHandedOutWhole) {
  // At the end of a run an idle slot takes a running chunk's tail: queued
  // alone, with most of the work in flight, it goes out in one chunk.
  const TestCatalog catalog = CatalogOfSizes({100});
  Scheduler scheduler(catalog, {}, 8);
  scheduler.SetBalancedByCuts(true);
  scheduler.Requeue({60, 61, 62, 63, 64, 65, 66, 67, 68, 69});
  scheduler.SetInFlightCost(70);
  const auto chunk = scheduler.Next();
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(chunk->size(), 10u);
  EXPECT_TRUE(scheduler.empty());
}

TEST(SchedulerBalancedByCutsTest, APricedSuiteIsNotToppedUpFrom) {
  // A suite whose set-up is known keeps the set-up-aware plan: packing does
  // not cut a piece from it to fill a share.
  const TestCatalog catalog = CatalogOfSuites({{"A", 4}, {"B", 8}});
  // A (40 ms) goes first and is less than a share (34 ms... of 68): a piece
  // of B would fill the share, but B's set-up is priced.
  std::map<int, double> durations;
  for (int i = 0; i < 12; ++i) durations[i] = i < 4 ? 10 : 1;
  SuiteSetupCosts costs({{"B", SuiteSetupCosts::Cost{20, 0}}});
  Scheduler scheduler(catalog, AllIndices(catalog), 2, FromTable(durations));
  scheduler.SetSetupCosts(&costs);
  scheduler.SetBalancedByCuts(true);
  for (const auto& chunk : Drain(&scheduler)) {
    int of_b = 0;
    for (int index : chunk) of_b += catalog.test(index).suite_index == 1 ? 1 : 0;
    EXPECT_TRUE(of_b == 0 || of_b == 8) << of_b << " of B's 8 tests in a chunk";
  }
}

}  // namespace
}  // namespace gtest_dist
