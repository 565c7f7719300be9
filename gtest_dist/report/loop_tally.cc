#include "gtest_dist/report/loop_tally.h"

#include <algorithm>
#include <vector>

namespace gtest_dist {

void LoopTally::OnRunEnd(const RunSummary& summary) {
  const RunPlan& plan = *summary.plan;
  planned_ = plan.repeat;
  ++iterations_;
  const bool red = !summary.Passed();
  for (const auto& [index, record] : summary.records) {
    const bool failed = summary.Fails(record.outcome);
    // Not run is no verdict on the test (an interrupted or abandoned run).
    if (record.outcome == Outcome::kNotRun) continue;
    if (!failed && record.failed_attempts.empty()) continue;
    TestTally& tally = tests_[plan.catalog->test(index).FullName()];
    if (failed) {
      ++tally.failed;
    } else {
      ++tally.flaky;
    }
    tally.last_iteration = iterations_;
  }
  if (red) ++failed_iterations_;
  std::fprintf(progress_,
               "gtest_dist: loop iteration %d%s: %s; %d of %d iterations failed, %zu %s failed at "
               "least once\n",
               iterations_, planned_ > 0 ? (" of " + std::to_string(planned_)).c_str() : "",
               red ? "FAILED" : "passed", failed_iterations_, iterations_, tests_.size(),
               tests_.size() == 1 ? "test has" : "tests have");
  std::fflush(progress_);
}

void LoopTally::PrintSummary() const {
  std::vector<std::pair<std::string, TestTally>> rows(tests_.begin(), tests_.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second.failed + a.second.flaky > b.second.failed + b.second.flaky;
  });
  std::fprintf(out_, "\n[==========] gtest_dist loop: %d %s, %d failed.\n", iterations_,
               iterations_ == 1 ? "iteration" : "iterations", failed_iterations_);
  for (const auto& [name, tally] : rows) {
    std::string line = "[  TALLY   ] " + name + ": failed in " +
                       std::to_string(tally.failed + tally.flaky) + " of " +
                       std::to_string(iterations_) + " iterations";
    if (tally.flaky > 0) line += " (" + std::to_string(tally.flaky) + " FLAKY)";
    line += ", last in iteration " + std::to_string(tally.last_iteration);
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

}  // namespace gtest_dist
