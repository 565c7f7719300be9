// --dist-triage (issue 16, item 2): the verdict from alone runs and the
// bisect (analytics::TriageFailure, with fake replays), which tests a run
// triages and their recorded predecessors (modes/triage_runner.h), and how a
// verdict is shown.
#include "gtest_dist/analytics/failure_triage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "gtest_dist/modes/triage_runner.h"
#include "tests/unit/catalog_test_support.h"

namespace gtest_dist {
namespace {

using analytics::TriageFailure;
using analytics::TriageVerdict;

TEST(FailureTriageTest, FailingAloneEveryTimeIsBrokenSomeTimesFlaky) {
  int replays = 0;
  const auto never = [&](const std::vector<int>&) { return ++replays, false; };
  const analytics::TriageResult broken = TriageFailure(
      5, [] { return true; }, never);
  EXPECT_EQ(broken.verdict, TriageVerdict::kBroken);
  EXPECT_EQ(broken.replays, 3);
  EXPECT_EQ(replays, 0);  // no bisect for a test that fails alone
  int run = 0;
  const analytics::TriageResult flaky = TriageFailure(
      5, [&] { return run++ == 1; }, never);
  EXPECT_EQ(flaky.verdict, TriageVerdict::kFlaky);
  EXPECT_EQ(flaky.replays, 3);
}

TEST(FailureTriageTest, PassingAloneItIsBisectedToThePolluter) {
  // 9 predecessors; the one at 2 pollutes.
  const analytics::TriageResult order = TriageFailure(
      9, [] { return false; },
      [](const std::vector<int>& subset) {
        for (int i : subset) {
          if (i == 2) return true;
        }
        return false;
      });
  EXPECT_EQ(order.verdict, TriageVerdict::kOrderDependent);
  EXPECT_EQ(order.culprits, std::vector<int>{2});
  EXPECT_LE(order.replays, 3 + 1 + 4 + 2);  // alone, all, ceil(log2 9), verification
  // Nothing before it and it passes alone: FLAKY, without a bisect.
  EXPECT_EQ(TriageFailure(
                0, [] { return false; }, nullptr)
                .verdict,
            TriageVerdict::kFlaky);
  // The failure does not come back in order either: FLAKY.
  EXPECT_EQ(TriageFailure(
                4, [] { return false; }, [](const std::vector<int>&) { return false; })
                .verdict,
            TriageVerdict::kFlaky);
}

// The acceptance bound of issue 16 through the whole triage: a chunk of 200
// predecessors with one polluter anywhere is bisected in at most
// ceil(log2 200) + 3 = 11 replays after the three alone runs.
TEST(FailureTriageTest, TwoHundredPredecessorsTakeAtMostLog2Plus3BisectReplays) {
  for (int polluter = 0; polluter < 200; ++polluter) {
    const analytics::TriageResult result = TriageFailure(
        200, [] { return false; },
        [polluter](const std::vector<int>& subset) {
          return std::find(subset.begin(), subset.end(), polluter) != subset.end();
        });
    ASSERT_EQ(result.verdict, TriageVerdict::kOrderDependent) << polluter;
    ASSERT_EQ(result.culprits, std::vector<int>{polluter});
    ASSERT_LE(result.replays - 3, 11) << polluter;
  }
}

TEST(FailureTriageTest, ASpentBudgetIsUnknownWithTheReason) {
  int runs = 0;
  const analytics::TriageResult result = TriageFailure(
      4, [] { return false; },
      [&](const std::vector<int>&) -> bool {
        if (++runs > 1) throw analytics::TriageStopped("the budget ran out");
        return true;
      });
  EXPECT_EQ(result.verdict, TriageVerdict::kUnknown);
  EXPECT_EQ(result.why, "the budget ran out");
  EXPECT_TRUE(result.culprits.empty());
  EXPECT_EQ(result.replays, 5);  // 3 alone, 1 replay, 1 stopped
}

TEST(TriageRunnerTest, AutoTakesFlakyTestsAllEveryFailureAndPredecessorsComeFromTheProcess) {
  const TestCatalog catalog = CatalogOfSuites({{"S", 5}});
  RunPlan plan;
  plan.catalog = &catalog;
  plan.selected = Indices(5);
  RunSummary summary;
  summary.plan = &plan;
  TestRecord passed;
  passed.outcome = Outcome::kPassed;
  summary.records[0] = passed;
  summary.records[0].index = 0;
  TestRecord failed_attempt;
  failed_attempt.index = 3;
  failed_attempt.outcome = Outcome::kFailed;
  failed_attempt.process = 1;
  TestRecord flaky;
  flaky.index = 3;
  flaky.outcome = Outcome::kFlaky;
  flaky.process = 2;
  flaky.failed_attempts = {failed_attempt};
  summary.records[3] = flaky;
  TestRecord crashed;
  crashed.index = 4;
  crashed.outcome = Outcome::kCrashed;
  crashed.process = 3;
  summary.records[4] = crashed;
  TestRecord not_run;
  not_run.index = 1;
  not_run.outcome = Outcome::kNotRun;
  summary.records[1] = not_run;
  summary.processes = {{1, "local", {2, 0, 3}}, {2, "local", {3}}, {3, "w:1", {4}}};

  EXPECT_EQ(TestsToTriage(summary, TriageMode::kAuto), std::vector<int>{3});
  EXPECT_EQ(TestsToTriage(summary, TriageMode::kAll), (std::vector<int>{3, 4}));
  EXPECT_TRUE(TestsToTriage(summary, TriageMode::kOff).empty());
  EXPECT_EQ(PredecessorsOf(summary, failed_attempt), (std::vector<std::string>{"S.T2", "S.T0"}));
  EXPECT_TRUE(PredecessorsOf(summary, crashed).empty());
  TestRecord unknown = crashed;
  unknown.process = 0;
  EXPECT_TRUE(PredecessorsOf(summary, unknown).empty());
}

TEST(TriageNoteTest, DescribesTheVerdictWithItsCulpritsOrReason) {
  TriageNote note;
  note.verdict = "ORDER-DEPENDENT";
  note.culprits = {"Polluter.SetsGlobal"};
  EXPECT_EQ(note.Describe(), "ORDER-DEPENDENT (after Polluter.SetsGlobal)");
  note.culprits.push_back("Other.Too");
  EXPECT_EQ(note.Describe(), "ORDER-DEPENDENT (after Polluter.SetsGlobal, Other.Too)");
  EXPECT_EQ((TriageNote{"BROKEN", {}, "", 3}).Describe(), "BROKEN");
  EXPECT_EQ((TriageNote{"UNKNOWN", {}, "the budget ran out", 4}).Describe(),
            "UNKNOWN (the budget ran out)");
}

}  // namespace
}  // namespace gtest_dist
