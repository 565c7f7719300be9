// The JSON documents of the dashboard API, made from plain rows. Every
// DashboardSource fills these rows its own way (memory, SQL) and shares one
// shape on the wire: what the pages and scripts read.
#ifndef GTEST_DIST_DASHBOARD_RUN_DOCUMENTS_H_
#define GTEST_DIST_DASHBOARD_RUN_DOCUMENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gtest_dist::dashboard {

struct FailureMessage {
  std::string file;  // empty: unknown file
  int line = -1;     // -1: no line
  std::string message;
};

// One attempt of one test in one run.
struct ResultRow {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string test;    // "Suite.Name"
  std::string status;  // PASSED, FAILED, SKIPPED, CRASHED, TIMEOUT, FLAKY, NOT_RUN
  std::string worker;  // "host:port" or "local"
  std::int64_t start_ms = 0;
  std::int64_t elapsed_ms = 0;
  int attempt = 1;
  std::vector<FailureMessage> messages;
  std::string output;  // may be only the start of it when output_bytes says more
  std::int64_t output_bytes = -1;  // the whole output's size; -1: output.size()
};

struct RunCounts {
  int total = 0;  // selected tests
  int passed = 0;
  int failed = 0;  // FAILED, CRASHED, TIMEOUT
  int skipped = 0;
  int flaky = 0;
  int not_run = 0;
  int recorded() const { return passed + failed + skipped + flaky + not_run; }
  // Adds one final result.
  void Add(const std::string& status);
};

struct RunRow {
  std::int64_t id = 0;
  // running, green, red or interrupted.
  std::string status = "running";
  std::string binary;
  std::string label;
  std::string host;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;  // 0 while running
  RunCounts counts;
  std::vector<std::string> workers;
};

bool IsFailedStatus(const std::string& status);

// A run's summary. While it runs, "elapsed_ms" counts to `now_ms` and
// "eta_ms" extrapolates the pace so far (null until a test has finished).
nlohmann::json RunJson(const RunRow& run, std::int64_t now_ms);
// One result, brief: what the timeline and the counts need.
nlohmann::json ResultJson(const ResultRow& result);
// One failed result in detail: messages, output cut to kOutputPreviewBytes,
// and the command that runs the test alone.
nlohmann::json FailureJson(const ResultRow& result, const std::string& binary);

// `./BINARY --gtest_filter=TEST`, the filter quoted for a POSIX shell when it
// holds anything but letters, digits and _ . / * : -.
std::string ReproCommand(const std::string& binary, const std::string& test);

// Indices of the points where a duration series changes level: a point that
// differs from the median of the (up to) `window` points before it by more
// than `ratio` of that median and by at least `min_delta_ms`. The first
// point is never a change.
std::vector<std::size_t> DurationChanges(const std::vector<std::int64_t>& durations,
                                         std::size_t window = 5, double ratio = 0.5,
                                         std::int64_t min_delta_ms = 20);

// One test's history document from its results (oldest first) and the host
// of each result's run (same order).
nlohmann::json TestHistoryJson(const std::string& test, const std::vector<ResultRow>& results,
                               const std::vector<std::string>& hosts);

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_RUN_DOCUMENTS_H_
