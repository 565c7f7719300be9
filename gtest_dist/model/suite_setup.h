// Set-up costs (issue 15, set-up-aware planning). Every test process that
// runs tests of a suite runs its SetUpTestSuite and TearDownTestSuite once,
// and every process runs the global Environments' SetUp and TearDown: a
// suite split in k pieces pays its set-up k times. The child measures each
// (protocol::SuiteTiming), the supervisor keeps them in the run's summary,
// the history stores them per run and suite (table suite_setups), and the
// planner weighs them before it splits a suite (schedule/suite_setup_costs.h).
#ifndef GTEST_DIST_MODEL_SUITE_SETUP_H_
#define GTEST_DIST_MODEL_SUITE_SETUP_H_

#include <cstdint>
#include <string>

namespace gtest_dist {

// One run of a suite's set-up and tear-down in one test process. `suite`
// empty: the global Environments (all of them together: a listener sees
// only their start and end).
struct SuiteSetupRun {
  std::string suite;
  std::int64_t setup_ms = 0;
  std::int64_t teardown_ms = 0;
  std::string worker;  // where it ran: "host:port" or "local"
};

// What one run paid for one suite's set-ups (analytics/setup_cost.h).
struct SuiteSetupSummary {
  std::string suite;             // empty: the global Environments
  int runs = 0;                  // processes that ran it
  std::int64_t setup_ms = 0;     // median of the runs
  std::int64_t teardown_ms = 0;  // median of the runs
  std::int64_t total_ms = 0;     // every set-up and tear-down, summed
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_SUITE_SETUP_H_
