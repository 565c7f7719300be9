// Catalogs and index lists for tests of the scheduler and the dispatch policy.
#ifndef GTEST_DIST_TESTS_UNIT_CATALOG_TEST_SUPPORT_H_
#define GTEST_DIST_TESTS_UNIT_CATALOG_TEST_SUPPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"

namespace gtest_dist {

// A catalog of the given suites, each (name, test count), tests "T0", "T1"...
inline TestCatalog CatalogOfSuites(const std::vector<std::pair<std::string, int>>& suites) {
  std::vector<TestEntry> tests;
  for (const auto& [suite, count] : suites) {
    for (int test = 0; test < count; ++test) {
      TestEntry entry;
      entry.suite = suite;
      entry.name = "T" + std::to_string(test);
      tests.push_back(entry);
    }
  }
  return TestCatalog(std::move(tests), "");
}

// A catalog of suites "S0", "S1"... with the given numbers of tests.
inline TestCatalog CatalogOfSizes(const std::vector<int>& suite_sizes) {
  std::vector<std::pair<std::string, int>> suites;
  suites.reserve(suite_sizes.size());
  for (size_t suite = 0; suite < suite_sizes.size(); ++suite) {
    suites.emplace_back("S" + std::to_string(suite), suite_sizes[suite]);
  }
  return CatalogOfSuites(suites);
}

// Every test of `catalog`, in catalog order.
inline std::vector<int> AllIndices(const TestCatalog& catalog) {
  std::vector<int> all;
  all.reserve(catalog.tests().size());
  for (const TestEntry& entry : catalog.tests()) all.push_back(entry.index);
  return all;
}

// 0, 1, ..., count - 1: every test of a catalog of `count`.
inline std::vector<int> Indices(int count) {
  std::vector<int> all(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) all[static_cast<size_t>(i)] = i;
  return all;
}

}  // namespace gtest_dist

#endif  // GTEST_DIST_TESTS_UNIT_CATALOG_TEST_SUPPORT_H_
