#include "gtest_dist/history/history_store.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "gtest_dist/analytics/failure_signature.h"
#include "gtest_dist/analytics/setup_cost.h"

namespace gtest_dist {
namespace history {
namespace {

// Migration n takes a store from version n-1 to n. Append only: a released
// migration never changes. "{ID}" is the backend's auto-increment key.
const std::vector<std::vector<std::string>>& Migrations() {
  static const std::vector<std::vector<std::string>> kMigrations = {
      {
          "CREATE TABLE runs ("
          " id {ID},"
          " started_ms BIGINT NOT NULL,"
          " ended_ms BIGINT,"
          " status TEXT NOT NULL,"
          " binary_name TEXT NOT NULL,"
          " binary_digest TEXT NOT NULL,"
          " names_digest TEXT NOT NULL,"
          " command_line TEXT NOT NULL,"
          " host TEXT NOT NULL,"
          " user_name TEXT NOT NULL,"
          " label TEXT NOT NULL,"
          " mode TEXT NOT NULL,"
          " iteration INTEGER NOT NULL,"
          " workers TEXT NOT NULL,"
          " tests_total INTEGER NOT NULL,"
          " passed INTEGER NOT NULL DEFAULT 0,"
          " failed INTEGER NOT NULL DEFAULT 0,"
          " skipped INTEGER NOT NULL DEFAULT 0,"
          " crashed INTEGER NOT NULL DEFAULT 0,"
          " timed_out INTEGER NOT NULL DEFAULT 0,"
          " flaky INTEGER NOT NULL DEFAULT 0,"
          " not_run INTEGER NOT NULL DEFAULT 0,"
          " elapsed_ms BIGINT)",
          "CREATE INDEX runs_started ON runs (started_ms)",
          "CREATE TABLE results ("
          " run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
          " test_index INTEGER NOT NULL,"
          " attempt INTEGER NOT NULL,"
          " suite TEXT NOT NULL,"
          " name TEXT NOT NULL,"
          " full_name TEXT NOT NULL,"
          " status TEXT NOT NULL,"
          " worker TEXT NOT NULL,"
          " started_ms BIGINT NOT NULL,"
          " duration_ms BIGINT NOT NULL,"
          " reason TEXT NOT NULL,"
          " output TEXT NOT NULL,"
          " output_truncated INTEGER NOT NULL,"
          " PRIMARY KEY (run_id, test_index, attempt))",
          "CREATE INDEX results_full_name ON results (full_name, run_id)",
          "CREATE TABLE failure_parts ("
          " run_id BIGINT NOT NULL,"
          " test_index INTEGER NOT NULL,"
          " attempt INTEGER NOT NULL,"
          " seq INTEGER NOT NULL,"
          " kind TEXT NOT NULL,"
          " file TEXT NOT NULL,"
          " line INTEGER NOT NULL,"
          " summary TEXT NOT NULL,"
          " PRIMARY KEY (run_id, test_index, attempt, seq),"
          " FOREIGN KEY (run_id, test_index, attempt)"
          "  REFERENCES results (run_id, test_index, attempt) ON DELETE CASCADE)",
          "CREATE TABLE workers ("
          " run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
          " name TEXT NOT NULL,"
          " tests_run INTEGER NOT NULL,"
          " busy_ms BIGINT NOT NULL,"
          " PRIMARY KEY (run_id, name))",
      },
      {
          // A result's own key, in the order results were recorded: the
          // dashboard's result ids and the cursor of its live stream. SQLite
          // has it already (rowid); PostgreSQL numbers existing rows.
          "{POSTGRES}ALTER TABLE results ADD COLUMN id BIGSERIAL",
          "{POSTGRES}CREATE UNIQUE INDEX results_id ON results (id)",
          // The failed results, few among many: the flaky and failures
          // queries start from here instead of reading every result of a
          // period. Queries must repeat this exact IN list for SQLite to use
          // it; its columns cover what they read.
          // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one statement on two lines
          "CREATE INDEX results_failed ON results (run_id, full_name, status, started_ms)"
          " WHERE status IN ('FAILED', 'CRASHED', 'TIMEOUT', 'FLAKY')",
          // A test's results with their status without reading the rows:
          // the flaky query counts the runs where a candidate passed.
          "DROP INDEX results_full_name",
          "CREATE INDEX results_full_name ON results (full_name, run_id, status)",
      },
      {
          // How many slots each worker gave the run.
          "ALTER TABLE workers ADD COLUMN slots INTEGER NOT NULL DEFAULT 0",
          // Failures and skips outside any test (SetUpTestSuite,
          // TearDownTestSuite, a global Environment; suite '' for these):
          // a red run with no failed test says here why it is red.
          "CREATE TABLE run_parts ("
          " run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
          " seq INTEGER NOT NULL,"
          " suite TEXT NOT NULL,"
          " kind TEXT NOT NULL,"
          " file TEXT NOT NULL,"
          " line INTEGER NOT NULL,"
          " summary TEXT NOT NULL,"
          " PRIMARY KEY (run_id, seq))",
      },
      {
          // Triage (issue 16). The quarantine list: one entry per test full
          // name, shared by everyone who records into this store; until_ms
          // NULL means no expiry.
          "CREATE TABLE quarantine ("
          " test TEXT PRIMARY KEY,"
          " reason TEXT NOT NULL,"
          " owner TEXT NOT NULL,"
          " until_ms BIGINT,"
          " added_ms BIGINT NOT NULL,"
          " added_by TEXT NOT NULL)",
          // Per result: its failure signature (analytics/failure_signature.h;
          // '' when it did not fail), what `failures --group` groups by; and
          // the quarantine entry that kept it from failing its run ('' when
          // none), for the dashboard's badge.
          "ALTER TABLE results ADD COLUMN signature TEXT NOT NULL DEFAULT ''",
          "ALTER TABLE results ADD COLUMN quarantine TEXT NOT NULL DEFAULT ''",
      },
      {
          // Exact reproduction and order triage (issue 16, replay_store.h).
          // How the run started its test processes: the binary, the
          // directory, gtest's shuffle seed, the arguments and --dist-env
          // values every child got (JSON arrays).
          "CREATE TABLE replay_runs ("
          " run_id BIGINT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,"
          " binary_path TEXT NOT NULL,"
          " directory TEXT NOT NULL,"
          " shuffle INTEGER NOT NULL,"
          " random_seed INTEGER NOT NULL,"
          " args TEXT NOT NULL,"
          " env TEXT NOT NULL)",
          // Each test process of a run: the full names of the tests it
          // started, in that order (a JSON array); results.process names it.
          "CREATE TABLE processes ("
          " run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
          " process INTEGER NOT NULL,"
          " worker TEXT NOT NULL,"
          " tests TEXT NOT NULL,"
          " PRIMARY KEY (run_id, process))",
          "ALTER TABLE results ADD COLUMN process INTEGER NOT NULL DEFAULT 0",
          // --dist-triage verdicts (model/triage_note.h): ORDER-DEPENDENT
          // (culprits: a JSON array of full names), FLAKY, BROKEN, UNKNOWN
          // (why); one per triaged test of a run.
          "CREATE TABLE triage ("
          " run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
          " full_name TEXT NOT NULL,"
          " verdict TEXT NOT NULL,"
          " culprits TEXT NOT NULL,"
          " why TEXT NOT NULL,"
          " replays INTEGER NOT NULL,"
          " PRIMARY KEY (run_id, full_name))",
      },
      {
          // Shipping (issue 13): what each generic worker was sent of the
          // build at the start of the run (model/worker_shipping.h), one row
          // per connection, in the order the builds became ready.
          "CREATE TABLE run_shipping ("
          " run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
          " seq INTEGER NOT NULL,"
          " worker TEXT NOT NULL,"
          " files_shipped BIGINT NOT NULL,"
          " files_total BIGINT NOT NULL,"
          " bytes_shipped BIGINT NOT NULL,"
          " bytes_cached BIGINT NOT NULL,"
          " elapsed_ms BIGINT NOT NULL,"
          " PRIMARY KEY (run_id, seq))",
      },
      {
          // Per result (issue 14): what it ran under, "exclusive" and
          // "lock:NAME" words (--dist-exclusive, --dist-lock; '' for
          // neither), and the test outputs kept (--dist-artifacts), "NAME\tPATH"
          // lines with PATH relative to the artifacts directory.
          "ALTER TABLE results ADD COLUMN isolation TEXT NOT NULL DEFAULT ''",
          "ALTER TABLE results ADD COLUMN artifacts TEXT NOT NULL DEFAULT ''",
      },
      {
          // Set-up costs (issue 15, analytics/setup_cost.h): per run and
          // suite ('' for the global Environments), how many test processes
          // ran its SetUpTestSuite/TearDownTestSuite, the median of each,
          // and all of them summed. What the planner reads to price a split.
          "CREATE TABLE suite_setups ("
          " run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
          " suite TEXT NOT NULL,"
          " runs INTEGER NOT NULL,"
          " setup_ms BIGINT NOT NULL,"
          " teardown_ms BIGINT NOT NULL,"
          " total_ms BIGINT NOT NULL,"
          " PRIMARY KEY (run_id, suite))",
      },
  };
  return kMigrations;
}

// "{POSTGRES}" marks a statement only PostgreSQL runs; returns false for the
// others.
bool ForBackend(std::string* sql, Backend backend) {
  const std::string mark = "{POSTGRES}";
  if (sql->rfind(mark, 0) != 0) return true;
  sql->erase(0, mark.size());
  return backend == Backend::kPostgres;
}

std::string WithIdType(std::string sql, Backend backend) {
  const std::string key = "{ID}";
  const size_t at = sql.find(key);
  if (at != std::string::npos) {
    sql.replace(at, key.size(),
                backend == Backend::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                            : "BIGSERIAL PRIMARY KEY");
  }
  return sql;
}

void CheckNotNewer(Database* db, int version) {
  if (version > kSchemaVersion) {
    throw DatabaseError("the history store " + db->Describe() + " has schema version " +
                        std::to_string(version) + ", newer than this gtest_dist understands (" +
                        std::to_string(kSchemaVersion) +
                        "); use a newer gtest_dist or another store");
  }
}

}  // namespace

int SchemaVersionOf(Database* db) {
  db->Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const std::vector<Row> rows = db->Query("SELECT MAX(version) FROM schema_version");
  return rows.empty() || rows[0].IsNull(0) ? 0 : static_cast<int>(rows[0].Int(0));
}

int StoredSchemaVersion(Database* db) {
  std::vector<Row> rows;
  try {
    rows = db->Query("SELECT MAX(version) FROM schema_version");
  } catch (const DatabaseError& e) {
    // No such table (or a file that is no database at all): say which.
    throw DatabaseError(std::string(e.what()) + "; " + db->Describe() +
                        " is not a gtest_dist history store");
  }
  return rows.empty() || rows[0].IsNull(0) ? 0 : static_cast<int>(rows[0].Int(0));
}

void CheckReadable(Database* db) {
  const int version = StoredSchemaVersion(db);
  CheckNotNewer(db, version);
  if (version == 0) {
    throw DatabaseError(db->Describe() + " is not a gtest_dist history store (no schema version)");
  }
  if (version < kSchemaVersion) {
    throw DatabaseError("the history store " + db->Describe() + " has schema version " +
                        std::to_string(version) + ", older than this gtest_dist's (" +
                        std::to_string(kSchemaVersion) +
                        "); a supervisor or `gtest_dist runs` of this version upgrades it");
  }
}

void EnsureSchema(Database* db, int target) {
  target = std::min(target, kSchemaVersion);
  if (db->backend() == Backend::kSqlite) {
    // A SQLite database of something else: adding our tables to it would
    // be a surprise nobody asked for. (A team's PostgreSQL database may hold
    // other tables; it is named on purpose.)
    const std::vector<Row> ours = db->Query(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND"
        " name = 'schema_version'");
    const std::vector<Row> others = db->Query(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND"
        " name != 'schema_version' AND name NOT LIKE 'sqlite_%'");
    if (ours[0].Int(0) == 0 && others[0].Int(0) > 0) {
      throw DatabaseError(db->Describe() +
                          " is a SQLite database of something else (it has tables but no "
                          "gtest_dist schema_version); it is left alone: give another "
                          "--dist-history");
    }
  }
  // Only now, with the store known to be ours or empty, may anything change.
  db->PrepareForWrites();
  // The common case reads only: no write lock for a store that is current.
  // Nothing is created before the migration lock: two processes creating
  // schema_version at once collide in PostgreSQL's catalog even with
  // IF NOT EXISTS.
  int version = 0;
  try {
    version = StoredSchemaVersion(db);
  } catch (const DatabaseError&) {
    version = 0;  // no schema_version yet: created below, under the lock
  }
  CheckNotNewer(db, version);
  if (version >= target) return;
  Transaction transaction(db);
  db->LockForMigration();
  version = SchemaVersionOf(db);  // another process may have migrated meanwhile
  CheckNotNewer(db, version);
  const auto& migrations = Migrations();
  for (int next = version + 1; next <= target; ++next) {
    for (std::string sql : migrations[static_cast<size_t>(next - 1)]) {
      if (ForBackend(&sql, db->backend())) db->Exec(WithIdType(sql, db->backend()));
    }
    db->Exec("INSERT INTO schema_version (version) VALUES (?)", {std::int64_t{next}});
  }
  transaction.Commit();
}

std::unique_ptr<Database> OpenForQueries(const std::string& location) {
  if (!IsPostgresLocation(location)) {
    std::error_code ec;
    if (!std::filesystem::exists(location, ec)) {
      throw DatabaseError("no history store at " + location +
                          " (no such file; a query creates nothing: a supervisor run with "
                          "--dist-history=" +
                          location + " records one there)");
    }
  }
  std::unique_ptr<Database> db = OpenDatabase(location, Access::kReadOnly);
  const int version = StoredSchemaVersion(db.get());
  if (version > 0 && version < kSchemaVersion) {
    // Our own store, written by an older gtest_dist: upgrade it as the next
    // supervisor would, then read it as usual.
    db.reset();
    EnsureSchema(OpenDatabase(location).get());
    db = OpenDatabase(location, Access::kReadOnly);
  }
  CheckReadable(db.get());
  return db;
}

std::string DefaultHistoryLocation() {
  const char* state = std::getenv("XDG_STATE_HOME");
  if (state && *state) return std::string(state) + "/gtest_dist/history.sqlite";
  const char* home = std::getenv("HOME");
  if (home && *home) return std::string(home) + "/.local/state/gtest_dist/history.sqlite";
  return "";
}

std::string BoundOutput(const std::string& output, bool* truncated) {
  *truncated = output.size() > kMaxStoredOutput;
  if (!*truncated) return output;
  const size_t half = kMaxStoredOutput / 2;
  std::string head = output.substr(0, half);
  std::string tail = output.substr(output.size() - half);
  // Cut at line ends so no UTF-8 sequence is split (PostgreSQL rejects one).
  const size_t head_end = head.rfind('\n');
  if (head_end != std::string::npos) head.resize(head_end + 1);
  const size_t tail_start = tail.find('\n');
  if (tail_start != std::string::npos) tail = tail.substr(tail_start + 1);
  return head + "\n[... " + std::to_string(output.size() - head.size() - tail.size()) +
         " bytes of output not kept ...]\n" + tail;
}

std::int64_t InsertRun(Database* db, const NewRun& run) {
  const std::vector<Row> rows = db->Query(
      "INSERT INTO runs (started_ms, status, binary_name, binary_digest, names_digest,"
      " command_line, host, user_name, label, mode, iteration, workers, tests_total)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {run.started_ms, std::string(kRunRunning), run.binary_name, run.binary_digest,
       run.names_digest, run.command_line, run.host, run.user, run.label, run.mode,
       std::int64_t{run.iteration}, run.workers, std::int64_t{run.tests_total}});
  if (rows.empty()) throw DatabaseError("inserting a run returned no id");
  return rows[0].Int(0);
}

std::string SignatureOf(const NewResult& r) {
  analytics::FailureFacts facts;
  facts.outcome = r.status;
  facts.reason = r.reason;
  // A crash or timeout is its own cause, whatever failed before it.
  if (r.status != Outcome::kCrashed && r.status != Outcome::kTimeout) {
    for (const NewPart& p : r.parts) {
      if (p.kind == "skip") continue;
      facts.has_part = true;
      facts.file = p.file;
      facts.line = p.line;
      facts.message = p.summary;
      break;
    }
  }
  return analytics::FailureSignature(facts);
}

void InsertResults(Database* db, std::int64_t run_id, const std::vector<NewResult>& results) {
  for (const NewResult& r : results) {
    bool truncated = false;
    const std::string output = BoundOutput(r.output, &truncated);
    db->Exec(
        "INSERT INTO results (run_id, test_index, attempt, suite, name, full_name, status,"
        " worker, started_ms, duration_ms, reason, output, output_truncated, signature,"
        " quarantine, process, isolation, artifacts)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {run_id, std::int64_t{r.test_index}, std::int64_t{r.attempt}, r.suite, r.name,
         r.suite + "." + r.name, OutcomeName(r.status), r.worker, r.started_ms, r.duration_ms,
         r.reason, output, std::int64_t{truncated ? 1 : 0}, SignatureOf(r), r.quarantine,
         std::int64_t{r.process}, r.isolation, r.artifacts});
    std::int64_t seq = 0;
    for (const NewPart& p : r.parts) {
      db->Exec(
          "INSERT INTO failure_parts (run_id, test_index, attempt, seq, kind, file, line,"
          " summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          {run_id, std::int64_t{r.test_index}, std::int64_t{r.attempt}, seq++, p.kind, p.file,
           std::int64_t{p.line}, BoundOutput(p.summary, &truncated)});
    }
  }
}

void UpdateRunCounts(Database* db, std::int64_t run_id, const RunTotals& c) {
  db->Exec(
      "UPDATE runs SET passed = ?, failed = ?, skipped = ?, crashed = ?, timed_out = ?,"
      " flaky = ?, not_run = ? WHERE id = ?",
      {std::int64_t{c.passed}, std::int64_t{c.failed}, std::int64_t{c.skipped},
       std::int64_t{c.crashed}, std::int64_t{c.timed_out}, std::int64_t{c.flaky},
       std::int64_t{c.not_run}, run_id});
}

void FinishRun(Database* db, std::int64_t run_id, const std::string& status, std::int64_t ended_ms,
               std::int64_t elapsed_ms, const RunTotals& c, const std::vector<WorkerUse>& workers,
               const std::vector<RunPart>& parts) {
  db->Exec(
      "UPDATE runs SET status = ?, ended_ms = ?, elapsed_ms = ?, passed = ?, failed = ?,"
      " skipped = ?, crashed = ?, timed_out = ?, flaky = ?, not_run = ? WHERE id = ?",
      {status, ended_ms, elapsed_ms, std::int64_t{c.passed}, std::int64_t{c.failed},
       std::int64_t{c.skipped}, std::int64_t{c.crashed}, std::int64_t{c.timed_out},
       std::int64_t{c.flaky}, std::int64_t{c.not_run}, run_id});
  for (const WorkerUse& w : workers) {
    db->Exec("INSERT INTO workers (run_id, name, tests_run, busy_ms, slots) VALUES (?, ?, ?, ?, ?)",
             {run_id, w.name, std::int64_t{w.tests_run}, w.busy_ms, std::int64_t{w.slots}});
  }
  std::int64_t seq = 0;
  for (const RunPart& p : parts) {
    db->Exec(
        "INSERT INTO run_parts (run_id, seq, suite, kind, file, line, summary)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        {run_id, seq++, p.suite, p.part.kind, p.part.file, std::int64_t{p.part.line},
         p.part.summary});
  }
}

void InsertShipping(Database* db, std::int64_t run_id, int seq, const WorkerShipping& s) {
  // The store's integers are signed 64-bit: a count beyond that is no real
  // build, and is kept at the largest value rather than wrapped.
  auto stored = [](std::uint64_t n) {
    return static_cast<std::int64_t>(
        std::min<std::uint64_t>(n, static_cast<std::uint64_t>(INT64_MAX)));
  };
  db->Exec(
      "INSERT INTO run_shipping (run_id, seq, worker, files_shipped, files_total,"
      " bytes_shipped, bytes_cached, elapsed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {run_id, std::int64_t{seq}, s.worker, stored(s.files_shipped), stored(s.files_total),
       stored(s.bytes_shipped), stored(s.bytes_cached), s.elapsed_ms});
}

void InsertSuiteSetups(Database* db, std::int64_t run_id,
                       const std::vector<SuiteSetupSummary>& setups) {
  for (const SuiteSetupSummary& s : setups) {
    db->Exec(
        "INSERT INTO suite_setups (run_id, suite, runs, setup_ms, teardown_ms, total_ms)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        {run_id, s.suite, std::int64_t{s.runs}, s.setup_ms, s.teardown_ms, s.total_ms});
  }
}

std::map<std::string, SetupCost> RecentSetupCosts(Database* db, const std::string& binary_name,
                                                  int runs) {
  std::map<std::string, std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>> samples;
  for (const Row& row : db->Query("SELECT s.suite, s.setup_ms, s.teardown_ms FROM suite_setups s"
                                  " WHERE s.run_id IN (SELECT id FROM runs WHERE binary_name = ?"
                                  " ORDER BY id DESC LIMIT ?)",
                                  {binary_name, std::int64_t{runs}})) {
    auto& [setups, teardowns] = samples[row.Text(0)];
    setups.push_back(row.Int(1));
    teardowns.push_back(row.Int(2));
  }
  std::map<std::string, SetupCost> costs;
  for (auto& [suite, values] : samples) {
    SetupCost& cost = costs[suite];
    cost.runs = static_cast<int>(values.first.size());
    cost.setup_ms = analytics::TypicalMs(std::move(values.first));
    cost.teardown_ms = analytics::TypicalMs(std::move(values.second));
  }
  return costs;
}

std::vector<SuiteSetupSummary> RunSuiteSetups(Database* db, std::int64_t run_id) {
  std::vector<SuiteSetupSummary> setups;
  for (const Row& row :
       db->Query("SELECT suite, runs, setup_ms, teardown_ms, total_ms FROM suite_setups"
                 " WHERE run_id = ? ORDER BY total_ms DESC, suite",
                 {run_id})) {
    setups.push_back(
        {row.Text(0), static_cast<int>(row.Int(1)), row.Int(2), row.Int(3), row.Int(4)});
  }
  return setups;
}

std::map<std::string, double> RecentDurations(Database* db, const std::string& binary_name,
                                              int runs) {
  std::map<std::string, double> durations;
  const std::vector<Row> rows = db->Query(
      "SELECT r.full_name, AVG(r.duration_ms) FROM results r"
      " WHERE r.status = 'PASSED' AND r.run_id IN (SELECT id FROM runs WHERE binary_name = ?"
      " ORDER BY id DESC LIMIT ?) GROUP BY r.full_name",
      {binary_name, std::int64_t{runs}});
  for (const Row& row : rows) durations[row.Text(0)] = row.Double(1);
  return durations;
}

}  // namespace history
}  // namespace gtest_dist
