// The runs of this supervisor, kept in memory as they happen: what
// --dist-dashboard serves. It listens to the run on the supervisor's thread
// and answers the dashboard server's thread, so every member is guarded by
// one mutex.
#ifndef GTEST_DIST_DASHBOARD_LIVE_RUN_SOURCE_H_
#define GTEST_DIST_DASHBOARD_LIVE_RUN_SOURCE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gtest_dist/dashboard/dashboard_source.h"
#include "gtest_dist/dashboard/run_documents.h"
#include "gtest_dist/model/run_listener.h"

namespace gtest_dist::dashboard {

class LiveRunSource : public RunListener, public DashboardSource {
 public:
  using Clock = std::function<std::int64_t()>;  // ms since the Unix epoch

  // `max_runs` bounds memory under --gtest_repeat=-1: the oldest runs go.
  LiveRunSource(std::string binary, std::string host, std::string label = "",
                std::size_t max_runs = 200, Clock clock = nullptr);

  // --dist-artifacts as given: the "artifact:" properties of the records
  // below it become the results' links (model/artifact.h).
  void SetArtifactsDirectory(const std::string& dir) { artifacts_dir_ = dir; }

  // RunListener.
  void OnRunStart(const RunPlan& plan) override;
  void OnTestFinished(const TestEntry& test, const TestRecord& record) override;
  void OnWorkerShipped(const WorkerShipping& shipping) override;
  void OnRunEnd(const RunSummary& summary) override;

  // DashboardSource.
  nlohmann::json ListRuns(const RunFilter& filter) override;
  std::optional<nlohmann::json> GetRun(std::int64_t run_id) override;
  std::optional<RunDelta> RunEventsSince(std::int64_t run_id, std::int64_t cursor) override;
  std::optional<nlohmann::json> TestHistory(const std::string& test, int limit) override;
  nlohmann::json Flaky(const RunFilter& filter) override;
  nlohmann::json Failures(const RunFilter& filter) override;
  std::optional<std::string> ResultOutput(std::int64_t result_id) override;

 private:
  struct Run {
    RunView row;
    std::vector<ResultView> results;  // in the order they finished
  };

  Run* FindRun(std::int64_t run_id);
  bool Matches(const Run& run, const RunFilter& filter) const;
  std::int64_t Now() const;

  const std::string binary_;
  const std::string host_;
  const std::string label_;
  std::string artifacts_dir_;
  const std::size_t max_runs_;
  const Clock clock_;
  std::mutex mutex_;
  std::deque<Run> runs_;  // oldest first
  // The current run's quarantined tests: index -> DescribeQuarantine.
  std::map<int, std::string> quarantined_;
  std::int64_t next_run_id_ = 1;
  std::int64_t next_result_id_ = 1;
};

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_LIVE_RUN_SOURCE_H_
