#include "gtest_dist/analytics/analytics.h"

#include <algorithm>
#include <cmath>

#include "gtest_dist/model/test_record.h"

namespace gtest_dist::analytics {

bool IsFlaky(const FlakeCounts& counts) { return counts.failed_runs > 0 && counts.passed_runs > 0; }

double FlakeRate(const FlakeCounts& counts) {
  if (!IsFlaky(counts) || counts.runs <= 0) return 0.0;
  return static_cast<double>(counts.failed_runs) / counts.runs;
}

void FlakeTally::Add(std::int64_t run_id, Outcome outcome) {
  if (outcome == Outcome::kNotRun) return;
  if (ran_.insert(run_id).second) ++counts_.runs;
  if (HadFailure(outcome) && failed_.insert(run_id).second) ++counts_.failed_runs;
  if (HadPass(outcome) && passed_.insert(run_id).second) ++counts_.passed_runs;
  if (outcome == Outcome::kFlaky && flaky_.insert(run_id).second) ++counts_.flaky_runs;
}

bool HasMeaningfulDuration(Outcome outcome) {
  return outcome == Outcome::kPassed || outcome == Outcome::kFailed || outcome == Outcome::kFlaky;
}

std::vector<DurationPoint> DurationChanges(const std::vector<DurationSample>& samples,
                                           const DurationRule& rule) {
  std::vector<DurationPoint> points(samples.size());
  // The counted durations since the last change, oldest first.
  std::vector<std::int64_t> level;
  const std::size_t window = std::max<std::size_t>(1, rule.window);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!HasMeaningfulDuration(samples[i].outcome)) continue;
    DurationPoint& point = points[i];
    point.counted = true;
    const std::int64_t duration = samples[i].duration_ms;
    if (!level.empty()) {
      std::vector<std::int64_t> before(
          level.end() - static_cast<std::ptrdiff_t>(std::min(window, level.size())), level.end());
      std::sort(before.begin(), before.end());
      const std::size_t mid = before.size() / 2;
      const double median =
          before.size() % 2 == 1
              ? static_cast<double>(before[mid])
              : (static_cast<double>(before[mid - 1]) + static_cast<double>(before[mid])) / 2;
      point.baseline_ms = median;
      const double delta = std::fabs(static_cast<double>(duration) - median);
      if (delta >= static_cast<double>(rule.min_delta_ms) && delta > rule.ratio * median) {
        point.changed = true;
        level.clear();
      }
    }
    level.push_back(duration);
  }
  return points;
}

std::vector<std::size_t> ChangeIndices(const std::vector<DurationPoint>& points) {
  std::vector<std::size_t> changes;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].changed) changes.push_back(i);
  }
  return changes;
}

std::string FailurePlace(const std::string& worker, const std::string& run_host) {
  return worker.empty() || worker == kLocalWorker ? run_host : worker;
}

}  // namespace gtest_dist::analytics
