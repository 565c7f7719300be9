// The dashboard over a history database in SQLite, opened read-only, so that
// `gtest_dist serve` follows runs that other supervisors are writing: every
// answer is a fresh query, and a live stream polls the file.
//
// PROVISIONAL: the tables read here (kSqliteSchema) copy version 1 of the
// history store's schema (gtest_dist/history/history_store.cc, issue 5, being
// written in parallel); when that lands, the store's own schema replaces the
// copy and only the SQL in sqlite_source.cc has to follow it. A result's id in
// the API is its SQLite rowid: the schema has no single-column key.
#ifndef GTEST_DIST_DASHBOARD_SQLITE_SOURCE_H_
#define GTEST_DIST_DASHBOARD_SQLITE_SOURCE_H_

#include <memory>
#include <string>

#include "gtest_dist/dashboard/dashboard_source.h"

struct sqlite3;

namespace gtest_dist::dashboard {

// The tables and indexes the source reads (history schema version 1). Counts
// of a finished run are kept in its row; a running run's are counted from its
// results' last attempts.
extern const char kSqliteSchema[];

class SqliteSource : public DashboardSource {
 public:
  // Opens `path` read-only. Returns nullptr with a message on a missing,
  // unreadable or foreign file.
  static std::unique_ptr<SqliteSource> Open(const std::string& path, std::string* error);
  ~SqliteSource() override;

  nlohmann::json ListRuns(const RunFilter& filter) override;
  std::optional<nlohmann::json> GetRun(std::int64_t run_id) override;
  std::optional<RunDelta> RunEventsSince(std::int64_t run_id, std::int64_t cursor) override;
  std::optional<nlohmann::json> TestHistory(const std::string& test, int limit) override;
  nlohmann::json Flaky(const RunFilter& filter) override;
  nlohmann::json Failures(const RunFilter& filter) override;
  std::optional<std::string> ResultOutput(std::int64_t result_id) override;

 private:
  explicit SqliteSource(sqlite3* db) : db_(db) {}

  sqlite3* db_;
};

// Creates the tables in a new or empty database (tests, the benchmark).
bool CreateSqliteSchema(sqlite3* db, std::string* error);

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_SQLITE_SOURCE_H_
