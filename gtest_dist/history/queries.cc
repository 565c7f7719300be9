#include "gtest_dist/history/queries.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "gtest_dist/analytics/analytics.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/model/outcome.h"

namespace gtest_dist {

// WorkerShipping's JSON: one key per field, under the field's name.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WorkerShipping, worker, files_shipped, files_total,
                                   bytes_shipped, bytes_cached, elapsed_ms)

namespace history {
namespace {

using nlohmann::json;

constexpr char kRunColumns[] =
    "runs.id, runs.started_ms, runs.ended_ms, runs.status, runs.binary_name,"
    " runs.binary_digest, runs.command_line, runs.host, runs.user_name, runs.label, runs.mode,"
    " runs.workers, runs.iteration, runs.tests_total, runs.passed, runs.failed, runs.skipped,"
    " runs.crashed, runs.timed_out, runs.flaky, runs.not_run, runs.elapsed_ms, ";
constexpr char kResultsRecorded[] = "(SELECT COUNT(*) FROM results WHERE results.run_id = runs.id)";

RunRow ReadRun(const Row& row) {
  RunRow r;
  r.id = row.Int(0);
  r.started_ms = row.Int(1);
  if (!row.IsNull(2)) r.ended_ms = row.Int(2);
  r.status = row.Text(3);
  r.binary_name = row.Text(4);
  r.binary_digest = row.Text(5);
  r.command_line = row.Text(6);
  r.host = row.Text(7);
  r.user = row.Text(8);
  r.label = row.Text(9);
  r.mode = row.Text(10);
  r.workers = row.Text(11);
  r.iteration = static_cast<int>(row.Int(12));
  r.tests_total = static_cast<int>(row.Int(13));
  r.passed = static_cast<int>(row.Int(14));
  r.failed = static_cast<int>(row.Int(15));
  r.skipped = static_cast<int>(row.Int(16));
  r.crashed = static_cast<int>(row.Int(17));
  r.timed_out = static_cast<int>(row.Int(18));
  r.flaky = static_cast<int>(row.Int(19));
  r.not_run = static_cast<int>(row.Int(20));
  if (!row.IsNull(21)) r.elapsed_ms = row.Int(21);
  r.results_recorded = static_cast<int>(row.Int(22));
  return r;
}

// Builds "WHERE a AND b" from the conditions that apply.
struct Where {
  std::vector<std::string> conditions;
  std::vector<Value> params;
  void Add(const std::string& condition, std::vector<Value> values) {
    conditions.push_back(condition);
    params.insert(params.end(), values.begin(), values.end());
  }
  std::string Sql() const {
    std::string sql;
    for (const std::string& c : conditions) sql += (sql.empty() ? " WHERE " : " AND ") + c;
    return sql;
  }
};

// Repeats the predicate of the partial index results_failed word for word:
// SQLite uses that index only for a query that says exactly this.
constexpr char kFailedOrFlaky[] = "status IN ('FAILED', 'CRASHED', 'TIMEOUT', 'FLAKY')";

// The store's key of a result row of `table`: SQLite's rowid, PostgreSQL's
// id column (schema version 2).
std::string ResultId(Database* db, const std::string& table) {
  return table + (db->backend() == Backend::kSqlite ? ".rowid" : ".id");
}

// The --dist-triage verdict on a result's test in its run (schema 5): NULL
// when it was not triaged.
std::string TriageColumns() {
  std::string columns;
  for (const char* column : {"verdict", "culprits", "why"}) {
    columns += std::string(columns.empty() ? "" : ", ") + "(SELECT t." + column +
               " FROM triage t WHERE t.run_id = r.run_id AND t.full_name = r.full_name)";
  }
  return columns;
}

// The columns ReadResult reads, of `results r`, in its order, with
// `output` (an SQL expression) as the output.
std::string ResultColumns(Database* db, const std::string& output) {
  return "r.run_id, r.test_index, r.attempt, r.suite, r.name, r.full_name, r.status,"
         " r.worker, r.reason, r.started_ms, r.duration_ms, r.output_truncated, " +
         output + ", " + ResultId(db, "r") +
         ", r.signature, r.quarantine, r.isolation, r.artifacts, " + TriageColumns();
}
constexpr int kResultColumnCount = 21;

// A result's status as the store spells it. A name this build does not know
// (a newer writer's) reads as NOT_RUN: neither failed nor passed.
Outcome ReadStatus(const std::string& text) {
  Outcome outcome = Outcome::kNotRun;
  OutcomeFromName(text, &outcome);
  return outcome;
}

ResultRow ReadResult(const Row& row) {
  ResultRow r;
  r.run_id = row.Int(0);
  r.test_index = static_cast<int>(row.Int(1));
  r.attempt = static_cast<int>(row.Int(2));
  r.suite = row.Text(3);
  r.name = row.Text(4);
  r.full_name = row.Text(5);
  r.status = ReadStatus(row.Text(6));
  r.worker = row.Text(7);
  r.reason = row.Text(8);
  r.started_ms = row.Int(9);
  r.duration_ms = row.Int(10);
  r.output_truncated = row.Int(11) != 0;
  r.output = row.Text(12);
  r.id = row.Int(13);
  r.signature = row.Text(14);
  r.quarantine = row.Text(15);
  r.isolation = row.Text(16);
  r.artifacts = DecodeArtifactLinks(row.Text(17));
  if (!row.IsNull(18)) {
    TriageNote note;
    note.verdict = row.Text(18);
    try {
      note.culprits = json::parse(row.Text(19)).get<std::vector<std::string>>();
    } catch (const std::exception&) {
      note.why = "(unreadable culprits)";
    }
    if (note.why.empty()) note.why = row.Text(20);
    r.triage = std::move(note);
  }
  return r;
}

json RunJson(const RunRow& r) {
  json j = {{"id", r.id},
            {"started_ms", r.started_ms},
            {"ended_ms", r.ended_ms ? json(*r.ended_ms) : json(nullptr)},
            {"status", r.status},
            {"binary", r.binary_name},
            {"binary_digest", r.binary_digest},
            {"command_line", r.command_line},
            {"host", r.host},
            {"user", r.user},
            {"label", r.label},
            {"mode", r.mode},
            {"workers", r.workers},
            {"iteration", r.iteration},
            {"tests_total", r.tests_total},
            {"passed", r.passed},
            {"failed", r.failed},
            {"skipped", r.skipped},
            {"crashed", r.crashed},
            {"timeout", r.timed_out},
            {"flaky", r.flaky},
            {"not_run", r.not_run},
            {"results_recorded", r.results_recorded},
            {"elapsed_ms", r.elapsed_ms ? json(*r.elapsed_ms) : json(nullptr)}};
  return j;
}

json ArtifactsJson(const std::vector<ArtifactLink>& links) {
  json array = json::array();
  for (const ArtifactLink& link : links) {
    array.push_back({{"name", link.name}, {"path", link.relative_path}});
  }
  return array;
}

json ResultJson(const ResultRow& r, bool with_output) {
  json parts = json::array();
  for (const PartRow& p : r.parts) {
    parts.push_back({{"kind", p.kind}, {"file", p.file}, {"line", p.line}, {"summary", p.summary}});
  }
  json j = {{"run_id", r.run_id},
            {"index", r.test_index},
            {"attempt", r.attempt},
            {"suite", r.suite},
            {"name", r.name},
            {"test", r.full_name},
            {"status", OutcomeName(r.status)},
            {"worker", r.worker},
            {"started_ms", r.started_ms},
            {"duration_ms", r.duration_ms},
            {"reason", r.reason},
            {"parts", parts},
            {"signature", r.signature},
            {"quarantined", r.quarantine.empty() ? json(nullptr) : json(r.quarantine)},
            {"isolation", r.isolation},
            {"artifacts", ArtifactsJson(r.artifacts)},
            {"triage", r.triage ? json({{"verdict", r.triage->verdict},
                                        {"culprits", r.triage->culprits},
                                        {"why", r.triage->why},
                                        {"text", r.triage->Describe()}})
                                : json(nullptr)}};
  if (with_output) {
    j["output"] = r.output;
    j["output_truncated"] = r.output_truncated;
  }
  return j;
}

std::vector<PartRow> PartsOf(Database* db, std::int64_t run_id, int index, int attempt) {
  std::vector<PartRow> parts;
  for (const Row& row : db->Query("SELECT kind, file, line, summary FROM failure_parts"
                                  " WHERE run_id = ? AND test_index = ? AND attempt = ?"
                                  " ORDER BY seq",
                                  {run_id, std::int64_t{index}, std::int64_t{attempt}})) {
    parts.push_back({row.Text(0), row.Text(1), row.Text(3), static_cast<int>(row.Int(2))});
  }
  return parts;
}

// The ids of the latest `window` runs (all when 0) matching `where`, newest
// first.
std::vector<std::int64_t> WindowRuns(Database* db, Where where, int window) {
  std::string limit;
  if (window > 0) {
    limit = " LIMIT ?";
    where.params.emplace_back(std::int64_t{window});
  }
  std::vector<std::int64_t> ids;
  for (const Row& row :
       db->Query("SELECT id FROM runs" + where.Sql() + " ORDER BY id DESC" + limit, where.params)) {
    ids.push_back(row.Int(0));
  }
  return ids;
}

// "(1,2,3)" for an SQL IN; "(-1)" (no run) for none.
std::string InList(const std::vector<std::int64_t>& ids) {
  std::string list;
  for (std::int64_t id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  return "(" + (list.empty() ? std::string("-1") : list) + ")";
}

}  // namespace

RunTotals RunRow::totals() const {
  RunTotals t;
  t.selected = tests_total;
  t.passed = passed;
  t.failed = failed;
  t.skipped = skipped;
  t.crashed = crashed;
  t.timed_out = timed_out;
  t.flaky = flaky;
  t.not_run = not_run;
  return t;
}

std::vector<RunRow> ListRuns(Database* db, const RunFilter& filter) {
  Where where;
  if (!filter.host.empty()) where.Add("runs.host = ?", {filter.host});
  if (!filter.binary.empty()) where.Add("runs.binary_name = ?", {filter.binary});
  if (!filter.label.empty()) where.Add("runs.label = ?", {filter.label});
  if (filter.since_ms) where.Add("runs.started_ms >= ?", {*filter.since_ms});
  if (filter.until_ms) where.Add("runs.started_ms < ?", {*filter.until_ms});
  where.params.emplace_back(std::int64_t{filter.limit});
  std::vector<RunRow> runs;
  for (const Row& row : db->Query(std::string("SELECT ") + kRunColumns +
                                      (filter.count_results ? kResultsRecorded : "0") +
                                      " FROM runs" + where.Sql() + " ORDER BY runs.id DESC LIMIT ?",
                                  where.params)) {
    runs.push_back(ReadRun(row));
  }
  return runs;
}

std::optional<RunRow> FindRun(Database* db, std::int64_t id) {
  const std::vector<Row> rows = db->Query(
      std::string("SELECT ") + kRunColumns + kResultsRecorded + " FROM runs WHERE runs.id = ?",
      {id});
  if (rows.empty()) return std::nullopt;
  return ReadRun(rows[0]);
}

RunTotals LatestTotals(Database* db, std::int64_t run_id) {
  RunTotals totals;
  for (const Row& row :
       db->Query("SELECT r.status, COUNT(*) FROM results r WHERE r.run_id = ? AND r.attempt ="
                 " (SELECT MAX(l.attempt) FROM results l WHERE l.run_id = r.run_id"
                 " AND l.test_index = r.test_index) GROUP BY r.status",
                 {run_id})) {
    totals.Add(ReadStatus(row.Text(0)), static_cast<int>(row.Int(1)));
  }
  return totals;
}

RunDetail ShowRun(Database* db, std::int64_t id, Output output) {
  std::optional<RunRow> run = FindRun(db, id);
  if (!run) throw DatabaseError("no run #" + std::to_string(id) + " in " + db->Describe());
  RunDetail detail;
  detail.run = std::move(*run);
  const std::string output_column =
      output == Output::kAll ? "r.output"
      : output == Output::kFailures
          ? std::string("CASE WHEN r.") + kFailedOrFlaky + " THEN r.output ELSE '' END"
          : "''";
  for (const Row& row :
       db->Query("SELECT " + ResultColumns(db, output_column) +
                     " FROM results r WHERE r.run_id = ? ORDER BY r.test_index, r.attempt",
                 {id})) {
    detail.results.push_back(ReadResult(row));
  }
  // One query for every part rather than one per result.
  std::map<std::pair<int, int>, std::vector<PartRow>> parts;
  for (const Row& row : db->Query("SELECT test_index, attempt, kind, file, line, summary"
                                  " FROM failure_parts WHERE run_id = ?"
                                  " ORDER BY test_index, attempt, seq",
                                  {id})) {
    parts[{static_cast<int>(row.Int(0)), static_cast<int>(row.Int(1))}].push_back(
        {row.Text(2), row.Text(3), row.Text(5), static_cast<int>(row.Int(4))});
  }
  for (ResultRow& r : detail.results) {
    auto it = parts.find({r.test_index, r.attempt});
    if (it != parts.end()) r.parts = it->second;
  }
  for (const Row& row : db->Query(
           "SELECT name, tests_run, busy_ms, slots FROM workers WHERE run_id = ? ORDER BY name",
           {id})) {
    detail.workers.push_back(
        {row.Text(0), static_cast<int>(row.Int(1)), row.Int(2), static_cast<int>(row.Int(3))});
  }
  std::map<std::int64_t, std::vector<WorkerShipping>> shipping = RunShipping(db, {id});
  if (!shipping.empty()) detail.shipping = std::move(shipping.begin()->second);
  detail.setups = RunSuiteSetups(db, id);
  for (const Row& row : db->Query("SELECT suite, kind, file, line, summary FROM run_parts"
                                  " WHERE run_id = ? ORDER BY seq",
                                  {id})) {
    detail.suite_parts.push_back(
        {row.Text(0), {row.Text(1), row.Text(2), row.Text(4), static_cast<int>(row.Int(3))}});
  }
  return detail;
}

std::vector<ResultRow> ResultsSince(Database* db, std::int64_t run_id, std::int64_t after_id,
                                    int limit) {
  const std::string id = ResultId(db, "r");
  std::vector<ResultRow> results;
  std::string sql = "SELECT ";
  sql += ResultColumns(db,
                       std::string("CASE WHEN r.") + kFailedOrFlaky + " THEN r.output ELSE '' END");
  sql += " FROM results r WHERE r.run_id = ? AND ";
  sql += id;
  sql += " > ? ORDER BY ";
  sql += id;
  sql += " LIMIT ?";
  for (const Row& row : db->Query(sql, {run_id, after_id, std::int64_t{limit}})) {
    ResultRow r = ReadResult(row);
    if (HadFailure(r.status)) {
      r.parts = PartsOf(db, run_id, r.test_index, r.attempt);
    }
    results.push_back(std::move(r));
  }
  return results;
}

std::vector<TestResultRow> TestResults(Database* db, const std::string& full_name, int limit) {
  std::vector<TestResultRow> results;
  for (const Row& row :
       db->Query("SELECT " + ResultId(db, "r") +
                     ", r.run_id, r.test_index, r.attempt, r.suite, r.name,"
                     " r.status, r.worker, r.started_ms, r.duration_ms, runs.host,"
                     " r.isolation, r.artifacts"
                     " FROM results r JOIN runs ON runs.id = r.run_id WHERE r.full_name = ?"
                     " ORDER BY r.run_id DESC, r.attempt DESC LIMIT ?",
                 {full_name, std::int64_t{limit}})) {
    TestResultRow t;
    t.result.id = row.Int(0);
    t.result.run_id = row.Int(1);
    t.result.test_index = static_cast<int>(row.Int(2));
    t.result.attempt = static_cast<int>(row.Int(3));
    t.result.suite = row.Text(4);
    t.result.name = row.Text(5);
    t.result.full_name = full_name;
    t.result.status = ReadStatus(row.Text(6));
    t.result.worker = row.Text(7);
    t.result.started_ms = row.Int(8);
    t.result.duration_ms = row.Int(9);
    t.run_host = row.Text(10);
    t.result.isolation = row.Text(11);
    t.result.artifacts = DecodeArtifactLinks(row.Text(12));
    results.push_back(std::move(t));
  }
  return results;
}

std::optional<std::string> ResultOutput(Database* db, std::int64_t result_id) {
  const std::vector<Row> rows = db->Query(
      "SELECT output FROM results WHERE " + ResultId(db, "results") + " = ?", {result_id});
  if (rows.empty()) return std::nullopt;
  return rows[0].Text(0);
}

std::vector<FailureRow> Failures(Database* db, const FailureFilter& filter) {
  Where where;
  // The index's predicate, then FLAKY (failed, then passed) left out.
  where.Add(std::string("r.") + kFailedOrFlaky, {});
  if (!filter.include_flaky) where.Add("r.status <> 'FLAKY'", {});
  if (filter.since_ms) where.Add("r.started_ms >= ?", {*filter.since_ms});
  if (filter.until_ms) where.Add("r.started_ms < ?", {*filter.until_ms});
  if (!filter.host.empty()) {
    where.Add("(runs.host = ? OR r.worker = ? OR r.worker LIKE ?)",
              {filter.host, filter.host, filter.host + ":%"});
  }
  if (!filter.test_pattern.empty()) {
    where.Add("r.full_name LIKE ? ESCAPE '\\'", {GlobToLike(filter.test_pattern)});
  }
  if (!filter.binary.empty()) where.Add("runs.binary_name = ?", {filter.binary});
  if (!filter.label.empty()) where.Add("runs.label = ?", {filter.label});
  where.params.emplace_back(std::int64_t{filter.limit});
  std::vector<FailureRow> failures;
  for (const Row& row : db->Query(
           "SELECT " + ResultColumns(db, filter.with_output ? "r.output" : "''") +
               ", runs.host, runs.binary_name, runs.label"
               " FROM results r JOIN runs ON runs.id = r.run_id" +
               // Newest run first: SQLite walks results_failed backwards and
               // stops at `limit` instead of sorting every failure.
               where.Sql() + " ORDER BY r.run_id DESC, r.started_ms DESC, r.test_index LIMIT ?",
           where.params)) {
    FailureRow f;
    f.result = ReadResult(row);
    f.run_host = row.Text(kResultColumnCount);
    f.binary_name = row.Text(kResultColumnCount + 1);
    f.label = row.Text(kResultColumnCount + 2);
    f.result.parts = PartsOf(db, f.result.run_id, f.result.test_index, f.result.attempt);
    failures.push_back(std::move(f));
  }
  return failures;
}

std::vector<FlakyRow> Flaky(Database* db, const FlakyFilter& filter) {
  Where window;
  if (!filter.binary.empty()) window.Add("binary_name = ?", {filter.binary});
  if (!filter.host.empty()) window.Add("host = ?", {filter.host});
  if (!filter.label.empty()) window.Add("label = ?", {filter.label});
  if (filter.since_ms) window.Add("started_ms >= ?", {*filter.since_ms});
  if (filter.until_ms) window.Add("started_ms < ?", {*filter.until_ms});
  const std::vector<std::int64_t> runs = WindowRuns(db, window, filter.window_runs);
  if (runs.empty()) return {};
  const std::string ids = InList(runs);
  std::vector<Value> params;
  std::string name_condition;
  if (!filter.test_pattern.empty()) {
    name_condition = " AND f.full_name LIKE ? ESCAPE '\\'";
    params.emplace_back(GlobToLike(filter.test_pattern));
  }
  // Never every result of the period: first the failed ones, from the small
  // partial index results_failed (covering); they name the candidates.
  const std::string failed_in_window =
      " FROM results f WHERE f.run_id IN " + ids + " AND f." + kFailedOrFlaky + name_condition;
  std::map<std::string, FlakyRow> tests;
  for (const Row& row :
       db->Query("SELECT f.full_name, COUNT(DISTINCT f.run_id), MAX(f.run_id), MAX(f.started_ms),"
                 " COUNT(DISTINCT CASE WHEN f.status = 'FLAKY' THEN f.run_id END)" +
                     failed_in_window + " GROUP BY f.full_name",
                 params)) {
    FlakyRow& r = tests[row.Text(0)];
    r.full_name = row.Text(0);
    r.failed_runs = static_cast<int>(row.Int(1));
    r.last_failure_run = row.Int(2);
    r.last_failure_ms = row.Int(3);
    r.flaky_runs = static_cast<int>(row.Int(4));
  }
  if (tests.empty()) return {};
  // Then every result of the candidates only, from results_full_name
  // (covering): one range of run ids per test, the window's exact ids as a
  // filter ("+" keeps SQLite from seeking each id in turn).
  std::vector<Value> all_params = params;
  all_params.emplace_back(runs.back());
  all_params.emplace_back(runs.front());
  std::vector<FlakyRow> rows;
  // The counts of analytics::FlakeCounts: runs that ran it (a result other
  // than NOT_RUN), runs where some attempt passed.
  std::string sql =
      "SELECT r.full_name, COUNT(DISTINCT CASE WHEN r.status <> 'NOT_RUN' THEN r.run_id END),"
      " COUNT(DISTINCT CASE WHEN r.status IN ('PASSED', 'FLAKY') THEN r.run_id END)"
      " FROM results r WHERE r.full_name IN (SELECT DISTINCT f.full_name";
  sql += failed_in_window;
  sql += ") AND r.run_id >= ? AND r.run_id <= ? AND +r.run_id IN ";
  sql += ids;
  sql += " GROUP BY r.full_name";
  for (const Row& row : db->Query(sql, all_params)) {
    auto it = tests.find(row.Text(0));
    if (it == tests.end()) continue;
    FlakyRow r = it->second;
    r.runs = static_cast<int>(row.Int(1));
    r.passed_runs = static_cast<int>(row.Int(2));
    analytics::FlakeCounts counts;
    counts.runs = r.runs;
    counts.failed_runs = r.failed_runs;
    counts.passed_runs = r.passed_runs;
    counts.flaky_runs = r.flaky_runs;
    if (!analytics::IsFlaky(counts)) continue;  // never passed: broken, not flaky
    r.flake_rate = analytics::FlakeRate(counts);
    rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [](const FlakyRow& a, const FlakyRow& b) {
    if (a.failed_runs != b.failed_runs) return a.failed_runs > b.failed_runs;
    if (a.flake_rate != b.flake_rate) return a.flake_rate > b.flake_rate;
    return a.full_name < b.full_name;
  });
  if (filter.limit > 0 && rows.size() > static_cast<size_t>(filter.limit)) {
    rows.resize(static_cast<size_t>(filter.limit));
  }
  return rows;
}

std::vector<SlowestRow> Slowest(Database* db, const SlowestFilter& filter) {
  Where window;
  if (!filter.binary.empty()) window.Add("binary_name = ?", {filter.binary});
  const std::string ids = InList(WindowRuns(db, window, filter.window_runs));
  std::vector<SlowestRow> rows;
  for (const Row& row :
       db->Query("SELECT full_name, COUNT(*), AVG(duration_ms), MAX(duration_ms), MAX(run_id)"
                 " FROM results WHERE status IN ('PASSED', 'FAILED', 'FLAKY') AND run_id IN " +
                     ids + " GROUP BY full_name ORDER BY AVG(duration_ms) DESC, full_name LIMIT ?",
                 {std::int64_t{filter.limit}})) {
    SlowestRow r;
    r.full_name = row.Text(0);
    r.samples = static_cast<int>(row.Int(1));
    r.mean_ms = row.Double(2);
    r.max_ms = row.Int(3);
    const std::vector<Row> last = db->Query(
        "SELECT duration_ms FROM results WHERE full_name = ? AND run_id = ? ORDER BY attempt DESC",
        {r.full_name, row.Int(4)});
    if (!last.empty()) r.last_ms = last[0].Int(0);
    rows.push_back(r);
  }
  return rows;
}

std::vector<TrendPoint> Trend(Database* db, const TrendFilter& filter) {
  std::vector<TrendPoint> points;
  std::vector<analytics::DurationSample> samples;
  for (const Row& row :
       db->Query("SELECT r.run_id, runs.started_ms, r.duration_ms, r.status, runs.host, runs.label"
                 " FROM results r JOIN runs ON runs.id = r.run_id WHERE r.full_name = ?"
                 " ORDER BY r.run_id DESC, r.attempt DESC LIMIT ?",
                 {filter.test, std::int64_t{filter.limit}})) {
    if (!points.empty() && points.back().run_id == row.Int(0)) continue;  // last attempt only
    TrendPoint p;
    p.run_id = row.Int(0);
    p.started_ms = row.Int(1);
    p.duration_ms = row.Int(2);
    p.status = ReadStatus(row.Text(3));
    p.host = row.Text(4);
    p.label = row.Text(5);
    points.push_back(p);
    samples.push_back({p.duration_ms, p.status});
  }
  std::reverse(points.begin(), points.end());
  std::reverse(samples.begin(), samples.end());
  analytics::DurationRule rule;
  rule.ratio = filter.threshold;
  rule.min_delta_ms = filter.min_change_ms;
  const std::vector<analytics::DurationPoint> changes = analytics::DurationChanges(samples, rule);
  std::vector<TrendPoint> timed;
  for (std::size_t i = 0; i < points.size(); ++i) {
    // A crash, a timeout, a skip: no duration to speak of (the rule's).
    if (!changes[i].counted) continue;
    points[i].changed = changes[i].changed;
    points[i].baseline_ms = changes[i].baseline_ms;
    timed.push_back(points[i]);
  }
  return timed;
}

std::map<std::int64_t, std::vector<WorkerShipping>> RunShipping(
    Database* db, const std::vector<std::int64_t>& run_ids) {
  std::map<std::int64_t, std::vector<WorkerShipping>> shipping;
  if (run_ids.empty()) return shipping;
  std::string sql =
      "SELECT run_id, worker, files_shipped, files_total, bytes_shipped, bytes_cached,"
      " elapsed_ms FROM run_shipping WHERE run_id IN (";
  std::vector<Value> params;
  for (std::int64_t id : run_ids) {
    sql += params.empty() ? "?" : ", ?";
    params.emplace_back(id);
  }
  sql += ") ORDER BY run_id, seq";
  // A negative count is no count this gtest_dist wrote: read it as 0.
  auto count = [](std::int64_t n) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, n));
  };
  for (const Row& row : db->Query(sql, params)) {
    WorkerShipping s;
    s.worker = row.Text(1);
    s.files_shipped = count(row.Int(2));
    s.files_total = count(row.Int(3));
    s.bytes_shipped = count(row.Int(4));
    s.bytes_cached = count(row.Int(5));
    s.elapsed_ms = row.Int(6);
    shipping[row.Int(0)].push_back(std::move(s));
  }
  return shipping;
}

json ShippingJson(const std::vector<WorkerShipping>& shipping) { return shipping; }

std::string ToJson(const std::vector<RunRow>& rows) {
  json j = json::array();
  for (const RunRow& r : rows) j.push_back(RunJson(r));
  return j.dump(2);
}

std::string ToJson(const RunDetail& detail) {
  json j = RunJson(detail.run);
  j["results"] = json::array();
  for (const ResultRow& r : detail.results) j["results"].push_back(ResultJson(r, true));
  j["worker_use"] = json::array();
  for (const RunDetail::Worker& w : detail.workers) {
    j["worker_use"].push_back(
        {{"name", w.name}, {"tests_run", w.tests_run}, {"busy_ms", w.busy_ms}, {"slots", w.slots}});
  }
  j["shipping"] = ShippingJson(detail.shipping);
  j["suite_setups"] = json::array();
  for (const SuiteSetupSummary& s : detail.setups) {
    j["suite_setups"].push_back({{"suite", s.suite},
                                 {"runs", s.runs},
                                 {"setup_ms", s.setup_ms},
                                 {"teardown_ms", s.teardown_ms},
                                 {"total_ms", s.total_ms}});
  }
  j["suite_parts"] = json::array();
  for (const RunDetail::SuitePart& p : detail.suite_parts) {
    j["suite_parts"].push_back({{"suite", p.suite},
                                {"kind", p.part.kind},
                                {"file", p.part.file},
                                {"line", p.part.line},
                                {"summary", p.part.summary}});
  }
  return j.dump(2);
}

std::string ToJson(const std::vector<FailureRow>& rows) {
  json j = json::array();
  for (const FailureRow& f : rows) {
    json item = ResultJson(f.result, false);
    item["run_host"] = f.run_host;
    item["binary"] = f.binary_name;
    item["label"] = f.label;
    j.push_back(item);
  }
  return j.dump(2);
}

std::string ToJson(const std::vector<FlakyRow>& rows) {
  json j = json::array();
  for (const FlakyRow& r : rows) {
    j.push_back({{"test", r.full_name},
                 {"runs", r.runs},
                 {"failed_runs", r.failed_runs},
                 {"passed_runs", r.passed_runs},
                 {"flaky_runs", r.flaky_runs},
                 {"flake_rate", r.flake_rate},
                 {"last_failure_run", r.last_failure_run}});
  }
  return j.dump(2);
}

std::string ToJson(const std::vector<SlowestRow>& rows) {
  json j = json::array();
  for (const SlowestRow& r : rows) {
    j.push_back({{"test", r.full_name},
                 {"samples", r.samples},
                 {"mean_ms", r.mean_ms},
                 {"max_ms", r.max_ms},
                 {"last_ms", r.last_ms}});
  }
  return j.dump(2);
}

std::string ToJson(const std::vector<TrendPoint>& rows) {
  json j = json::array();
  for (const TrendPoint& p : rows) {
    j.push_back({{"run_id", p.run_id},
                 {"started_ms", p.started_ms},
                 {"duration_ms", p.duration_ms},
                 {"status", OutcomeName(p.status)},
                 {"host", p.host},
                 {"label", p.label},
                 {"changed", p.changed},
                 {"baseline_ms", p.baseline_ms}});
  }
  return j.dump(2);
}

bool ParseTime(const std::string& text, std::int64_t now_ms, std::int64_t* ms, std::string* error) {
  auto bad = [&] {
    *error =
        "expected a date (2026-11-28), a UTC time (2026-11-28T14:30), @EPOCH_SECONDS or "
        "an age (30m, 12h, 7d), got \"" +
        text + "\"";
    return false;
  };
  if (text.empty()) return bad();
  if (text[0] == '@') {
    char* end = nullptr;
    const long long s = std::strtoll(text.c_str() + 1, &end, 10);
    if (text.size() < 2 || *end != '\0') return bad();
    *ms = s * 1000;
    return true;
  }
  const char unit = text.back();
  if (unit == 'm' || unit == 'h' || unit == 'd' || unit == 'w') {
    char* end = nullptr;
    const long long n = std::strtoll(text.c_str(), &end, 10);
    if (end != text.c_str() + text.size() - 1 || n < 0 || end == text.c_str()) return bad();
    const long long unit_ms = unit == 'm'   ? 60000LL
                              : unit == 'h' ? 3600000LL
                              : unit == 'd' ? 86400000LL
                                            : 604800000LL;
    *ms = now_ms - n * unit_ms;
    return true;
  }
  std::tm tm = {};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0;
  char tail = 0;
  const int got = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%c", &year, &month, &day, &hour,
                              &minute, &tail);
  if (!(got == 3 && text.size() == 10) && got != 5) return bad();
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return bad();
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  *ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  return true;
}

std::string GlobToLike(const std::string& glob) {
  std::string like;
  for (char c : glob) {
    if (c == '*')
      like += '%';
    else if (c == '?')
      like += '_';
    else if (c == '%' || c == '_' || c == '\\')
      like += std::string("\\") + c;
    else
      like += c;
  }
  return like;
}

}  // namespace history
}  // namespace gtest_dist
