// The one test of the packaging consumer. It includes the installed public
// header (so a missing or misplaced header fails the build) and gets main()
// from gtest_dist::main.
#include <gtest/gtest.h>

#include <type_traits>

#include "gtest_dist/gtest_dist.h"

static_assert(std::is_same_v<decltype(gtest_dist::RunAllTests()), int>,
              "gtest_dist::RunAllTests() returns the process exit code");

TEST(ConsumerTest, RunsUnderGtestDistMain) { EXPECT_EQ(2 + 2, 4); }
