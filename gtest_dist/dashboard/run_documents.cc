#include "gtest_dist/dashboard/run_documents.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "gtest_dist/analytics/analytics.h"
#include "gtest_dist/dashboard/dashboard_source.h"
#include "gtest_dist/history/queries.h"
#include "gtest_dist/model/run_estimate.h"

namespace gtest_dist::dashboard {

nlohmann::json RunJson(const RunView& run, std::int64_t now_ms) {
  const RunTotals& c = run.counts;
  const std::int64_t end = run.ended_ms > 0 ? run.ended_ms : now_ms;
  const std::int64_t elapsed = std::max<std::int64_t>(0, end - run.started_ms);
  nlohmann::json eta = nullptr;
  if (run.ended_ms > 0) {
    eta = 0;
  } else if (const auto remaining = EstimateRemainingMs(c, elapsed)) {
    eta = *remaining;
  }
  return {
      {"id", run.id},
      {"status", run.status},
      {"binary", run.binary},
      {"label", run.label},
      {"host", run.host},
      {"started_ms", run.started_ms},
      {"ended_ms", run.ended_ms > 0 ? nlohmann::json(run.ended_ms) : nlohmann::json(nullptr)},
      {"elapsed_ms", elapsed},
      {"eta_ms", eta},
      {"workers", run.workers},
      {"shipping", history::ShippingJson(run.shipping)},
      {"counts",
       {{"total", c.selected},
        {"passed", c.passed},
        {"failed", c.failed_attempts()},
        {"skipped", c.skipped},
        {"flaky", c.flaky},
        {"not_run", c.not_run},
        {"left", c.left()}}},
  };
}

std::string ArtifactUrl(const std::string& relative_path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string url = "/artifacts/";
  for (unsigned char c : relative_path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      url += static_cast<char>(c);
    } else {
      url += '%';
      url += kHex[c >> 4];
      url += kHex[c & 15];
    }
  }
  return url;
}

nlohmann::json ResultJson(const ResultView& result) {
  nlohmann::json artifacts = nlohmann::json::array();
  for (const ArtifactLink& link : result.artifacts) {
    artifacts.push_back({{"name", link.name}, {"url", ArtifactUrl(link.relative_path)}});
  }
  return {{"id", result.id},
          {"test", result.test},
          {"status", OutcomeName(result.status)},
          {"failed", IsFailedAttempt(result.status)},
          {"worker", result.worker},
          {"started_ms", result.started_ms},
          {"elapsed_ms", result.elapsed_ms},
          {"attempt", result.attempt},
          {"quarantined",
           result.quarantine.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.quarantine)},
          {"artifacts", std::move(artifacts)},
          {"isolation", result.isolation}};
}

nlohmann::json FailureJson(const ResultView& result, const std::string& binary) {
  nlohmann::json doc = ResultJson(result);
  nlohmann::json messages = nlohmann::json::array();
  for (const FailureMessage& m : result.messages) {
    messages.push_back({{"file", m.file},
                        {"line", m.line >= 0 ? nlohmann::json(m.line) : nlohmann::json(nullptr)},
                        {"message", m.message}});
  }
  doc["messages"] = std::move(messages);
  const std::size_t whole = result.output_bytes >= 0 ? static_cast<std::size_t>(result.output_bytes)
                                                     : result.output.size();
  const bool cut = whole > kOutputPreviewBytes;
  // Cut on a UTF-8 character boundary: the preview must stay valid JSON text.
  std::size_t end = std::min(cut ? kOutputPreviewBytes : whole, result.output.size());
  while (cut && end > 0 && end < result.output.size() &&
         (static_cast<unsigned char>(result.output[end]) & 0xC0) == 0x80)
    --end;
  doc["output"] = result.output.substr(0, end);
  doc["output_truncated"] = cut;
  doc["output_bytes"] = whole;
  // The exact replay when the store has the process; else the test alone.
  doc["repro"] = result.repro.empty() ? ReproCommand(binary, result.test) : result.repro;
  doc["repro_exact"] = !result.repro.empty();
  doc["triage"] = result.triage.empty() ? nlohmann::json(nullptr) : nlohmann::json(result.triage);
  doc["signature"] = result.signature;
  return doc;
}

std::string ReproCommand(const std::string& binary, const std::string& test) {
  const bool plain = std::all_of(test.begin(), test.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '/' ||
           ch == '*' || ch == ':' || ch == '-';
  });
  std::string filter = test;
  // '*' is plain for gtest but a glob for the shell: quote it too.
  if (!plain || test.find('*') != std::string::npos) {
    filter = "'";
    for (char ch : test) filter += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    filter += "'";
  }
  return "./" + (binary.empty() ? std::string("TEST_BINARY") : binary) +
         " --gtest_filter=" + filter;
}

nlohmann::json TestHistoryJson(const std::string& test, const std::vector<ResultView>& results,
                               const std::vector<std::string>& hosts) {
  nlohmann::json runs = nlohmann::json::array();
  std::vector<analytics::DurationSample> durations;
  analytics::FlakeTally flakes;
  std::set<std::string> failed_on;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ResultView& r = results[i];
    const std::string& host = i < hosts.size() ? hosts[i] : std::string();
    nlohmann::json doc = ResultJson(r);
    doc["run_id"] = r.run_id;
    doc["host"] = host;
    runs.push_back(std::move(doc));
    durations.push_back({r.elapsed_ms, r.status});
    flakes.Add(r.run_id, r.status);
    if (HadFailure(r.status)) failed_on.insert(analytics::FailurePlace(r.worker, host));
  }
  const analytics::FlakeCounts& counts = flakes.counts();
  return {
      {"test", test},
      {"runs", std::move(runs)},
      {"changes", analytics::ChangeIndices(analytics::DurationChanges(durations))},
      {"run_count", counts.runs},
      {"failed", counts.failed_runs},
      {"passed", counts.passed_runs},
      {"flake_rate", analytics::FlakeRate(counts)},
      {"failed_on", std::vector<std::string>(failed_on.begin(), failed_on.end())},
  };
}

}  // namespace gtest_dist::dashboard
