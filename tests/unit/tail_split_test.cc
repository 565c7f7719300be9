// Tail control's pure parts: the shared word the runner and its child agree
// on, the runner's tracker after a cut, and which chunk is cut where.
#include "gtest_dist/schedule/tail_split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "gtest_dist/run/chunk_tracker.h"
#include "gtest_dist/run/tail_cut.h"

namespace gtest_dist {
namespace {

TEST(TailCutWordTest, ACutTakesWhatTheChildHasNotClaimed) {
  TailCutWord word;
  ResetTailCut(&word);
  EXPECT_EQ(ClaimThrough(&word, 3), kNoCut);  // test 3 may run
  EXPECT_EQ(CutFrom(&word, 5), 5u);           // tests from 5 on are cut
  EXPECT_EQ(ClaimThrough(&word, 4), 5u);      // 4 still runs here
  EXPECT_EQ(ClaimThrough(&word, 5), 5u);      // 5 does not: the limit says so
  EXPECT_EQ(ClaimThrough(&word, 9), 5u);
}

TEST(TailCutWordTest, ACutNeverTakesAClaimedTest) {
  // The race: the runner cuts from 4 while the child has already claimed 6
  // (its start not read yet). Only tests from 7 on are cut.
  TailCutWord word;
  ResetTailCut(&word);
  ClaimThrough(&word, 6);
  EXPECT_EQ(CutFrom(&word, 4), 7u);
  EXPECT_EQ(ClaimThrough(&word, 7), 7u);
}

TEST(TailCutWordTest, WhatWasCutStaysCut) {
  TailCutWord word;
  ResetTailCut(&word);
  EXPECT_EQ(CutFrom(&word, 10), 10u);
  EXPECT_EQ(CutFrom(&word, 20), 10u);  // a later, higher cut gives nothing back
  EXPECT_EQ(CutFrom(&word, 8), 8u);    // a lower one takes more
  EXPECT_EQ(CutFrom(&word, kNoCut), 8u);
}

TEST(TailCutWordTest, ChildAndRunnerRacingNeverBothGetATest) {
  // Interleavings by hand are above; here many cuts race with claims in two
  // threads, and every test is either run (claimed below the final limit) or
  // cut, never both.
  for (int round = 0; round < 200; ++round) {
    TailCutWord word;
    ResetTailCut(&word);
    std::vector<int> ran;
    std::thread child([&] {
      for (std::uint32_t test = 0; test < 100; ++test) {
        if (ClaimThrough(&word, test) <= test) break;
        ran.push_back(static_cast<int>(test));
      }
    });
    const std::uint32_t limit = CutFrom(&word, 50 - static_cast<std::uint32_t>(round % 50));
    child.join();
    ASSERT_FALSE(ran.empty() && static_cast<std::uint32_t>(ran.back()) >= limit)
        << "test " << ran.back() << " ran although the cut took every test from " << limit;
    EXPECT_EQ(ran.size(), std::min<std::size_t>(100, limit));
  }
}

TEST(ChunkTrackerCutTest, CutTestsLeaveTheChunkAndTheirEventsAreRefused) {
  ChunkTracker tracker({4, 1, 7, 9, 2});
  ASSERT_TRUE(tracker.OnStarted(1));
  ASSERT_TRUE(tracker.OnFinished(1));
  ASSERT_TRUE(tracker.OnStarted(2));
  // Cut from 2: 2 is running, so it stays; 4, 7 and 9 go.
  EXPECT_EQ(tracker.CutFrom(2), (std::vector<int>{4, 7, 9}));
  EXPECT_FALSE(tracker.OnStarted(7));
  EXPECT_FALSE(tracker.OnFinished(9));
  EXPECT_EQ(tracker.Unfinished(), (std::vector<int>{2}));
  ASSERT_TRUE(tracker.OnFinished(2));
  EXPECT_TRUE(tracker.done());
  EXPECT_TRUE(tracker.CutFrom(0).empty());  // nothing left to take
}

double UnitCost(int) { return 1.0; }

// Chunk `id`, running a test that needs `running_left` more, then `unstarted`.
RunningChunk Running(std::int64_t id, double running_left, std::vector<int> unstarted) {
  return RunningChunk{id, true, running_left, std::move(unstarted)};
}

TEST(ChooseTailCutTest, CutsTheChunkWithTheMostWorkLeftInTwoEqualHalves) {
  const std::vector<RunningChunk> chunks = {Running(1, 1, {10, 11, 12}),
                                            Running(2, 1, {20, 21, 22, 23, 24, 25, 26, 27, 28})};
  const auto cut = ChooseTailCut(chunks, UnitCost, TailSplitCosts{});
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->chunk_id, 2);
  EXPECT_EQ(cut->from_index, 24);  // keeps 1 + 4, the tail is 5
  EXPECT_EQ(cut->kept, 5);
  EXPECT_EQ(cut->tail, 5);
}

TEST(ChooseTailCutTest, ALongRunningTestGivesAwayItsWholeTail) {
  // Its running test is far past its estimate.
  const RunningChunk chunk = Running(7, 100, {3, 4, 5, 6});
  const auto cut = ChooseTailCut({chunk}, UnitCost, TailSplitCosts{});
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->from_index, 3);
  EXPECT_EQ(cut->tail, 4);
}

TEST(ChooseTailCutTest, NoCutWhenTheChunkWouldNotEndSoonerByHalfAStartUp) {
  RunningChunk chunk = Running(1, 1, {1, 2, 3});
  TailSplitCosts costs;
  costs.startup = 3;
  EXPECT_FALSE(ChooseTailCut({chunk}, UnitCost, costs).has_value());
  costs.startup = 0.5;
  EXPECT_TRUE(ChooseTailCut({chunk}, UnitCost, costs).has_value());
  // A tail of 0.1 behind a long test: it would end 0.1 sooner, for a
  // start-up of 0.5.
  EXPECT_FALSE(ChooseTailCut(
                   {Running(1, 10, {1})}, [](int) { return 0.1; }, costs)
                   .has_value());
}

TEST(ChooseTailCutTest, AShortLastTestDoesNotWaitBehindALongOne) {
  // The last test (2) is smaller than a start-up (3), but waits 10 behind
  // the running one: moved to an idle slot, the chunk ends at 10, not 12.
  const auto cut = ChooseTailCut(
      {Running(1, 10, {5})}, [](int) { return 2.0; }, TailSplitCosts{3, {}});
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->from_index, 5);
  EXPECT_EQ(cut->kept, 10);
  EXPECT_EQ(cut->tail, 2);
}

TEST(ChooseTailCutTest, TheRepeatedSuiteSetUpIsPriced) {
  // Tests 1-3 of suite A (set-up 10), then 4-7 of suite B (set-up 0, say).
  RunningChunk chunk = Running(1, 1, {1, 2, 3, 4, 5, 6, 7});
  TailSplitCosts costs;
  costs.repeated_setup = [](int first) { return first <= 3 ? 10.0 : 0.0; };
  const auto cut = ChooseTailCut({chunk}, UnitCost, costs);
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->from_index, 4);  // at the suite boundary: no set-up repeated
}

TEST(ChooseTailCutTest, ChunksWithNothingUnstartedAreNotCut) {
  RunningChunk chunk = Running(1, 50, {});
  EXPECT_FALSE(ChooseTailCut({chunk}, UnitCost, TailSplitCosts{}).has_value());
  EXPECT_FALSE(ChooseTailCut({}, UnitCost, TailSplitCosts{}).has_value());
}

TEST(ChooseTailCutTest, HistoryCostsDecideTheHalves) {
  // One long unstarted test at the front: the tail after it balances it.
  std::map<int, double> cost{{1, 8}, {2, 1}, {3, 1}, {4, 1}, {5, 1},
                             {6, 1}, {7, 1}, {8, 1}, {9, 1}};
  RunningChunk chunk;
  chunk.chunk_id = 1;
  chunk.unstarted = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto cut = ChooseTailCut(
      {chunk}, [&](int test) { return cost.at(test); }, TailSplitCosts{});
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->from_index, 2);  // keeps 8, the tail is 8
}

TEST(ChooseTailCutTest, AChunkNotRunningATestYetKeepsItsFirst) {
  // Its process is starting: even a tail that would pay keeps test 1 here
  // (a one-test chunk, such as a retry, is never moved).
  RunningChunk chunk;
  chunk.chunk_id = 1;
  chunk.unstarted = {1};
  EXPECT_FALSE(ChooseTailCut({chunk}, UnitCost, TailSplitCosts{}).has_value());
  chunk.unstarted = {1, 2, 3, 4};
  const auto cut = ChooseTailCut({chunk}, UnitCost, TailSplitCosts{});
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->from_index, 3);
}

}  // namespace
}  // namespace gtest_dist
