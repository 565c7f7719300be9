// Helpers shared by the history unit tests.
#ifndef GTEST_DIST_TESTS_UNIT_HISTORY_TEST_SUPPORT_H_
#define GTEST_DIST_TESTS_UNIT_HISTORY_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/history/history_recorder.h"

namespace gtest_dist {
namespace history {

// Records a run in which test 0 of `plan` passed into `location`, and returns
// what the recorder said about the store (its messages stream). `healthy` is
// whether the recorder thought all went well.
inline std::string MessagesOfAPassedRun(const std::string& location, const RunPlan& plan,
                                        const RecorderContext& context, bool* healthy) {
  FILE* messages = std::tmpfile();
  EXPECT_NE(messages, nullptr);
  if (messages == nullptr) return "";
  {
    HistoryRecorder recorder(location, context, messages);
    recorder.OnRunStart(plan);
    TestRecord a;
    a.outcome = Outcome::kPassed;
    recorder.OnTestFinished(plan.catalog->test(0), a);
    RunSummary summary;
    summary.plan = &plan;
    summary.records = {{0, a}};
    recorder.OnRunEnd(summary);
    *healthy = recorder.healthy();
  }
  std::rewind(messages);
  std::string text(8192, '\0');
  text.resize(std::fread(&text[0], 1, text.size(), messages));
  std::fclose(messages);
  return text;
}

}  // namespace history
}  // namespace gtest_dist

#endif  // GTEST_DIST_TESTS_UNIT_HISTORY_TEST_SUPPORT_H_
