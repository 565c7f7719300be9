// The status line at the bottom of a terminal during a run: how far it is,
// what fails, what runs now, how busy the workers are, how long it has taken
// and will take. RunProgress follows the run as a RunListener; the caller
// (a timer on the supervisor's io_context) takes a Snapshot a few times a
// second, formats it with FormatStatusLine and shows it through the
// ConsoleStream, which erases it before anything else is printed.
#ifndef GTEST_DIST_REPORT_STATUS_LINE_H_
#define GTEST_DIST_REPORT_STATUS_LINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "gtest_dist/model/run_listener.h"

namespace gtest_dist {

// What the status line shows at one instant.
struct StatusSnapshot {
  RunTotals totals;          // totals.selected is the run's size
  int running = 0;           // tests started and not finished
  std::string longest_test;  // the one running longest; empty when none
  std::int64_t longest_ms = 0;
  int workers_busy = 0;       // executors running a chunk
  int workers_connected = 0;  // executors ready
  std::int64_t elapsed_ms = 0;
  std::optional<std::int64_t> eta_ms;  // EstimateRemainingMs; nullopt: no pace yet
  bool flaky_fails = false;            // --dist-flaky-fails: FLAKY counts as failed
};

// "[137/211] 130 passed, 5 failed, 2 flaky | 1 min 02 s, ETA 35 s |
// workers 3/4 busy | 4 running, longest DBTest.Recover 12 s", cut to
// `columns` (FitToColumns): the running test's name, the least needed and
// the longest part, comes last, so it is what a narrow terminal loses.
std::string FormatStatusLine(const StatusSnapshot& status, int columns);

class RunProgress : public RunListener {
 public:
  using Clock = std::function<std::int64_t()>;  // ms, monotonic

  // `clock`: the time source (tests pass a fake); null: steady_clock.
  explicit RunProgress(Clock clock = nullptr);

  void OnRunStart(const RunPlan& plan) override;
  void OnTestStarted(const TestEntry& test, const std::string& worker) override;
  void OnTestFinished(const TestEntry& test, const TestRecord& record) override;
  void OnRunEnd(const RunSummary& summary) override;

  // Between OnRunStart and OnRunEnd.
  bool running() const { return running_; }
  // The run now; the workers' load comes from the supervisor, which alone
  // knows which executors are ready.
  StatusSnapshot Snapshot(int workers_busy, int workers_connected) const;

 private:
  struct Running {
    // The plan's catalog entry, named only when the status line shows it
    // (issue 15: no name built per test); else the name itself.
    const TestEntry* entry = nullptr;
    std::string name;
    std::int64_t started_ms = 0;
  };

  std::int64_t Now() const;

  Clock clock_;
  bool running_ = false;
  bool flaky_fails_ = false;
  std::int64_t started_ms_ = 0;
  RunTotals totals_;
  std::map<int, Running> tests_running_;  // by test index
  const TestCatalog* catalog_ = nullptr;  // the run's, from OnRunStart
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_STATUS_LINE_H_
