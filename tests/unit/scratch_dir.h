// A new, empty directory for one test, for tests of code that writes files
// (history stores, caches, secrets, sandboxes).
#ifndef GTEST_DIST_TESTS_UNIT_SCRATCH_DIR_H_
#define GTEST_DIST_TESTS_UNIT_SCRATCH_DIR_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace gtest_dist {

// Made under the temporary directory, named after `what`, this process and
// the running test, so that concurrent test binaries never share one;
// removed with everything in it at the end of its scope.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& what)
      : path_(std::filesystem::temp_directory_path() /
              ("gtest_dist_" + what + "_" + std::to_string(getpid()) + "_" + TestName())) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  static std::string TestName() {
    const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
    return test == nullptr ? "outside_tests" : test->name();
  }

  std::filesystem::path path_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_TESTS_UNIT_SCRATCH_DIR_H_
