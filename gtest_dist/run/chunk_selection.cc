#include "gtest_dist/run/chunk_selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <utility>

#include "gtest_dist/run/private_member.h"

namespace gtest_dist {

// gtest has no public way to narrow a suite: a suite's list of tests and its
// run order, and nothing else (private_member.h).
struct SuiteTests {
  using Type = std::vector<testing::TestInfo*> testing::TestSuite::*;
  friend Type Pointer(SuiteTests);
};
struct SuiteOrder {
  using Type = std::vector<int> testing::TestSuite::*;
  friend Type Pointer(SuiteOrder);
};
template struct PrivateMember<SuiteTests, &testing::TestSuite::test_info_list_>;
template struct PrivateMember<SuiteOrder, &testing::TestSuite::test_indices_>;

std::vector<int> SuiteFirstIndices() {
  testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  std::vector<int> first;
  first.reserve(static_cast<size_t>(unit_test.total_test_suite_count()));
  int next = 0;
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    first.push_back(next);
    next += unit_test.GetTestSuite(i)->total_test_count();
  }
  return first;
}

namespace {

// A narrowed suite and the list (with its run order) not in use: the whole
// one while narrowed, the chunk's while whole.
struct NarrowedSuite {
  testing::TestSuite* suite;
  std::vector<testing::TestInfo*> other_tests;
  std::vector<int> other_order;
};

// Swaps each narrowed suite between its whole list and the chunk's. Kept in
// a static that is never freed: the tests left out stay reachable (a leak
// checker at exit finds nothing) and are never deleted, since deleting them
// would write to every page the template shares.
std::vector<NarrowedSuite>& Narrowed() {
  static auto* const kNarrowed = new std::vector<NarrowedSuite>;
  return *kNarrowed;
}

void SwapLists() {
  for (NarrowedSuite& narrowed : Narrowed()) {
    std::swap(narrowed.suite->*Pointer(SuiteTests{}), narrowed.other_tests);
    std::swap(narrowed.suite->*Pointer(SuiteOrder{}), narrowed.other_order);
  }
}

// Whole while the tests run, narrowed before and after (see the header).
class WholeWhileRunning : public testing::EmptyTestEventListener {
 public:
  void OnTestIterationStart(const testing::UnitTest&, int) override { SwapLists(); }
  void OnTestProgramEnd(const testing::UnitTest&) override { SwapLists(); }
};

}  // namespace

std::unique_ptr<testing::TestEventListener> SelectChunkTests(const std::vector<int>& tests,
                                                             const std::vector<int>& suite_first) {
  std::vector<int> sorted = tests;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  const int suites =
      std::min<int>(unit_test.total_test_suite_count(), static_cast<int>(suite_first.size()));
  for (int i = 0; i < suites; ++i) {
    auto* suite = const_cast<testing::TestSuite*>(unit_test.GetTestSuite(i));
    const int first = suite_first[static_cast<size_t>(i)];
    const int count = suite->total_test_count();
    auto from = std::lower_bound(sorted.begin(), sorted.end(), first);
    const auto to = std::lower_bound(from, sorted.end(), first + count);
    std::vector<testing::TestInfo*> chosen;
    chosen.reserve(static_cast<size_t>(to - from));
    for (; from != to; ++from) {
      // GetTestInfo(j) is the j-th test in gtest's order, as the catalog numbers them.
      chosen.push_back(const_cast<testing::TestInfo*>(suite->GetTestInfo(*from - first)));
    }
    if (static_cast<int>(chosen.size()) == count) continue;  // the whole suite runs
    std::vector<int> order(chosen.size());
    std::iota(order.begin(), order.end(), 0);
    Narrowed().push_back(NarrowedSuite{suite, std::move(chosen), std::move(order)});
  }
  SwapLists();
  GTEST_FLAG_SET(filter, "*");
  return std::make_unique<WholeWhileRunning>();
}

}  // namespace gtest_dist
