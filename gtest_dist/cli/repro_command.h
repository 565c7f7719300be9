// `gtest_dist repro RUN TEST [--attempt N] [--run] [--timeout SECONDS]`:
// the command that replays the test process a recorded result ran in, up to
// that test (issue 16, exact reproduction); --run runs it here.
#ifndef GTEST_DIST_CLI_REPRO_COMMAND_H_
#define GTEST_DIST_CLI_REPRO_COMMAND_H_

#include <string>
#include <vector>

namespace gtest_dist {

// `args` are the arguments after "repro"; `location` the store (--history
// among `args` overrides it). Exit code: printing, 0 (1 for a store error,
// such as no such run or test); with --run, 0 when the failure came back,
// 1 when the test passed, 3 when the replay could not say (the binary could
// not be run, the test did not start); 2 for bad arguments.
int RunReproCommand(const std::vector<std::string>& args, const std::string& location);

extern const char kReproUsage[];

}  // namespace gtest_dist

#endif  // GTEST_DIST_CLI_REPRO_COMMAND_H_
