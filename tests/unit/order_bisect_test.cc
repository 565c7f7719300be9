// The order-dependence bisect (issue 16, item 2) against fake replayers: the
// culprit found, the number of replays, flaky and exhausted searches.
#include "gtest_dist/analytics/order_bisect.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

namespace gtest_dist::analytics {
namespace {

bool Contains(const std::vector<int>& tests, int test) {
  return std::find(tests.begin(), tests.end(), test) != tests.end();
}

TEST(OrderBisectTest, FindsTheOnePolluterAmong200InAtMostLog2Plus3Replays) {
  constexpr int kPredecessors = 200;
  const int bound = static_cast<int>(std::ceil(std::log2(kPredecessors))) + 3;
  for (int polluter = 0; polluter < kPredecessors; ++polluter) {
    std::vector<std::vector<int>> replays;
    const BisectResult result = BisectOrder(kPredecessors, [&](const std::vector<int>& tests) {
      replays.push_back(tests);
      return Contains(tests, polluter);
    });
    ASSERT_EQ(result.verdict, TriageVerdict::kOrderDependent) << polluter;
    EXPECT_EQ(result.culprits, std::vector<int>{polluter});
    EXPECT_EQ(result.replays, static_cast<int>(replays.size()));
    EXPECT_LE(result.replays, bound) << "polluter " << polluter;
    // Every replay keeps the original order.
    for (const std::vector<int>& tests : replays) {
      EXPECT_TRUE(std::is_sorted(tests.begin(), tests.end()));
    }
    // Verified by rerunning the culprit alone twice: the last two replays.
    ASSERT_GE(replays.size(), 2u);
    EXPECT_EQ(replays[replays.size() - 1], std::vector<int>{polluter});
    EXPECT_EQ(replays[replays.size() - 2], std::vector<int>{polluter});
  }
}

TEST(OrderBisectTest, FindsTwoTestsThatAreOnlyHarmfulTogether) {
  // Fails only when 17 (sets a flag) and 120 (acts on it) both ran.
  const BisectResult result = BisectOrder(200, [](const std::vector<int>& tests) {
    return Contains(tests, 17) && Contains(tests, 120);
  });
  EXPECT_EQ(result.verdict, TriageVerdict::kOrderDependent);
  EXPECT_EQ(result.culprits, (std::vector<int>{17, 120}));
}

TEST(OrderBisectTest, NoFailureInOrderIsFlaky) {
  const BisectResult result = BisectOrder(50, [](const std::vector<int>&) { return false; });
  EXPECT_EQ(result.verdict, TriageVerdict::kFlaky);
  EXPECT_EQ(result.replays, 1);
}

TEST(OrderBisectTest, ACulpritThatFailsOnlyOnceOfTwiceIsFlaky) {
  int alone = 0;
  const BisectResult result = BisectOrder(8, [&](const std::vector<int>& tests) {
    if (tests == std::vector<int>{3}) return ++alone == 1;
    return Contains(tests, 3);
  });
  EXPECT_EQ(result.verdict, TriageVerdict::kFlaky);
}

TEST(OrderBisectTest, ABudgetThatRunsOutIsUnknown) {
  const BisectResult result = BisectOrder(
      200, [](const std::vector<int>& tests) { return Contains(tests, 5); }, 4);
  EXPECT_EQ(result.verdict, TriageVerdict::kUnknown);
  EXPECT_EQ(result.replays, 4);
  EXPECT_TRUE(result.culprits.empty());
}

TEST(OrderBisectTest, OnePredecessor) {
  const BisectResult result =
      BisectOrder(1, [](const std::vector<int>& tests) { return Contains(tests, 0); });
  EXPECT_EQ(result.verdict, TriageVerdict::kOrderDependent);
  EXPECT_EQ(result.culprits, std::vector<int>{0});
  EXPECT_EQ(result.replays, 3);
}

TEST(ClassifyAloneTest, BrokenFlakyOrBisect) {
  EXPECT_EQ(ClassifyAlone(3, 3), TriageVerdict::kBroken);
  EXPECT_EQ(ClassifyAlone(10, 3), TriageVerdict::kFlaky);
  EXPECT_EQ(ClassifyAlone(3, 0), TriageVerdict::kUnknown);
  EXPECT_STREQ(TriageVerdictName(TriageVerdict::kOrderDependent), "ORDER-DEPENDENT");
}

}  // namespace
}  // namespace gtest_dist::analytics
