// The switches that turn a speed-up off for comparisons (bench/): an
// environment variable that is on unless it says "0" or "off".
#ifndef GTEST_DIST_BASE_ENV_SWITCH_H_
#define GTEST_DIST_BASE_ENV_SWITCH_H_

#include <cstdlib>
#include <cstring>

namespace gtest_dist {

// False when `variable` is set to "0" or "off"; true when it is unset or says
// anything else.
inline bool EnvSwitchOn(const char* variable) {
  const char* value = std::getenv(variable);
  return value == nullptr || (std::strcmp(value, "0") != 0 && std::strcmp(value, "off") != 0);
}

}  // namespace gtest_dist

#endif  // GTEST_DIST_BASE_ENV_SWITCH_H_
