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
                                 const std::unordered_map<const testing::TestInfo*, int>& indices)
    : word_(word), tests_(std::move(tests)), indices_(indices) {
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
  // Once per cut (a rare event), a pass over the registered tests.
  testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    auto* suite = const_cast<testing::TestSuite*>(unit_test.GetTestSuite(i));
    bool any_left = false;
    bool any_cut = false;
    for (int j = 0; j < suite->total_test_count(); ++j) {
      auto* info = const_cast<testing::TestInfo*>(suite->GetTestInfo(j));
      if (!info->should_run()) continue;
      const auto found = indices_.find(info);
      const bool cut = found != indices_.end() && found->second >= 0 &&
                       static_cast<std::uint32_t>(found->second) >= limit;
      if (cut) info->*Pointer(TestShouldRun{}) = false;
      any_cut = any_cut || cut;
      any_left = any_left || !cut;
    }
    // A suite none of whose tests is left to run is not entered: no
    // SetUpTestSuite for nothing. (The running suite keeps its running test.)
    if (any_cut && !any_left) suite->*Pointer(SuiteShouldRun{}) = false;
  }
  applied_ = limit;
}

}  // namespace gtest_dist
