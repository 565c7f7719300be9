#include "gtest_dist/dashboard/history_source.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "gtest_dist/analytics/replay_command.h"
#include "gtest_dist/base/wall_clock.h"
#include "gtest_dist/dashboard/run_documents.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/history/queries.h"
#include "gtest_dist/history/replay_store.h"

namespace gtest_dist::dashboard {
namespace {

constexpr int kEventBatch = 2000;

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

RunView ToRun(history::Database* db, const history::RunRow& stored) {
  RunView run;
  run.id = stored.id;
  run.status = stored.status;
  run.binary = stored.binary_name;
  run.label = stored.label;
  run.host = stored.host;
  run.started_ms = stored.started_ms;
  run.ended_ms = stored.ended_ms.value_or(0);
  run.workers = SplitCommas(stored.workers);
  // Still running: its row's counts come at the end; its results' latest
  // attempts say where it is.
  run.counts = stored.ended_ms ? stored.totals() : history::LatestTotals(db, stored.id);
  run.counts.selected = stored.tests_total;
  return run;
}

// `r` with the command that replays its process (a FLAKY result: its failed
// attempt's), when the store recorded it.
ResultView WithReplay(history::Database* db, ResultView r) {
  const std::optional<history::ResultReplay> replay = history::FindReplayQuietly(
      db, r.run_id, r.test, r.status == Outcome::kFlaky ? std::nullopt : std::optional(r.attempt));
  if (replay) r.repro = analytics::ReplayShellLine(replay->spec);
  return r;
}

ResultView ToResult(const history::ResultRow& stored) {
  ResultView r;
  r.id = stored.id;
  r.run_id = stored.run_id;
  r.test = stored.full_name;
  r.status = stored.status;
  r.worker = stored.worker;
  r.started_ms = stored.started_ms;
  r.elapsed_ms = stored.duration_ms;
  r.attempt = stored.attempt;
  r.quarantine = stored.quarantine;
  r.signature = stored.signature;
  if (stored.triage) r.triage = stored.triage->Describe();
  r.artifacts = stored.artifacts;
  r.isolation = stored.isolation;
  for (const history::PartRow& part : stored.parts) {
    if (part.kind == "skip") continue;
    r.messages.push_back({part.file, part.line, part.summary});
  }
  // Why it could not report its own end (crash, timeout), unless a part
  // already says so.
  if (!stored.reason.empty() &&
      std::none_of(r.messages.begin(), r.messages.end(),
                   [&](const FailureMessage& m) { return m.message == stored.reason; })) {
    r.messages.push_back({"", -1, stored.reason});
  }
  r.output = stored.output;
  return r;
}

// A read transaction: the run row and its results as of one moment.
class ReadTransaction {
 public:
  explicit ReadTransaction(history::Database* db) : db_(db) { db_->BeginRead(); }
  ~ReadTransaction() { db_->Rollback(); }  // it wrote nothing: ending it is all
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  history::Database* db_;
};

// "a" -> "*a*": the API's `test` is a substring; the store's queries take a
// gtest-style pattern.
std::string Substring(const std::string& text) { return text.empty() ? "" : "*" + text + "*"; }

// The runs a page asks about (host, binary, label, period) into any of the
// store's filters, which name those fields alike. The API's until is
// inclusive, the store's exclusive.
template <typename Query>
void CopyRunScope(const RunFilter& filter, Query* query) {
  query->host = filter.host;
  query->binary = filter.binary;
  query->label = filter.label;
  if (filter.since_ms > 0) query->since_ms = filter.since_ms;
  if (filter.until_ms > 0) query->until_ms = filter.until_ms + 1;
}

}  // namespace

std::unique_ptr<HistorySource> HistorySource::Open(const std::string& location,
                                                   std::string* error) {
  if (!history::IsPostgresLocation(location) && !std::filesystem::exists(location)) {
    *error = "cannot open history database " + location + ": no such file";
    return nullptr;
  }
  try {
    std::unique_ptr<history::Database> db =
        history::OpenDatabase(location, history::Access::kReadOnly);
    history::CheckReadable(db.get());
    return std::make_unique<HistorySource>(std::move(db), location);
  } catch (const history::DatabaseError& e) {
    *error = e.what();
    return nullptr;
  }
}

history::Database* HistorySource::Db() {
  if ((!db_ || !db_->Connected()) && !location_.empty()) {
    db_.reset();
    std::unique_ptr<history::Database> db =
        history::OpenDatabase(location_, history::Access::kReadOnly);
    history::CheckReadable(db.get());
    db_ = std::move(db);
  }
  if (!db_) throw history::DatabaseError("no connection to the history store " + described_);
  return db_.get();
}

nlohmann::json HistorySource::ListRuns(const RunFilter& filter) {
  std::lock_guard<std::mutex> lock(mutex_);
  history::Database* db = Db();
  history::RunFilter query;
  CopyRunScope(filter, &query);
  query.limit = filter.limit;
  query.count_results = false;
  nlohmann::json runs = nlohmann::json::array();
  const std::int64_t now = NowEpochMs();
  const std::vector<history::RunRow> rows = history::ListRuns(db, query);
  std::vector<std::int64_t> ids;
  for (const history::RunRow& run : rows) ids.push_back(run.id);
  std::map<std::int64_t, std::vector<WorkerShipping>> shipping = history::RunShipping(db, ids);
  for (const history::RunRow& run : rows) {
    RunView view = ToRun(db, run);
    view.shipping = std::move(shipping[run.id]);
    runs.push_back(RunJson(view, now));
  }
  return {{"runs", std::move(runs)}};
}

std::optional<nlohmann::json> HistorySource::GetRun(std::int64_t run_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  history::Database* db = Db();
  ReadTransaction transaction(db);
  if (!history::FindRun(db, run_id)) return std::nullopt;
  const history::RunDetail detail = history::ShowRun(db, run_id, history::Output::kFailures);
  RunView run = ToRun(db, detail.run);
  run.shipping = detail.shipping;
  nlohmann::json results = nlohmann::json::array();
  std::vector<ResultView> failed;
  std::int64_t cursor = 0;
  for (const history::ResultRow& stored : detail.results) {
    ResultView r = ToResult(stored);
    cursor = std::max(cursor, r.id);
    results.push_back(ResultJson(r));
    if (HadFailure(r.status)) failed.push_back(std::move(r));
  }
  // In the order they were recorded, as the live stream adds them.
  std::sort(failed.begin(), failed.end(),
            [](const ResultView& a, const ResultView& b) { return a.id < b.id; });
  nlohmann::json failures = nlohmann::json::array();
  for (const ResultView& r : failed) failures.push_back(FailureJson(WithReplay(db, r), run.binary));
  return nlohmann::json{{"run", RunJson(run, NowEpochMs())},
                        {"results", std::move(results)},
                        {"failures", std::move(failures)},
                        {"cursor", cursor}};
}

std::optional<RunDelta> HistorySource::RunEventsSince(std::int64_t run_id, std::int64_t cursor) {
  std::lock_guard<std::mutex> lock(mutex_);
  history::Database* db = Db();
  ReadTransaction transaction(db);
  // The run before its results: a run read as finished has all its results.
  const std::optional<history::RunRow> stored = history::FindRun(db, run_id);
  if (!stored) return std::nullopt;
  RunView run = ToRun(db, *stored);
  run.shipping = std::move(history::RunShipping(db, {run_id})[run_id]);
  RunDelta delta;
  delta.run = RunJson(run, NowEpochMs());
  delta.results = nlohmann::json::array();
  delta.failures = nlohmann::json::array();
  delta.cursor = cursor;
  delta.finished = run.ended_ms > 0;
  const std::vector<history::ResultRow> rows =
      history::ResultsSince(db, run_id, cursor, kEventBatch);
  for (const history::ResultRow& row : rows) {
    const ResultView r = ToResult(row);
    delta.cursor = r.id;
    delta.results.push_back(ResultJson(r));
    if (HadFailure(r.status)) delta.failures.push_back(FailureJson(WithReplay(db, r), run.binary));
  }
  // More than one batch behind: not finished until the rest has been sent.
  if (rows.size() == static_cast<std::size_t>(kEventBatch)) delta.finished = false;
  return delta;
}

std::optional<nlohmann::json> HistorySource::TestHistory(const std::string& test, int limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  history::Database* db = Db();
  const std::vector<history::TestResultRow> rows = history::TestResults(db, test, limit);
  if (rows.empty()) return std::nullopt;
  std::vector<ResultView> results;
  std::vector<std::string> hosts;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {  // oldest first
    results.push_back(ToResult(it->result));
    hosts.push_back(it->run_host);
  }
  return TestHistoryJson(test, results, hosts);
}

nlohmann::json HistorySource::Flaky(const RunFilter& filter) {
  std::lock_guard<std::mutex> lock(mutex_);
  history::Database* db = Db();
  history::FlakyFilter query;
  query.window_runs = 0;  // the period is the window
  CopyRunScope(filter, &query);
  query.test_pattern = Substring(filter.test);
  std::vector<history::FlakyRow> rows = history::Flaky(db, query);
  // The page ranks by rate (the command by failed runs).
  std::sort(rows.begin(), rows.end(), [](const history::FlakyRow& a, const history::FlakyRow& b) {
    if (a.flake_rate != b.flake_rate) return a.flake_rate > b.flake_rate;
    return a.full_name < b.full_name;
  });
  if (rows.size() > static_cast<std::size_t>(filter.limit)) {
    rows.resize(static_cast<std::size_t>(filter.limit));
  }
  nlohmann::json tests = nlohmann::json::array();
  for (const history::FlakyRow& r : rows) {
    tests.push_back({{"test", r.full_name},
                     {"runs", r.runs},
                     {"failed", r.failed_runs},
                     {"passed", r.passed_runs},
                     {"flake_rate", r.flake_rate},
                     {"last_failure_ms", r.last_failure_ms}});
  }
  return {{"tests", std::move(tests)}};
}

nlohmann::json HistorySource::Failures(const RunFilter& filter) {
  std::lock_guard<std::mutex> lock(mutex_);
  history::Database* db = Db();
  history::FailureFilter query;
  CopyRunScope(filter, &query);
  query.test_pattern = Substring(filter.test);
  query.with_output = true;
  query.include_flaky = true;
  query.limit = filter.limit;
  nlohmann::json failures = nlohmann::json::array();
  for (const history::FailureRow& row : history::Failures(db, query)) {
    nlohmann::json doc = FailureJson(WithReplay(db, ToResult(row.result)), row.binary_name);
    doc["run_id"] = row.result.run_id;
    doc["host"] = row.run_host;
    failures.push_back(std::move(doc));
  }
  return {{"failures", std::move(failures)}};
}

std::optional<std::string> HistorySource::ResultOutput(std::int64_t result_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  history::Database* db = Db();
  return history::ResultOutput(db, result_id);
}

}  // namespace gtest_dist::dashboard
