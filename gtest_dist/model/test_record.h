// What a test produced: the results that every report is made from.
#ifndef GTEST_DIST_MODEL_TEST_RECORD_H_
#define GTEST_DIST_MODEL_TEST_RECORD_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/model/outcome.h"

namespace gtest_dist {

// One assertion result or skip, as gtest's TestPartResult reports it.
struct TestPart {
  enum class Type { kSuccess, kNonFatalFailure, kFatalFailure, kSkip };
  Type type = Type::kSuccess;
  std::string file;  // empty when gtest had none
  int line = -1;     // -1 when gtest had none
  std::string summary;
  std::string message;
  // What the test printed (stdout and stderr merged, as on a terminal) after
  // the previous event and before this part was reported. Lets the console put
  // output and failure messages in the order a plain run prints them.
  std::string output_before;
  // The test erased it from its own result (gtest's internal
  // ClearCurrentTestPartResults, used by tests of test frameworks): printed
  // when it happened, as gtest does, but absent from the reports and the
  // verdict.
  bool cleared = false;

  bool failed() const { return type == Type::kNonFatalFailure || type == Type::kFatalFailure; }
};

// Whether any of `parts` is a failure.
inline bool AnyFailed(const std::vector<TestPart>& parts) {
  for (const TestPart& part : parts) {
    if (part.failed()) return true;
  }
  return false;
}

using Property = std::pair<std::string, std::string>;

// The property the XML and JSON reports add to every test that ran on a
// remote worker (`TestRecord::worker` neither empty nor kLocalWorker), after
// the test's own RecordProperty() calls, naming the worker. Tests run by the
// supervisor's own slots get none, so a local run's reports equal a plain
// run's. Frozen: users' report tooling may read it.
constexpr char kWorkerPropertyName[] = "gtest_dist_worker";
// Properties of a test that ran more than once (--dist-retries): how many
// attempts, the final outcome (FLAKY, or how the last attempt failed) and the
// failures of the attempts before the last, one line each. Frozen as above.
constexpr char kAttemptsPropertyName[] = "gtest_dist_attempts";
constexpr char kOutcomePropertyName[] = "gtest_dist_outcome";
constexpr char kAttemptFailuresPropertyName[] = "gtest_dist_attempt_failures";
// `TestRecord::worker` for the supervisor's local executor.
constexpr char kLocalWorker[] = "local";

// Everything known about one run of one test.
struct TestRecord {
  int index = -1;
  // Printed after the previous test of its process ended and before this one
  // started: SetUpTestSuite, a global Environment's SetUp. A plain run prints
  // it before "[ RUN      ]".
  std::string output_before_start;
  Outcome outcome = Outcome::kNotRun;
  std::vector<TestPart> parts;          // in the order they were reported
  std::vector<Property> properties;     // RecordProperty() calls, in order
  std::int64_t elapsed_ms = 0;          // the test's own time, measured where it ran
  std::int64_t start_timestamp_ms = 0;  // ms since the Unix epoch, where it ran
  std::string output_after;             // printed after the last part
  std::string worker;                   // where it ran: "host:port" or "local"
  // For kCrashed/kTimeout/kNotRun: why, in a sentence ("killed by signal 6
  // (Aborted)", "exited with status 1 during the test").
  std::string reason;
  // False for a test gtest never ran yet counts as passed: a global
  // Environment's SetUp skipped (GoogleTest 1.12 then runs no test and
  // reports each one as passed, printing no line for it).
  bool ran = true;
  // What it ran under (--dist-exclusive, --dist-lock): "exclusive" and
  // "lock:NAME" words, space-separated; empty for neither. For the history.
  std::string isolation;
  // On the wire only: how many of the parts streamed for this test it erased
  // from its result (the first ones); the assembler marks them `cleared`.
  int cleared_parts = 0;
  // --dist-retries: the attempts before this one, each a failure, oldest
  // first. This record is attempt failed_attempts.size() + 1.
  std::vector<TestRecord> failed_attempts;
  // The process of the run that ran this attempt (ProcessRun::id, set by the
  // supervisor; never on the wire); 0 when unknown.
  int process = 0;
  int attempt() const { return static_cast<int>(failed_attempts.size()) + 1; }
};

// The failure that reports show for a test that could not report its own end
// (kCrashed, kTimeout, kNotRun): a fatal failure stating `record.reason` at no
// source location, the form gtest itself uses for an exception escaping a test
// ("unknown file: Failure"). Reports put it after the test's own parts and
// output. Returns false, leaving `part` alone, for every other outcome.
bool OutcomeFailurePart(const TestRecord& record, TestPart* part);

// Results that belong to a suite rather than to a test: failures and
// properties from SetUpTestSuite/TearDownTestSuite (gtest's ad hoc result).
// A suite split over several chunks runs its SetUpTestSuite once per chunk;
// each run adds its parts here.
struct SuiteRecord {
  std::string name;
  std::vector<TestPart> parts;
  std::vector<Property> properties;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_TEST_RECORD_H_
