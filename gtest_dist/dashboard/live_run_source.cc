#include "gtest_dist/dashboard/live_run_source.h"

#include <chrono>
#include <map>
#include <utility>

#include "gtest_dist/analytics/analytics.h"
#include "gtest_dist/analytics/failure_signature.h"
#include "gtest_dist/base/wall_clock.h"

namespace gtest_dist::dashboard {
namespace {

ResultView MakeResultView(const TestEntry& test, const TestRecord& record) {
  ResultView row;
  row.test = test.FullName();
  row.status = record.outcome;
  row.worker = record.worker;
  row.started_ms = record.start_timestamp_ms;
  row.elapsed_ms = record.elapsed_ms;
  row.output = record.output_before_start;
  for (const TestPart& part : record.parts) {
    row.output += part.output_before;
    if (part.failed() && !part.cleared)
      row.messages.push_back({part.file, part.line, part.message});
  }
  row.output += record.output_after;
  TestPart reason;
  if (OutcomeFailurePart(record, &reason)) {
    row.messages.push_back({reason.file, reason.line, reason.message});
  }
  // The signature the history store keeps for it (history::SignatureOf).
  analytics::FailureFacts facts;
  facts.outcome = record.outcome;
  facts.reason = record.reason;
  if (record.outcome != Outcome::kCrashed && record.outcome != Outcome::kTimeout &&
      !row.messages.empty()) {
    facts.has_part = true;
    facts.file = row.messages.front().file;
    facts.line = row.messages.front().line;
    facts.message = row.messages.front().message;
  }
  row.signature = analytics::FailureSignature(facts);
  return row;
}

}  // namespace

LiveRunSource::LiveRunSource(std::string binary, std::string host, std::string label,
                             std::size_t max_runs, Clock clock)
    : binary_(std::move(binary)),
      host_(std::move(host)),
      label_(std::move(label)),
      max_runs_(max_runs == 0 ? 1 : max_runs),
      clock_(clock ? std::move(clock) : Clock(NowEpochMs)) {}

std::int64_t LiveRunSource::Now() const { return clock_(); }

void LiveRunSource::OnRunStart(const RunPlan& plan) {
  std::lock_guard<std::mutex> lock(mutex_);
  Run run;
  run.row.id = next_run_id_++;
  run.row.binary = binary_;
  run.row.host = host_;
  run.row.label = label_;
  run.row.started_ms = plan.start_timestamp_ms > 0 ? plan.start_timestamp_ms : Now();
  run.row.counts.selected = static_cast<int>(plan.selected.size());
  run.row.workers = plan.workers;
  quarantined_.clear();
  for (const auto& [index, entry] : plan.quarantined) {
    quarantined_[index] = DescribeQuarantine(entry);
  }
  runs_.push_back(std::move(run));
  while (runs_.size() > max_runs_) runs_.pop_front();
}

void LiveRunSource::OnTestFinished(const TestEntry& test, const TestRecord& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (runs_.empty()) return;
  Run& run = runs_.back();
  ResultView row = MakeResultView(test, record);
  row.artifacts = ArtifactLinksOf(record.properties, artifacts_dir_);
  row.isolation = record.isolation;
  row.id = next_result_id_++;
  row.run_id = run.row.id;
  const auto quarantined = quarantined_.find(test.index);
  if (quarantined != quarantined_.end()) row.quarantine = quarantined->second;
  run.row.counts.Add(record.outcome);
  run.results.push_back(std::move(row));
}

void LiveRunSource::OnWorkerShipped(const WorkerShipping& shipping) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (runs_.empty()) return;
  runs_.back().row.shipping.push_back(shipping);
}

void LiveRunSource::OnRunEnd(const RunSummary& summary) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (runs_.empty()) return;
  RunView& row = runs_.back().row;
  row.ended_ms = std::max(Now(), row.started_ms + summary.elapsed_ms);
  // The summary's totals and verdict, as the exit code and the history have
  // them: the counts kept while it ran do not know about --dist-flaky-fails
  // or failures outside tests.
  row.counts = summary.Totals();
  row.status = VerdictName(summary.verdict());
}

LiveRunSource::Run* LiveRunSource::FindRun(std::int64_t run_id) {
  for (Run& run : runs_) {
    if (run.row.id == run_id) return &run;
  }
  return nullptr;
}

bool LiveRunSource::Matches(const Run& run, const RunFilter& filter) const {
  const RunView& row = run.row;
  if (!filter.host.empty() && row.host != filter.host) return false;
  if (!filter.binary.empty() && row.binary != filter.binary) return false;
  if (!filter.label.empty() && row.label != filter.label) return false;
  if (filter.since_ms > 0 && row.started_ms < filter.since_ms) return false;
  if (filter.until_ms > 0 && row.started_ms > filter.until_ms) return false;
  return true;
}

nlohmann::json LiveRunSource::ListRuns(const RunFilter& filter) {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json runs = nlohmann::json::array();
  for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
    if (static_cast<int>(runs.size()) >= filter.limit) break;
    if (Matches(*it, filter)) runs.push_back(RunJson(it->row, Now()));
  }
  return {{"runs", std::move(runs)}};
}

std::optional<nlohmann::json> LiveRunSource::GetRun(std::int64_t run_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Run* run = FindRun(run_id);
  if (run == nullptr) return std::nullopt;
  nlohmann::json results = nlohmann::json::array();
  nlohmann::json failures = nlohmann::json::array();
  for (const ResultView& result : run->results) {
    results.push_back(ResultJson(result));
    if (HadFailure(result.status)) {
      failures.push_back(FailureJson(result, run->row.binary));
    }
  }
  return nlohmann::json{{"run", RunJson(run->row, Now())},
                        {"results", std::move(results)},
                        {"failures", std::move(failures)},
                        {"cursor", run->results.size()}};
}

std::optional<RunDelta> LiveRunSource::RunEventsSince(std::int64_t run_id, std::int64_t cursor) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Run* run = FindRun(run_id);
  if (run == nullptr) return std::nullopt;
  RunDelta delta;
  delta.run = RunJson(run->row, Now());
  delta.results = nlohmann::json::array();
  delta.failures = nlohmann::json::array();
  // The cursor is the count of results already sent.
  const std::size_t from = cursor < 0 ? 0 : static_cast<std::size_t>(cursor);
  for (std::size_t i = from; i < run->results.size(); ++i) {
    const ResultView& result = run->results[i];
    delta.results.push_back(ResultJson(result));
    if (HadFailure(result.status)) {
      delta.failures.push_back(FailureJson(result, run->row.binary));
    }
  }
  delta.cursor = static_cast<std::int64_t>(std::max(from, run->results.size()));
  delta.finished = run->row.ended_ms > 0;
  return delta;
}

std::optional<nlohmann::json> LiveRunSource::TestHistory(const std::string& test, int limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ResultView> results;
  std::vector<std::string> hosts;
  for (const Run& run : runs_) {
    for (const ResultView& result : run.results) {
      if (result.test != test) continue;
      results.push_back(result);
      hosts.push_back(run.row.host);
    }
  }
  if (results.empty()) return std::nullopt;
  if (limit > 0 && results.size() > static_cast<std::size_t>(limit)) {
    const auto drop = static_cast<std::ptrdiff_t>(results.size() - static_cast<std::size_t>(limit));
    results.erase(results.begin(), results.begin() + drop);
    hosts.erase(hosts.begin(), hosts.begin() + drop);
  }
  return TestHistoryJson(test, results, hosts);
}

nlohmann::json LiveRunSource::Flaky(const RunFilter& filter) {
  std::lock_guard<std::mutex> lock(mutex_);
  struct Tally {
    analytics::FlakeTally runs;
    std::int64_t last_failure_ms = 0;
  };
  std::map<std::string, Tally> tallies;
  for (const Run& run : runs_) {
    if (!Matches(run, filter)) continue;
    for (const ResultView& result : run.results) {
      if (!filter.test.empty() && result.test.find(filter.test) == std::string::npos) continue;
      Tally& tally = tallies[result.test];
      tally.runs.Add(run.row.id, result.status);
      if (HadFailure(result.status)) {
        tally.last_failure_ms = std::max(tally.last_failure_ms, result.started_ms);
      }
    }
  }
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& [name, tally] : tallies) {
    const analytics::FlakeCounts& counts = tally.runs.counts();
    if (!analytics::IsFlaky(counts)) continue;
    tests.push_back({{"test", name},
                     {"runs", counts.runs},
                     {"failed", counts.failed_runs},
                     {"passed", counts.passed_runs},
                     {"flake_rate", analytics::FlakeRate(counts)},
                     {"last_failure_ms", tally.last_failure_ms}});
  }
  std::stable_sort(tests.begin(), tests.end(),
                   [](const nlohmann::json& a, const nlohmann::json& b) {
                     return a["flake_rate"].get<double>() > b["flake_rate"].get<double>();
                   });
  if (tests.size() > static_cast<std::size_t>(filter.limit)) {
    tests.erase(tests.begin() + filter.limit, tests.end());
  }
  return {{"tests", std::move(tests)}};
}

nlohmann::json LiveRunSource::Failures(const RunFilter& filter) {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json failures = nlohmann::json::array();
  for (auto run = runs_.rbegin(); run != runs_.rend(); ++run) {
    if (!Matches(*run, filter)) continue;
    for (auto result = run->results.rbegin(); result != run->results.rend(); ++result) {
      if (static_cast<int>(failures.size()) >= filter.limit) break;
      if (!HadFailure(result->status)) continue;
      if (!filter.test.empty() && result->test.find(filter.test) == std::string::npos) continue;
      nlohmann::json doc = FailureJson(*result, run->row.binary);
      doc["run_id"] = run->row.id;
      doc["host"] = run->row.host;
      failures.push_back(std::move(doc));
    }
  }
  return {{"failures", std::move(failures)}};
}

std::optional<std::string> LiveRunSource::ResultOutput(std::int64_t result_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Run& run : runs_) {
    for (const ResultView& result : run.results) {
      if (result.id == result_id) return result.output;
    }
  }
  return std::nullopt;
}

}  // namespace gtest_dist::dashboard
