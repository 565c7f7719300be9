// `gtest_dist serve`: the dashboard over a history store, until SIGINT or
// SIGTERM. Read-only; loopback unless given an access token.
#ifndef GTEST_DIST_CLI_SERVE_COMMAND_H_
#define GTEST_DIST_CLI_SERVE_COMMAND_H_

#include <string>
#include <vector>

namespace gtest_dist {

// `args` are the arguments after "serve". Returns the exit code: 0 after a
// clean stop, 2 for bad flags or a store or address that cannot be used.
int RunServeCommand(const std::vector<std::string>& args);

// The port `gtest_dist serve` binds when --bind names none.
constexpr int kDefaultDashboardPort = 7480;

}  // namespace gtest_dist

#endif  // GTEST_DIST_CLI_SERVE_COMMAND_H_
