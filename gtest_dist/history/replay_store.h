// Exact reproduction in the history store (issue 16): how a run started its
// test processes, which tests each process ran in which order, and the
// --dist-triage verdicts. `gtest_dist repro` and the dashboard read what the
// supervisor's recorder wrote here (schema version 5).
#ifndef GTEST_DIST_HISTORY_REPLAY_STORE_H_
#define GTEST_DIST_HISTORY_REPLAY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/analytics/replay_command.h"
#include "gtest_dist/history/database.h"
#include "gtest_dist/model/outcome.h"
#include "gtest_dist/model/triage_note.h"

namespace gtest_dist {
namespace history {

// One test process of a run: the full names of the tests it started, in order.
struct StoredProcess {
  int process = 0;
  std::string worker;
  std::vector<std::string> tests;
};

// Writes run `run_id`'s replay settings and processes (inside a transaction).
// `setup.tests` is ignored.
void InsertReplay(Database* db, std::int64_t run_id, const analytics::ReplaySpec& setup,
                  const std::vector<StoredProcess>& processes);

// What reproduces one result: the replay (its tests are the predecessors,
// in order, then the test itself), the process it ran in and the result.
struct ResultReplay {
  analytics::ReplaySpec spec;
  std::int64_t run_id = 0;
  std::string test;  // full name
  int attempt = 1;
  Outcome status = Outcome::kNotRun;
  int process = 0;
  std::string worker;
  int predecessors = 0;  // spec.tests.size() - 1
};

// The replay of `test` in run `run_id`: attempt `attempt`, or else its first
// failed attempt, or else its last. Throws DatabaseError naming what is
// missing (no such run, test or attempt; a run recorded without processes).
ResultReplay FindReplay(Database* db, std::int64_t run_id, const std::string& test,
                        std::optional<int> attempt = std::nullopt);

// FindReplay, or nullopt where it would throw: for the dashboard's failure
// view, which falls back to the test alone.
std::optional<ResultReplay> FindReplayQuietly(Database* db, std::int64_t run_id,
                                              const std::string& test, std::optional<int> attempt);

// A --dist-triage verdict on one test of a run.
struct TriageRow {
  std::int64_t run_id = 0;
  std::string test;  // full name
  TriageNote note;
};
void InsertTriage(Database* db, const std::vector<TriageRow>& rows);
// The verdict on `test` in run `run_id`, if it was triaged.
std::optional<TriageNote> FindTriage(Database* db, std::int64_t run_id, const std::string& test);

}  // namespace history
}  // namespace gtest_dist

#endif  // GTEST_DIST_HISTORY_REPLAY_STORE_H_
