// The dashboard over a history store (SQLite file or PostgreSQL), opened
// read-only, so that `gtest_dist serve` follows runs that other supervisors
// are writing: every answer is a fresh query through the store's own read
// side (gtest_dist/history/queries.h), and a live stream polls it. A
// result's id in the API is the store's result key (schema version 2).
#ifndef GTEST_DIST_DASHBOARD_HISTORY_SOURCE_H_
#define GTEST_DIST_DASHBOARD_HISTORY_SOURCE_H_

#include <memory>
#include <mutex>
#include <string>

#include "gtest_dist/dashboard/dashboard_source.h"
#include "gtest_dist/history/database.h"

namespace gtest_dist::dashboard {

class HistorySource : public DashboardSource {
 public:
  // Opens `location` (a SQLite path or a PostgreSQL URL) read-only and checks
  // that it is a history store this build reads. Returns nullptr with a
  // message naming the problem: a missing or foreign file, an unreachable
  // server, a schema older or newer than this build's.
  static std::unique_ptr<HistorySource> Open(const std::string& location, std::string* error);
  // Over an open store (tests); the caller has checked it. With a
  // `location`, a lost connection is opened again on the next request.
  explicit HistorySource(std::unique_ptr<history::Database> db, std::string location = "")
      : location_(std::move(location)), described_(db->Describe()), db_(std::move(db)) {}

  // Where the store is, without a password: for messages.
  const std::string& Describe() const { return described_; }

  nlohmann::json ListRuns(const RunFilter& filter) override;
  std::optional<nlohmann::json> GetRun(std::int64_t run_id) override;
  std::optional<RunDelta> RunEventsSince(std::int64_t run_id, std::int64_t cursor) override;
  std::optional<nlohmann::json> TestHistory(const std::string& test, int limit) override;
  nlohmann::json Flaky(const RunFilter& filter) override;
  nlohmann::json Failures(const RunFilter& filter) override;
  std::optional<std::string> ResultOutput(std::int64_t result_id) override;

 private:
  // The connection, opened again when a PostgreSQL server restarted (the
  // page open all day outlives it). Throws DatabaseError when it cannot be:
  // the request fails with the reason, the next one tries again.
  history::Database* Db();

  const std::string location_;
  const std::string described_;
  // One connection, shared by every request: the server's sessions may call
  // in from more than one thread.
  std::mutex mutex_;
  std::unique_ptr<history::Database> db_;
};

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_HISTORY_SOURCE_H_
