#include "gtest_dist/run/chunk_selection.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
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

// Works on the registry as it is: whole in a plain run, already narrowed to
// a chunk when this binary runs under gtest_dist.
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
  bool ok = true;
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    const testing::TestSuite& suite = *unit_test.GetTestSuite(i);
    std::string names;
    for (int j = 0; j < suite.total_test_count(); ++j) {
      names += std::string(suite.GetTestInfo(j)->name()) + ",";
    }
    if (names != want[static_cast<size_t>(i)]) {
      std::fprintf(stderr, "suite %s: tests %s, want %s\n", suite.name(), names.c_str(),
                   want[static_cast<size_t>(i)].c_str());
      ok = false;
    }
  }
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

TEST(ChunkSelectionTest, NarrowsEachSuiteToTheChunkInGtestOrder) {
  ExpectInChild(&NarrowsEachSuiteToTheChunkInGtestOrder);
}

TEST(ChunkSelectionTest, AnEmptyChunkLeavesNoTest) { ExpectInChild(&AnEmptyChunkLeavesNoTest); }

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
