// Runs a replay of a recorded test process (issue 16) here, as a plain
// gtest run of the test binary: `gtest_dist repro --run` and --dist-triage.
#ifndef GTEST_DIST_MODES_REPLAY_RUNNER_H_
#define GTEST_DIST_MODES_REPLAY_RUNNER_H_

#include <chrono>
#include <string>

#include "gtest_dist/analytics/replay_command.h"

namespace gtest_dist {

struct ReplayResult {
  bool ran = false;  // the binary was started (else `error` says why not)
  std::string error;
  bool timed_out = false;  // killed at the deadline
  int exit_code = -1;      // -1 when killed by a signal
  int signal = 0;
  std::string output;  // stdout and stderr merged, up to kMaxReplayOutput
  analytics::ReplayObservation seen;
};

constexpr std::size_t kMaxReplayOutput = 16u << 20;

// Runs ReplayArgv(spec) plus --gtest_color=no in spec.directory, in its own
// process group, with spec.env set and every GTEST_* variable of this
// environment removed (they are gtest's and gtest_dist's flags: a replay
// must be a plain run with exactly the recorded flags). A filter longer than
// 64 KiB goes in a temporary --gtest_flagfile (one argument may not exceed
// 128 KiB). Killed at `timeout`.
ReplayResult RunReplay(const analytics::ReplaySpec& spec, std::chrono::milliseconds timeout);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODES_REPLAY_RUNNER_H_
