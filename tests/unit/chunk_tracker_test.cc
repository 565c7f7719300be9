#include "gtest_dist/run/chunk_tracker.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace gtest_dist {
namespace {

TEST(ChunkTrackerTest, FreshTrackerHasEverythingLeft) {
  const ChunkTracker tracker({7, 3, 12});
  EXPECT_FALSE(tracker.running().has_value());
  EXPECT_EQ(std::vector<int>({7, 3, 12}), tracker.Unfinished());  // chunk order
  EXPECT_FALSE(tracker.done());
  EXPECT_TRUE(tracker.Contains(7));
  EXPECT_TRUE(tracker.Contains(3));
  EXPECT_TRUE(tracker.Contains(12));
  EXPECT_FALSE(tracker.Contains(4));
  EXPECT_FALSE(tracker.Contains(-1));
}

TEST(ChunkTrackerTest, EmptyChunkIsDone) {
  const ChunkTracker tracker({});
  EXPECT_TRUE(tracker.done());
  EXPECT_TRUE(tracker.Unfinished().empty());
  EXPECT_FALSE(tracker.running().has_value());
}

TEST(ChunkTrackerTest, StartAndFinishInOrder) {
  ChunkTracker tracker({1, 2, 3});
  EXPECT_TRUE(tracker.OnStarted(1));
  EXPECT_EQ(std::optional<int>(1), tracker.running());
  EXPECT_EQ(std::vector<int>({1, 2, 3}), tracker.Unfinished());  // running counts
  EXPECT_TRUE(tracker.OnFinished(1));
  EXPECT_FALSE(tracker.running().has_value());
  EXPECT_EQ(std::vector<int>({2, 3}), tracker.Unfinished());
  EXPECT_FALSE(tracker.done());

  EXPECT_TRUE(tracker.OnStarted(2));
  EXPECT_TRUE(tracker.OnFinished(2));
  EXPECT_TRUE(tracker.OnStarted(3));
  EXPECT_FALSE(tracker.done());
  EXPECT_TRUE(tracker.OnFinished(3));
  EXPECT_TRUE(tracker.done());
  EXPECT_TRUE(tracker.Unfinished().empty());
  EXPECT_FALSE(tracker.running().has_value());
}

TEST(ChunkTrackerTest, EventsForTestsOutsideTheChunkAreRejected) {
  ChunkTracker tracker({1, 2});
  EXPECT_FALSE(tracker.OnStarted(5));
  EXPECT_FALSE(tracker.running().has_value());
  EXPECT_FALSE(tracker.OnFinished(5));
  EXPECT_EQ(std::vector<int>({1, 2}), tracker.Unfinished());

  ASSERT_TRUE(tracker.OnStarted(1));
  EXPECT_FALSE(tracker.OnStarted(9));
  EXPECT_EQ(std::optional<int>(1), tracker.running()) << "a stray start must not replace it";
  EXPECT_FALSE(tracker.OnFinished(9));
  EXPECT_EQ(std::optional<int>(1), tracker.running());
}

TEST(ChunkTrackerTest, FinishedTestsCannotStartOrFinishAgain) {
  ChunkTracker tracker({1, 2});
  ASSERT_TRUE(tracker.OnStarted(1));
  ASSERT_TRUE(tracker.OnFinished(1));
  EXPECT_FALSE(tracker.OnStarted(1));
  EXPECT_FALSE(tracker.running().has_value());
  EXPECT_FALSE(tracker.OnFinished(1));
  EXPECT_EQ(std::vector<int>({2}), tracker.Unfinished());
  EXPECT_FALSE(tracker.done());
}

TEST(ChunkTrackerTest, FinishingAnotherTestLeavesTheRunningOne) {
  // A worker reports a crashed test finished while another one is running
  // (or events cross): only finishing the running test clears it.
  ChunkTracker tracker({1, 2, 3});
  ASSERT_TRUE(tracker.OnStarted(2));
  EXPECT_TRUE(tracker.OnFinished(3));  // never started, still a valid end
  EXPECT_EQ(std::optional<int>(2), tracker.running());
  EXPECT_EQ(std::vector<int>({1, 2}), tracker.Unfinished());
}

TEST(ChunkTrackerTest, LaterStartReplacesTheRunningTest) {
  ChunkTracker tracker({1, 2});
  ASSERT_TRUE(tracker.OnStarted(1));
  EXPECT_TRUE(tracker.OnStarted(2));
  EXPECT_EQ(std::optional<int>(2), tracker.running());
  EXPECT_EQ(std::vector<int>({1, 2}), tracker.Unfinished());
}

TEST(ChunkTrackerTest, RestartAfterACrashResumesWithTheTestsLeft) {
  // The child died during test 20: the runner records it and starts a new
  // child for what is left after it.
  ChunkTracker tracker({10, 20, 30, 40});
  ASSERT_TRUE(tracker.OnStarted(10));
  ASSERT_TRUE(tracker.OnFinished(10));
  ASSERT_TRUE(tracker.OnStarted(20));
  const std::optional<int> crashed = tracker.running();
  ASSERT_EQ(std::optional<int>(20), crashed);
  ASSERT_TRUE(tracker.OnFinished(*crashed));  // recorded as CRASHED
  EXPECT_FALSE(tracker.running().has_value());
  EXPECT_EQ(std::vector<int>({30, 40}), tracker.Unfinished());

  ASSERT_TRUE(tracker.OnStarted(30));
  ASSERT_TRUE(tracker.OnFinished(30));
  ASSERT_TRUE(tracker.OnStarted(40));
  ASSERT_TRUE(tracker.OnFinished(40));
  EXPECT_TRUE(tracker.done());
}

TEST(ChunkTrackerTest, OutOfOrderFinishesStillComplete) {
  ChunkTracker tracker({5, 6, 7});
  EXPECT_TRUE(tracker.OnFinished(7));
  EXPECT_TRUE(tracker.OnFinished(5));
  EXPECT_EQ(std::vector<int>({6}), tracker.Unfinished());
  EXPECT_FALSE(tracker.done());
  EXPECT_TRUE(tracker.OnFinished(6));
  EXPECT_TRUE(tracker.done());
}

TEST(ChunkTrackerTest, UnfinishedKeepsChunkOrderNotNumericOrder) {
  ChunkTracker tracker({9, 1, 5, 3});
  ASSERT_TRUE(tracker.OnFinished(1));
  EXPECT_EQ(std::vector<int>({9, 5, 3}), tracker.Unfinished());
}

// The protocol refuses a chunk naming a test twice; should one get here
// anyway, the chunk still ends once each test ran (it never did before, and
// the worker crashed on an empty list of tests left).
TEST(ChunkTrackerTest, TestNamedTwiceIsDoneWhenItFinishedOnce) {
  ChunkTracker tracker({0, 0});
  EXPECT_TRUE(tracker.OnStarted(0));
  EXPECT_TRUE(tracker.OnFinished(0));
  EXPECT_TRUE(tracker.done());
  EXPECT_TRUE(tracker.Unfinished().empty());
}

}  // namespace
}  // namespace gtest_dist
