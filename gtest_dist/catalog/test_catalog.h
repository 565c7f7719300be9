// The catalog: every test GoogleTest registered, each with a stable index.
#ifndef GTEST_DIST_CATALOG_TEST_CATALOG_H_
#define GTEST_DIST_CATALOG_TEST_CATALOG_H_

#include <string>
#include <vector>

namespace testing {
class TestInfo;
class UnitTest;
}  // namespace testing

namespace gtest_dist {

// One registered test. `index` is its position in registration order (suite by
// suite, test by test, exactly the order a plain run uses), so the same binary
// gives every test the same index on every machine.
struct TestEntry {
  int index = 0;
  int suite_index = 0;      // position of its suite in registration order
  std::string suite;        // test suite name, e.g. "Prefix/MySuite/0"
  std::string name;         // test name, e.g. "Works/3"
  std::string type_param;   // empty unless a typed test
  std::string value_param;  // empty unless a value-parameterized test
  std::string file;
  int line = 0;
  bool disabled = false;  // suite or test name matches DISABLED_* (gtest's rule)

  std::string FullName() const { return suite + "." + name; }
};

// A test suite as registered: its name and the indices of its tests.
struct SuiteEntry {
  std::string name;
  int first_test = 0;  // index of its first test; its tests are contiguous
  int test_count = 0;
};

class TestCatalog {
 public:
  TestCatalog() = default;
  TestCatalog(std::vector<TestEntry> tests, std::string binary_digest);

  // Reads every registered test. Call after testing::InitGoogleTest.
  static TestCatalog FromUnitTest(const testing::UnitTest& unit_test, std::string binary_digest);

  const std::vector<TestEntry>& tests() const { return tests_; }
  const std::vector<SuiteEntry>& suites() const { return suites_; }
  const TestEntry& test(int index) const { return tests_.at(static_cast<size_t>(index)); }
  int size() const { return static_cast<int>(tests_.size()); }

  // SHA-256 (hex) of the ordered list of full names and type parameters.
  const std::string& names_digest() const { return names_digest_; }
  // SHA-256 (hex) of the executable file; empty when unknown.
  const std::string& binary_digest() const { return binary_digest_; }

 private:
  std::vector<TestEntry> tests_;
  std::vector<SuiteEntry> suites_;
  std::string names_digest_;
  std::string binary_digest_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_CATALOG_TEST_CATALOG_H_
