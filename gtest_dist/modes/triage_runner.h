// --dist-triage (issue 16, item 2) with the real replayer: after the run,
// each failed test chosen is replayed here from its recorded process
// (RunSummary::processes) by RunReplay, and analytics::TriageFailure says
// BROKEN, FLAKY or ORDER-DEPENDENT (after which tests). All the replays of a
// run share one time budget. The run's own results are never touched.
#ifndef GTEST_DIST_MODES_TRIAGE_RUNNER_H_
#define GTEST_DIST_MODES_TRIAGE_RUNNER_H_

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "gtest_dist/analytics/replay_command.h"
#include "gtest_dist/dist_flags.h"
#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/model/triage_note.h"

namespace gtest_dist {

struct TriageSettings {
  TriageMode mode = TriageMode::kAuto;
  // How the run's children were started: binary, directory, arguments,
  // --dist-env (its tests, shuffle and seed are set per replay).
  analytics::ReplaySpec setup;
  std::chrono::milliseconds budget{120000};
  int alone_runs = 3;
  // One line per triaged test, for the user while it runs (no "gtest_dist: ").
  std::function<void(const std::string&)> note;
};

// The tests of `summary` that `mode` triages, by index: under kAuto the
// FLAKY ones (failed, then passed on a retry), under kAll every test whose
// final outcome or an earlier attempt failed (not NOT RUN: nothing ran).
std::vector<int> TestsToTriage(const RunSummary& summary, TriageMode mode);

// The tests a failed attempt's process ran before it, in order, by full
// name; empty when its process is unknown.
std::vector<std::string> PredecessorsOf(const RunSummary& summary, const TestRecord& attempt);

// Triages TestsToTriage(summary, settings.mode) with real replays.
std::map<int, TriageNote> TriageRun(const RunSummary& summary, const TriageSettings& settings);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODES_TRIAGE_RUNNER_H_
