// Helpers shared by the history unit tests.
#ifndef GTEST_DIST_TESTS_UNIT_HISTORY_TEST_SUPPORT_H_
#define GTEST_DIST_TESTS_UNIT_HISTORY_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/history/database.h"
#include "gtest_dist/history/history_recorder.h"
#include "gtest_dist/history/history_store.h"

namespace gtest_dist {
namespace history {

// A store at `path` with the schema of `version` (an older one, for the
// migration tests) and one run of `binary` in it; returns that run's id.
inline std::int64_t OldStoreWithARun(const std::string& path, int version,
                                     const std::string& binary) {
  auto db = OpenDatabase(path);
  EnsureSchema(db.get(), version);
  EXPECT_EQ(SchemaVersionOf(db.get()), version);
  NewRun run;
  run.binary_name = binary;
  return InsertRun(db.get(), run);
}

// Ends the run `recorder` started on `plan`: test 0 passed (on `worker`),
// then the run's end with `summary` (its plan and records filled in here).
// Returns the run's id; expects the recorder healthy.
inline std::int64_t PassTestZeroAndEnd(HistoryRecorder* recorder, const RunPlan& plan,
                                       RunSummary summary, const std::string& worker = "") {
  TestRecord a;
  a.index = 0;
  a.outcome = Outcome::kPassed;
  a.worker = worker;
  recorder->OnTestFinished(plan.catalog->test(0), a);
  summary.plan = &plan;
  summary.records = {{0, a}};
  recorder->OnRunEnd(summary);
  EXPECT_TRUE(recorder->healthy());
  return recorder->last_run_id();
}

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
