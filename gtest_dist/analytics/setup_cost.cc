#include "gtest_dist/analytics/setup_cost.h"

#include <algorithm>
#include <map>
#include <string>

namespace gtest_dist::analytics {

std::int64_t TypicalMs(std::vector<std::int64_t> values) {
  if (values.empty()) return 0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>((values.size() - 1) / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

std::vector<SuiteSetupSummary> SummarizeSetups(const std::vector<SuiteSetupRun>& runs) {
  struct Samples {
    std::vector<std::int64_t> setup, teardown;
    std::int64_t total = 0;
  };
  std::map<std::string, Samples> by_suite;
  for (const SuiteSetupRun& run : runs) {
    Samples& samples = by_suite[run.suite];
    samples.setup.push_back(run.setup_ms);
    samples.teardown.push_back(run.teardown_ms);
    samples.total += run.setup_ms + run.teardown_ms;
  }
  std::vector<SuiteSetupSummary> summaries;
  for (auto& [suite, samples] : by_suite) {
    SuiteSetupSummary s;
    s.suite = suite;
    s.runs = static_cast<int>(samples.setup.size());
    s.setup_ms = TypicalMs(std::move(samples.setup));
    s.teardown_ms = TypicalMs(std::move(samples.teardown));
    s.total_ms = samples.total;
    summaries.push_back(std::move(s));
  }
  std::stable_sort(summaries.begin(), summaries.end(),
                   [](const SuiteSetupSummary& a, const SuiteSetupSummary& b) {
                     return a.total_ms > b.total_ms;
                   });
  return summaries;
}

}  // namespace gtest_dist::analytics
