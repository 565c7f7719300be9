// `gtest_dist quarantine add|list|remove|auto`: the quarantine list of a
// history store (issue 16).
#ifndef GTEST_DIST_CLI_QUARANTINE_COMMAND_H_
#define GTEST_DIST_CLI_QUARANTINE_COMMAND_H_

#include <string>
#include <vector>

namespace gtest_dist {

// `args` are the arguments after "quarantine"; `location` the store
// (--history, $GTEST_DIST_HISTORY or the per-user default; --history among
// `args` overrides it). Returns the exit code: 0 done, 1 a store error or
// `remove` of a test that had no entry, 2 bad arguments.
int RunQuarantineCommand(const std::vector<std::string>& args, const std::string& location);

extern const char kQuarantineUsage[];

}  // namespace gtest_dist

#endif  // GTEST_DIST_CLI_QUARANTINE_COMMAND_H_
