// The rules of gtest_dist/analytics: flake rate, duration change, failure
// places. The command (flaky, trend) and both dashboard sources use them.
#include "gtest_dist/analytics/analytics.h"

#include <gtest/gtest.h>

#include <vector>

namespace gtest_dist::analytics {
namespace {

std::vector<std::size_t> Changes(const std::vector<std::int64_t>& durations) {
  std::vector<DurationSample> samples;
  for (std::int64_t d : durations) samples.push_back({d, Outcome::kPassed});
  return ChangeIndices(DurationChanges(samples));
}

TEST(FlakeRateTest, CountsRunsNotAttempts) {
  FlakeTally tally;
  // Run 1: failed, then passed on a retry (two result rows, as in history).
  tally.Add(1, Outcome::kFailed);
  tally.Add(1, Outcome::kFlaky);
  tally.Add(2, Outcome::kPassed);
  tally.Add(3, Outcome::kPassed);
  tally.Add(4, Outcome::kCrashed);
  const FlakeCounts& counts = tally.counts();
  EXPECT_EQ(counts.runs, 4);
  EXPECT_EQ(counts.failed_runs, 2);
  EXPECT_EQ(counts.passed_runs, 3);
  EXPECT_EQ(counts.flaky_runs, 1);
  EXPECT_TRUE(IsFlaky(counts));
  EXPECT_DOUBLE_EQ(FlakeRate(counts), 0.5);
}

TEST(FlakeRateTest, TheFinalRecordAloneGivesTheSameCounts) {
  // Live: one final record per run; FLAKY stands for a failure and a pass.
  FlakeTally live;
  live.Add(1, Outcome::kFlaky);
  live.Add(2, Outcome::kPassed);
  FlakeTally stored;
  stored.Add(1, Outcome::kTimeout);
  stored.Add(1, Outcome::kFlaky);
  stored.Add(2, Outcome::kPassed);
  EXPECT_EQ(live.counts().runs, stored.counts().runs);
  EXPECT_EQ(live.counts().failed_runs, stored.counts().failed_runs);
  EXPECT_EQ(live.counts().passed_runs, stored.counts().passed_runs);
  EXPECT_DOUBLE_EQ(FlakeRate(live.counts()), FlakeRate(stored.counts()));
}

TEST(FlakeRateTest, AlwaysFailingIsBrokenNotFlakyAndNotRunIsNoEvidence) {
  FlakeTally broken;
  broken.Add(1, Outcome::kFailed);
  broken.Add(2, Outcome::kFailed);
  EXPECT_FALSE(IsFlaky(broken.counts()));
  EXPECT_EQ(FlakeRate(broken.counts()), 0.0);

  FlakeTally tally;
  tally.Add(1, Outcome::kFailed);
  tally.Add(2, Outcome::kPassed);
  tally.Add(3, Outcome::kNotRun);
  tally.Add(4, Outcome::kNotRun);
  EXPECT_EQ(tally.counts().runs, 2);
  EXPECT_DOUBLE_EQ(FlakeRate(tally.counts()), 0.5);
}

TEST(DurationChangeTest, StepsAreMarkedOnceWhereTheyHappen) {
  EXPECT_TRUE(Changes({}).empty());
  EXPECT_TRUE(Changes({100}).empty());
  EXPECT_TRUE(Changes({100, 105, 98, 110, 102}).empty());
  EXPECT_EQ(Changes({100, 100, 100, 300, 310, 305}), std::vector<std::size_t>({3}));
  EXPECT_EQ(Changes({300, 300, 100, 100, 400}), std::vector<std::size_t>({2, 4}));
}

TEST(DurationChangeTest, BothTheFloorAndTheRatioMustBeExceeded) {
  // A doubling of a tiny time is noise: under 20 ms.
  EXPECT_TRUE(Changes({2, 2, 5, 5}).empty());
  // 30 ms more on 1 s is jitter: under 50 %.
  EXPECT_TRUE(Changes({1000, 1000, 1030, 1000}).empty());
  // 25 ms on 40 ms is both.
  EXPECT_EQ(Changes({40, 40, 40, 65}), std::vector<std::size_t>({3}));
  // Exactly 50 % is not more than 50 %.
  EXPECT_TRUE(Changes({100, 100, 150}).empty());
}

TEST(DurationChangeTest, TheBaselineIsAMedianSoOneOutlierDoesNotMoveIt) {
  std::vector<DurationSample> samples;
  for (std::int64_t d : {100, 100, 900, 100, 100}) samples.push_back({d, Outcome::kPassed});
  const std::vector<DurationPoint> points = DurationChanges(samples);
  EXPECT_TRUE(points[2].changed);  // the outlier itself is a change...
  EXPECT_DOUBLE_EQ(points[1].baseline_ms, 100);
  EXPECT_DOUBLE_EQ(points[2].baseline_ms, 100);
}

TEST(DurationChangeTest, OnlyResultsThatRanToTheirEndCount) {
  std::vector<DurationSample> samples = {{100, Outcome::kPassed},   {100, Outcome::kFailed},
                                         {5000, Outcome::kTimeout}, {1, Outcome::kCrashed},
                                         {0, Outcome::kSkipped},    {0, Outcome::kNotRun},
                                         {105, Outcome::kFlaky}};
  const std::vector<DurationPoint> points = DurationChanges(samples);
  ASSERT_EQ(points.size(), samples.size());
  EXPECT_TRUE(ChangeIndices(points).empty());
  EXPECT_TRUE(points[0].counted);
  EXPECT_FALSE(points[2].counted);
  EXPECT_FALSE(points[3].counted);
  EXPECT_FALSE(points[5].counted);
  EXPECT_TRUE(points[6].counted);
  EXPECT_DOUBLE_EQ(points[6].baseline_ms, 100);
  EXPECT_DOUBLE_EQ(points[0].baseline_ms, 0);
}

TEST(DurationChangeTest, TheRuleCanBeTuned) {
  std::vector<DurationSample> samples;
  for (std::int64_t d : {100, 100, 130}) samples.push_back({d, Outcome::kPassed});
  DurationRule rule;
  rule.ratio = 0.2;
  EXPECT_EQ(ChangeIndices(DurationChanges(samples, rule)), std::vector<std::size_t>({2}));
  EXPECT_TRUE(ChangeIndices(DurationChanges(samples)).empty());
}

TEST(FailurePlaceTest, TheWorkerElseTheSupervisorsHost) {
  EXPECT_EQ(FailurePlace("hostA:7420", "ci-1"), "hostA:7420");
  EXPECT_EQ(FailurePlace("local", "ci-1"), "ci-1");
  EXPECT_EQ(FailurePlace("", "ci-1"), "ci-1");
}

}  // namespace
}  // namespace gtest_dist::analytics
