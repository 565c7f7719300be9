// crash_suite: tests that kill their own process in every way a test can,
// between tests that pass, so the integration tests can check that a crash
// costs exactly one test and its chunk-mates still run. Plain gtest stops at
// the first of them; only a distributed run gets through this suite.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// CRASH_SUITE_START_UP_MS=N: every process of this binary spends N ms in its
// static initialisation, as a big binary (or a sanitizer build on a busy
// machine) does; that is no test's time.
const int kSlowStartUp = [] {
  const char* ms = std::getenv("CRASH_SUITE_START_UP_MS");
  if (ms != nullptr) usleep(static_cast<useconds_t>(std::atoi(ms)) * 1000);
  return 0;
}();

// Names are in run order; keep them so that one chunk holds them in order.
TEST(CrashChunk, Test1Passes) { SUCCEED(); }

TEST(CrashChunk, Test2Aborts) {
  std::printf("about to abort\n");
  std::fflush(stdout);
  std::abort();
}

TEST(CrashChunk, Test3Passes) { SUCCEED(); }

TEST(CrashChunk, Test4Segfaults) {
  std::printf("about to raise SIGSEGV\n");
  std::fflush(stdout);
  std::raise(SIGSEGV);
}

TEST(CrashChunk, Test5Passes) { SUCCEED(); }

TEST(CrashChunk, Test6ExitsZero) {
  // exit() runs atexit handlers and flushes stdio: the process ends "cleanly"
  // in the middle of a test, which is still a lost test.
  std::printf("about to exit(0)\n");
  std::exit(0);
}

TEST(CrashChunk, Test7Passes) { SUCCEED(); }

TEST(CrashChunk, Test8UnderscoreExitsOne) { _exit(1); }

TEST(CrashChunk, Test9Passes) { SUCCEED(); }

// Never returns: only --dist-test-timeout ends it (the driver sets 2 s).
TEST(CrashChunk, Test10Hangs) {
  std::printf("about to hang\n");
  std::fflush(stdout);
  for (;;) pause();
}

TEST(CrashChunk, Test11Passes) { SUCCEED(); }

// Death tests are expected deaths: they must pass, distributed or not.
TEST(CrashDeathTest, AbortIsDeath) { EXPECT_DEATH(std::abort(), ""); }

TEST(CrashDeathTest, ExitCodeIsChecked) {
  EXPECT_EXIT(
      {
        std::fprintf(stderr, "leaving with 3\n");
        std::exit(3);
      },
      testing::ExitedWithCode(3), "leaving with 3");
}

TEST(CrashDeathTest, SignalIsChecked) {
  EXPECT_EXIT(std::raise(SIGSEGV), testing::KilledBySignal(SIGSEGV), "");
}

// CRASH_SUITE_FAIL_AT_EXIT=teardown|destructor: a process that ran
// CrashExit.SlowExitAfterThis takes a second after its last test and then
// aborts, in the global Environment's TearDown or in a static destructor
// (after it told its parent the chunk was over): failures only its end can
// report (FAILURE_ON_EXIT).
bool ran_slow_exit_test = false;

void MaybeFailAtExit(const char* where) {
  const char* when = std::getenv("CRASH_SUITE_FAIL_AT_EXIT");
  if (!ran_slow_exit_test || when == nullptr || std::strcmp(when, where) != 0) return;
  std::fprintf(stderr, "failing in the %s, after the tests\n", where);
  sleep(1);
  std::abort();
}

class FailAtExit : public testing::Environment {
 public:
  void TearDown() override { MaybeFailAtExit("teardown"); }
};
testing::Environment* const kFailAtExit = testing::AddGlobalTestEnvironment(new FailAtExit);

struct FailInDestructor {
  ~FailInDestructor() { MaybeFailAtExit("destructor"); }
} fail_in_destructor;

TEST(CrashExit, SlowExitAfterThis) { ran_slow_exit_test = true; }

TEST(CrashExit, Other) { SUCCEED(); }

}  // namespace
