#include "gtest_dist/schedule/chunk_sizing.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gtest_dist {
namespace {

TEST(ChunkSizingTest, NothingIsAskedBeforeAChunkHasEnded) {
  ChunkSizing sizing;
  EXPECT_EQ(sizing.MinChunkCost(), 0);
  sizing.OnDispatched(1, 100, 0);
  sizing.OnTestStarted(1, 500);
  EXPECT_EQ(sizing.startup_ms(), 500);
  EXPECT_EQ(sizing.MinChunkCost(), 0);  // no time per unit of cost yet
}

TEST(ChunkSizingTest, AChunkIsWorthSeveralStartUps) {
  ChunkSizing sizing;
  sizing.OnDispatched(1, 100, 0);
  sizing.OnTestStarted(1, 200);  // 200 ms to start
  sizing.OnTestStarted(1, 250);  // a later test: not a start-up
  sizing.OnFinished(1, 1200);    // 100 units in 1000 ms: 10 ms each
  EXPECT_DOUBLE_EQ(sizing.ms_per_cost(), 10);
  EXPECT_DOUBLE_EQ(sizing.MinChunkCost(), ChunkSizing::kStartupsPerChunk * 200 / 10);
}

TEST(ChunkSizingTest, TheShortestStartUpCounts) {
  // A chunk that began with an expensive SetUpTestSuite does not make every
  // process look slow to start.
  ChunkSizing sizing;
  sizing.OnDispatched(1, 10, 0);
  sizing.OnDispatched(2, 10, 0);
  sizing.OnTestStarted(1, 1000);
  sizing.OnTestStarted(2, 20);
  sizing.OnFinished(1, 1100);
  sizing.OnFinished(2, 120);
  EXPECT_EQ(sizing.startup_ms(), 20);
  EXPECT_DOUBLE_EQ(sizing.MinChunkCost(), ChunkSizing::kStartupsPerChunk * 20 / 10);
}

TEST(ChunkSizingTest, TestsThatTookNoTimeMakeEveryChunkTooSmall) {
  ChunkSizing sizing;
  sizing.OnDispatched(1, 1000, 0);
  sizing.OnTestStarted(1, 300);
  sizing.OnFinished(1, 300);
  EXPECT_TRUE(std::isinf(sizing.MinChunkCost()));
}

TEST(ChunkSizingTest, AForgottenOrUnknownChunkTellsNothing) {
  ChunkSizing sizing;
  sizing.OnDispatched(1, 100, 0);
  sizing.Forget(1);
  sizing.OnTestStarted(1, 10);
  sizing.OnFinished(1, 20);
  sizing.OnTestStarted(7, 10);
  sizing.OnFinished(7, 20);
  EXPECT_EQ(sizing.startup_ms(), -1);
  EXPECT_EQ(sizing.ms_per_cost(), -1);
  EXPECT_EQ(sizing.MinChunkCost(), 0);
}

TEST(ChunkSizingTest, AChunkThatNeverStartedATestTellsNoRunTime) {
  ChunkSizing sizing;
  sizing.OnDispatched(1, 100, 0);
  sizing.OnFinished(1, 5000);  // its process died at start-up
  EXPECT_EQ(sizing.ms_per_cost(), -1);
}

TEST(ChunkSizingTest, TheTestsOfARunningChunkTellTheTimeAUnitTakes) {
  // One chunk per slot: none ends before the run's last minutes.
  ChunkSizing sizing;
  sizing.OnDispatched(1, 100, 0);
  sizing.OnTestStarted(1, 50);
  EXPECT_EQ(sizing.ms_per_cost(), -1);
  sizing.OnTestEnded(1, 2, 90);
  sizing.OnTestEnded(1, 3, 150);  // 5 units in 100 ms
  EXPECT_DOUBLE_EQ(sizing.ms_per_cost(), 20);
  sizing.OnFinished(1, 2050);  // all 100 units in 2000 ms, counted once
  EXPECT_DOUBLE_EQ(sizing.ms_per_cost(), 20);
}

TEST(ChunkSizingTest, TheCurrentStartUpFollowsTheRecentOnes) {
  ChunkSizing sizing;
  EXPECT_EQ(sizing.CurrentStartupMs(0), -1);
  sizing.OnDispatched(1, 10, 0);
  sizing.OnTestStarted(1, 20);
  EXPECT_DOUBLE_EQ(sizing.CurrentStartupMs(100), 20);
  sizing.OnDispatched(2, 10, 100);
  sizing.OnTestStarted(2, 1100);  // a second start-up of 1000 ms
  const double recent = ChunkSizing::kRecentWeight * 1000 + (1 - ChunkSizing::kRecentWeight) * 20;
  EXPECT_DOUBLE_EQ(sizing.CurrentStartupMs(1100), recent);
  EXPECT_EQ(sizing.startup_ms(), 20);  // chunk sizes still go by the shortest
}

TEST(ChunkSizingTest, ProcessesDispatchedTogetherCountWhatEachAdds) {
  // Four processes dispatched at 0; the template is ready at 1000 ms and
  // forks one every 20 ms: a new process takes about 20 ms, not 1000.
  ChunkSizing sizing;
  for (int chunk = 1; chunk <= 4; ++chunk) sizing.OnDispatched(chunk, 10, 0);
  sizing.OnTestStarted(1, 1000);
  sizing.OnTestStarted(2, 1020);
  sizing.OnTestStarted(3, 1040);
  sizing.OnTestStarted(4, 1060);
  const double w = ChunkSizing::kRecentWeight;
  double recent = 1000;
  for (int i = 0; i < 3; ++i) recent = w * 20 + (1 - w) * recent;
  EXPECT_DOUBLE_EQ(sizing.CurrentStartupMs(1060), recent);
  EXPECT_EQ(sizing.startup_ms(), 1000);  // the shortest whole start-up
}

TEST(ChunkSizingTest, ProcessesWaitingToStartMakeTheCurrentStartUpLonger) {
  ChunkSizing sizing;
  sizing.OnDispatched(1, 10, 0);
  sizing.OnTestStarted(1, 20);
  // Three processes dispatched, none started: the median wait counts.
  sizing.OnDispatched(2, 10, 1000);
  sizing.OnDispatched(3, 10, 1500);
  sizing.OnDispatched(4, 10, 1900);
  EXPECT_DOUBLE_EQ(sizing.CurrentStartupMs(2000), 500);
  // One stuck process alone does not: the others started.
  sizing.OnTestStarted(3, 2000);
  sizing.OnTestStarted(4, 2000);
  const double recent = sizing.CurrentStartupMs(2000);
  EXPECT_LT(recent, 500);
  EXPECT_DOUBLE_EQ(sizing.CurrentStartupMs(60000), recent);
}

}  // namespace
}  // namespace gtest_dist
