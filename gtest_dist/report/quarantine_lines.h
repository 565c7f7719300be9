// The console's quarantine lines (issue 16), shared by every console style:
// a "[QUARANTINED]" line under a quarantined test that failed, and in the
// footer the quarantined failures and the entries that expired. gtest has no
// such lines; a scraper that does not know them skips them.
#ifndef GTEST_DIST_REPORT_QUARANTINE_LINES_H_
#define GTEST_DIST_REPORT_QUARANTINE_LINES_H_

#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/report/console_stream.h"

namespace gtest_dist {

// Prints the mark when `test` is quarantined and `record` fails it.
void PrintQuarantineMark(ConsoleStream& out, const RunPlan& plan, const TestEntry& test,
                         const TestRecord& record);

// Prints the footer's expired entries and quarantined failures, if any.
void PrintQuarantineSummary(ConsoleStream& out, const RunPlan& plan, const RunSummary& summary);

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_QUARANTINE_LINES_H_
