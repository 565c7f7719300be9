// The merged event stream of a distributed run, and the interface every
// consumer of it implements (console, XML, JSON; later the history store and
// the dashboard). Adding a consumer touches no scheduling code.
#ifndef GTEST_DIST_MODEL_RUN_LISTENER_H_
#define GTEST_DIST_MODEL_RUN_LISTENER_H_

#include <string>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/model/test_record.h"

namespace gtest_dist {

// Receives the events of a run on the supervisor. All callbacks fire on one
// thread, in this order: OnRunStart; then for each test OnTestStarted (maybe)
// and exactly one OnTestFinished; OnSuitePart whenever a suite-level result
// arrives; OnWorkerShipped when a generic worker has the build; finally
// OnRunEnd.
class RunListener {
 public:
  virtual ~RunListener() = default;

  virtual void OnRunStart(const RunPlan& /*plan*/) {}
  // A test began on `worker`. Informational: a test may start more than once
  // when a worker is lost, but finishes exactly once.
  virtual void OnTestStarted(const TestEntry& /*test*/, const std::string& /*worker*/) {}
  // The final result of one test. Fires exactly once per selected test; with
  // --dist-retries the record carries the failed attempts before it.
  virtual void OnTestFinished(const TestEntry& /*test*/, const TestRecord& /*record*/) {}
  // A failure or property outside any test: in SetUpTestSuite/TearDownTestSuite
  // (`suite` names it) or in a global Environment (`suite` is empty).
  virtual void OnSuitePart(const std::string& /*suite*/, const TestPart& /*part*/) {}
  // A generic worker has the build (shipped what it lacked) and is about to
  // take tests; between OnRunStart and OnRunEnd, any number of times.
  virtual void OnWorkerShipped(const WorkerShipping& /*shipping*/) {}
  virtual void OnRunEnd(const RunSummary& /*summary*/) {}
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_RUN_LISTENER_H_
