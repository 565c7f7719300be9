#include "gtest_dist/dashboard/sqlite_source.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <utility>
#include <vector>

#include "gtest_dist/dashboard/run_documents.h"

namespace gtest_dist::dashboard {

const char kSqliteSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_ms BIGINT NOT NULL,
  ended_ms BIGINT,
  status TEXT NOT NULL,
  binary_name TEXT NOT NULL,
  binary_digest TEXT NOT NULL DEFAULT '',
  names_digest TEXT NOT NULL DEFAULT '',
  command_line TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL,
  user_name TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL DEFAULT 'distributed',
  iteration INTEGER NOT NULL DEFAULT 0,
  workers TEXT NOT NULL DEFAULT '',
  tests_total INTEGER NOT NULL,
  passed INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  crashed INTEGER NOT NULL DEFAULT 0,
  timed_out INTEGER NOT NULL DEFAULT 0,
  flaky INTEGER NOT NULL DEFAULT 0,
  not_run INTEGER NOT NULL DEFAULT 0,
  elapsed_ms BIGINT);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_ms);
CREATE TABLE IF NOT EXISTS results (
  run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  test_index INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  suite TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  full_name TEXT NOT NULL,
  status TEXT NOT NULL,
  worker TEXT NOT NULL DEFAULT '',
  started_ms BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  output TEXT NOT NULL DEFAULT '',
  output_truncated INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, test_index, attempt));
CREATE INDEX IF NOT EXISTS results_full_name ON results (full_name, run_id);
CREATE TABLE IF NOT EXISTS failure_parts (
  run_id BIGINT NOT NULL,
  test_index INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL DEFAULT 'failure',
  file TEXT NOT NULL DEFAULT '',
  line INTEGER NOT NULL DEFAULT -1,
  summary TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, test_index, attempt, seq),
  FOREIGN KEY (run_id, test_index, attempt)
   REFERENCES results (run_id, test_index, attempt) ON DELETE CASCADE);
)sql";

namespace {

constexpr char kFailedStatuses[] = "('FAILED', 'CRASHED', 'TIMEOUT', 'FLAKY')";

// One prepared statement; a failure throws with SQLite's message (the
// request handler answers 500 with it).
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string(sqlite3_errmsg(db)));
    }
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, std::int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  Statement& Bind(int index, const std::string& value) {
    sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  // True while there is a row.
  bool Step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string(sqlite3_errmsg(db_)));
  }
  std::int64_t Int(int column) const { return sqlite3_column_int64(statement_, column); }
  bool Null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  std::string Text(int column) const {
    const auto* text = static_cast<const char*>(sqlite3_column_blob(statement_, column));
    return text == nullptr ? std::string()
                           : std::string(text, static_cast<std::size_t>(
                                                   sqlite3_column_bytes(statement_, column)));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr char kRunColumns[] =
    "id, status, binary_name, label, host, started_ms, ended_ms, tests_total, passed, "
    "failed + crashed + timed_out, skipped, flaky, not_run, workers";

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

RunRow ReadRun(sqlite3* db, const Statement& s) {
  RunRow run;
  run.id = s.Int(0);
  run.status = s.Text(1);
  run.binary = s.Text(2);
  run.label = s.Text(3);
  run.host = s.Text(4);
  run.start_ms = s.Int(5);
  run.end_ms = s.Null(6) ? 0 : s.Int(6);
  run.counts.total = static_cast<int>(s.Int(7));
  run.workers = SplitCommas(s.Text(13));
  if (run.end_ms > 0) {
    run.counts.passed = static_cast<int>(s.Int(8));
    run.counts.failed = static_cast<int>(s.Int(9));
    run.counts.skipped = static_cast<int>(s.Int(10));
    run.counts.flaky = static_cast<int>(s.Int(11));
    run.counts.not_run = static_cast<int>(s.Int(12));
  } else {
    // Still running: its row's counts come at the end; its results' last
    // attempts say where it is.
    Statement counts(db,
                     "SELECT status, count(*) FROM results r WHERE run_id = ?1 AND attempt = "
                     "(SELECT max(attempt) FROM results WHERE run_id = ?1 AND "
                     "test_index = r.test_index) GROUP BY status");
    counts.Bind(1, run.id);
    while (counts.Step()) {
      const std::string status = counts.Text(0);
      for (std::int64_t i = counts.Int(1); i > 0; --i) run.counts.Add(status);
    }
  }
  return run;
}

std::optional<RunRow> FindRun(sqlite3* db, std::int64_t run_id) {
  Statement s(db, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?");
  s.Bind(1, run_id);
  if (!s.Step()) return std::nullopt;
  return ReadRun(db, s);
}

// Result columns; the output is cut to the preview (plus one byte, so that
// FailureJson sees it was longer) and its whole size read separately.
std::string ResultColumns(const std::string& table) {
  const std::string t = table.empty() ? "" : table + ".";
  return t + "rowid, " + t + "run_id, " + t + "full_name, " + t + "status, " + t + "worker, " +
         t + "started_ms, " + t + "duration_ms, " + t + "attempt, substr(CAST(" + t +
         "output AS BLOB), 1, " + std::to_string(kOutputPreviewBytes + 1) + "), length(CAST(" +
         t + "output AS BLOB)), " + t + "test_index, " + t + "reason";
}
constexpr int kResultColumnCount = 12;

ResultRow ReadResult(const Statement& s) {
  ResultRow r;
  r.id = s.Int(0);
  r.run_id = s.Int(1);
  r.test = s.Text(2);
  r.status = s.Text(3);
  r.worker = s.Text(4);
  r.start_ms = s.Int(5);
  r.elapsed_ms = s.Int(6);
  r.attempt = static_cast<int>(s.Int(7));
  r.output = s.Text(8);
  r.output_bytes = s.Int(9);
  return r;
}

// The failure parts of one result, then why it could not report its own end
// (crash, timeout), as the reports show it.
void ReadMessages(sqlite3* db, const Statement& row, ResultRow* result) {
  Statement s(db, "SELECT file, line, summary FROM failure_parts WHERE run_id = ? AND "
                  "test_index = ? AND attempt = ? AND kind != 'skip' ORDER BY seq");
  s.Bind(1, result->run_id).Bind(2, row.Int(10)).Bind(3, static_cast<std::int64_t>(result->attempt));
  while (s.Step()) {
    result->messages.push_back({s.Text(0), static_cast<int>(s.Int(1)), s.Text(2)});
  }
  const std::string reason = row.Text(11);
  if (!reason.empty()) result->messages.push_back({"", -1, reason});
}

// The WHERE clause of a run filter over `runs`, its values bound from 1.
struct RunWhere {
  std::string sql;
  std::vector<std::string> texts;
  std::vector<std::int64_t> ints;
};

RunWhere FilterSql(const RunFilter& filter) {
  RunWhere where;
  where.sql = " WHERE 1";
  auto text = [&](const std::string& value, const char* column) {
    if (value.empty()) return;
    where.sql += std::string(" AND runs.") + column + " = ?";
    where.texts.push_back(value);
  };
  text(filter.host, "host");
  text(filter.binary, "binary_name");
  text(filter.label, "label");
  return where;
}

// Binds FilterSql's values, then the times; returns the next index.
int BindFilter(Statement& s, const RunWhere& where, const RunFilter& filter) {
  int i = 1;
  for (const std::string& t : where.texts) s.Bind(i++, t);
  s.Bind(i++, filter.since_ms);
  s.Bind(i++, filter.until_ms > 0 ? filter.until_ms : INT64_MAX);
  return i;
}

}  // namespace

bool CreateSqliteSchema(sqlite3* db, std::string* error) {
  char* message = nullptr;
  if (sqlite3_exec(db, kSqliteSchema, nullptr, nullptr, &message) != SQLITE_OK) {
    *error = message != nullptr ? message : "unknown SQLite error";
    sqlite3_free(message);
    return false;
  }
  return true;
}

std::unique_ptr<SqliteSource> SqliteSource::Open(const std::string& path, std::string* error) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) {
    *error = "cannot open history database " + path + ": " +
             (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return nullptr;
  }
  // Writers hold the lock briefly; wait for them rather than fail.
  sqlite3_busy_timeout(db, 2000);
  std::unique_ptr<SqliteSource> source(new SqliteSource(db));
  try {
    Statement check(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                        "('runs', 'results', 'failure_parts')");
    check.Step();
    if (check.Int(0) != 3) {
      *error = path + " is not a gtest_dist history database (no runs/results/failure_parts "
                      "tables)";
      return nullptr;
    }
  } catch (const std::exception& e) {
    *error = path + " is not a readable SQLite database: " + e.what();
    return nullptr;
  }
  return source;
}

SqliteSource::~SqliteSource() { sqlite3_close(db_); }

nlohmann::json SqliteSource::ListRuns(const RunFilter& filter) {
  const RunWhere where = FilterSql(filter);
  Statement s(db_, std::string("SELECT ") + kRunColumns + " FROM runs" + where.sql +
                       " AND started_ms >= ? AND started_ms <= ? ORDER BY id DESC LIMIT ?");
  const int next = BindFilter(s, where, filter);
  s.Bind(next, static_cast<std::int64_t>(filter.limit));
  nlohmann::json runs = nlohmann::json::array();
  const std::int64_t now = NowMs();
  while (s.Step()) runs.push_back(RunJson(ReadRun(db_, s), now));
  return {{"runs", std::move(runs)}};
}

std::optional<nlohmann::json> SqliteSource::GetRun(std::int64_t run_id) {
  // One read transaction: the run and its results as of one moment.
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string(sqlite3_errmsg(db_)));
  }
  struct Commit {
    sqlite3* db;
    ~Commit() { sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); }
  } commit{db_};
  const std::optional<RunRow> run = FindRun(db_, run_id);
  if (!run) return std::nullopt;
  Statement s(db_, "SELECT rowid, full_name, status, worker, started_ms, duration_ms, attempt "
                   "FROM results WHERE run_id = ? ORDER BY test_index, attempt");
  // In primary-key order: no sort; the page orders by time itself.
  s.Bind(1, run_id);
  nlohmann::json results = nlohmann::json::array();
  std::int64_t cursor = 0;
  while (s.Step()) {
    cursor = std::max(cursor, s.Int(0));
    results.push_back({{"id", s.Int(0)},       {"test", s.Text(1)},
                       {"status", s.Text(2)},  {"worker", s.Text(3)},
                       {"start_ms", s.Int(4)}, {"elapsed_ms", s.Int(5)},
                       {"attempt", s.Int(6)}});
  }
  Statement f(db_, "SELECT " + ResultColumns("") + " FROM results WHERE run_id = ? AND status IN " +
                       kFailedStatuses + " ORDER BY rowid");
  f.Bind(1, run_id);
  nlohmann::json failures = nlohmann::json::array();
  while (f.Step()) {
    ResultRow r = ReadResult(f);
    ReadMessages(db_, f, &r);
    failures.push_back(FailureJson(r, run->binary));
  }
  return nlohmann::json{{"run", RunJson(*run, NowMs())},
                        {"results", std::move(results)},
                        {"failures", std::move(failures)},
                        {"cursor", cursor}};
}

std::optional<RunDelta> SqliteSource::RunEventsSince(std::int64_t run_id, std::int64_t cursor) {
  const std::optional<RunRow> run = FindRun(db_, run_id);
  if (!run) return std::nullopt;
  RunDelta delta;
  delta.run = RunJson(*run, NowMs());
  delta.results = nlohmann::json::array();
  delta.failures = nlohmann::json::array();
  delta.cursor = cursor;
  delta.finished = run->end_ms > 0;
  Statement s(db_, "SELECT " + ResultColumns("") +
                       " FROM results WHERE run_id = ? AND rowid > ? ORDER BY rowid LIMIT 2000");
  s.Bind(1, run_id).Bind(2, cursor);
  std::size_t rows = 0;
  while (s.Step()) {
    ++rows;
    ResultRow r = ReadResult(s);
    delta.cursor = r.id;
    delta.results.push_back(ResultJson(r));
    if (IsFailedStatus(r.status) || r.status == "FLAKY") {
      ReadMessages(db_, s, &r);
      delta.failures.push_back(FailureJson(r, run->binary));
    }
  }
  // More than one batch behind: not finished until the rest has been sent.
  if (rows == 2000) delta.finished = false;
  return delta;
}

std::optional<nlohmann::json> SqliteSource::TestHistory(const std::string& test, int limit) {
  Statement s(db_, "SELECT " + ResultColumns("r") +
                       ", runs.host FROM results r JOIN runs ON runs.id = r.run_id "
                       "WHERE r.full_name = ? ORDER BY r.run_id DESC, r.attempt DESC LIMIT ?");
  s.Bind(1, test).Bind(2, static_cast<std::int64_t>(limit));
  std::vector<ResultRow> results;
  std::vector<std::string> hosts;
  while (s.Step()) {
    results.push_back(ReadResult(s));
    hosts.push_back(s.Text(kResultColumnCount));
  }
  if (results.empty()) return std::nullopt;
  std::reverse(results.begin(), results.end());
  std::reverse(hosts.begin(), hosts.end());
  return TestHistoryJson(test, results, hosts);
}

nlohmann::json SqliteSource::Flaky(const RunFilter& filter) {
  const RunWhere where = FilterSql(filter);
  Statement s(db_,
              "SELECT r.full_name, count(*), "
              "sum(r.status IN ('FAILED', 'CRASHED', 'TIMEOUT', 'FLAKY')) AS failed, "
              "sum(r.status IN ('PASSED', 'FLAKY')) AS passed, "
              "max(CASE WHEN r.status IN ('FAILED', 'CRASHED', 'TIMEOUT', 'FLAKY') "
              "THEN r.started_ms END) "
              // runs first: a period picks few runs, and their results
              // come by results_by_run, not by scanning every result.
              "FROM runs CROSS JOIN results r ON r.run_id = runs.id" +
                  where.sql +
                  " AND runs.started_ms >= ? AND runs.started_ms <= ? AND instr(r.full_name, ?) > 0 "
                  "GROUP BY r.full_name HAVING failed > 0 AND passed > 0 "
                  "ORDER BY CAST(failed AS REAL) / count(*) DESC, r.full_name LIMIT ?");
  int next = BindFilter(s, where, filter);
  s.Bind(next++, filter.test);
  s.Bind(next, static_cast<std::int64_t>(filter.limit));
  nlohmann::json tests = nlohmann::json::array();
  while (s.Step()) {
    const std::int64_t runs = s.Int(1);
    tests.push_back({{"test", s.Text(0)},
                     {"runs", runs},
                     {"failed", s.Int(2)},
                     {"passed", s.Int(3)},
                     {"flake_rate", static_cast<double>(s.Int(2)) / static_cast<double>(runs)},
                     {"last_failure_ms", s.Int(4)}});
  }
  return {{"tests", std::move(tests)}};
}

nlohmann::json SqliteSource::Failures(const RunFilter& filter) {
  const RunWhere where = FilterSql(filter);
  Statement s(db_, "SELECT " + ResultColumns("r") +
                                     // Newest results first, walking back until `limit` match: failures
              // are common enough that this beats scanning the runs.
              ", runs.host, runs.binary_name FROM results r CROSS JOIN runs ON runs.id = r.run_id" +
                       where.sql + " AND runs.started_ms >= ? AND runs.started_ms <= ? AND r.status IN " +
                       kFailedStatuses + " AND instr(r.full_name, ?) > 0 ORDER BY r.rowid DESC LIMIT ?");
  int next = BindFilter(s, where, filter);
  s.Bind(next++, filter.test);
  s.Bind(next, static_cast<std::int64_t>(filter.limit));
  nlohmann::json failures = nlohmann::json::array();
  while (s.Step()) {
    ResultRow r = ReadResult(s);
    ReadMessages(db_, s, &r);
    nlohmann::json doc = FailureJson(r, s.Text(kResultColumnCount + 1));
    doc["run_id"] = r.run_id;
    doc["host"] = s.Text(kResultColumnCount);
    failures.push_back(std::move(doc));
  }
  return {{"failures", std::move(failures)}};
}

std::optional<std::string> SqliteSource::ResultOutput(std::int64_t result_id) {
  Statement s(db_, "SELECT output FROM results WHERE rowid = ?");
  s.Bind(1, result_id);
  if (!s.Step()) return std::nullopt;
  return s.Text(0);
}

}  // namespace gtest_dist::dashboard
