// The end of a run as GoogleTest 1.12 prints it (PrettyUnitTestResultPrinter's
// OnTestIterationEnd, or the brief printer's): the environment tear-down line,
// "[==========] N tests from M test suites ran.", PASSED, SKIPPED, FAILED and
// the banners, plus our FLAKY list. Shared by every console style, so that
// the summary a person or a scraper reads is the same whatever came above it.
#ifndef GTEST_DIST_REPORT_RUN_FOOTER_H_
#define GTEST_DIST_REPORT_RUN_FOOTER_H_

#include <cstddef>
#include <vector>

#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/report/console_stream.h"

namespace gtest_dist {

struct FooterOptions {
  bool brief = false;      // --gtest_brief
  bool print_time = true;  // --gtest_print_time
  // "Global test environment tear-down", which only the blocks console,
  // having printed the set-up line, prints.
  bool environment_line = true;
};

// The number of suites with a selected test: gtest's "test suites" count.
std::size_t SuitesToRun(const RunPlan& plan);

// Prints the footer of `summary` (whose plan is `plan`). `global_parts`: a
// global Environment's parts held back for their place after the tear-down
// line (ordered console); printed there.
void PrintRunFooter(ConsoleStream& out, const RunPlan& plan, const RunSummary& summary,
                    const FooterOptions& options, const std::vector<TestPart>& global_parts);

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_RUN_FOOTER_H_
