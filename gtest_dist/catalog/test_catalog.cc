#include "gtest_dist/catalog/test_catalog.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "gtest_dist/base/sha256.h"

namespace gtest_dist {
namespace {

// gtest's rule (kDisableTestFilter = "DISABLED_*:*/DISABLED_*").
bool IsDisabledName(const std::string& name) {
  static const std::string kPrefix = "DISABLED_";
  static const std::string kParameterizedPrefix = "/DISABLED_";
  return name.rfind(kPrefix, 0) == 0 || name.find(kParameterizedPrefix) != std::string::npos;
}

}  // namespace

TestCatalog::TestCatalog(std::vector<TestEntry> tests, std::string binary_digest)
    : tests_(std::move(tests)), binary_digest_(std::move(binary_digest)) {
  std::string names;
  names.reserve(tests_.size() * 64);
  for (size_t i = 0; i < tests_.size(); ++i) {
    TestEntry& test = tests_[i];
    test.index = static_cast<int>(i);
    if (suites_.empty() || suites_.back().name != test.suite) {
      suites_.push_back(SuiteEntry{test.suite, test.index, 0});
    }
    test.suite_index = static_cast<int>(suites_.size()) - 1;
    ++suites_.back().test_count;
    // Names and type parameters identify the catalog. Not file and line (a
    // comment added above a test must not make two builds incompatible), and
    // not value parameters: gtest prints a parameter without a PrintTo() as
    // its bytes, pointers included, which differ from process to process.
    names += test.suite + '.' + test.name + '\x1f' + test.type_param + '\n';
  }
  names_digest_ = Sha256Hex(names);
}

TestCatalog TestCatalog::FromUnitTest(const testing::UnitTest& unit_test,
                                      std::string binary_digest) {
  std::vector<TestEntry> tests;
  // One allocation, not a copy of every entry at each doubling: 100,000 tests
  // cost the supervisor's start-up tens of milliseconds that way (issue 15).
  tests.reserve(static_cast<std::size_t>(unit_test.total_test_count()));
  for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
    const testing::TestSuite* suite = unit_test.GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j) {
      const testing::TestInfo* info = suite->GetTestInfo(j);
      TestEntry entry;
      entry.suite = info->test_suite_name();
      entry.name = info->name();
      if (info->type_param() != nullptr) entry.type_param = info->type_param();
      if (info->value_param() != nullptr) entry.value_param = info->value_param();
      entry.file = info->file();
      entry.line = info->line();
      entry.disabled = IsDisabledName(entry.suite) || IsDisabledName(entry.name);
      tests.push_back(std::move(entry));
    }
  }
  return TestCatalog(std::move(tests), std::move(binary_digest));
}

}  // namespace gtest_dist
