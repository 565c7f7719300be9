// The rules for a suite's set-up cost (issue 15), in one place for the
// history's query, the planner and `gtest_dist show`:
//   - within a run, a suite's set-up (tear-down) is the median of what each
//     of its test processes measured, and its total is their sum: what the
//     run paid (SummarizeSetups);
//   - its typical set-up (tear-down) is the median of those per-run values
//     over the latest runs of the binary that ran it (the history query
//     reads 5, as the durations the planner reads): a median, as for the
//     duration baseline (analytics.h), because one run on a loaded machine
//     must not make the planner keep a suite whole for weeks, nor one quick
//     run make it split a suite whose set-up is slow (TypicalMs).
// Pure functions over plain values.
#ifndef GTEST_DIST_ANALYTICS_SETUP_COST_H_
#define GTEST_DIST_ANALYTICS_SETUP_COST_H_

#include <cstdint>
#include <vector>

#include "gtest_dist/model/suite_setup.h"

namespace gtest_dist::analytics {

// The median of `values` (the lower of the two middle ones for an even
// count, so that the result is one that was measured); 0 when empty.
std::int64_t TypicalMs(std::vector<std::int64_t> values);

// One summary per suite measured in a run, the most expensive first (total,
// then name): what the history stores and `show` lists.
std::vector<SuiteSetupSummary> SummarizeSetups(const std::vector<SuiteSetupRun>& runs);

}  // namespace gtest_dist::analytics

#endif  // GTEST_DIST_ANALYTICS_SETUP_COST_H_
