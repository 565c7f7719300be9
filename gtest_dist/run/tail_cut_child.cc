#include "gtest_dist/run/tail_cut_child.h"

#include <algorithm>

#include "gtest_dist/run/private_member.h"

namespace gtest_dist {

// gtest has no public setter for whether a test or suite runs: the two
// flags, and nothing else (private_member.h).
struct TestShouldRun {
  using Type = bool testing::TestInfo::*;
  friend Type Pointer(TestShouldRun);
};
struct SuiteShouldRun {
  using Type = bool testing::TestSuite::*;
  friend Type Pointer(SuiteShouldRun);
};
template struct PrivateMember<TestShouldRun, &testing::TestInfo::should_run_>;
template struct PrivateMember<SuiteShouldRun, &testing::TestSuite::should_run_>;

TailCutListener::TailCutListener(TailCutWord* word, std::vector<int> tests,
                                 const std::unordered_map<const testing::TestInfo*, int>& indices,
                                 const RegisteredTests& registered)
    : word_(word), tests_(std::move(tests)), indices_(indices), registered_(registered) {
  std::sort(tests_.begin(), tests_.end());
}

void TailCutListener::OnEnvironmentsSetUpEnd(const testing::UnitTest& /*unit_test*/) {
  if (word_ == nullptr || tests_.empty()) return;
  Apply(ClaimThrough(word_, static_cast<std::uint32_t>(tests_.front())));
}

void TailCutListener::OnTestEnd(const testing::TestInfo& info) {
  if (word_ == nullptr) return;
  const auto it = indices_.find(&info);
  if (it != indices_.end()) ClaimNextAfter(it->second);
}

void TailCutListener::ClaimNextAfter(int index) {
  const auto next = std::upper_bound(tests_.begin(), tests_.end(), index);
  // No next test: nothing is left to claim, but a cut that came meanwhile
  // is still marked (it names no test that could run).
  Apply(next == tests_.end() ? CutFrom(word_, kNoCut)
                             : ClaimThrough(word_, static_cast<std::uint32_t>(*next)));
}

void TailCutListener::Apply(std::uint32_t limit) {
  if (limit >= applied_) return;
  // Only the chunk's tests from the limit on: a pass over every registered
  // test cost a 100,000-test binary milliseconds per cut, in every chunk cut.
  const auto first_cut = std::lower_bound(tests_.begin(), tests_.end(), limit);
  const auto valid = [this](int index) {
    return index >= 0 && static_cast<std::size_t>(index) < registered_.tests.size();
  };
  for (auto it = first_cut; it != tests_.end(); ++it) {
    if (!valid(*it)) continue;
    registered_.tests[static_cast<std::size_t>(*it)]->*Pointer(TestShouldRun{}) = false;
  }
  // A suite none of whose tests is left to run is not entered: no
  // SetUpTestSuite for nothing. No test outside the chunk runs, and the
  // chunk's tests below the limit run (or ran, or run now: the running suite
  // keeps its running test). A suite's tests are numbered in one run, so only
  // the first suite cut can still have a test below the limit.
  const int kept_suite = first_cut == tests_.begin() || !valid(*(first_cut - 1))
                             ? -1
                             : registered_.suite_of[static_cast<std::size_t>(*(first_cut - 1))];
  int last_suite = -1;
  for (auto it = first_cut; it != tests_.end(); ++it) {
    if (!valid(*it)) continue;
    const int suite = registered_.suite_of[static_cast<std::size_t>(*it)];
    if (suite == last_suite || suite == kept_suite) continue;
    last_suite = suite;
    registered_.suites[static_cast<std::size_t>(suite)]->*Pointer(SuiteShouldRun{}) = false;
  }
  applied_ = limit;
}

}  // namespace gtest_dist
