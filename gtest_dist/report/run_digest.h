// What a person asks of a run once it is over, in two lines after gtest's
// summary: which tests were slowest (and where they ran), and which worker
// did what share of the work. Pure, so the wording is pinned by unit tests.
#ifndef GTEST_DIST_REPORT_RUN_DIGEST_H_
#define GTEST_DIST_REPORT_RUN_DIGEST_H_

#include <string>
#include <vector>

#include "gtest_dist/model/run_summary.h"

namespace gtest_dist {

// At most this many tests on the "slowest" line.
constexpr int kDigestSlowestTests = 5;

// "Slowest: A.B 12 s (hostA:7420), C.D 2.1 s (local), ..." (the top
// kDigestSlowestTests by their final attempt's time) and "Work: hostA:7420
// 61% (120 tests), local 39% (91 tests)" (each worker's share of the summed
// test time, every attempt counted, largest first). Empty when no test ran.
// `summary.plan->catalog` must be set.
std::vector<std::string> RunDigestLines(const RunSummary& summary);

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_RUN_DIGEST_H_
