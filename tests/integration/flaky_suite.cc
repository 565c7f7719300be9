// flaky_suite: tests whose outcome depends on how often they have run, for
// the retry and loop tests. Each test counts its runs in a file under
// FLAKY_SUITE_STATE_DIR (required), so the "flakiness" is deterministic:
//   Flaky.FailsFirstTime     fails on its 1st run, passes after: FLAKY with a retry
//   Flaky.CrashesFirstTime   aborts on its 1st run, passes after
//   Broken.AlwaysFails       fails every time
//   Sometimes.FailsOneRunInFive   fails on runs 3, 8, 13, ...: 20% of runs
//   Sometimes.FailsOneRunInTwenty fails on run 11 only (of every 20)
//   Steady.Passes/N          always passes
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

// This test's run number, counting from 1, kept across processes.
int CountRun() {
  const char* dir = std::getenv("FLAKY_SUITE_STATE_DIR");
  if (dir == nullptr) {
    ADD_FAILURE() << "FLAKY_SUITE_STATE_DIR is not set";
    return 1;
  }
  const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(test->test_suite_name()) + "." + test->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  const std::string path = std::string(dir) + "/" + name;
  int runs = 0;
  std::ifstream(path) >> runs;
  ++runs;
  std::ofstream(path) << runs;
  return runs;
}

TEST(Flaky, FailsFirstTime) {
  const int run = CountRun();
  std::printf("FailsFirstTime run %d\n", run);
  EXPECT_GT(run, 1) << "first run fails";
}

TEST(Flaky, CrashesFirstTime) {
  if (CountRun() == 1) std::abort();
}

TEST(Broken, AlwaysFails) {
  CountRun();
  FAIL() << "always broken";
}

TEST(Sometimes, FailsOneRunInFive) { EXPECT_NE(CountRun() % 5, 3) << "one run in five fails"; }

TEST(Sometimes, FailsOneRunInTwenty) { EXPECT_NE(CountRun() % 20, 11) << "one run in twenty"; }

class Steady : public testing::TestWithParam<int> {};
TEST_P(Steady, Passes) { SUCCEED(); }
INSTANTIATE_TEST_SUITE_P(Many, Steady, testing::Range(0, 12));

}  // namespace
