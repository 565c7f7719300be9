// The console's --dist-triage lines (issue 16): in the footer, one
// "[  TRIAGE  ]" line per triaged test with its verdict. gtest has no such
// lines; a scraper that does not know them skips them.
#ifndef GTEST_DIST_REPORT_TRIAGE_LINES_H_
#define GTEST_DIST_REPORT_TRIAGE_LINES_H_

#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/report/console_stream.h"

namespace gtest_dist {

// Prints the triage verdicts of `summary`, if any.
void PrintTriageSummary(ConsoleStream& out, const RunSummary& summary);

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_TRIAGE_LINES_H_
