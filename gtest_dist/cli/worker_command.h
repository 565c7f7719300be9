// `gtest_dist worker`: the generic worker daemon, which runs any build a
// supervisor ships to it.
#ifndef GTEST_DIST_CLI_WORKER_COMMAND_H_
#define GTEST_DIST_CLI_WORKER_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "gtest_dist/model/byte_size.h"  // ParseByteSize, for --cache-size

namespace gtest_dist {

// Runs the daemon until SIGTERM/SIGINT; `args` follow "worker". Returns the
// exit code (2 for a bad flag, with the message printed).
int RunWorkerCommand(const std::vector<std::string>& args);

}  // namespace gtest_dist

#endif  // GTEST_DIST_CLI_WORKER_COMMAND_H_
