// The history store and its queries against real SQLite files in a temp dir.
#include "gtest_dist/history/history_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "gtest_dist/history/database.h"
#include "gtest_dist/history/history_recorder.h"
#include "gtest_dist/history/queries.h"
#include "tests/unit/history_test_support.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist {
namespace history {
namespace {

class HistoryStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_.path();
    path_ = (dir_ / "sub" / "history.sqlite").string();
  }

  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase(path_);
    EnsureSchema(db.get());
    return db;
  }

  // One run: a passes, b fails at file:line, c crashes, d is flaky.
  std::int64_t AddRun(Database* db, std::int64_t started, std::int64_t a_ms, bool b_fails,
                      const std::string& label = "rev1") {
    NewRun run;
    run.started_ms = started;
    run.binary_name = "suite_test";
    run.host = "hostA";
    run.user = "me";
    run.label = label;
    run.mode = "supervisor";
    run.workers = "local:2";
    run.tests_total = 3;
    const std::int64_t id = InsertRun(db, run);
    std::vector<NewResult> results(3);
    results[0] = {0,  1, "S", "A", Outcome::kPassed, "local", started, a_ms, "", "hello\n", {},
                  "", 0, "",  ""};
    results[1] = {1,         1,       "S", "B", b_fails ? Outcome::kFailed : Outcome::kPassed,
                  "w1:7420", started, 3,   "",  "",
                  {},        "",      0,   "",  ""};
    if (b_fails) results[1].parts.push_back({"nonfatal", "s_test.cc", 42, "Expected 1"});
    results[2] = {2,
                  1,
                  "T",
                  "C",
                  Outcome::kCrashed,
                  "w1:7420",
                  started,
                  0,
                  "killed by signal 11",
                  "",
                  {{"fatal", "", -1, "killed by signal 11"}},
                  "",
                  0,
                  "",
                  ""};
    Transaction t(db);
    InsertResults(db, id, results);
    t.Commit();
    RunTotals counts;
    counts.passed = b_fails ? 1 : 2;
    counts.failed = b_fails ? 1 : 0;
    counts.crashed = 1;
    FinishRun(db, id, VerdictName(Verdict::kFailed), started + 1000, 1000, counts,
              {{"local", 1, a_ms}});
    return id;
  }

  ScratchDir scratch_{"history"};
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(HistoryStoreTest, CreatesSchemaInANewDirectoryOnce) {
  auto db = Open();
  EXPECT_EQ(SchemaVersionOf(db.get()), kSchemaVersion);
  EnsureSchema(db.get());  // again: nothing to do
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM schema_version")[0].Int(0),
            kSchemaVersion);  // one row per migration
  EXPECT_EQ(db->Query("PRAGMA journal_mode")[0].Text(0), "wal");
}

// Schema 3: each worker's slots, and the failures outside tests. A store of
// version 2 with a finished run is upgraded in place and keeps its rows.
TEST_F(HistoryStoreTest, Version2StoreIsUpgradedWithWorkerSlotsAndSuiteParts) {
  std::int64_t old_run = 0;
  {
    auto db = OpenDatabase(path_);
    EnsureSchema(db.get(), 2);
    ASSERT_EQ(SchemaVersionOf(db.get()), 2);
    NewRun run;
    run.binary_name = "old";
    old_run = InsertRun(db.get(), run);
    db->Exec("INSERT INTO workers (run_id, name, tests_run, busy_ms) VALUES (?, 'w:1', 3, 30)",
             {old_run});
  }
  auto db = Open();
  EXPECT_EQ(SchemaVersionOf(db.get()), kSchemaVersion);
  const RunDetail old_detail = ShowRun(db.get(), old_run);
  ASSERT_EQ(old_detail.workers.size(), 1u);
  EXPECT_EQ(old_detail.workers[0].tests_run, 3);
  EXPECT_EQ(old_detail.workers[0].slots, 0);  // unknown
  EXPECT_TRUE(old_detail.suite_parts.empty());

  NewRun run;
  run.binary_name = "new";
  const std::int64_t id = InsertRun(db.get(), run);
  FinishRun(db.get(), id, VerdictName(Verdict::kFailed), 2, 1, RunTotals{}, {{"w:1", 5, 50, 4}},
            {{"Suite", {"fatal", "s.cc", 7, "SetUpTestSuite failed"}},
             {"", {"skip", "e.cc", 9, "no device"}}});
  const RunDetail detail = ShowRun(db.get(), id);
  ASSERT_EQ(detail.workers.size(), 1u);
  EXPECT_EQ(detail.workers[0].slots, 4);
  ASSERT_EQ(detail.suite_parts.size(), 2u);
  EXPECT_EQ(detail.suite_parts[0].suite, "Suite");
  EXPECT_EQ(detail.suite_parts[0].part.kind, "fatal");
  EXPECT_EQ(detail.suite_parts[0].part.file, "s.cc");
  EXPECT_EQ(detail.suite_parts[0].part.line, 7);
  EXPECT_EQ(detail.suite_parts[0].part.summary, "SetUpTestSuite failed");
  EXPECT_EQ(detail.suite_parts[1].suite, "");
  EXPECT_EQ(detail.suite_parts[1].part.kind, "skip");
}

TEST_F(HistoryStoreTest, RefusesANewerSchemaNamingBothVersions) {
  {
    auto db = Open();
    db->Exec("INSERT INTO schema_version (version) VALUES (?)", {std::int64_t{kSchemaVersion + 1}});
  }
  auto db = OpenDatabase(path_);
  try {
    EnsureSchema(db.get());
    FAIL() << "a newer schema was accepted";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version " + std::to_string(kSchemaVersion + 1)),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("newer than this gtest_dist"), std::string::npos);
  }
}

TEST_F(HistoryStoreTest, AForeignFileIsAClearError) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  std::ofstream(path_) << std::string(4096, 'x');
  try {
    auto db = Open();
    FAIL() << "a foreign file was opened";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("not a gtest_dist history database"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

TEST_F(HistoryStoreTest, ASqliteDatabaseOfSomethingElseIsLeftAlone) {
  {
    auto db = OpenDatabase(path_);
    db->Exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)");
  }
  auto db = OpenDatabase(path_);
  try {
    EnsureSchema(db.get());
    FAIL() << "our tables were added to another application's database";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("SQLite database of something else"), std::string::npos)
        << e.what();
  }
  const auto tables = db->Query("SELECT name FROM sqlite_master WHERE type = 'table'");
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].Text(0), "invoices");
}

TEST_F(HistoryStoreTest, QueriesReturnTheStoredRows) {
  auto db = Open();
  const std::int64_t r1 = AddRun(db.get(), 1000000, 10, true);
  const std::int64_t r2 = AddRun(db.get(), 2000000, 10, false, "rev2");
  const std::int64_t r3 = AddRun(db.get(), 3000000, 100, true, "rev3");

  RunFilter all;
  const auto runs = ListRuns(db.get(), all);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].id, r3);  // newest first
  EXPECT_EQ(runs[0].results_recorded, 3);
  EXPECT_EQ(runs[0].status, VerdictName(Verdict::kFailed));
  RunFilter by_label;
  by_label.label = "rev2";
  ASSERT_EQ(ListRuns(db.get(), by_label).size(), 1u);
  RunFilter by_time;
  by_time.since_ms = 1500000;
  by_time.until_ms = 2500000;
  const auto in_range = ListRuns(db.get(), by_time);
  ASSERT_EQ(in_range.size(), 1u);
  EXPECT_EQ(in_range[0].id, r2);
  RunFilter other_host;
  other_host.host = "hostB";
  EXPECT_TRUE(ListRuns(db.get(), other_host).empty());

  const RunDetail detail = ShowRun(db.get(), r1);
  ASSERT_EQ(detail.results.size(), 3u);
  EXPECT_EQ(detail.results[0].output, "hello\n");
  ASSERT_EQ(detail.results[1].parts.size(), 1u);
  EXPECT_EQ(detail.results[1].parts[0].file, "s_test.cc");
  EXPECT_EQ(detail.results[1].parts[0].line, 42);
  EXPECT_EQ(detail.results[2].reason, "killed by signal 11");
  ASSERT_EQ(detail.workers.size(), 1u);
  EXPECT_THROW(ShowRun(db.get(), 999), DatabaseError);

  FailureFilter failures;
  EXPECT_EQ(Failures(db.get(), failures).size(), 5u);  // B twice, C three times
  failures.test_pattern = "S.*";
  const auto b = Failures(db.get(), failures);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].result.full_name, "S.B");
  EXPECT_EQ(b[0].result.run_id, r3);
  failures.test_pattern = "s.*";  // test names are case-sensitive, as in PostgreSQL
  EXPECT_TRUE(Failures(db.get(), failures).empty());
  failures.test_pattern = "";
  failures.host = "w1";
  EXPECT_EQ(Failures(db.get(), failures).size(), 5u);
  failures.host = "nowhere";
  EXPECT_TRUE(Failures(db.get(), failures).empty());

  const auto flaky = Flaky(db.get(), FlakyFilter{});
  ASSERT_EQ(flaky.size(), 1u);  // C never passed: broken, not flaky
  EXPECT_EQ(flaky[0].full_name, "S.B");
  EXPECT_EQ(flaky[0].failed_runs, 2);
  EXPECT_EQ(flaky[0].runs, 3);

  const auto slowest = Slowest(db.get(), SlowestFilter{});
  ASSERT_FALSE(slowest.empty());
  EXPECT_EQ(slowest[0].full_name, "S.A");
  EXPECT_EQ(slowest[0].max_ms, 100);
  EXPECT_EQ(slowest[0].last_ms, 100);

  TrendFilter trend;
  trend.test = "S.A";
  const auto points = Trend(db.get(), trend);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_FALSE(points[1].changed);
  EXPECT_TRUE(points[2].changed);
  EXPECT_EQ(points[2].run_id, r3);

  const std::map<std::string, double> durations = RecentDurations(db.get(), "suite_test");
  EXPECT_DOUBLE_EQ(durations.at("S.A"), 40.0);
  EXPECT_EQ(durations.count("T.C"), 0u);  // crashed results say nothing about duration
  EXPECT_NE(ToJson(detail).find("\"s_test.cc\""), std::string::npos);
}

TEST_F(HistoryStoreTest, OutputIsBoundedKeepingHeadAndTail) {
  std::string output;
  for (int i = 0; i < 20000; ++i) output += "line " + std::to_string(i) + "\n";
  bool truncated = false;
  const std::string kept = BoundOutput(output, &truncated);
  EXPECT_TRUE(truncated);
  EXPECT_LE(kept.size(), kMaxStoredOutput + 100);
  EXPECT_EQ(kept.rfind("line 0\n", 0), 0u);
  EXPECT_NE(kept.find("line 19999\n"), std::string::npos);
  EXPECT_NE(kept.find("bytes of output not kept"), std::string::npos);
}

TEST(HistoryQueriesTest, ParsesTimesAndGlobs) {
  std::int64_t ms = 0;
  std::string error;
  ASSERT_TRUE(ParseTime("2026-11-28", 0, &ms, &error)) << error;
  EXPECT_EQ(ms, 1795824000000LL);
  ASSERT_TRUE(ParseTime("2026-11-28T01:30", 0, &ms, &error)) << error;
  EXPECT_EQ(ms, 1795824000000LL + 5400000LL);
  ASSERT_TRUE(ParseTime("2h", 10000000, &ms, &error));
  EXPECT_EQ(ms, 10000000 - 7200000);
  EXPECT_FALSE(ParseTime("yesterday", 0, &ms, &error));
  EXPECT_NE(error.find("\"yesterday\""), std::string::npos);
  EXPECT_EQ(GlobToLike("Suite_*.a?%"), "Suite\\_%.a_\\%");
}

// The recorder writes live; the run is visible before it ends, and a store
// that cannot be opened costs a message, not the run.
TEST_F(HistoryStoreTest, RecorderWritesLiveAndReportsWhatItCouldNotRecord) {
  TestCatalog catalog({TestEntry{0, 0, "S", "A", "", "", "a.cc", 1, false},
                       TestEntry{1, 0, "S", "B", "", "", "a.cc", 2, false}},
                      "digest");
  RunPlan plan;
  plan.catalog = &catalog;
  plan.selected = {0, 1};
  plan.start_timestamp_ms = 5000;
  RecorderContext context;
  context.binary_name = "suite_test";
  {
    HistoryRecorder recorder(path_, context);
    recorder.OnRunStart(plan);
    TestRecord a;
    a.index = 0;
    a.outcome = Outcome::kPassed;
    a.worker = "local";
    recorder.OnTestFinished(catalog.test(0), a);
    recorder.Flush();
    ASSERT_TRUE(recorder.healthy());
    auto reader = OpenDatabase(path_);
    const auto running = ListRuns(reader.get(), RunFilter{});
    ASSERT_EQ(running.size(), 1u);
    EXPECT_EQ(running[0].status, kRunRunning);
    EXPECT_EQ(running[0].results_recorded, 1);
    TestRecord b = a;
    b.index = 1;
    b.outcome = Outcome::kFailed;
    recorder.OnTestFinished(catalog.test(1), b);
    RunSummary summary;
    summary.plan = &plan;
    summary.records = {{0, a}, {1, b}};
    recorder.OnRunEnd(summary);
    const auto ended = ListRuns(reader.get(), RunFilter{});
    EXPECT_EQ(ended[0].status, VerdictName(Verdict::kFailed));
    EXPECT_EQ(ended[0].failed, 1);
    EXPECT_EQ(ended[0].results_recorded, 2);
  }
  // A directory where the file should be: cannot be opened.
  const std::string bad = (dir_ / "sub").string();
  plan.selected = {0};  // a run of A alone, which passed: green
  bool healthy = true;
  const std::string text = MessagesOfAPassedRun(bad, plan, context, &healthy);
  EXPECT_FALSE(healthy);
  EXPECT_NE(text.find("not recorded in " + bad + ": this run (1 results, status green)"),
            std::string::npos)
      << text;
}

// Issue 11 item 8: while a run goes on, its row counts the verdicts recorded
// so far (not 0 passed, 0 failed with results already stored); a retried
// test counts once, by its verdict.
TEST_F(HistoryStoreTest, ARunningRunCountsItsVerdictsSoFar) {
  TestCatalog catalog({TestEntry{0, 0, "S", "A", "", "", "a.cc", 1, false},
                       TestEntry{1, 0, "S", "B", "", "", "a.cc", 2, false},
                       TestEntry{2, 0, "S", "C", "", "", "a.cc", 3, false},
                       TestEntry{3, 0, "S", "D", "", "", "a.cc", 4, false}},
                      "digest");
  RunPlan plan;
  plan.catalog = &catalog;
  plan.selected = {0, 1, 2, 3};
  RecorderContext context;
  context.binary_name = "suite_test";
  HistoryRecorder recorder(path_, context);
  recorder.OnRunStart(plan);
  TestRecord passed;
  passed.index = 0;
  passed.outcome = Outcome::kPassed;
  recorder.OnTestFinished(catalog.test(0), passed);
  TestRecord failed = passed;
  failed.index = 1;
  failed.outcome = Outcome::kFailed;
  recorder.OnTestFinished(catalog.test(1), failed);
  TestRecord flaky = passed;
  flaky.index = 2;
  flaky.outcome = Outcome::kFlaky;
  TestRecord first_attempt = flaky;
  first_attempt.outcome = Outcome::kFailed;
  flaky.failed_attempts.push_back(first_attempt);
  recorder.OnTestFinished(catalog.test(2), flaky);
  recorder.Flush();
  ASSERT_TRUE(recorder.healthy());
  auto reader = OpenForQueries(path_);
  const auto running = ListRuns(reader.get(), RunFilter{});
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].status, kRunRunning);
  EXPECT_EQ(running[0].results_recorded, 4);  // the flaky test's two attempts
  EXPECT_EQ(running[0].passed, 1);
  EXPECT_EQ(running[0].failed, 1);
  EXPECT_EQ(running[0].flaky, 1);
  // A later batch adds to the counts of the earlier ones.
  TestRecord crashed = passed;
  crashed.index = 3;
  crashed.outcome = Outcome::kCrashed;
  recorder.OnTestFinished(catalog.test(3), crashed);
  recorder.Flush();
  const auto later = ListRuns(reader.get(), RunFilter{});
  EXPECT_EQ(later[0].passed, 1);
  EXPECT_EQ(later[0].failed, 1);
  EXPECT_EQ(later[0].crashed, 1);
  EXPECT_EQ(later[0].flaky, 1);
}

// Issue 11 item 5: a query opens the store read-only and creates nothing: a
// mistyped path makes neither the file nor its directory.
TEST_F(HistoryStoreTest, AQueryOfAMissingStoreCreatesNothing) {
  const std::string typo = (dir_ / "no" / "such" / "typo.db").string();
  try {
    OpenForQueries(typo);
    FAIL() << "a missing store was opened";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("no history store at " + typo), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "no"));
}

std::string FileBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// Issue 11 item 5: another application's SQLite database is byte for byte
// what it was after a query and after a writer that refused it (no
// schema_version table, no switch to WAL), and no journal file is left.
TEST_F(HistoryStoreTest, AForeignDatabaseIsUnchangedByAQueryAndARefusingWriter) {
  std::filesystem::create_directories(dir_);
  const std::string foreign = (dir_ / "app.db").string();
  {
    auto db = OpenDatabase(foreign);
    db->Exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)");
    db->Exec("INSERT INTO invoices (amount) VALUES (42)");
  }
  const std::string before = FileBytes(foreign);
  ASSERT_FALSE(before.empty());
  try {
    OpenForQueries(foreign);
    FAIL() << "a foreign database was queried";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("not a gtest_dist history store"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find(foreign), std::string::npos) << e.what();
  }
  EXPECT_EQ(FileBytes(foreign), before);
  try {
    auto db = OpenDatabase(foreign);
    EnsureSchema(db.get());
    FAIL() << "a foreign database was taken for a store";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("SQLite database of something else"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(FileBytes(foreign), before);
  EXPECT_FALSE(std::filesystem::exists(foreign + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(foreign + "-shm"));
}

// A store written by an older gtest_dist is still queried (upgraded as a
// supervisor would); a current one is read as it is.
TEST_F(HistoryStoreTest, AQueryUpgradesOnlyAnOlderStoreOfOurs) {
  {
    auto db = OpenDatabase(path_);
    EnsureSchema(db.get(), 2);
  }
  auto db = OpenForQueries(path_);
  EXPECT_EQ(StoredSchemaVersion(db.get()), kSchemaVersion);
  EXPECT_TRUE(ListRuns(db.get(), RunFilter{}).empty());
}

}  // namespace
}  // namespace history
}  // namespace gtest_dist
