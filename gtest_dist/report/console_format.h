// Text the console prints, made without I/O: gtest's wording of counts,
// locations and failure parts, and the durations and lines of the `lines`
// console. Pure, so that unit tests pin every format.
#ifndef GTEST_DIST_REPORT_CONSOLE_FORMAT_H_
#define GTEST_DIST_REPORT_CONSOLE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/model/test_record.h"

namespace gtest_dist {

// "1 test", "3 tests"; "1 test suite", "2 test suites" (gtest's wording).
std::string FormatTestCount(std::size_t count);
std::string FormatTestSuiteCount(std::size_t count);

// A failure or skip as gtest prints it: what was printed before it, then
// "file:line: Failure\nmessage\n" (nothing after the output for a success).
std::string FormatPart(const TestPart& part);

// ", where TypeParam = ... and GetParam() = ...", which gtest adds to the
// name of a failed test (never to a passed or skipped one).
std::string ParamComment(const TestEntry& test);

// A duration for people: "350 ms", "2.1 s", "42 s", "4 min 05 s",
// "1 h 02 min". Negative counts as 0.
std::string FormatDuration(std::int64_t ms);

// The line of one finished test in the `lines` console:
// "[137/211] OK DBTest.Recover (2.1 s, hostB)"; the done count is padded to
// the width of the total so that the lines align. `attempt` > 1 adds
// ", attempt N"; `worker` empty leaves it out.
std::string FormatTestLine(int done, int total, const std::string& status, const std::string& name,
                           std::int64_t elapsed_ms, const std::string& worker, int attempt);

// `text` cut to at most `columns` display columns (a UTF-8 sequence counts
// as one and is never split), the cut marked with "..."; control characters
// (which would move the cursor) become '?'. For lines redrawn in place,
// which must never wrap.
std::string FitToColumns(const std::string& text, int columns);

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_CONSOLE_FORMAT_H_
