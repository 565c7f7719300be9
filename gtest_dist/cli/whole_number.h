// A count given to a `gtest_dist` subcommand (--window, --limit, ...).
#ifndef GTEST_DIST_CLI_WHOLE_NUMBER_H_
#define GTEST_DIST_CLI_WHOLE_NUMBER_H_

#include <cstdlib>
#include <string>

namespace gtest_dist {

constexpr long kMaxWholeNumber = 1000000;

// `text` as a whole number from 1 to kMaxWholeNumber into `value`; false
// (and `value` untouched) for anything else.
inline bool ParseWholeNumber(const std::string& text, int* value) {
  char* end = nullptr;
  const long parsed = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || parsed < 1 || parsed > kMaxWholeNumber) return false;
  *value = static_cast<int>(parsed);
  return true;
}

// What a bad count is told, naming the flag and the value.
inline std::string WholeNumberError(const std::string& flag, const std::string& text) {
  return "--" + flag + ": expected a whole number from 1 to 1000000, got \"" + text + "\"";
}

}  // namespace gtest_dist

#endif  // GTEST_DIST_CLI_WHOLE_NUMBER_H_
