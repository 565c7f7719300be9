// The read side of the history store, shared by the `gtest_dist` command and
// (next) the dashboard's HTTP API: each query is a function taking a filter
// struct and returning plain structs, with a ToJson form for scripts and web
// clients. Times are milliseconds since the Unix epoch.
#ifndef GTEST_DIST_HISTORY_QUERIES_H_
#define GTEST_DIST_HISTORY_QUERIES_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gtest_dist/analytics/analytics.h"
#include "gtest_dist/history/database.h"
#include "gtest_dist/model/artifact.h"
#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/model/worker_shipping.h"

namespace gtest_dist {
namespace history {

struct RunRow {
  std::int64_t id = 0;
  std::int64_t started_ms = 0;
  std::optional<std::int64_t> ended_ms;  // none while running
  std::string status;
  std::string binary_name, binary_digest, command_line, host, user, label, mode, workers;
  int iteration = 0;
  int tests_total = 0;
  int passed = 0, failed = 0, skipped = 0, crashed = 0, timed_out = 0, flaky = 0, not_run = 0;
  int results_recorded = 0;  // rows in results so far: progress of a live run
  std::optional<std::int64_t> elapsed_ms;
  // The counts above (set when the run ended) and tests_total.
  RunTotals totals() const;
};

struct RunFilter {
  std::string host, binary, label;  // exact; empty = any
  std::optional<std::int64_t> since_ms, until_ms;
  int limit = 50;  // newest first
  // Fill RunRow::results_recorded (a count over each run's results; the
  // dashboard, which counts a live run itself, does without).
  bool count_results = true;
};
std::vector<RunRow> ListRuns(Database* db, const RunFilter& filter);

struct PartRow {
  std::string kind, file, summary;
  int line = -1;
};

struct ResultRow {
  std::int64_t id = 0;  // the result's key in the store, growing as results are recorded
  std::int64_t run_id = 0;
  int test_index = 0;
  int attempt = 1;
  std::string suite, name, full_name;
  Outcome status = Outcome::kNotRun;  // NOT_RUN too for a name this build does not know
  std::string worker, reason, output;
  std::int64_t started_ms = 0, duration_ms = 0;
  bool output_truncated = false;
  std::vector<PartRow> parts;
  std::string signature;                // history::SignatureOf; empty when it did not fail
  std::string quarantine;               // the entry that kept it from failing its run; empty: none
  std::string isolation;                // "exclusive", "lock:NAME" words (TestRecord::isolation)
  std::vector<ArtifactLink> artifacts;  // test outputs kept (--dist-artifacts)
  // The --dist-triage verdict on its test in its run; none when not triaged.
  std::optional<TriageNote> triage;
};

struct RunDetail {
  RunRow run;
  std::vector<ResultRow> results;  // every attempt, by test index then attempt
  struct Worker {
    std::string name;
    int tests_run = 0;
    std::int64_t busy_ms = 0;
    int slots = 0;  // 0: unknown
  };
  std::vector<Worker> workers;
  // Failures and skips outside tests (SetUpTestSuite, TearDownTestSuite,
  // global Environments: suite empty).
  struct SuitePart {
    std::string suite;
    PartRow part;
  };
  std::vector<SuitePart> suite_parts;
  // What shipping the build moved, per generic worker (model/worker_shipping.h).
  std::vector<WorkerShipping> shipping;
  // Set-up costs per suite, the most expensive first (schema version 8).
  std::vector<SuiteSetupSummary> setups;
};
// Which results' output a query reads: outputs are the bulk of a store.
enum class Output { kNone, kFailures, kAll };
// Throws DatabaseError when there is no run `id`. kFailures reads the output
// of FAILED, CRASHED, TIMEOUT and FLAKY results only.
RunDetail ShowRun(Database* db, std::int64_t id, Output output = Output::kAll);
// The shipping rows of each of `run_ids` (schema version 6), in the order
// recorded; a run without any has no entry. One query for them all.
std::map<std::int64_t, std::vector<WorkerShipping>> RunShipping(
    Database* db, const std::vector<std::int64_t>& run_ids);
// The JSON form of shipping rows, shared by `show --json` and the dashboard:
// [{"worker", "files_shipped", "files_total", "bytes_shipped",
// "bytes_cached", "elapsed_ms"}...].
nlohmann::json ShippingJson(const std::vector<WorkerShipping>& shipping);
// The run `id`; nullopt when there is none.
std::optional<RunRow> FindRun(Database* db, std::int64_t id);
// How many tests of a run have each outcome, counting each test's latest
// attempt: the totals of a run still going (its row has them at the end).
// `selected` is left 0.
RunTotals LatestTotals(Database* db, std::int64_t run_id);
// Up to `limit` results of run `run_id` recorded after the one with id
// `after_id`, in the order recorded, with the parts and output (kFailures)
// of the failed ones: what a live page has not seen yet.
std::vector<ResultRow> ResultsSince(Database* db, std::int64_t run_id, std::int64_t after_id,
                                    int limit);
// The latest `limit` results (every attempt) of the test `full_name`, newest
// first, without output, each with its run's supervisor host.
struct TestResultRow {
  ResultRow result;
  std::string run_host;
};
std::vector<TestResultRow> TestResults(Database* db, const std::string& full_name, int limit);
// The stored output of the result with id `result_id`; nullopt: no such result.
std::optional<std::string> ResultOutput(Database* db, std::int64_t result_id);

struct FailureFilter {
  std::optional<std::int64_t> since_ms, until_ms;
  std::string host;          // the run's supervisor host or the result's worker
  std::string test_pattern;  // gtest filter style: '*' and '?'
  std::string binary;
  std::string label;  // the run's; empty = any
  bool with_output = false;
  bool include_flaky = false;  // FLAKY results (failed, then passed) too
  int limit = 200;
};
struct FailureRow {
  ResultRow result;  // without output unless with_output
  std::string run_host, binary_name, label;
};
// Newest run first, then latest start.
std::vector<FailureRow> Failures(Database* db, const FailureFilter& filter);

struct FlakyFilter {
  int window_runs = 50;  // the latest N runs matching the rest; 0 = all of them
  std::string binary;
  std::string host, label;                         // the run's, exact; empty = any
  std::optional<std::int64_t> since_ms, until_ms;  // the run's start
  std::string test_pattern;                        // gtest filter style: '*' and '?'
  int limit = 0;                                   // rows; 0 = all
};
struct FlakyRow {
  std::string full_name;
  int runs = 0;           // runs in the window that ran it (not NOT_RUN)
  int failed_runs = 0;    // runs where some attempt failed
  int passed_runs = 0;    // runs where some attempt passed
  int flaky_runs = 0;     // runs where it failed and then passed (FLAKY)
  double flake_rate = 0;  // analytics::FlakeRate
  std::int64_t last_failure_run = 0;
  std::int64_t last_failure_ms = 0;  // when that failed attempt started
};
// Tests that both failed and passed within the window, most flaky first
// (most failed runs, then highest rate, then name). Aggregated in SQL from
// the failed results (index results_failed): a period's passing results are
// never all read.
std::vector<FlakyRow> Flaky(Database* db, const FlakyFilter& filter);

struct SlowestFilter {
  int window_runs = 20;
  std::string binary;
  int limit = 20;
};
struct SlowestRow {
  std::string full_name;
  int samples = 0;
  double mean_ms = 0;
  std::int64_t max_ms = 0;
  std::int64_t last_ms = 0;
};
std::vector<SlowestRow> Slowest(Database* db, const SlowestFilter& filter);

// A test's duration over runs, with the changes marked by the one rule of
// analytics::DurationChanges (the dashboard's test page uses it too).
struct TrendFilter {
  std::string test;  // full name, Suite.Name
  int limit = 50;    // latest runs
  // The rule's relative part (`trend --threshold`) and absolute floor.
  double threshold = analytics::DurationRule().ratio;
  std::int64_t min_change_ms = analytics::DurationRule().min_delta_ms;
};
struct TrendPoint {
  std::int64_t run_id = 0, started_ms = 0, duration_ms = 0;
  Outcome status = Outcome::kNotRun;
  std::string host, label;
  bool changed = false;    // a change under the rule
  double baseline_ms = 0;  // the rule's baseline: median of up to 5 points before
};
// Oldest first; the last attempt of each run, only those that ran to their
// end (analytics::HasMeaningfulDuration).
std::vector<TrendPoint> Trend(Database* db, const TrendFilter& filter);

std::string ToJson(const std::vector<RunRow>& rows);
std::string ToJson(const RunDetail& detail);
std::string ToJson(const std::vector<FailureRow>& rows);
std::string ToJson(const std::vector<FlakyRow>& rows);
std::string ToJson(const std::vector<SlowestRow>& rows);
std::string ToJson(const std::vector<TrendPoint>& rows);

// Parses a time for --since/--until: "2026-11-28", "2026-11-28T14:30" (UTC),
// "@<epoch seconds>", or an age: "30m", "12h", "7d" before `now_ms`.
bool ParseTime(const std::string& text, std::int64_t now_ms, std::int64_t* ms, std::string* error);
// A gtest-style pattern ('*', '?') as an SQL LIKE pattern with '\' escapes.
std::string GlobToLike(const std::string& glob);

}  // namespace history
}  // namespace gtest_dist

#endif  // GTEST_DIST_HISTORY_QUERIES_H_
