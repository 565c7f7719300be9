// The wall clock as the history, the reports and the protocol store it, and
// the steady clock that times intervals within one process.
#ifndef GTEST_DIST_BASE_WALL_CLOCK_H_
#define GTEST_DIST_BASE_WALL_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace gtest_dist {

// Milliseconds since the Unix epoch, now.
inline std::int64_t NowEpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Milliseconds on the steady clock (for differences only), with fractions.
inline double SteadyMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace gtest_dist

#endif  // GTEST_DIST_BASE_WALL_CLOCK_H_
