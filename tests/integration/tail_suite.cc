// For tail_test.py: Tail.ALong, the first test, waits until 30 other tests
// of the binary have run (each appends "TEST name pid" to the file TAIL_TRACE
// names), for at most TAIL_WAIT_S seconds (default 60), and fails if they
// have not. Run in a chunk of 20 tests beside another chunk of 20, it passes
// only when an idle slot took tests from its chunk: tail control. Without
// TAIL_TRACE (a plain run) every test passes at once. TAIL_CRASH=NAME makes
// test Tail.NAME abort after its line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace {

constexpr int kWanted = 30;  // more than the 19 tests of the other chunk

const char* TracePath() { return std::getenv("TAIL_TRACE"); }

void Record() {
  const char* path = TracePath();
  if (path == nullptr) return;
  const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
  if (FILE* f = std::fopen(path, "a")) {
    std::fprintf(f, "TEST %s.%s %d\n", info->test_suite_name(), info->name(),
                 static_cast<int>(getpid()));
    std::fclose(f);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const char* crash = std::getenv("TAIL_CRASH");
  if (crash != nullptr && std::string(crash) == info->name()) std::abort();
}

int OthersRecorded() {
  std::ifstream in(TracePath());
  int count = 0;
  for (std::string line; std::getline(in, line);) {
    count += line.rfind("TEST ", 0) == 0 && line.find("Tail.ALong ") == std::string::npos;
  }
  return count;
}

TEST(Tail, ALong) {
  Record();
  if (TracePath() == nullptr) return;
  const char* wait = std::getenv("TAIL_WAIT_S");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(wait && *wait ? std::atoi(wait) : 60);
  int seen = 0;
  while ((seen = OthersRecorded()) < kWanted && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(seen, kWanted) << "the tests after this one in its chunk did not run elsewhere";
}

#define TAIL_SHORT(n) \
  TEST(Tail, Short##n) { Record(); }
TAIL_SHORT(01)
TAIL_SHORT(02)
TAIL_SHORT(03)
TAIL_SHORT(04)
TAIL_SHORT(05)
TAIL_SHORT(06)
TAIL_SHORT(07)
TAIL_SHORT(08)
TAIL_SHORT(09)
TAIL_SHORT(10)
TAIL_SHORT(11)
TAIL_SHORT(12)
TAIL_SHORT(13)
TAIL_SHORT(14)
TAIL_SHORT(15)
TAIL_SHORT(16)
TAIL_SHORT(17)
TAIL_SHORT(18)
TAIL_SHORT(19)
TAIL_SHORT(20)
TAIL_SHORT(21)
TAIL_SHORT(22)
TAIL_SHORT(23)
TAIL_SHORT(24)
TAIL_SHORT(25)
TAIL_SHORT(26)
TAIL_SHORT(27)
TAIL_SHORT(28)
TAIL_SHORT(29)
TAIL_SHORT(30)
TAIL_SHORT(31)
TAIL_SHORT(32)
TAIL_SHORT(33)
TAIL_SHORT(34)
TAIL_SHORT(35)
TAIL_SHORT(36)
TAIL_SHORT(37)
TAIL_SHORT(38)
TAIL_SHORT(39)

}  // namespace
