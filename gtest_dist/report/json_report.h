// The --gtest_output=json report of a distributed run, in GoogleTest 1.12's
// schema and layout (JsonUnitTestResultPrinter), byte for byte where the run
// allows.
#ifndef GTEST_DIST_REPORT_JSON_REPORT_H_
#define GTEST_DIST_REPORT_JSON_REPORT_H_

#include <string>

#include "gtest_dist/model/run_listener.h"

namespace gtest_dist {

// Formats `summary` (whose plan and catalog must be set) as gtest 1.12 would
// have written the same results. The differences are those of
// FormatXmlReport (catalog order, suite times, the "gtest_dist_worker"
// property, a failure for crashed/timed-out/not-run tests) and two that keep
// the output valid JSON where gtest 1.12's is not: a comma before the
// "NonTestSuiteFailure" suite when other suites precede it, and escaped
// property names. Like gtest 1.12, the JSON report has no entry for skip
// messages.
std::string FormatJsonReport(const RunSummary& summary);

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_JSON_REPORT_H_
