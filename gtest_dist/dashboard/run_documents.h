// The JSON documents of the dashboard API, made from plain rows. Every
// DashboardSource fills these rows its own way (memory, SQL) and shares one
// shape on the wire: what the pages and scripts read.
#ifndef GTEST_DIST_DASHBOARD_RUN_DOCUMENTS_H_
#define GTEST_DIST_DASHBOARD_RUN_DOCUMENTS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gtest_dist/model/artifact.h"
#include "gtest_dist/model/outcome.h"
#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/model/worker_shipping.h"

namespace gtest_dist::dashboard {

struct FailureMessage {
  std::string file;  // empty: unknown file
  int line = -1;     // -1: no line
  std::string message;
};

// One attempt of one test in one run, as the API shows it. Each source makes
// these its own way (from a TestRecord, from a history::ResultRow).
struct ResultView {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string test;  // "Suite.Name"
  Outcome status = Outcome::kNotRun;
  std::string worker;  // "host:port" or "local"
  std::int64_t started_ms = 0;
  std::int64_t elapsed_ms = 0;
  int attempt = 1;
  std::vector<FailureMessage> messages;
  std::string output;              // may be only the start of it when output_bytes says more
  std::int64_t output_bytes = -1;  // the whole output's size; -1: output.size()
  // The quarantine entry that applied to it (DescribeQuarantine); empty: none.
  std::string quarantine;
  // analytics::FailureSignature; empty when it did not fail.
  std::string signature;
  // The command that replays the process it ran in, up to it (gtest_dist
  // repro); empty: unknown, the failure view offers ReproCommand.
  std::string repro;
  // The --dist-triage verdict on its test in its run; empty: not triaged.
  std::string triage;
  // Test outputs kept (--dist-artifacts); "url" in the documents.
  std::vector<ArtifactLink> artifacts;
  std::string isolation;  // TestRecord::isolation
};

// One run as the API shows it: its verdict (or "running") and its totals.
struct RunView {
  std::int64_t id = 0;
  // "running" until it ends, then VerdictName(): green, red or interrupted.
  std::string status = "running";
  std::string binary;
  std::string label;
  std::string host;
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;  // 0 while running
  RunTotals counts;           // counts.selected: the tests it selected
  std::vector<std::string> workers;
  // What shipping the build moved to each generic worker ("shipping").
  std::vector<WorkerShipping> shipping;
};

// A run's summary. While it runs, "elapsed_ms" counts to `now_ms` and
// "eta_ms" extrapolates the pace so far (null until a test has finished).
nlohmann::json RunJson(const RunView& run, std::int64_t now_ms);
// Where the dashboard serves a stored output: /artifacts/ and the path
// relative to the artifacts directory, each byte but unreserved ones and '/'
// percent-escaped.
std::string ArtifactUrl(const std::string& relative_path);

// One result, brief: what the timeline and the counts need. "failed" says
// whether the result is a failed attempt (IsFailedAttempt), so that the page
// never decides it from the status text.
nlohmann::json ResultJson(const ResultView& result);
// One failed result in detail: messages, output cut to kOutputPreviewBytes,
// and the command that runs the test alone.
nlohmann::json FailureJson(const ResultView& result, const std::string& binary);

// `./BINARY --gtest_filter=TEST`, the filter quoted for a POSIX shell when it
// holds anything but letters, digits and _ . / * : -.
std::string ReproCommand(const std::string& binary, const std::string& test);

// One test's history document from its results (oldest first) and the host
// of each result's run (same order): the flake rate, the duration changes and
// the places it failed, by the rules of gtest_dist/analytics/analytics.h.
nlohmann::json TestHistoryJson(const std::string& test, const std::vector<ResultView>& results,
                               const std::vector<std::string>& hosts);

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_RUN_DOCUMENTS_H_
