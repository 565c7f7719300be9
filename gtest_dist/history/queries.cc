#include "gtest_dist/history/queries.h"

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace gtest_dist {
namespace history {
namespace {

using nlohmann::json;

constexpr char kRunColumns[] =
    "runs.id, runs.started_ms, runs.ended_ms, runs.status, runs.binary_name,"
    " runs.binary_digest, runs.command_line, runs.host, runs.user_name, runs.label, runs.mode,"
    " runs.workers, runs.iteration, runs.tests_total, runs.passed, runs.failed, runs.skipped,"
    " runs.crashed, runs.timed_out, runs.flaky, runs.not_run, runs.elapsed_ms,"
    " (SELECT COUNT(*) FROM results WHERE results.run_id = runs.id)";

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

bool IsFailureStatus(const std::string& status) {
  return status == "FAILED" || status == "CRASHED" || status == "TIMEOUT";
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

json ResultJson(const ResultRow& r, bool with_output) {
  json parts = json::array();
  for (const PartRow& p : r.parts) {
    parts.push_back({{"kind", p.kind}, {"file", p.file}, {"line", p.line}, {"summary", p.summary}});
  }
  json j = {{"run_id", r.run_id},     {"index", r.test_index},   {"attempt", r.attempt},
            {"suite", r.suite},       {"name", r.name},          {"test", r.full_name},
            {"status", r.status},     {"worker", r.worker},      {"started_ms", r.started_ms},
            {"duration_ms", r.duration_ms}, {"reason", r.reason}, {"parts", parts}};
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

// The ids of the latest `window` runs, of `binary` when given, as "(1,2,3)".
std::string WindowIds(Database* db, int window, const std::string& binary) {
  Where where;
  if (!binary.empty()) where.Add("binary_name = ?", {binary});
  where.params.push_back(std::int64_t{window});
  std::string ids;
  for (const Row& row :
       db->Query("SELECT id FROM runs" + where.Sql() + " ORDER BY id DESC LIMIT ?",
                 where.params)) {
    ids += (ids.empty() ? "" : ",") + std::to_string(row.Int(0));
  }
  return "(" + (ids.empty() ? std::string("-1") : ids) + ")";
}

}  // namespace

std::vector<RunRow> ListRuns(Database* db, const RunFilter& filter) {
  Where where;
  if (!filter.host.empty()) where.Add("runs.host = ?", {filter.host});
  if (!filter.binary.empty()) where.Add("runs.binary_name = ?", {filter.binary});
  if (!filter.label.empty()) where.Add("runs.label = ?", {filter.label});
  if (filter.since_ms) where.Add("runs.started_ms >= ?", {*filter.since_ms});
  if (filter.until_ms) where.Add("runs.started_ms < ?", {*filter.until_ms});
  where.params.push_back(std::int64_t{filter.limit});
  std::vector<RunRow> runs;
  for (const Row& row : db->Query(std::string("SELECT ") + kRunColumns + " FROM runs" +
                                      where.Sql() + " ORDER BY runs.id DESC LIMIT ?",
                                  where.params)) {
    runs.push_back(ReadRun(row));
  }
  return runs;
}

RunDetail ShowRun(Database* db, std::int64_t id, bool with_output) {
  const std::vector<Row> rows =
      db->Query(std::string("SELECT ") + kRunColumns + " FROM runs WHERE runs.id = ?", {id});
  if (rows.empty()) throw DatabaseError("no run #" + std::to_string(id) + " in " + db->Describe());
  RunDetail detail;
  detail.run = ReadRun(rows[0]);
  for (const Row& row : db->Query(
           "SELECT test_index, attempt, suite, name, full_name, status, worker, reason,"
           " started_ms, duration_ms, output_truncated, output FROM results WHERE run_id = ?"
           " ORDER BY test_index, attempt",
           {id})) {
    ResultRow r;
    r.run_id = id;
    r.test_index = static_cast<int>(row.Int(0));
    r.attempt = static_cast<int>(row.Int(1));
    r.suite = row.Text(2);
    r.name = row.Text(3);
    r.full_name = row.Text(4);
    r.status = row.Text(5);
    r.worker = row.Text(6);
    r.reason = row.Text(7);
    r.started_ms = row.Int(8);
    r.duration_ms = row.Int(9);
    r.output_truncated = row.Int(10) != 0;
    if (with_output) r.output = row.Text(11);
    detail.results.push_back(std::move(r));
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
           "SELECT name, tests_run, busy_ms FROM workers WHERE run_id = ? ORDER BY name", {id})) {
    detail.workers.push_back({row.Text(0), static_cast<int>(row.Int(1)), row.Int(2)});
  }
  return detail;
}

std::vector<FailureRow> Failures(Database* db, const FailureFilter& filter) {
  Where where;
  where.Add("r.status IN ('FAILED', 'CRASHED', 'TIMEOUT')", {});
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
  where.params.push_back(std::int64_t{filter.limit});
  std::vector<FailureRow> failures;
  for (const Row& row : db->Query(
           "SELECT r.run_id, r.test_index, r.attempt, r.suite, r.name, r.full_name, r.status,"
           " r.worker, r.reason, r.started_ms, r.duration_ms, runs.host, runs.binary_name,"
           " runs.label FROM results r JOIN runs ON runs.id = r.run_id" +
               where.Sql() + " ORDER BY r.started_ms DESC, r.run_id DESC, r.test_index LIMIT ?",
           where.params)) {
    FailureRow f;
    f.result.run_id = row.Int(0);
    f.result.test_index = static_cast<int>(row.Int(1));
    f.result.attempt = static_cast<int>(row.Int(2));
    f.result.suite = row.Text(3);
    f.result.name = row.Text(4);
    f.result.full_name = row.Text(5);
    f.result.status = row.Text(6);
    f.result.worker = row.Text(7);
    f.result.reason = row.Text(8);
    f.result.started_ms = row.Int(9);
    f.result.duration_ms = row.Int(10);
    f.run_host = row.Text(11);
    f.binary_name = row.Text(12);
    f.label = row.Text(13);
    f.result.parts = PartsOf(db, f.result.run_id, f.result.test_index, f.result.attempt);
    failures.push_back(std::move(f));
  }
  return failures;
}

std::vector<FlakyRow> Flaky(Database* db, const FlakyFilter& filter) {
  const std::string ids = WindowIds(db, filter.window_runs, filter.binary);
  // Per test and run: did some attempt fail, did some pass, was it FLAKY.
  std::map<std::string, FlakyRow> tests;
  std::map<std::string, std::set<std::int64_t>> seen, failed, passed, flaky;
  for (const Row& row : db->Query("SELECT full_name, run_id, status FROM results WHERE run_id IN " +
                                  ids)) {
    const std::string name = row.Text(0);
    const std::int64_t run = row.Int(1);
    const std::string status = row.Text(2);
    seen[name].insert(run);
    if (IsFailureStatus(status)) failed[name].insert(run);
    if (status == "PASSED") passed[name].insert(run);
    if (status == "FLAKY") {
      flaky[name].insert(run);
      failed[name].insert(run);
      passed[name].insert(run);
    }
  }
  std::vector<FlakyRow> rows;
  for (const auto& [name, runs] : seen) {
    const auto f = failed.find(name);
    const auto p = passed.find(name);
    if (f == failed.end() || p == passed.end()) continue;  // never failed, or never passed
    FlakyRow r;
    r.full_name = name;
    r.runs = static_cast<int>(runs.size());
    r.failed_runs = static_cast<int>(f->second.size());
    r.passed_runs = static_cast<int>(p->second.size());
    r.flaky_runs = flaky.count(name) ? static_cast<int>(flaky[name].size()) : 0;
    r.flake_rate = r.runs ? static_cast<double>(r.failed_runs) / r.runs : 0;
    r.last_failure_run = *f->second.rbegin();
    rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [](const FlakyRow& a, const FlakyRow& b) {
    if (a.failed_runs != b.failed_runs) return a.failed_runs > b.failed_runs;
    if (a.flake_rate != b.flake_rate) return a.flake_rate > b.flake_rate;
    return a.full_name < b.full_name;
  });
  return rows;
}

std::vector<SlowestRow> Slowest(Database* db, const SlowestFilter& filter) {
  const std::string ids = WindowIds(db, filter.window_runs, filter.binary);
  std::vector<SlowestRow> rows;
  for (const Row& row : db->Query(
           "SELECT full_name, COUNT(*), AVG(duration_ms), MAX(duration_ms), MAX(run_id)"
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
  for (const Row& row : db->Query(
           "SELECT r.run_id, runs.started_ms, r.duration_ms, r.status, runs.host, runs.label"
           " FROM results r JOIN runs ON runs.id = r.run_id WHERE r.full_name = ?"
           " AND r.status IN ('PASSED', 'FAILED', 'FLAKY')"
           " ORDER BY r.run_id DESC, r.attempt DESC LIMIT ?",
           {filter.test, std::int64_t{filter.limit}})) {
    if (!points.empty() && points.back().run_id == row.Int(0)) continue;  // last attempt only
    TrendPoint p;
    p.run_id = row.Int(0);
    p.started_ms = row.Int(1);
    p.duration_ms = row.Int(2);
    p.status = row.Text(3);
    p.host = row.Text(4);
    p.label = row.Text(5);
    points.push_back(p);
  }
  std::reverse(points.begin(), points.end());
  // Baseline: the mean of up to 5 points since the last marked change, so a
  // step is marked once, where it happened.
  size_t since_change = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const size_t from = std::max(since_change, i >= 5 ? i - 5 : size_t{0});
    if (i == from) continue;
    double sum = 0;
    for (size_t k = from; k < i; ++k) sum += static_cast<double>(points[k].duration_ms);
    const double baseline = sum / static_cast<double>(i - from);
    points[i].baseline_ms = baseline;
    const double delta = static_cast<double>(points[i].duration_ms) - baseline;
    if (std::abs(delta) >= static_cast<double>(filter.min_change_ms) &&
        std::abs(delta) > filter.threshold * baseline) {
      points[i].changed = true;
      since_change = i;
    }
  }
  return points;
}

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
    j["worker_use"].push_back({{"name", w.name}, {"tests_run", w.tests_run}, {"busy_ms", w.busy_ms}});
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
    j.push_back({{"test", r.full_name},          {"runs", r.runs},
                 {"failed_runs", r.failed_runs}, {"passed_runs", r.passed_runs},
                 {"flaky_runs", r.flaky_runs},   {"flake_rate", r.flake_rate},
                 {"last_failure_run", r.last_failure_run}});
  }
  return j.dump(2);
}

std::string ToJson(const std::vector<SlowestRow>& rows) {
  json j = json::array();
  for (const SlowestRow& r : rows) {
    j.push_back({{"test", r.full_name}, {"samples", r.samples}, {"mean_ms", r.mean_ms},
                 {"max_ms", r.max_ms}, {"last_ms", r.last_ms}});
  }
  return j.dump(2);
}

std::string ToJson(const std::vector<TrendPoint>& rows) {
  json j = json::array();
  for (const TrendPoint& p : rows) {
    j.push_back({{"run_id", p.run_id}, {"started_ms", p.started_ms},
                 {"duration_ms", p.duration_ms}, {"status", p.status}, {"host", p.host},
                 {"label", p.label}, {"changed", p.changed}, {"baseline_ms", p.baseline_ms}});
  }
  return j.dump(2);
}

bool ParseTime(const std::string& text, std::int64_t now_ms, std::int64_t* ms,
               std::string* error) {
  auto bad = [&] {
    *error = "expected a date (2026-11-28), a UTC time (2026-11-28T14:30), @EPOCH_SECONDS or "
             "an age (30m, 12h, 7d), got \"" + text + "\"";
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
    const long long unit_ms = unit == 'm' ? 60000LL : unit == 'h' ? 3600000LL
                              : unit == 'd' ? 86400000LL : 604800000LL;
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
    if (c == '*') like += '%';
    else if (c == '?') like += '_';
    else if (c == '%' || c == '_' || c == '\\') like += std::string("\\") + c;
    else like += c;
  }
  return like;
}

}  // namespace history
}  // namespace gtest_dist
