#include "gtest_dist/report/status_line.h"

#include <chrono>

#include "gtest_dist/model/run_estimate.h"
#include "gtest_dist/report/console_format.h"

namespace gtest_dist {

std::string FormatStatusLine(const StatusSnapshot& status, int columns) {
  const RunTotals& t = status.totals;
  std::string line = "[" + std::to_string(t.recorded()) + "/" + std::to_string(t.selected) + "] " +
                     std::to_string(t.passing(status.flaky_fails)) + " passed, " +
                     std::to_string(t.failing(status.flaky_fails)) + " failed";
  if (t.flaky > 0) line += ", " + std::to_string(t.flaky) + " flaky";
  if (t.skipped > 0) line += ", " + std::to_string(t.skipped) + " skipped";
  line += " | " + FormatDuration(status.elapsed_ms) + ", ETA " +
          (status.eta_ms ? FormatDuration(*status.eta_ms) : std::string("?"));
  line += " | workers " + std::to_string(status.workers_busy) + "/" +
          std::to_string(status.workers_connected) + " busy";
  line += " | " + std::to_string(status.running) + " running";
  if (!status.longest_test.empty()) {
    line += ", longest " + status.longest_test + " " + FormatDuration(status.longest_ms);
  }
  return FitToColumns(line, columns);
}

RunProgress::RunProgress(Clock clock) : clock_(std::move(clock)) {}

std::int64_t RunProgress::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void RunProgress::OnRunStart(const RunPlan& plan) {
  running_ = true;
  flaky_fails_ = plan.flaky_fails;
  started_ms_ = Now();
  totals_ = RunTotals();
  totals_.selected = static_cast<int>(plan.selected.size());
  tests_running_.clear();
  catalog_ = plan.catalog;
}

void RunProgress::OnTestStarted(const TestEntry& test, const std::string& /*worker*/) {
  // A test started again (its worker was lost, or a retry) runs from now.
  Running running;
  running.started_ms = Now();
  // The catalog outlives the run: keep its entry, not a copy of the name.
  if (catalog_ != nullptr && test.index >= 0 && test.index < catalog_->size() &&
      &catalog_->test(test.index) == &test) {
    running.entry = &test;
  } else {
    running.name = test.FullName();
  }
  tests_running_[test.index] = std::move(running);
}

void RunProgress::OnTestFinished(const TestEntry& test, const TestRecord& record) {
  tests_running_.erase(test.index);
  totals_.Add(record.outcome);
}

void RunProgress::OnRunEnd(const RunSummary& /*summary*/) {
  running_ = false;
  tests_running_.clear();
}

StatusSnapshot RunProgress::Snapshot(int workers_busy, int workers_connected) const {
  const std::int64_t now = Now();
  StatusSnapshot status;
  status.totals = totals_;
  status.running = static_cast<int>(tests_running_.size());
  const Running* longest = nullptr;
  for (const auto& [index, test] : tests_running_) {
    const std::int64_t ms = now - test.started_ms;
    if (longest == nullptr || ms > status.longest_ms) {
      longest = &test;
      status.longest_ms = ms;
    }
  }
  if (longest != nullptr) {
    status.longest_test = longest->entry != nullptr ? longest->entry->FullName() : longest->name;
  }
  status.workers_busy = workers_busy;
  status.workers_connected = workers_connected;
  status.elapsed_ms = now - started_ms_;
  status.eta_ms = EstimateRemainingMs(totals_, status.elapsed_ms);
  status.flaky_fails = flaky_fails_;
  return status;
}

}  // namespace gtest_dist
