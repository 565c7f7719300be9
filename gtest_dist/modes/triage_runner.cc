#include "gtest_dist/modes/triage_runner.h"

#include <algorithm>

#include "gtest_dist/analytics/failure_triage.h"
#include "gtest_dist/modes/replay_runner.h"

namespace gtest_dist {
namespace {

// The attempt whose failure is triaged: the first failed one.
const TestRecord& FailedAttempt(const TestRecord& record) {
  return record.failed_attempts.empty() ? record : record.failed_attempts.front();
}

}  // namespace

std::vector<int> TestsToTriage(const RunSummary& summary, TriageMode mode) {
  std::vector<int> tests;
  if (mode == TriageMode::kOff) return tests;
  for (const auto& [index, record] : summary.records) {
    const bool flaky = record.outcome == Outcome::kFlaky;
    const bool failed = IsFailedAttempt(record.outcome);
    if (flaky || (mode == TriageMode::kAll && failed)) tests.push_back(index);
  }
  return tests;
}

std::vector<std::string> PredecessorsOf(const RunSummary& summary, const TestRecord& attempt) {
  std::vector<std::string> names;
  if (summary.plan == nullptr || summary.plan->catalog == nullptr) return names;
  for (const ProcessRun& process : summary.processes) {
    if (process.id != attempt.process) continue;
    const auto at = std::find(process.tests.begin(), process.tests.end(), attempt.index);
    for (auto it = process.tests.begin(); it != at && at != process.tests.end(); ++it) {
      names.push_back(summary.plan->catalog->test(*it).FullName());
    }
  }
  return names;
}

std::map<int, TriageNote> TriageRun(const RunSummary& summary, const TriageSettings& settings) {
  std::map<int, TriageNote> notes;
  const std::vector<int> chosen = TestsToTriage(summary, settings.mode);
  if (chosen.empty() || summary.plan == nullptr) return notes;
  const auto deadline = std::chrono::steady_clock::now() + settings.budget;
  const std::string spent = "the --dist-triage-budget of " +
                            std::to_string(settings.budget.count() / 1000) + " s ran out";
  if (settings.note) {
    settings.note("triage: replaying " + std::to_string(chosen.size()) +
                  " failed tests here (--dist-triage-budget " +
                  std::to_string(settings.budget.count() / 1000) + " s)");
  }
  for (int index : chosen) {
    const std::string test = summary.plan->catalog->test(index).FullName();
    const std::vector<std::string> predecessors =
        PredecessorsOf(summary, FailedAttempt(summary.records.at(index)));
    analytics::ReplaySpec spec = settings.setup;
    spec.shuffle = summary.plan->shuffle;
    spec.random_seed = summary.plan->random_seed;
    // Runs `tests` then the test; true when the test failed.
    auto replay = [&](std::vector<std::string> tests) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw analytics::TriageStopped(spent);
      tests.push_back(test);
      spec.tests = std::move(tests);
      const ReplayResult result = RunReplay(spec, left);
      if (result.timed_out) throw analytics::TriageStopped(spent);
      if (!result.ran) throw analytics::TriageStopped("cannot replay: " + result.error);
      if (result.seen.ResultOf(test) == analytics::ReplayObservation::Result::kNotStarted) {
        throw analytics::TriageStopped("a replay did not start the test (exit status " +
                                       std::to_string(result.exit_code) + ")");
      }
      return result.seen.Failed(test);
    };
    const analytics::TriageResult result = analytics::TriageFailure(
        static_cast<int>(predecessors.size()), [&] { return replay({}); },
        [&](const std::vector<int>& subset) {
          std::vector<std::string> tests;
          for (int i : subset) tests.push_back(predecessors[static_cast<size_t>(i)]);
          return replay(std::move(tests));
        },
        settings.alone_runs);
    TriageNote note;
    note.verdict = analytics::TriageVerdictName(result.verdict);
    for (int i : result.culprits) note.culprits.push_back(predecessors[static_cast<size_t>(i)]);
    note.why = result.why;
    note.replays = result.replays;
    if (settings.note) {
      settings.note("triage: " + test + ": " + note.Describe() + " (" +
                    std::to_string(note.replays) + " replays, " +
                    std::to_string(predecessors.size()) + " tests before it in its process)");
    }
    notes[index] = std::move(note);
  }
  return notes;
}

}  // namespace gtest_dist
