// Environment variables set for one test's lifetime, for tests of code that
// reads them (flags, sharding, the terminal, local-time stamps).
#ifndef GTEST_DIST_TESTS_UNIT_SCOPED_ENV_H_
#define GTEST_DIST_TESTS_UNIT_SCOPED_ENV_H_

#include <stdlib.h>

#include <ctime>
#include <optional>
#include <string>
#include <utility>

namespace gtest_dist {

// Sets (or, with nullopt, unsets) one environment variable for its lifetime
// and restores what was there before, so that no test leaks it into the next.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = getenv(name_.c_str())) old_ = old;
    Set(value);
  }
  ~ScopedEnv() { Set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void Set(const std::optional<std::string>& value) {
    if (value) {
      setenv(name_.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }

  std::string name_;
  std::optional<std::string> old_;
};

// Pins the time zone to UTC: gtest's report timestamps are local time.
class ScopedUtcTimeZone {
 public:
  ScopedUtcTimeZone() { tzset(); }
  ~ScopedUtcTimeZone() {
    tz_.reset();
    tzset();
  }

 private:
  std::optional<ScopedEnv> tz_{std::in_place, "TZ", "UTC"};
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_TESTS_UNIT_SCOPED_ENV_H_
