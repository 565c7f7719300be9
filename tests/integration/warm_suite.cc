// For warm_test.py: records, in the file WARM_TRACE names, each process that
// ran this binary's static initialisation ("INIT pid") and each test's
// process and TEST_TMPDIR ("TEST name pid dir"). WARM_CRASH=1 makes one test
// abort in the middle of its chunk.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

void Append(const std::string& line) {
  const char* path = std::getenv("WARM_TRACE");
  if (path == nullptr) return;
  if (FILE* f = std::fopen(path, "a")) {
    std::fputs((line + "\n").c_str(), f);
    std::fclose(f);
  }
}

const bool kInitRecorded = [] {
  Append("INIT " + std::to_string(getpid()));
  return true;
}();

void Record() {
  const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
  const char* dir = std::getenv("TEST_TMPDIR");
  Append("TEST " + std::string(info->test_suite_name()) + "." + info->name() + " " +
         std::to_string(getpid()) + " " + (dir != nullptr ? dir : "-"));
  // Long enough that the run is cut into many chunks.
  std::this_thread::sleep_for(std::chrono::milliseconds(15));
}

class WarmA : public testing::TestWithParam<int> {};
class WarmB : public testing::TestWithParam<int> {};
class WarmC : public testing::TestWithParam<int> {};
class WarmD : public testing::TestWithParam<int> {};
TEST_P(WarmA, Records) { Record(); }
TEST_P(WarmB, Records) { Record(); }
TEST_P(WarmC, Records) { Record(); }
TEST_P(WarmD, Records) {
  Record();
  if (GetParam() == 3 && std::getenv("WARM_CRASH") != nullptr) std::abort();
}
INSTANTIATE_TEST_SUITE_P(P, WarmA, testing::Range(0, 12));
INSTANTIATE_TEST_SUITE_P(P, WarmB, testing::Range(0, 10));
INSTANTIATE_TEST_SUITE_P(P, WarmC, testing::Range(0, 8));
INSTANTIATE_TEST_SUITE_P(P, WarmD, testing::Range(0, 6));

TEST(WarmDeathTest, DiesInAForkedProcessToo) {
  EXPECT_DEATH(std::abort(), "");
  EXPECT_EXIT(std::_Exit(3), testing::ExitedWithCode(3), "");
}

}  // namespace
