#include "gtest_dist/schedule/suite_setup_costs.h"

#include <algorithm>

namespace gtest_dist {

void SuiteSetupCosts::Observe(const std::string& suite, double setup_ms, double teardown_ms) {
  measured_[suite].push_back(std::max(0.0, setup_ms) + std::max(0.0, teardown_ms));
}

std::optional<double> SuiteSetupCosts::Known(const std::string& suite) const {
  const auto measured = measured_.find(suite);
  if (measured != measured_.end() && !measured->second.empty()) {
    // The median, as analytics/setup_cost.h takes it: one slow process on a
    // loaded machine does not set the price.
    std::vector<double> values = measured->second;
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>((values.size() - 1) / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
  }
  const auto typical = typical_.find(suite);
  if (typical == typical_.end()) return std::nullopt;
  return typical->second.setup_ms + typical->second.teardown_ms;
}

}  // namespace gtest_dist
