// The merged event stream of a distributed run, and the interface every
// consumer of it implements (console, XML, JSON; later the history store and
// the dashboard). Adding a consumer touches no scheduling code.
#ifndef GTEST_DIST_MODEL_RUN_LISTENER_H_
#define GTEST_DIST_MODEL_RUN_LISTENER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/model/test_record.h"

namespace gtest_dist {

// What a run is going to do, known before the first test is dispatched.
struct RunPlan {
  const TestCatalog* catalog = nullptr;
  // Indices of the tests to run, in catalog order.
  std::vector<int> selected;
  // Disabled tests that match the filter: reported (XML/JSON "notrun",
  // console "YOU HAVE N DISABLED TESTS") but not run.
  std::vector<int> disabled_matching;
  std::string filter;              // --gtest_filter as given ("*" by default)
  int random_seed = 0;             // 0 unless shuffling
  bool shuffle = false;
  int iteration = 0;               // 0-based, for --gtest_repeat
  int repeat = 1;                  // --gtest_repeat value
  // --gtest_recreate_environments_when_repeating: environment banners in
  // every iteration, not only the first and last.
  bool recreate_environments = false;
  std::int64_t start_timestamp_ms = 0;
  std::vector<std::string> workers;  // worker names, for the report header
  // --dist-retries: how often a failed test is run again.
  int retries = 0;
  // --dist-flaky-fails: a FLAKY test fails the run (and shows as failed in
  // the reports) instead of counting as passed.
  bool flaky_fails = false;
};

// Whether `outcome` fails the run under `plan`: IsFailure, and FLAKY when
// the plan says flaky tests fail.
inline bool FailsRun(const RunPlan& plan, Outcome outcome) {
  return IsFailure(outcome) || (plan.flaky_fails && outcome == Outcome::kFlaky);
}

// The outcome of a whole run, given to OnRunEnd: the cumulative model that
// the XML and JSON writers (and the history store) are made from.
struct RunSummary {
  const RunPlan* plan = nullptr;
  // One final record per selected test, keyed (and so ordered) by test index.
  std::map<int, TestRecord> records;
  // Suites that have suite-level parts or properties, in catalog order.
  std::vector<SuiteRecord> suites;
  // Failures and skips in global Environments, and RecordProperty calls made
  // outside any test suite.
  std::vector<TestPart> global_parts;
  std::vector<Property> global_properties;
  std::int64_t elapsed_ms = 0;
  bool interrupted = false;
  // The slots of each worker that reported a result, by the name in
  // `TestRecord::worker`.
  std::map<std::string, int> worker_slots;
};

// Receives the events of a run on the supervisor. All callbacks fire on one
// thread, in this order: OnRunStart; then for each test OnTestStarted (maybe)
// and exactly one OnTestFinished; OnSuitePart whenever a suite-level result
// arrives; finally OnRunEnd.
class RunListener {
 public:
  virtual ~RunListener() = default;

  virtual void OnRunStart(const RunPlan& /*plan*/) {}
  // A test began on `worker`. Informational: a test may start more than once
  // when a worker is lost, but finishes exactly once.
  virtual void OnTestStarted(const TestEntry& /*test*/,
                             const std::string& /*worker*/) {}
  // The final result of one test. Fires exactly once per selected test; with
  // --dist-retries the record carries the failed attempts before it.
  virtual void OnTestFinished(const TestEntry& /*test*/,
                              const TestRecord& /*record*/) {}
  // A failure or property outside any test: in SetUpTestSuite/TearDownTestSuite
  // (`suite` names it) or in a global Environment (`suite` is empty).
  virtual void OnSuitePart(const std::string& /*suite*/,
                           const TestPart& /*part*/) {}
  virtual void OnRunEnd(const RunSummary& /*summary*/) {}
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_RUN_LISTENER_H_
