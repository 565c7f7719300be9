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

// For warm_test.py's shared-template test: several supervisors on one worker
// share one template. WarmShared.Keeps and WarmShared.Waits hold their
// processes until the file "<WARM_TRACE>.release" exists. WarmShared.Lingers
// passes at once, and its process then lingers at exit until that file
// exists; WarmShared.Follows ends once Lingers' process is exiting, so that
// its supervisor has every result while that process still lives.
namespace {

bool Traced(const std::string& line) {
  const char* path = std::getenv("WARM_TRACE");
  std::FILE* f = path != nullptr ? std::fopen(path, "r") : nullptr;
  if (f == nullptr) return false;
  char buffer[256];
  bool found = false;
  while (!found && std::fgets(buffer, sizeof buffer, f) != nullptr) {
    found = std::string(buffer).rfind(line, 0) == 0;
  }
  std::fclose(f);
  return found;
}

bool WaitFor(const std::string& what, const char* tag) {
  const char* trace = std::getenv("WARM_TRACE");
  if (trace == nullptr) return true;
  if (tag != nullptr) Append(std::string(tag) + " " + std::to_string(getpid()));
  const std::string release = std::string(trace) + ".release";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (what.empty() ? access(release.c_str(), F_OK) != 0 : !Traced(what)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST(WarmShared, Keeps) { EXPECT_TRUE(WaitFor("", "KEEP")); }
TEST(WarmShared, Waits) { EXPECT_TRUE(WaitFor("", "WAIT")); }
TEST(WarmShared, Lingers) {
  if (std::getenv("WARM_TRACE") == nullptr) return;
  Append("LINGER " + std::to_string(getpid()));
  // After the chunk's last event has been written to the parent.
  std::atexit([] {
    Append("EXITING " + std::to_string(getpid()));
    WaitFor("", nullptr);
  });
}
TEST(WarmShared, Follows) { EXPECT_TRUE(WaitFor("EXITING ", "FOLLOW")); }

}  // namespace
