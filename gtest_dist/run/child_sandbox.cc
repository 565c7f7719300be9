#include "gtest_dist/run/child_sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "gtest_dist/base/temp_dir.h"
#include "gtest_dist/run/directory_names.h"

namespace gtest_dist {
namespace {

// Deeper than any real test writes; a deeper tree is left for the caller to
// report rather than recursed into without end.
constexpr int kMaxDepth = 256;

void NoteError(std::string* error, const std::string& what) {
  if (error->empty()) *error = what + ": " + std::strerror(errno);
}

// Empties the directory open at `dir_fd` (which it closes).
void RemoveContents(int dir_fd, const std::string& path, int depth, std::string* error) {
  DIR* dir = fdopendir(dir_fd);
  if (dir == nullptr) {
    NoteError(error, "cannot read " + path);
    close(dir_fd);
    return;
  }
  std::vector<std::string> names = ReadDirectoryNames(dir);
  for (const std::string& name : names) {
    const std::string child = path + "/" + name;
    struct stat info {};
    if (fstatat(dirfd(dir), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) NoteError(error, "cannot stat " + child);
      continue;
    }
    if (S_ISDIR(info.st_mode)) {
      if (depth >= kMaxDepth) {
        errno = ELOOP;
        NoteError(error, "too deep to remove at " + child);
        continue;
      }
      // A test may have left it read-only: we own it, so open it up.
      if ((info.st_mode & S_IRWXU) != S_IRWXU) fchmodat(dirfd(dir), name.c_str(), 0700, 0);
      const int sub =
          openat(dirfd(dir), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        NoteError(error, "cannot open " + child);
        continue;
      }
      RemoveContents(sub, child, depth + 1, error);
      if (unlinkat(dirfd(dir), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
        NoteError(error, "cannot remove " + child);
      }
    } else if (unlinkat(dirfd(dir), name.c_str(), 0) != 0 && errno != ENOENT) {
      NoteError(error, "cannot remove " + child);
    }
  }
  closedir(dir);
}

}  // namespace

std::unique_ptr<ChildSandbox> ChildSandbox::Create(const std::string& parent, std::string* error) {
  std::string path = parent;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  path += "/gtest_dist-tmp-XXXXXX";
  if (mkdtemp(&path[0]) == nullptr) {
    *error = "cannot make a private temporary directory in " + parent + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<ChildSandbox>(new ChildSandbox(std::move(path)));
}

ChildSandbox::~ChildSandbox() {
  if (keep_) return;
  std::string ignored;
  RemoveTree(path_, &ignored);
}

std::vector<std::pair<std::string, std::string>> ChildSandbox::Environment() const {
  return {{"TEST_TMPDIR", path_}, {"TMPDIR", path_}};
}

std::string SandboxParentDirectory() {
  const char* test_tmpdir = std::getenv("TEST_TMPDIR");
  return test_tmpdir != nullptr && *test_tmpdir != '\0' ? test_tmpdir : TemporaryDirectory();
}

bool RemoveTree(const std::string& path, std::string* error) {
  error->clear();
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return true;
    NoteError(error, "cannot stat " + path);
    return false;
  }
  if (!S_ISDIR(info.st_mode)) {
    if (unlink(path.c_str()) != 0 && errno != ENOENT) NoteError(error, "cannot remove " + path);
    return error->empty();
  }
  if ((info.st_mode & S_IRWXU) != S_IRWXU) chmod(path.c_str(), 0700);
  const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    NoteError(error, "cannot open " + path);
    return false;
  }
  RemoveContents(fd, path, 1, error);
  if (rmdir(path.c_str()) != 0 && errno != ENOENT) NoteError(error, "cannot remove " + path);
  return error->empty();
}

}  // namespace gtest_dist
