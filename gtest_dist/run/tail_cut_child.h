// The child's side of tail control (tail_cut.h): before each test may start
// it claims that test in the shared word, and what the runner cut it marks
// not to run. gtest cannot skip a test from a listener, so the cut is made
// where gtest decides: a test's and a suite's `should_run`, which
// TestInfo::Run and TestSuite::Run read before they start. The decision for
// the next test is taken at the end of the previous one (and before the
// first), so the running test, the SetUpTestSuite/TearDownTestSuite of its
// suite and the global Environments' TearDown run as in any chunk; a suite
// every test of which was cut is not entered at all (no SetUpTestSuite).
#ifndef GTEST_DIST_RUN_TAIL_CUT_CHILD_H_
#define GTEST_DIST_RUN_TAIL_CUT_CHILD_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "gtest_dist/run/tail_cut.h"

namespace gtest_dist {

// Every registered test and suite by its catalog index, taken before any
// shuffle or selection (a shuffled run reorders what GetTestSuite returns).
struct RegisteredTests {
  std::vector<testing::TestInfo*> tests;
  std::vector<int> suite_of;  // by test index: its suite's index in `suites`
  std::vector<testing::TestSuite*> suites;
};

class TailCutListener : public testing::EmptyTestEventListener {
 public:
  // `tests`: the chunk's test indices; `indices`: each registered test's;
  // `registered`: the tests and suites they number (both outlive the
  // listener). `word` may be null: then nothing is ever cut.
  TailCutListener(TailCutWord* word, std::vector<int> tests,
                  const std::unordered_map<const testing::TestInfo*, int>& indices,
                  const RegisteredTests& registered);

  // After gtest's filter and the global Environments' SetUp, before the
  // first suite: claims the first test.
  void OnEnvironmentsSetUpEnd(const testing::UnitTest& unit_test) override;
  void OnTestEnd(const testing::TestInfo& info) override;

 private:
  void ClaimNextAfter(int index);
  void Apply(std::uint32_t limit);

  TailCutWord* word_;
  std::vector<int> tests_;  // ascending: the order a non-shuffled child runs them
  const std::unordered_map<const testing::TestInfo*, int>& indices_;
  const RegisteredTests& registered_;
  std::uint32_t applied_ = kNoCut;  // the limit already marked
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_TAIL_CUT_CHILD_H_
