// The suite the dashboard's browser tests watch: tests slow enough to see a
// run in progress (DASHBOARD_SUITE_SLEEP_MS each), a failure whose message is
// an XSS payload, a test that gets slower from its fourth run on and one that
// fails every other run. Counters live in DASHBOARD_SUITE_STATE (a directory);
// without it every test is fast and only Hostile.Message fails. With
// DASHBOARD_SUITE_GATE (a file), Slow/0 waits for that file to exist, so that
// the run it is in cannot end before the browser has seen it live.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace {

int EnvInt(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? 0 : std::atoi(value);
}

void Sleep(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Waits until the file DASHBOARD_SUITE_GATE names exists; two minutes at most,
// so that a browser test that failed before opening it still ends.
void WaitForGate() {
  const char* gate = std::getenv("DASHBOARD_SUITE_GATE");
  if (gate == nullptr) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (!std::ifstream(gate) && std::chrono::steady_clock::now() < deadline) Sleep(50);
}

// How many times `name` ran before in this state directory (then counts this run).
int BumpCounter(const std::string& name) {
  const char* dir = std::getenv("DASHBOARD_SUITE_STATE");
  if (dir == nullptr) return 0;
  const std::string path = std::string(dir) + "/" + name;
  int count = 0;
  std::ifstream(path) >> count;
  std::ofstream(path) << count + 1;
  return count;
}

TEST(Hostile, Message) {
  // The browser test makes sure it runs early in the run (see its seed), so
  // its failure arrives while the Slow tests still run.
  Sleep(EnvInt("DASHBOARD_SUITE_SLEEP_MS"));
  std::printf("output line with <b>markup</b>\n");
  std::printf("%s\n", std::string(20000, 'x').c_str());  // longer than the page shows
  ADD_FAILURE() << "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">";
}

class Slow : public testing::TestWithParam<int> {};

TEST_P(Slow, Works) {
  if (GetParam() == 0) WaitForGate();
  Sleep(EnvInt("DASHBOARD_SUITE_SLEEP_MS"));
  EXPECT_GE(GetParam(), 0);
}

INSTANTIATE_TEST_SUITE_P(Many, Slow, testing::Range(0, 24));

TEST(Drift, GetsSlower) { Sleep(BumpCounter("drift") >= 3 ? 400 : 30); }

TEST(Flip, FailsEveryOtherRun) { EXPECT_EQ(BumpCounter("flip") % 2, 0) << "odd run"; }

}  // namespace
