// setup_suite: failures and skips outside test bodies, as issue 3 lists them:
// a SetUpTestSuite that fails, one that skips its whole suite, a SetUp that
// skips, and (with SETUP_SUITE_ENV=fail or =skip) a global Environment whose
// SetUp fails or skips. Distributed runs must report them as plain gtest does.
// With SETUP_SUITE_ENV=count the Environment appends a line to the file named
// by SETUP_SUITE_ENV_LOG at each SetUp: how often an expensive set-up runs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

class FailingSuiteSetUp : public testing::Test {
 protected:
  static void SetUpTestSuite() { ADD_FAILURE() << "SetUpTestSuite failed on purpose"; }
};
TEST_F(FailingSuiteSetUp, First) { SUCCEED(); }
TEST_F(FailingSuiteSetUp, Second) { SUCCEED(); }

// gtest 1.12 prints the skip but still runs the suite's tests (later
// versions skip them): whatever it does, a distributed run must do the same.
class SkippedSuite : public testing::Test {
 protected:
  static void SetUpTestSuite() { GTEST_SKIP() << "the whole suite is skipped"; }
};
TEST_F(SkippedSuite, First) { SUCCEED(); }
TEST_F(SkippedSuite, Second) { SUCCEED(); }

class SkipInSetUp : public testing::Test {
 protected:
  void SetUp() override { GTEST_SKIP() << "skipped in SetUp"; }
};
TEST_F(SkipInSetUp, Skipped) { FAIL() << "must not run"; }

TEST(Plain, Passes) { RecordProperty("kind", "plain"); }
TEST(Plain, AlsoPasses) { SUCCEED(); }

class Env : public testing::Environment {
 public:
  explicit Env(std::string mode) : mode_(std::move(mode)) {}
  void SetUp() override {
    if (mode_ == "fail") FAIL() << "Environment SetUp failed on purpose";
    if (mode_ == "skip") GTEST_SKIP() << "Environment SetUp skips everything";
    if (mode_ == "count") {
      if (const char* log = std::getenv("SETUP_SUITE_ENV_LOG")) {
        std::ofstream(log, std::ios::app) << "set up\n";
      }
    }
  }

 private:
  std::string mode_;
};

const bool kEnvironmentRegistered = [] {
  const char* mode = std::getenv("SETUP_SUITE_ENV");
  if (mode != nullptr) testing::AddGlobalTestEnvironment(new Env(mode));
  return true;
}();

}  // namespace
