// `gtest_dist worker`: the generic worker daemon, which runs any build a
// supervisor ships to it.
#ifndef GTEST_DIST_CLI_WORKER_COMMAND_H_
#define GTEST_DIST_CLI_WORKER_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

namespace gtest_dist {

// Runs the daemon until SIGTERM/SIGINT; `args` follow "worker". Returns the
// exit code (2 for a bad flag, with the message printed).
int RunWorkerCommand(const std::vector<std::string>& args);

// Parses --cache-size: bytes, or a number with K, M, G or T (powers of 1024,
// "KiB" and "GB" spelled out too). False for anything else or zero.
bool ParseByteSize(const std::string& text, std::uint64_t* bytes);

}  // namespace gtest_dist

#endif  // GTEST_DIST_CLI_WORKER_COMMAND_H_
