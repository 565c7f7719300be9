// Parsing dist flags in a test: success expected, or the error message.
#ifndef GTEST_DIST_TESTS_UNIT_FLAGS_TEST_SUPPORT_H_
#define GTEST_DIST_TESTS_UNIT_FLAGS_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gtest_dist/dist_flags.h"

namespace gtest_dist {

// Parses `args`; a failure fails the test.
inline DistOptions ParsedFlags(const std::vector<std::string>& args) {
  DistOptions options;
  std::string error;
  EXPECT_TRUE(ParseDistOptions(args, &options, &error)) << error;
  return options;
}

// Parses `args`, which must be refused with a message; returns it.
inline std::string FlagError(const std::vector<std::string>& args) {
  DistOptions options;
  std::string error;
  EXPECT_FALSE(ParseDistOptions(args, &options, &error)) << testing::PrintToString(args);
  EXPECT_FALSE(error.empty());
  return error;
}

}  // namespace gtest_dist

#endif  // GTEST_DIST_TESTS_UNIT_FLAGS_TEST_SUPPORT_H_
