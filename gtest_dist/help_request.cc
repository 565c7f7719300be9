#include "gtest_dist/help_request.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "gtest_dist/dist_flags.h"

// GoogleTest keeps its verdict in this variable (declared in its private
// gtest-internal-inl.h, exported from the library since 1.0): set by
// InitGoogleTest() for --help, for an unknown --gtest_ flag on the command
// line and for an unknown flag in a --gtest_flagfile. Reading it, rather than
// re-parsing argv, keeps the two decisions from ever differing.
namespace testing::internal {
GTEST_API_ extern bool g_help_flag;
}  // namespace testing::internal

namespace gtest_dist {

bool GtestHelpRequested() { return testing::internal::g_help_flag; }

int RunHelpRequest() {
  const int result = RUN_ALL_TESTS();  // runs nothing: the help flag is set
  std::printf("\ngtest_dist flags (each also as the environment variable shown):\n%s",
              DistFlagsHelp().c_str());
  std::fflush(stdout);
  return result;
}

}  // namespace gtest_dist
