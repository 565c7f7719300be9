// The dashboard over a real history store (a SQLite file written through the
// history layer, opened read-only by the source): the API documents, a run
// followed while another connection writes it, the flaky and failures
// queries, and stores the source refuses.
#include "gtest_dist/dashboard/history_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "gtest_dist/dashboard/request_handler.h"
#include "gtest_dist/history/database.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/history/queries.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist::dashboard {
namespace {

using history::NewResult;

class HistorySourceTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_.path();
    path_ = (dir_ / "history.sqlite").string();
    writer_ = history::OpenDatabase(path_);
    history::EnsureSchema(writer_.get());
  }
  void TearDown() override { writer_.reset(); }

  std::int64_t StartRun(std::int64_t started_ms, const std::string& host, int tests) {
    history::NewRun run;
    run.started_ms = started_ms;
    run.binary_name = "suite_test";
    run.host = host;
    run.label = "rev1";
    run.mode = "supervisor";
    run.workers = "w1:7420,w2:7420";
    run.tests_total = tests;
    return history::InsertRun(writer_.get(), run);
  }

  void Record(std::int64_t run, int index, const std::string& name, const std::string& status,
              std::int64_t started_ms, int attempt = 1, std::int64_t duration_ms = -1) {
    NewResult r;
    r.test_index = index;
    r.attempt = attempt;
    r.suite = "S";
    r.name = name;
    EXPECT_TRUE(OutcomeFromName(status, &r.status)) << status;
    r.worker = "w1:7420";
    r.started_ms = started_ms;
    r.duration_ms = duration_ms >= 0 ? duration_ms : 10 + index;
    if (status == "FAILED") {
      r.output = "<b>printed</b>\n";
      r.parts.push_back({"nonfatal", "s_test.cc", 42, "<img src=x onerror=alert(1)>"});
    }
    if (status == "CRASHED") r.reason = "killed by signal 11";
    history::Transaction t(writer_.get());
    history::InsertResults(writer_.get(), run, {r});
    t.Commit();
  }

  void Finish(std::int64_t run, const std::string& status, int passed, int failed) {
    RunTotals counts;
    counts.passed = passed;
    counts.failed = failed;
    history::FinishRun(writer_.get(), run, status, 2'000'000'000'000, 100, counts, {});
  }

  std::unique_ptr<HistorySource> OpenSource() {
    std::string error;
    auto source = HistorySource::Open(path_, &error);
    EXPECT_TRUE(source) << error;
    return source;
  }

  static nlohmann::json Get(DashboardSource& source, const std::string& target, int status = 200) {
    RequestHandler handler(source, "");
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    const HttpResponse response = handler.Handle(request);
    EXPECT_EQ(response.status, status) << target << ": " << response.body;
    if (response.content_type != "application/json") return response.body;
    return nlohmann::json::parse(response.body);
  }

  std::string OpenError(const std::string& location) {
    std::string error;
    EXPECT_FALSE(HistorySource::Open(location, &error)) << location;
    return error;
  }

  ScratchDir scratch_{"history_source"};
  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<history::Database> writer_;
};

TEST_F(HistorySourceTest, FollowsARunWhileAnotherConnectionWritesIt) {
  const std::int64_t run = StartRun(1'000, "ci-1", 3);
  auto source = OpenSource();
  ASSERT_TRUE(source);
  nlohmann::json runs = Get(*source, "/api/runs")["runs"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "running");
  EXPECT_EQ(runs[0]["counts"]["left"], 3);
  EXPECT_EQ(runs[0]["workers"], nlohmann::json({"w1:7420", "w2:7420"}));

  Record(run, 0, "A", "PASSED", 1'001);
  Record(run, 1, "B", "FAILED", 1'002);
  std::optional<RunDelta> delta = source->RunEventsSince(run, 0);
  ASSERT_TRUE(delta);
  EXPECT_FALSE(delta->finished);
  ASSERT_EQ(delta->results.size(), 2u);
  EXPECT_EQ(delta->run["counts"]["passed"], 1);
  EXPECT_EQ(delta->run["counts"]["failed"], 1);
  ASSERT_EQ(delta->failures.size(), 1u);
  EXPECT_EQ(delta->failures[0]["test"], "S.B");
  EXPECT_EQ(delta->failures[0]["messages"][0]["message"], "<img src=x onerror=alert(1)>");
  EXPECT_EQ(delta->failures[0]["messages"][0]["line"], 42);
  EXPECT_EQ(delta->failures[0]["output"], "<b>printed</b>\n");
  EXPECT_EQ(delta->failures[0]["repro"], "./suite_test --gtest_filter=S.B");

  // Only what came after the cursor, then the end.
  Record(run, 2, "C", "CRASHED", 1'003);
  Finish(run, "red", 1, 1);
  const std::int64_t cursor = delta->cursor;
  delta = source->RunEventsSince(run, cursor);
  ASSERT_TRUE(delta);
  EXPECT_TRUE(delta->finished);
  ASSERT_EQ(delta->results.size(), 1u);
  EXPECT_EQ(delta->results[0]["test"], "S.C");
  EXPECT_GT(delta->cursor, cursor);
  ASSERT_EQ(delta->failures.size(), 1u);
  EXPECT_EQ(delta->failures[0]["messages"][0]["message"], "killed by signal 11");
  EXPECT_EQ(delta->run["status"], "red");
  EXPECT_FALSE(source->RunEventsSince(run + 1, 0));

  const nlohmann::json page = Get(*source, "/api/runs/" + std::to_string(run));
  EXPECT_EQ(page["results"].size(), 3u);
  EXPECT_EQ(page["failures"].size(), 2u);
  EXPECT_EQ(page["cursor"], delta->cursor);
  EXPECT_EQ(page["run"]["counts"]["failed"], 1);
  Get(*source, "/api/runs/" + std::to_string(run + 1), 404);

  const std::int64_t failed_id = page["failures"][0]["id"];
  EXPECT_EQ(Get(*source, "/api/results/" + std::to_string(failed_id) + "/output"),
            "<b>printed</b>\n");
  Get(*source, "/api/results/999999/output", 404);
}

TEST_F(HistorySourceTest, TestPageFlakyAndFailuresOverAPeriod) {
  // Five runs an hour apart: A always passes, B fails in runs 2 and 4, C
  // always fails, D fails then passes on a retry (FLAKY) in run 5.
  std::int64_t last = 0;
  for (int i = 1; i <= 5; ++i) {
    const std::int64_t start = i * 3'600'000;
    last = StartRun(start, i % 2 ? "ci-1" : "ci-2", 4);
    Record(last, 0, "A", "PASSED", start);
    Record(last, 1, "B", i % 2 ? "PASSED" : "FAILED", start);
    Record(last, 2, "C", "FAILED", start);
    if (i == 5) {
      Record(last, 3, "D", "FAILED", start, 1);
      Record(last, 3, "D", "FLAKY", start, 2);
    } else {
      Record(last, 3, "D", "PASSED", start);
    }
    Finish(last, "red", 2, 2);
  }
  auto source = OpenSource();
  ASSERT_TRUE(source);

  const nlohmann::json test = Get(*source, "/api/tests/S.B");
  EXPECT_EQ(test["runs"].size(), 5u);
  EXPECT_EQ(test["failed"], 2);
  EXPECT_EQ(test["failed_on"], nlohmann::json({"w1:7420"}));
  EXPECT_EQ(test["runs"][0]["host"], "ci-1");  // oldest first
  Get(*source, "/api/tests/S.Nothing", 404);

  nlohmann::json flaky = Get(*source, "/api/flaky")["tests"];
  ASSERT_EQ(flaky.size(), 2u) << flaky;  // C never passed: broken, not flaky
  EXPECT_EQ(flaky[0]["test"], "S.B");
  EXPECT_EQ(flaky[0]["runs"], 5);
  EXPECT_EQ(flaky[0]["failed"], 2);
  EXPECT_EQ(flaky[0]["passed"], 3);
  EXPECT_DOUBLE_EQ(flaky[0]["flake_rate"].get<double>(), 0.4);
  EXPECT_EQ(flaky[0]["last_failure_ms"], 4 * 3'600'000);
  EXPECT_EQ(flaky[1]["test"], "S.D");
  EXPECT_EQ(flaky[1]["runs"], 5);  // runs, not attempts
  EXPECT_EQ(flaky[1]["failed"], 1);
  // One rule (gtest_dist/analytics): D's test page gives the rate of the
  // flaky list, counting runs; it used to count its two attempts in run 5.
  const nlohmann::json d = Get(*source, "/api/tests/S.D");
  EXPECT_EQ(d["runs"].size(), 6u);  // every attempt is listed
  EXPECT_EQ(d["run_count"], 5);
  EXPECT_EQ(d["failed"], 1);
  EXPECT_EQ(d["passed"], 5);
  EXPECT_DOUBLE_EQ(d["flake_rate"].get<double>(), flaky[1]["flake_rate"].get<double>());
  EXPECT_EQ(d["runs"][4]["failed"], true);   // attempt 1 of run 5
  EXPECT_EQ(d["runs"][5]["failed"], false);  // FLAKY: passed in the end

  // The period of runs 3 to 5; one machine; a substring of the name.
  flaky = Get(*source, "/api/flaky?since=" + std::to_string(3 * 3'600'000))["tests"];
  ASSERT_EQ(flaky.size(), 2u) << flaky;
  EXPECT_EQ(flaky[0]["runs"], 3);
  EXPECT_EQ(Get(*source, "/api/flaky?host=ci-1")["tests"].size(), 1u);  // D, in run 5
  EXPECT_EQ(Get(*source, "/api/flaky?test=B")["tests"].size(), 1u);
  EXPECT_EQ(Get(*source, "/api/flaky?limit=1")["tests"].size(), 1u);
  EXPECT_EQ(Get(*source, "/api/flaky?until=" + std::to_string(2 * 3'600'000))["tests"].size(),
            1u);  // B: runs 1 and 2

  const nlohmann::json failures = Get(*source, "/api/failures?test=B")["failures"];
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0]["run_id"], 4);  // newest first
  EXPECT_EQ(failures[0]["host"], "ci-2");
  EXPECT_EQ(failures[0]["output"], "<b>printed</b>\n");
  // FAILED and FLAKY attempts of every test: 2 (B) + 5 (C) + 2 (D).
  EXPECT_EQ(Get(*source, "/api/failures")["failures"].size(), 9u);
  EXPECT_EQ(Get(*source, "/api/failures?label=other")["failures"].size(), 0u);
}

TEST_F(HistorySourceTest, OpensReadOnlyAndRefusesWhatItCannotRead) {
  EXPECT_NE(OpenError((dir_ / "missing.sqlite").string()).find("no such file"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "missing.sqlite"));  // nothing created

  const std::string foreign = (dir_ / "foreign.sqlite").string();
  history::OpenDatabase(foreign)->Exec("CREATE TABLE t (x INTEGER)");
  EXPECT_NE(OpenError(foreign).find("is not a gtest_dist history store"), std::string::npos);

  const std::string text = (dir_ / "text.sqlite").string();
  std::ofstream(text) << std::string(2000, 'x');
  EXPECT_NE(OpenError(text).find("not a"), std::string::npos);

  writer_->Exec("INSERT INTO schema_version (version) VALUES (?)",
                {std::int64_t{history::kSchemaVersion + 1}});
  const std::string newer = OpenError(path_);
  EXPECT_NE(newer.find("schema version " + std::to_string(history::kSchemaVersion + 1)),
            std::string::npos)
      << newer;
  EXPECT_NE(newer.find("newer"), std::string::npos) << newer;

  const std::string older = (dir_ / "older.sqlite").string();
  {
    auto db = history::OpenDatabase(older);
    db->Exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
    db->Exec("INSERT INTO schema_version VALUES (1)");
  }
  EXPECT_NE(OpenError(older).find("older"), std::string::npos);

  EXPECT_NE(OpenError("postgresql://nobody@127.0.0.1:1/none").find("cannot connect to PostgreSQL"),
            std::string::npos);
}

TEST_F(HistorySourceTest, TheSourceCannotWrite) {
  auto db = history::OpenDatabase(path_, history::Access::kReadOnly);
  EXPECT_THROW(db->Exec("DELETE FROM runs"), history::DatabaseError);
}

// The `gtest_dist trend` command and the test page mark changes by one rule
// (gtest_dist/analytics). They used to differ: the command took the mean of
// 5 points and a 5 ms floor, the page the median and 20 ms, so a 15 ms step
// on a 20 ms test was a change for one and not the other.
TEST_F(HistorySourceTest, TheTrendCommandAndTheTestPageMarkTheSameChanges) {
  const std::vector<std::pair<const char*, std::int64_t>> results = {
      {"PASSED", 20}, {"PASSED", 20}, {"PASSED", 20}, {"PASSED", 35}, {"CRASHED", 1},
      {"PASSED", 35}, {"PASSED", 90}, {"FAILED", 95}, {"PASSED", 90}};
  std::vector<std::int64_t> runs;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::int64_t run = StartRun(static_cast<std::int64_t>(i + 1) * 1000, "ci-1", 1);
    Record(run, 0, "T", results[i].first, static_cast<std::int64_t>(i + 1) * 1000, 1,
           results[i].second);
    Finish(run, "green", 1, 0);
    runs.push_back(run);
  }
  history::TrendFilter filter;
  filter.test = "S.T";
  const std::vector<history::TrendPoint> trend = history::Trend(writer_.get(), filter);
  ASSERT_EQ(trend.size(), results.size() - 1);  // the crash has no duration to speak of
  std::vector<std::int64_t> command_changes;
  for (const history::TrendPoint& p : trend) {
    if (p.changed) command_changes.push_back(p.run_id);
  }
  auto source = OpenSource();
  ASSERT_TRUE(source);
  const nlohmann::json page = Get(*source, "/api/tests/S.T");
  std::vector<std::int64_t> page_changes;
  for (const nlohmann::json& index : page["changes"]) {
    page_changes.push_back(page["runs"][index.get<std::size_t>()]["run_id"].get<std::int64_t>());
  }
  EXPECT_EQ(command_changes, page_changes);
  EXPECT_EQ(command_changes, std::vector<std::int64_t>({runs[6]}));  // 35 -> 90 ms, not 20 -> 35
}

}  // namespace
}  // namespace gtest_dist::dashboard
