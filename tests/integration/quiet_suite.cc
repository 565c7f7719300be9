// For quiet_test.py: tests during which the test process writes nothing to
// its runner, so that the runner learns of their start only by peeking at
// the process's batch of events (run/event_batcher.h).
// QuietHang: trivial tests, then one that hangs right after it starts
// (writing its pid to the file QUIET_SUITE_PID_FILE names, if set).
// QuietPause: trivial tests around a few that sleep 300 ms, one of them
// after a failure.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

// Quiet/QuietHang.Runs/0 to /19 pass; /20, the last of the suite, hangs.
class QuietHang : public testing::TestWithParam<int> {};

TEST_P(QuietHang, Runs) {
  if (GetParam() < 20) return;
  if (const char* path = std::getenv("QUIET_SUITE_PID_FILE")) {
    if (FILE* f = std::fopen(path, "w")) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    }
  }
  for (;;) pause();
}
INSTANTIATE_TEST_SUITE_P(Quiet, QuietHang, testing::Range(0, 21));

class QuietPause : public testing::TestWithParam<int> {};

// /5, /15, /25 and /35 sleep; /15 reports a failure first, which the runner
// learns of by peeking.
TEST_P(QuietPause, SleepsNowAndThen) {
  if (GetParam() == 15) ADD_FAILURE() << "reported once";
  if (GetParam() % 10 == 5) std::this_thread::sleep_for(std::chrono::milliseconds(300));
}
INSTANTIATE_TEST_SUITE_P(Quiet, QuietPause, testing::Range(0, 40));

}  // namespace
