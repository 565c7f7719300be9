#include "gtest_dist/run/chunk_selection.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace gtest_dist {
namespace {

// Tests this binary registers, for the selection to narrow.
TEST(ChunkSelectionSample, A) {}
TEST(ChunkSelectionSample, B) {}
TEST(ChunkSelectionSample, C) {}
TEST(ChunkSelectionSample, D) {}

int SuiteIndex(const std::string& name) {
  const testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    if (name == unit_test.GetTestSuite(i)->name()) return i;
  }
  return -1;
}

// Runs `check` in a forked process (the selection narrows this process's
// registry for good) and expects it to exit 0; it prints what was wrong.
void ExpectInChild(bool (*check)()) {
  EXPECT_EXIT(std::_Exit(check() ? 0 : 1), testing::ExitedWithCode(0), "");
}

// Each suite's test names, in gtest's order, comma-terminated.
std::vector<std::string> SuiteLists() {
  const testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  std::vector<std::string> lists;
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    const testing::TestSuite& suite = *unit_test.GetTestSuite(i);
    std::string names;
    for (int j = 0; j < suite.total_test_count(); ++j) {
      names += std::string(suite.GetTestInfo(j)->name()) + ",";
    }
    lists.push_back(names);
  }
  return lists;
}

// Whether every suite lists `want`; prints the differences, named by `when`.
bool ListsAre(const std::vector<std::string>& want, const char* when) {
  const std::vector<std::string> lists = SuiteLists();
  bool ok = lists.size() == want.size();
  for (size_t i = 0; i < lists.size() && i < want.size(); ++i) {
    if (lists[i] == want[i]) continue;
    std::fprintf(stderr, "%s: suite %zu has %s, want %s\n", when, i, lists[i].c_str(),
                 want[i].c_str());
    ok = false;
  }
  return ok;
}

// Works on the registry as it is: whole in a plain run, and whole again
// while the tests run when this binary runs under gtest_dist.
bool NarrowsEachSuiteToTheChunkInGtestOrder() {
  const testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  const int own = SuiteIndex("ChunkSelectionTest");
  const std::vector<int> first = SuiteFirstIndices();
  // Of each other suite its odd positions, given in reverse and twice (this
  // suite whole: its running test must stay); what each suite should keep.
  std::vector<int> chunk;
  std::vector<std::string> want;
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    const testing::TestSuite& suite = *unit_test.GetTestSuite(i);
    std::string names;
    for (int j = 0; j < suite.total_test_count(); ++j) {
      if (i != own && j % 2 == 0) continue;
      names += std::string(suite.GetTestInfo(j)->name()) + ",";
    }
    want.push_back(names);
    for (int j = suite.total_test_count() - 1; j >= 0; --j) {
      if (i != own && j % 2 == 0) continue;
      chunk.push_back(first[static_cast<size_t>(i)] + j);
      chunk.push_back(first[static_cast<size_t>(i)] + j);
    }
  }
  SelectChunkTests(chunk, first);
  bool ok = ListsAre(want, "narrowed");
  if (std::string(GTEST_FLAG_GET(filter)) != "*") {
    std::fprintf(stderr, "filter %s\n", GTEST_FLAG_GET(filter).c_str());
    ok = false;
  }
  return ok;
}

bool AnEmptyChunkLeavesNoTest() {
  SelectChunkTests({}, SuiteFirstIndices());
  return testing::UnitTest::GetInstance()->total_test_count() == 0;
}

// The listener makes every suite whole when the tests start (a test that
// looks through the registry finds every registered test) and narrows them
// again at the program's end.
bool SuitesAreWholeWhileTheTestsRun() {
  const testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  const std::vector<std::string> whole = SuiteLists();
  const int sample = SuiteIndex("ChunkSelectionSample");
  const std::vector<int> first = SuiteFirstIndices();
  std::vector<std::string> narrowed(whole.size());
  narrowed[static_cast<size_t>(sample)] = "B,";
  std::unique_ptr<testing::TestEventListener> listener =
      SelectChunkTests({first[static_cast<size_t>(sample)] + 1}, first);
  bool ok = ListsAre(narrowed, "after the selection");
  listener->OnTestIterationStart(unit_test, 0);
  ok = ListsAre(whole, "while the tests run") && ok;
  listener->OnTestProgramEnd(unit_test);
  return ListsAre(narrowed, "at the end") && ok;
}

TEST(ChunkSelectionTest, NarrowsEachSuiteToTheChunkInGtestOrder) {
  ExpectInChild(&NarrowsEachSuiteToTheChunkInGtestOrder);
}

TEST(ChunkSelectionTest, AnEmptyChunkLeavesNoTest) { ExpectInChild(&AnEmptyChunkLeavesNoTest); }

TEST(ChunkSelectionTest, SuitesAreWholeWhileTheTestsRun) {
  ExpectInChild(&SuitesAreWholeWhileTheTestsRun);
}

TEST(ChunkSelectionTest, SuiteFirstIndicesNumberTestsSuiteBySuite) {
  const testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  const std::vector<int> first = SuiteFirstIndices();
  ASSERT_EQ(static_cast<int>(first.size()), unit_test.total_test_suite_count());
  int next = 0;
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    EXPECT_EQ(first[static_cast<size_t>(i)], next);
    next += unit_test.GetTestSuite(i)->total_test_count();
  }
}

}  // namespace
}  // namespace gtest_dist
