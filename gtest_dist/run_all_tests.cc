// gtest_dist::RunAllTests(): picks the mode and runs it. Each mode lives in a
// file of its own: plain is RUN_ALL_TESTS(), child in run/child_main, worker
// in modes/worker_mode, supervisor (and its loop) in modes/supervisor_mode
// and modes/run_loop.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "gtest_dist/dist_flags.h"
#include "gtest_dist/gtest_dist.h"
#include "gtest_dist/help_request.h"
#include "gtest_dist/modes/mode_support.h"
#include "gtest_dist/modes/supervisor_mode.h"
#include "gtest_dist/modes/worker_mode.h"
#include "gtest_dist/run/child_main.h"
#include "gtest_dist/run/warm_child.h"

namespace gtest_dist {
namespace {

bool HasArgument(const std::vector<std::string>& args, const std::string& prefix) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

int RunAllTests() {
  const std::vector<std::string> args = testing::internal::GetArgvs();
  // A death test re-executing this binary runs one statement, plainly,
  // whatever the environment says.
  if (HasArgument(args, "--gtest_internal_run_death_test")) return RUN_ALL_TESTS();
  const int channel = TakeChildChannel();
  if (channel >= 0) return RunChild(channel);
  // A warm template (run/warm_child.h) returns only in the processes it forks.
  if (const int code = MaybeRunWarmTemplate(); code >= 0) return code;

  DistOptions options;
  std::string error;
  if (!ParseDistOptions(args, &options, &error)) {
    std::fprintf(stderr, "gtest_dist: %s\n", error.c_str());
    return kConfigurationError;
  }
  if (GtestHelpRequested()) return RunHelpRequest();  // as gtest: help, no test, 0
  // Listing runs nothing and needs no worker.
  if (options.mode == Mode::kPlain || GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();
  if (options.mode == Mode::kWorker) return RunWorkerMode(options);
  if (!CheckWorkersTrusted(options, &error)) {
    std::fprintf(stderr, "gtest_dist: %s\n", error.c_str());
    return kConfigurationError;
  }
  return RunSupervisorMode(options);
}

}  // namespace gtest_dist
