// slow_suite: 72 tests of 150 ms each in 6 suites, so that a distributed run
// lasts a few seconds and a driver can interrupt it, kill a worker or cut a
// link in the middle. Every test passes; each prints one line. With
// SLOW_SUITE_MARKER_DIR set, each test also leaves a file there: proof, for
// the authentication tests, that a test really ran (or that none did).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace {

class Slow : public testing::TestWithParam<int> {
 protected:
  void Work() {
    std::printf("slow work %d\n", GetParam());
    if (const char* dir = std::getenv("SLOW_SUITE_MARKER_DIR")) {
      const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
      std::string name = std::string(test->test_suite_name()) + "." + test->name();
      for (char& c : name) {
        if (c == '/') c = '_';
      }
      std::ofstream(std::string(dir) + "/" + name) << "ran\n";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
};

using SlowA = Slow;
using SlowB = Slow;
using SlowC = Slow;
using SlowD = Slow;
using SlowE = Slow;
using SlowF = Slow;
TEST_P(SlowA, Works) { Work(); }
TEST_P(SlowB, Works) { Work(); }
TEST_P(SlowC, Works) { Work(); }
TEST_P(SlowD, Works) { Work(); }
TEST_P(SlowE, Works) { Work(); }
TEST_P(SlowF, Works) { Work(); }
INSTANTIATE_TEST_SUITE_P(Step, SlowA, testing::Range(0, 12));
INSTANTIATE_TEST_SUITE_P(Step, SlowB, testing::Range(0, 12));
INSTANTIATE_TEST_SUITE_P(Step, SlowC, testing::Range(0, 12));
INSTANTIATE_TEST_SUITE_P(Step, SlowD, testing::Range(0, 12));
INSTANTIATE_TEST_SUITE_P(Step, SlowE, testing::Range(0, 12));
INSTANTIATE_TEST_SUITE_P(Step, SlowF, testing::Range(0, 12));

}  // namespace
