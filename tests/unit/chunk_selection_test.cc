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

bool NarrowsEachSuiteToTheChunkInGtestOrder() {
  const testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  const int sample = SuiteIndex("ChunkSelectionSample");
  const int own = SuiteIndex("ChunkSelectionTest");
  const std::vector<int> first = SuiteFirstIndices();
  // D and B of the sample (out of order, B twice), all of this suite.
  const int base = first[static_cast<size_t>(sample)];
  std::vector<int> chunk = {base + 3, base + 1, base + 1};
  const int own_count = unit_test.GetTestSuite(own)->total_test_count();
  for (int j = 0; j < own_count; ++j) chunk.push_back(first[static_cast<size_t>(own)] + j);
  SelectChunkTests(chunk, first);
  bool ok = true;
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    const testing::TestSuite& suite = *unit_test.GetTestSuite(i);
    std::string names;
    for (int j = 0; j < suite.total_test_count(); ++j) {
      names += std::string(suite.GetTestInfo(j)->name()) + ",";
    }
    const std::string want = i == sample ? "B,D,"
                             : i == own  ? names  // whole: unchanged
                                         : "";
    if (i == own && suite.total_test_count() != own_count) ok = false;
    if (names != want) {
      std::fprintf(stderr, "suite %s: tests %s, want %s\n", suite.name(), names.c_str(),
                   want.c_str());
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
