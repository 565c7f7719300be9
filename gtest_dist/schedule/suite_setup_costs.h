// What one more piece of a suite costs a run (issue 15, set-up-aware
// planning): every test process that runs some of a suite's tests runs its
// SetUpTestSuite and TearDownTestSuite again. The typical cost of each suite
// comes from the history (history::RecentSetupCosts, analytics/setup_cost.h);
// what this run measures (protocol::SuiteTiming) takes over once it arrives.
// The scheduler reads it before it splits a suite (scheduler.h); anything
// that moves tests between processes (a chunk's tail to an idle slot) can
// price that move the same way with SetupCostMs() and TailSplitPays().
// Pure: no clock, no I/O.
#ifndef GTEST_DIST_SCHEDULE_SUITE_SETUP_COSTS_H_
#define GTEST_DIST_SCHEDULE_SUITE_SETUP_COSTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gtest_dist {

class SuiteSetupCosts {
 public:
  // Set-up and tear-down of a suite, ms.
  struct Cost {
    double setup_ms = 0;
    double teardown_ms = 0;
  };

  SuiteSetupCosts() = default;
  // `typical`: by suite name; "" is the global Environments.
  explicit SuiteSetupCosts(std::map<std::string, Cost> typical) : typical_(std::move(typical)) {}

  // One measurement of this run (a test process's SetUpTestSuite and
  // TearDownTestSuite of `suite`).
  void Observe(const std::string& suite, double setup_ms, double teardown_ms);

  // Set-up plus tear-down of `suite`, ms: the median of this run's
  // measurements once there is one, else the history's typical cost; nothing
  // when neither knows the suite.
  std::optional<double> Known(const std::string& suite) const;
  // The same, 0 for a suite nobody measured: the cost of running `suite` in
  // one more test process, on top of the process's start-up.
  double SetupCostMs(const std::string& suite) const { return Known(suite).value_or(0); }
  // The global Environments' SetUp and TearDown, which every test process
  // runs (0 when unknown).
  double EnvironmentCostMs() const { return SetupCostMs(""); }

  bool empty() const { return typical_.empty() && measured_.empty(); }

 private:
  std::map<std::string, Cost> typical_;
  std::map<std::string, std::vector<double>> measured_;  // set-up + tear-down
};

// Whether an idle slot should take part of the unstarted tail of a running
// chunk's suite: the new process pays `price_ms` (the suite's SetupCostMs()
// plus a process start-up) before its first test, so moving m ms of the
// `tail_ms` left ends the chunk at max(tail - m, price + m); that beats
// `tail_ms` only when the tail is longer than the price.
inline bool TailSplitPays(double tail_ms, double price_ms) { return tail_ms > price_ms; }
// How much of such a tail to move so that both end together; 0 when it does
// not pay.
inline double TailToMoveMs(double tail_ms, double price_ms) {
  return TailSplitPays(tail_ms, price_ms) ? (tail_ms - price_ms) / 2 : 0;
}

}  // namespace gtest_dist

#endif  // GTEST_DIST_SCHEDULE_SUITE_SETUP_COSTS_H_
