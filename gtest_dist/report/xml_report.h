// The --gtest_output=xml report of a distributed run, in GoogleTest 1.12's
// schema (XmlUnitTestResultPrinter), byte for byte where the run allows.
#ifndef GTEST_DIST_REPORT_XML_REPORT_H_
#define GTEST_DIST_REPORT_XML_REPORT_H_

#include <string>

#include "gtest_dist/model/run_listener.h"

namespace gtest_dist {

// Formats `summary` (whose plan and catalog must be set) as gtest 1.12 would
// have written the same results, with these documented differences:
//   * suites and tests appear in catalog order even when shuffling;
//   * a suite's time is the sum of its tests' times and its timestamp the
//     earliest start of one of its tests (they ran in many processes);
//   * a test run on a remote worker gets a "gtest_dist_worker" property
//     naming it (kWorkerPropertyName);
//   * a crashed, timed-out or never-run test has, after its own parts, a
//     <failure> at "unknown file" whose message is the record's reason.
// Like gtest, failures in SetUpTestSuite/TearDownTestSuite do not appear
// (their properties become attributes of the <testsuite>), while failures in
// a global environment form the "NonTestSuiteFailure" suite.
std::string FormatXmlReport(const RunSummary& summary);

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_XML_REPORT_H_
