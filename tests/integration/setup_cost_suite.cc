// setup_cost_suite: set-ups of known cost (issue 15, set-up-aware planning).
// SlowSetUp's SetUpTestSuite sleeps SETUP_COST_SUITE_MS (default 400) and
// its TearDownTestSuite 100 ms; the global Environment's SetUp sleeps 150
// ms; Quick has no set-up. The driver checks what the history stores.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace {

void SleepMs(long ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

class SlowSetUp : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* ms = std::getenv("SETUP_COST_SUITE_MS");
    SleepMs(ms != nullptr ? std::atol(ms) : 400);
  }
  static void TearDownTestSuite() { SleepMs(100); }
};
TEST_F(SlowSetUp, First) { SUCCEED(); }
TEST_F(SlowSetUp, Second) { SUCCEED(); }
TEST_F(SlowSetUp, Third) { SUCCEED(); }

TEST(Quick, One) { SUCCEED(); }
TEST(Quick, Two) { SUCCEED(); }

class SlowEnvironment : public testing::Environment {
 public:
  void SetUp() override { SleepMs(150); }
};

const bool kRegistered = [] {
  testing::AddGlobalTestEnvironment(new SlowEnvironment);
  return true;
}();

}  // namespace
