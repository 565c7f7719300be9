// How long a run still going will take: one estimate, shared by the live
// dashboard ("eta_ms") and the console's status line, so both say the same.
#ifndef GTEST_DIST_MODEL_RUN_ESTIMATE_H_
#define GTEST_DIST_MODEL_RUN_ESTIMATE_H_

#include <cstdint>
#include <optional>

#include "gtest_dist/model/run_summary.h"

namespace gtest_dist {

// The time left, in ms, of a run that has run `elapsed_ms` and recorded
// `totals`: the pace so far extrapolated (elapsed x left / recorded). A crude
// model, but one that needs no history and corrects itself as results come
// in. nullopt before the first result (no pace yet); 0 when nothing is left.
std::optional<std::int64_t> EstimateRemainingMs(const RunTotals& totals, std::int64_t elapsed_ms);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_RUN_ESTIMATE_H_
