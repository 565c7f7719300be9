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

}  // namespace
}  // namespace gtest_dist
