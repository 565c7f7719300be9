// The history store: the schema (with versioned migrations) and the writes
// the recorder makes. Readers go through queries.h.
#ifndef GTEST_DIST_HISTORY_HISTORY_STORE_H_
#define GTEST_DIST_HISTORY_HISTORY_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest_dist/history/database.h"
#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/model/suite_setup.h"
#include "gtest_dist/model/worker_shipping.h"

namespace gtest_dist {
namespace history {

// The schema this build writes. A store with a higher version was made by a
// newer gtest_dist and is refused, never downgraded.
constexpr int kSchemaVersion = 8;
// What a result keeps of the test's output: the first and last halves of
// this many bytes, with a marker between.
constexpr size_t kMaxStoredOutput = size_t{64} * 1024;

// Creates or upgrades the schema (to `version`, a seam for migration tests);
// throws DatabaseError for a newer one.
void EnsureSchema(Database* db, int version = kSchemaVersion);
// The version a store has; 0 when it has no schema yet.
int SchemaVersionOf(Database* db);
// The same without creating anything: throws DatabaseError when `db` has no
// schema_version table (a foreign database).
int StoredSchemaVersion(Database* db);
// For a read-only reader, which cannot migrate: throws DatabaseError naming
// the problem unless the store has exactly this build's schema.
void CheckReadable(Database* db);

// Opens `location` for the queries of `gtest_dist runs/show/...`: read-only,
// creating nothing (a missing SQLite file is a DatabaseError naming it) and
// changing nothing in a database that is not a gtest_dist store. Only a
// gtest_dist store of an older schema is upgraded, as a supervisor would.
// Throws DatabaseError naming the location and the problem.
std::unique_ptr<Database> OpenForQueries(const std::string& location);

// Frozen names of runs.status: this while a run goes, then VerdictName().
constexpr char kRunRunning[] = "running";

struct NewRun {
  std::int64_t started_ms = 0;
  std::string binary_name;
  std::string binary_digest;
  std::string names_digest;
  std::string command_line;
  std::string host;
  std::string user;
  std::string label;
  std::string mode;  // "supervisor" or "plain"
  int iteration = 0;
  std::string workers;  // as given, comma-separated
  int tests_total = 0;
};

struct NewPart {
  std::string kind;  // "fatal", "nonfatal", "skip"
  std::string file;
  int line = -1;
  std::string summary;
};

struct NewResult {
  int test_index = 0;
  int attempt = 1;
  std::string suite;
  std::string name;
  Outcome status = Outcome::kNotRun;
  std::string worker;
  std::int64_t started_ms = 0;
  std::int64_t duration_ms = 0;
  std::string reason;
  std::string output;  // bounded by BoundOutput before storing
  std::vector<NewPart> parts;
  // The quarantine entry that applied to it (DescribeQuarantine); empty: none.
  std::string quarantine;
  // The test process of the run that ran it (TestRecord::process); 0: unknown.
  int process = 0;
  std::string isolation;  // TestRecord::isolation
  // The test outputs kept (EncodeArtifactLinks); empty: none.
  std::string artifacts;
};

// The failure signature stored with `result` (analytics::FailureSignature of
// its first failed part, or of its crash); empty when it did not fail.
std::string SignatureOf(const NewResult& result);

struct WorkerUse {
  std::string name;
  int tests_run = 0;
  std::int64_t busy_ms = 0;
  int slots = 0;  // 0: unknown
};

// A failure or skip outside any test: SetUpTestSuite/TearDownTestSuite of
// `suite`, or a global Environment (`suite` empty).
struct RunPart {
  std::string suite;
  NewPart part;
};

// The per-user default store: $XDG_STATE_HOME/gtest_dist/history.sqlite,
// else $HOME/.local/state/gtest_dist/history.sqlite; empty when neither
// variable is set.
std::string DefaultHistoryLocation();

// Keeps the head and the tail of `output` within kMaxStoredOutput.
std::string BoundOutput(const std::string& output, bool* truncated);

// Returns the new run's id.
std::int64_t InsertRun(Database* db, const NewRun& run);
// Inserts `results` of run `run_id` (call inside a transaction).
void InsertResults(Database* db, std::int64_t run_id, const std::vector<NewResult>& results);
// The counts of a run still going: what its recorded verdicts say so far.
void UpdateRunCounts(Database* db, std::int64_t run_id, const RunTotals& counts);
void FinishRun(Database* db, std::int64_t run_id, const std::string& status, std::int64_t ended_ms,
               std::int64_t elapsed_ms, const RunTotals& counts,
               const std::vector<WorkerUse>& workers, const std::vector<RunPart>& parts = {});

// Records what shipping the build to one worker moved, the `seq`-th such
// row of run `run_id` (0, 1, ...).
void InsertShipping(Database* db, std::int64_t run_id, int seq, const WorkerShipping& shipping);

// Mean duration (ms) of each test's passed results in the latest `runs` runs
// of `binary_name`, keyed by full name: what the scheduler's
// longest-first order reads.
std::map<std::string, double> RecentDurations(Database* db, const std::string& binary_name,
                                              int runs = 5);

// Set-up costs (issue 15, schema version 8): one row per suite that run
// `run_id` measured (analytics::SummarizeSetups).
void InsertSuiteSetups(Database* db, std::int64_t run_id,
                       const std::vector<SuiteSetupSummary>& setups);

// A suite's typical set-up and tear-down: the median of the per-run values
// in the latest `runs` runs of `binary_name` that measured it
// (analytics/setup_cost.h), keyed by suite name ("" for the global
// Environments). What the planner prices a split with.
struct SetupCost {
  std::int64_t setup_ms = 0;
  std::int64_t teardown_ms = 0;
  int runs = 0;  // runs the medians are of
};
std::map<std::string, SetupCost> RecentSetupCosts(Database* db, const std::string& binary_name,
                                                  int runs = 5);

// The set-up rows of run `run_id`, the most expensive first (total, then
// suite): what `gtest_dist show` lists.
std::vector<SuiteSetupSummary> RunSuiteSetups(Database* db, std::int64_t run_id);

}  // namespace history
}  // namespace gtest_dist

#endif  // GTEST_DIST_HISTORY_HISTORY_STORE_H_
