// What the dashboard reads: runs, their results and the history of one test,
// as JSON documents shaped for the HTTP API (README "Dashboard" lists them).
// A narrow seam: the server and its request handler know nothing of where the
// rows live. LiveRunSource serves the supervisor's own run from memory; a
// history-store source serves the database other supervisors write.
#ifndef GTEST_DIST_DASHBOARD_DASHBOARD_SOURCE_H_
#define GTEST_DIST_DASHBOARD_DASHBOARD_SOURCE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace gtest_dist::dashboard {

// Filters of /api/runs, /api/failures and /api/flaky. Empty strings and zero
// times mean "any".
struct RunFilter {
  std::string host;
  std::string binary;
  std::string label;
  std::string test;           // /api/failures: a substring of the test name
  std::int64_t since_ms = 0;  // run start, ms since the Unix epoch
  std::int64_t until_ms = 0;
  int limit = 100;
};

// New results of one run after `cursor` (an opaque position the source hands
// out), for the live stream of a run page.
struct RunDelta {
  nlohmann::json run;       // the run's summary: status, counts, times
  nlohmann::json results;   // array, in the order they were recorded
  nlohmann::json failures;  // array: the failed ones among `results`, detailed
  std::int64_t cursor = 0;  // give back to get what comes next
  bool finished = false;    // the run has ended: nothing more will come
};

// Whole failure output longer than this is cut in run and failure documents;
// `output_truncated` is then true and /api/results/ID/output has it all.
constexpr std::size_t kOutputPreviewBytes = std::size_t{8} * 1024;

class DashboardSource {
 public:
  virtual ~DashboardSource() = default;

  // {"runs": [run summary...]}, newest first.
  virtual nlohmann::json ListRuns(const RunFilter& filter) = 0;
  // {"run": summary, "results": [...], "failures": [...], "workers": [...]},
  // or nullopt when there is no such run.
  virtual std::optional<nlohmann::json> GetRun(std::int64_t run_id) = 0;
  // Results recorded after `cursor` (0: from the start); nullopt: no such run.
  virtual std::optional<RunDelta> RunEventsSince(std::int64_t run_id, std::int64_t cursor) = 0;
  // {"test": name, "runs": [...oldest first], "flake_rate": x, "failed_on": [...]},
  // or nullopt when the test never ran.
  virtual std::optional<nlohmann::json> TestHistory(const std::string& test, int limit) = 0;
  // {"tests": [...]}: tests that failed in some runs and passed in others.
  virtual nlohmann::json Flaky(const RunFilter& filter) = 0;
  // {"failures": [...]}, newest first.
  virtual nlohmann::json Failures(const RunFilter& filter) = 0;
  // The whole output of one result; nullopt when there is no such result.
  virtual std::optional<std::string> ResultOutput(std::int64_t result_id) = 0;
};

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_DASHBOARD_SOURCE_H_
