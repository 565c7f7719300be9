// Set-up costs in the history (issue 15, schema version 8): the rules of
// analytics/setup_cost.h, the recorder's suite_setups rows, the typical cost
// the planner reads, `show --json`, and the upgrade of a version-7 store.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gtest_dist/analytics/setup_cost.h"
#include "gtest_dist/history/database.h"
#include "gtest_dist/history/history_recorder.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/history/queries.h"
#include "tests/unit/history_test_support.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist {
namespace {

TEST(SetupCostRuleTest, TypicalIsTheMedianAndOneThatWasMeasured) {
  EXPECT_EQ(analytics::TypicalMs({}), 0);
  EXPECT_EQ(analytics::TypicalMs({7}), 7);
  EXPECT_EQ(analytics::TypicalMs({1000, 20, 1100}), 1000);
  EXPECT_EQ(analytics::TypicalMs({1000, 1200, 900, 30000}), 1000);  // the lower middle
}

TEST(SetupCostRuleTest, ARunIsSummedUpPerSuiteMostExpensiveFirst) {
  const std::vector<SuiteSetupSummary> summaries = analytics::SummarizeSetups({
      {"Db", 1000, 10, "local"},
      {"Fast", 1, 0, "local"},
      {"Db", 1200, 30, "w:1"},
      {"Db", 5000, 20, "w:1"},
      {"", 300, 100, "local"},
  });
  ASSERT_EQ(summaries.size(), 3u);
  EXPECT_EQ(summaries[0].suite, "Db");
  EXPECT_EQ(summaries[0].runs, 3);
  EXPECT_EQ(summaries[0].setup_ms, 1200);
  EXPECT_EQ(summaries[0].teardown_ms, 20);
  EXPECT_EQ(summaries[0].total_ms, 7260);
  EXPECT_EQ(summaries[1].suite, "");  // the global Environments
  EXPECT_EQ(summaries[1].total_ms, 400);
  EXPECT_EQ(summaries[2].suite, "Fast");
}

class SetupHistoryTest : public testing::Test {
 protected:
  void SetUp() override { path_ = (scratch_.path() / "history.sqlite").string(); }

  std::int64_t RecordRun(const std::string& binary, const std::vector<SuiteSetupRun>& setups) {
    history::RecorderContext context;
    context.binary_name = binary;
    history::HistoryRecorder recorder(path_, context);
    recorder.OnRunStart(plan_);
    RunSummary summary;
    summary.suite_setups = setups;
    return history::PassTestZeroAndEnd(&recorder, plan_, summary);
  }

  TestCatalog catalog_{{TestEntry{0, 0, "Db", "A", "", "", "a.cc", 1, false}}, "digest"};
  RunPlan plan_ = [this] {
    RunPlan plan;
    plan.catalog = &catalog_;
    plan.selected = {0};
    return plan;
  }();
  ScratchDir scratch_{"setup_history"};
  std::string path_;
};

TEST_F(SetupHistoryTest, EachRunKeepsItsSuitesSetUpsAndShowListsThem) {
  const std::int64_t id =
      RecordRun("suite_test", {{"Db", 1000, 10, "local"}, {"Db", 1100, 20, "local"}});
  const std::int64_t none = RecordRun("suite_test", {});
  auto db = history::OpenForQueries(path_);
  const history::RunDetail detail = history::ShowRun(db.get(), id);
  ASSERT_EQ(detail.setups.size(), 1u);
  EXPECT_EQ(detail.setups[0].suite, "Db");
  EXPECT_EQ(detail.setups[0].runs, 2);
  EXPECT_EQ(detail.setups[0].setup_ms, 1000);
  EXPECT_EQ(detail.setups[0].teardown_ms, 10);
  EXPECT_EQ(detail.setups[0].total_ms, 2130);
  EXPECT_EQ(nlohmann::json::parse(history::ToJson(detail))["suite_setups"],
            nlohmann::json::parse(R"([{"suite": "Db", "runs": 2, "setup_ms": 1000,
                                       "teardown_ms": 10, "total_ms": 2130}])"));
  EXPECT_TRUE(history::ShowRun(db.get(), none).setups.empty());

  auto writer = history::OpenDatabase(path_);
  writer->Exec("DELETE FROM runs WHERE id = ?", {id});
  EXPECT_EQ(writer->Query("SELECT COUNT(*) FROM suite_setups WHERE run_id = ?", {id})[0].Int(0), 0);
}

// The planner's price: the median of the latest five runs of the binary,
// whatever other binaries measured.
TEST_F(SetupHistoryTest, TheTypicalSetUpIsTheMedianOfTheLatestRuns) {
  RecordRun("suite_test", {{"Db", 9000, 900, "local"}});  // older than the five
  for (std::int64_t ms : {1000, 30000, 1100, 900, 1200}) {
    RecordRun("suite_test", {{"Db", ms, 10, "local"}, {"", 50, 0, "local"}});
  }
  RecordRun("other_test", {{"Db", 1, 1, "local"}});
  auto db = history::OpenForQueries(path_);
  const auto costs = history::RecentSetupCosts(db.get(), "suite_test");
  ASSERT_EQ(costs.count("Db"), 1u);
  EXPECT_EQ(costs.at("Db").setup_ms, 1100);
  EXPECT_EQ(costs.at("Db").teardown_ms, 10);
  EXPECT_EQ(costs.at("Db").runs, 5);
  EXPECT_EQ(costs.at("").setup_ms, 50);
  EXPECT_TRUE(history::RecentSetupCosts(db.get(), "unknown_test").empty());
}

// The migrations add suite_setups to a version 7 store in place: its runs
// stay and read as having measured nothing.
TEST_F(SetupHistoryTest, AVersion7StoreIsUpgradedAndKeepsItsRuns) {
  const std::int64_t old_run = history::OldStoreWithARun(path_, 7, "suite_test");
  const std::int64_t id = RecordRun("suite_test", {{"Db", 700, 0, "local"}});
  auto db = history::OpenForQueries(path_);
  EXPECT_EQ(history::StoredSchemaVersion(db.get()), 8);
  EXPECT_TRUE(history::ShowRun(db.get(), old_run).setups.empty());
  ASSERT_EQ(history::ShowRun(db.get(), id).setups.size(), 1u);
  EXPECT_EQ(history::RecentSetupCosts(db.get(), "suite_test").at("Db").setup_ms, 700);
}

}  // namespace
}  // namespace gtest_dist
