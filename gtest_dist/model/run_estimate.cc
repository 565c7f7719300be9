#include "gtest_dist/model/run_estimate.h"

#include <algorithm>

namespace gtest_dist {

std::optional<std::int64_t> EstimateRemainingMs(const RunTotals& totals, std::int64_t elapsed_ms) {
  const int recorded = totals.recorded();
  if (recorded == 0) return std::nullopt;
  return std::max<std::int64_t>(0, elapsed_ms) * totals.left() / recorded;
}

}  // namespace gtest_dist
