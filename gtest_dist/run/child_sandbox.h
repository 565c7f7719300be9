// A child process's private temporary directory: what TEST_TMPDIR and TMPDIR
// name in the child (gtest's testing::TempDir() reads TEST_TMPDIR), so that
// tests using a fixed path under it ("db_test", "shared_db") do not meet
// another child's files. The tests of one chunk share it, as they share /tmp
// in a plain run. Made new and empty for each child, removed when the child
// has ended (unless kept, for --dist-keep-tmp).
#ifndef GTEST_DIST_RUN_CHILD_SANDBOX_H_
#define GTEST_DIST_RUN_CHILD_SANDBOX_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gtest_dist {

// The RunChunk setting that carries --dist-keep-tmp ("1") to the worker.
constexpr char kKeepTmpSetting[] = "dist_keep_tmp";

class ChildSandbox {
 public:
  // Makes a new directory (mode 0700) in `parent`. Returns null and sets
  // `error` (naming the directory) when it cannot.
  static std::unique_ptr<ChildSandbox> Create(const std::string& parent, std::string* error);

  // Removes the directory and everything in it, unless kept.
  ~ChildSandbox();
  ChildSandbox(const ChildSandbox&) = delete;
  ChildSandbox& operator=(const ChildSandbox&) = delete;

  const std::string& path() const { return path_; }
  void set_keep(bool keep) { keep_ = keep; }

  // What the child's environment gets: TEST_TMPDIR and TMPDIR.
  std::vector<std::pair<std::string, std::string>> Environment() const;

 private:
  explicit ChildSandbox(std::string path) : path_(std::move(path)) {}
  std::string path_;
  bool keep_ = false;
};

// Where this process makes its children's directories: its own TEST_TMPDIR
// (a supervisor run under a test runner that set one), else TMPDIR, else /tmp.
std::string SandboxParentDirectory();

// Removes `path` and everything below it without following a symbolic link
// (a link a test left points at files that are not ours). Directories a test
// made read-only are made writable first. False, with the first problem in
// `error`, when something could not be removed.
bool RemoveTree(const std::string& path, std::string* error);

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_CHILD_SANDBOX_H_
