// The iterations of a supervisor run (--gtest_repeat, --dist-loop,
// --dist-repeat-until-fail): one Supervisor per iteration, each on its own
// io_context with the real executors, SIGINT/SIGTERM interrupting the one
// that runs.
#ifndef GTEST_DIST_MODES_RUN_LOOP_H_
#define GTEST_DIST_MODES_RUN_LOOP_H_

#include <chrono>
#include <functional>
#include <vector>

#include "gtest_dist/model/run_listener.h"
#include "gtest_dist/supervisor/executor_factory.h"
#include "gtest_dist/supervisor/supervisor.h"

namespace gtest_dist {

// What runs beside each iteration on its io_context: `tick` every
// `tick_interval` while the iteration runs (the console's status line).
struct IterationHooks {
  std::chrono::milliseconds tick_interval{250};
  std::function<void(const Supervisor&)> tick;  // may be empty
};

// Runs `plan->repeat` iterations (-1: until interrupted), stopping after an
// interruption, or after the first failed one with `stop_at_failure`. Each
// iteration's `iteration`, start time and (when shuffling) seed are set in
// `plan`. Returns 1 when any iteration failed, else 0.
int RunIterations(const SupervisorConfig& config, const ExecutorSettings& executors, RunPlan* plan,
                  const std::vector<RunListener*>& listeners, bool stop_at_failure,
                  const IterationHooks& hooks = {});

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODES_RUN_LOOP_H_
