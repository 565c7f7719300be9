// What shipping a build moved, as the run's model carries it: the console
// line, the history store's run_shipping rows (schema version 6) written by
// the recorder, `show --json`, and the dashboard's run documents from both
// sources.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gtest_dist/dashboard/history_source.h"
#include "gtest_dist/dashboard/live_run_source.h"
#include "gtest_dist/history/database.h"
#include "gtest_dist/history/history_recorder.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/history/queries.h"
#include "gtest_dist/model/worker_shipping.h"
#include "tests/unit/history_test_support.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist {
namespace {

WorkerShipping Shipped(const std::string& worker, std::uint64_t files_shipped,
                       std::uint64_t bytes_shipped) {
  WorkerShipping s;
  s.worker = worker;
  s.files_total = 41;
  s.files_shipped = files_shipped;
  s.bytes_shipped = bytes_shipped;
  s.bytes_cached = 71'000'000;
  s.elapsed_ms = 380;
  return s;
}

TEST(WorkerShippingTest, TheLineSaysWhatMovedAndWhatWasCached) {
  EXPECT_EQ(ShippingLine(Shipped("10.0.0.7:7420", 3, 12'400'000)),
            "10.0.0.7:7420: shipped 3 of 41 files, 12.4 MB in 0.38 s (38 files, 71.0 MB cached)");
  WorkerShipping warm = Shipped("w:1", 0, 0);
  warm.elapsed_ms = 4;
  EXPECT_EQ(ShippingLine(warm),
            "w:1: shipped 0 of 41 files, 0 bytes in 0.00 s (41 files, 71.0 MB "
            "cached)");
  EXPECT_EQ(ShownBytes(999), "999 bytes");
  EXPECT_EQ(ShownBytes(1000), "1.0 kB");
  EXPECT_EQ(ShownBytes(2'500'000'000ull), "2.5 GB");
}

class ShippingHistoryTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_.path();
    path_ = (dir_ / "history.sqlite").string();
  }

  // One run through the recorder, as the supervisor tells it: start, the
  // workers' shipping, a result, the end. Returns the run's id.
  std::int64_t RecordRun(const std::vector<WorkerShipping>& shipping) {
    history::HistoryRecorder recorder(path_, history::RecorderContext{});
    recorder.OnRunStart(plan_);
    for (const WorkerShipping& s : shipping) recorder.OnWorkerShipped(s);
    RunSummary summary;
    summary.shipping = shipping;
    return history::PassTestZeroAndEnd(&recorder, plan_, summary, "w1:7420");
  }

  TestCatalog catalog_{{TestEntry{0, 0, "S", "A", "", "", "a.cc", 1, false}}, "digest"};
  RunPlan plan_ = [this] {
    RunPlan plan;
    plan.catalog = &catalog_;
    plan.selected = {0};
    plan.start_timestamp_ms = 5000;
    return plan;
  }();
  ScratchDir scratch_{"shipping_history"};
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(ShippingHistoryTest, TheRecorderStoresEachWorkersShippingWithItsRun) {
  const std::int64_t first =
      RecordRun({Shipped("w1:7420", 41, 91'700'000), Shipped("w2:7420", 41, 91'700'000)});
  const std::int64_t warm = RecordRun({Shipped("w1:7420", 0, 0)});
  const std::int64_t local = RecordRun({});

  auto db = history::OpenForQueries(path_);
  const history::RunDetail detail = history::ShowRun(db.get(), first);
  ASSERT_EQ(detail.shipping.size(), 2u);
  EXPECT_EQ(detail.shipping[0].worker, "w1:7420");
  EXPECT_EQ(detail.shipping[0].files_shipped, 41u);
  EXPECT_EQ(detail.shipping[0].files_total, 41u);
  EXPECT_EQ(detail.shipping[0].bytes_shipped, 91'700'000u);
  EXPECT_EQ(detail.shipping[0].bytes_cached, 71'000'000u);
  EXPECT_EQ(detail.shipping[0].elapsed_ms, 380);
  EXPECT_EQ(detail.shipping[1].worker, "w2:7420");

  // Several runs in one query: the run list's way.
  const auto by_run = history::RunShipping(db.get(), {first, warm, local});
  ASSERT_EQ(by_run.count(warm), 1u);
  ASSERT_EQ(by_run.at(warm).size(), 1u);
  EXPECT_EQ(by_run.at(warm)[0].bytes_shipped, 0u);
  EXPECT_EQ(by_run.at(warm)[0].files_shipped, 0u);
  EXPECT_EQ(by_run.count(local), 0u);  // no generic worker: no row
  EXPECT_EQ(by_run.at(first).size(), 2u);

  // `gtest_dist show --json`.
  const nlohmann::json shown = nlohmann::json::parse(history::ToJson(detail));
  ASSERT_EQ(shown["shipping"].size(), 2u);
  EXPECT_EQ(shown["shipping"][0], nlohmann::json({{"worker", "w1:7420"},
                                                  {"files_shipped", 41},
                                                  {"files_total", 41},
                                                  {"bytes_shipped", 91'700'000},
                                                  {"bytes_cached", 71'000'000},
                                                  {"elapsed_ms", 380}}));
  EXPECT_EQ(nlohmann::json::parse(history::ToJson(history::ShowRun(db.get(), local)))["shipping"],
            nlohmann::json::array());

  // A deleted run takes its rows with it.
  auto writer = history::OpenDatabase(path_);
  writer->Exec("DELETE FROM runs WHERE id = ?", {first});
  EXPECT_EQ(writer->Query("SELECT COUNT(*) FROM run_shipping WHERE run_id = ?", {first})[0].Int(0),
            0);
}

// The migrations add run_shipping to a version 4 store in place: its runs
// stay and read as having shipped nothing.
TEST_F(ShippingHistoryTest, AVersion4StoreIsUpgradedAndKeepsItsRuns) {
  const std::int64_t old_run = history::OldStoreWithARun(path_, 4, "old");
  const std::int64_t id = RecordRun({Shipped("w1:7420", 3, 12'400'000)});
  auto db = history::OpenForQueries(path_);
  EXPECT_EQ(history::StoredSchemaVersion(db.get()), history::kSchemaVersion);
  EXPECT_TRUE(history::ShowRun(db.get(), old_run).shipping.empty());
  ASSERT_EQ(history::ShowRun(db.get(), id).shipping.size(), 1u);
}

// The stored run's page reads the same numbers (history source), and the
// supervisor's own live page has them as soon as the worker is ready.
TEST_F(ShippingHistoryTest, BothDashboardSourcesShowTheShippingOfARun) {
  const std::int64_t id = RecordRun({Shipped("w1:7420", 3, 12'400'000)});
  std::string error;
  auto stored = dashboard::HistorySource::Open(path_, &error);
  ASSERT_NE(stored, nullptr) << error;
  const nlohmann::json expected = nlohmann::json::array({{{"worker", "w1:7420"},
                                                          {"files_shipped", 3},
                                                          {"files_total", 41},
                                                          {"bytes_shipped", 12'400'000},
                                                          {"bytes_cached", 71'000'000},
                                                          {"elapsed_ms", 380}}});
  const auto doc = stored->GetRun(id);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ((*doc)["run"]["shipping"], expected);
  EXPECT_EQ(stored->ListRuns({})["runs"][0]["shipping"], expected);
  const auto delta = stored->RunEventsSince(id, 0);
  ASSERT_TRUE(delta.has_value());
  EXPECT_EQ(delta->run["shipping"], expected);

  dashboard::LiveRunSource live("suite_test", "host");
  live.OnRunStart(plan_);
  EXPECT_EQ((*live.GetRun(1))["run"]["shipping"], nlohmann::json::array());
  live.OnWorkerShipped(Shipped("w1:7420", 3, 12'400'000));
  EXPECT_EQ((*live.GetRun(1))["run"]["shipping"], expected);
  EXPECT_EQ(live.RunEventsSince(1, 0)->run["shipping"], expected);
  EXPECT_EQ(live.ListRuns({})["runs"][0]["shipping"], expected);
}

}  // namespace
}  // namespace gtest_dist
