#include "gtest_dist/dashboard/run_documents.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "gtest_dist/dashboard/dashboard_source.h"

namespace gtest_dist::dashboard {

bool IsFailedStatus(const std::string& status) {
  return status == "FAILED" || status == "CRASHED" || status == "TIMEOUT";
}

void RunCounts::Add(const std::string& status) {
  if (status == "PASSED") {
    ++passed;
  } else if (status == "SKIPPED") {
    ++skipped;
  } else if (status == "FLAKY") {
    ++flaky;
  } else if (status == "NOT_RUN") {
    ++not_run;
  } else {
    ++failed;
  }
}

nlohmann::json RunJson(const RunRow& run, std::int64_t now_ms) {
  const RunCounts& c = run.counts;
  const int left = std::max(0, c.total - c.recorded());
  const std::int64_t end = run.end_ms > 0 ? run.end_ms : now_ms;
  const std::int64_t elapsed = std::max<std::int64_t>(0, end - run.start_ms);
  nlohmann::json eta = nullptr;
  if (run.end_ms > 0) {
    eta = 0;
  } else if (c.recorded() > 0) {
    eta = elapsed * left / c.recorded();
  }
  return {
      {"id", run.id},
      {"status", run.status},
      {"binary", run.binary},
      {"label", run.label},
      {"host", run.host},
      {"start_ms", run.start_ms},
      {"end_ms", run.end_ms > 0 ? nlohmann::json(run.end_ms) : nlohmann::json(nullptr)},
      {"elapsed_ms", elapsed},
      {"eta_ms", eta},
      {"workers", run.workers},
      {"counts",
       {{"total", c.total},
        {"passed", c.passed},
        {"failed", c.failed},
        {"skipped", c.skipped},
        {"flaky", c.flaky},
        {"not_run", c.not_run},
        {"left", left}}},
  };
}

nlohmann::json ResultJson(const ResultRow& result) {
  return {{"id", result.id},       {"test", result.test},
          {"status", result.status}, {"worker", result.worker},
          {"start_ms", result.start_ms}, {"elapsed_ms", result.elapsed_ms},
          {"attempt", result.attempt}};
}

nlohmann::json FailureJson(const ResultRow& result, const std::string& binary) {
  nlohmann::json doc = ResultJson(result);
  nlohmann::json messages = nlohmann::json::array();
  for (const FailureMessage& m : result.messages) {
    messages.push_back({{"file", m.file},
                        {"line", m.line >= 0 ? nlohmann::json(m.line) : nlohmann::json(nullptr)},
                        {"message", m.message}});
  }
  doc["messages"] = std::move(messages);
  const std::size_t whole = result.output_bytes >= 0
                                ? static_cast<std::size_t>(result.output_bytes)
                                : result.output.size();
  const bool cut = whole > kOutputPreviewBytes;
  // Cut on a UTF-8 character boundary: the preview must stay valid JSON text.
  std::size_t end = std::min(cut ? kOutputPreviewBytes : whole, result.output.size());
  while (cut && end > 0 && end < result.output.size() && (static_cast<unsigned char>(result.output[end]) & 0xC0) == 0x80) --end;
  doc["output"] = result.output.substr(0, end);
  doc["output_truncated"] = cut;
  doc["output_bytes"] = whole;
  doc["repro"] = ReproCommand(binary, result.test);
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

std::vector<std::size_t> DurationChanges(const std::vector<std::int64_t>& durations,
                                         std::size_t window, double ratio,
                                         std::int64_t min_delta_ms) {
  std::vector<std::size_t> changes;
  std::size_t level_start = 0;  // points before a change are not compared with points after it
  for (std::size_t i = 1; i < durations.size(); ++i) {
    const std::size_t from = std::max(level_start, i >= window ? i - window : 0);
    std::vector<std::int64_t> before(durations.begin() + static_cast<std::ptrdiff_t>(from),
                                     durations.begin() + static_cast<std::ptrdiff_t>(i));
    std::sort(before.begin(), before.end());
    const std::int64_t median = before[before.size() / 2];
    const std::int64_t delta = std::llabs(durations[i] - median);
    if (delta >= min_delta_ms && static_cast<double>(delta) > ratio * static_cast<double>(median)) {
      changes.push_back(i);
      level_start = i;
    }
  }
  return changes;
}

nlohmann::json TestHistoryJson(const std::string& test, const std::vector<ResultRow>& results,
                               const std::vector<std::string>& hosts) {
  nlohmann::json runs = nlohmann::json::array();
  std::vector<std::int64_t> durations;
  std::set<std::string> failed_on;
  int failed = 0;
  int passed = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ResultRow& r = results[i];
    const std::string& host = i < hosts.size() ? hosts[i] : std::string();
    nlohmann::json doc = ResultJson(r);
    doc["run_id"] = r.run_id;
    doc["host"] = host;
    runs.push_back(std::move(doc));
    durations.push_back(r.elapsed_ms);
    if (IsFailedStatus(r.status) || r.status == "FLAKY") {
      ++failed;
      // Where it failed: the worker that ran it, else the supervisor's host.
      failed_on.insert(r.worker.empty() || r.worker == "local" ? host : r.worker);
    }
    if (r.status == "PASSED" || r.status == "FLAKY") ++passed;
  }
  const int ran = static_cast<int>(results.size());
  return {
      {"test", test},
      {"runs", std::move(runs)},
      {"changes", DurationChanges(durations)},
      {"failed", failed},
      {"passed", passed},
      // A test that both failed and passed over these runs is flaky; one that
      // always fails is broken, not flaky.
      {"flake_rate", failed > 0 && passed > 0 && ran > 0 ? static_cast<double>(failed) / ran : 0.0},
      {"failed_on", std::vector<std::string>(failed_on.begin(), failed_on.end())},
  };
}

}  // namespace gtest_dist::dashboard
