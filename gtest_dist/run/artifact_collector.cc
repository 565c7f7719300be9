#include "gtest_dist/run/artifact_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gtest_dist/model/byte_size.h"
#include "gtest_dist/run/child_sandbox.h"
#include "gtest_dist/run/directory_names.h"

namespace gtest_dist {
namespace {

// Entries looked at per test: a test that leaves a million files gets the
// first ones and a note, not a walk without end.
constexpr std::size_t kMaxEntriesPerTest = 10000;

struct Walk {
  std::uint64_t max_bytes = 0;
  std::uint64_t taken = 0;
  std::size_t entries = 0;
  std::vector<protocol::TestArtifact> pieces;
  std::string dropped;
};

void Drop(Walk* walk, const std::string& name, const std::string& why) {
  walk->dropped += name + ": " + why + "\n";
}

// Reads the regular file `name` (relative to the test's directory) open at
// `fd` into pieces, unless it would pass the limit.
void TakeFile(int fd, const std::string& name, std::uint64_t size, Walk* walk) {
  if (size > walk->max_bytes - walk->taken) {
    Drop(walk, name,
         FormatByteSize(size) + " would take the test past --dist-artifacts-max (" +
             FormatByteSize(walk->max_bytes) + ", " + FormatByteSize(walk->taken) +
             " kept already); not kept");
    return;
  }
  std::string data(size, '\0');
  std::uint64_t have = 0;
  while (have < size) {
    const ssize_t n = read(fd, &data[have], size - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Drop(walk, name, std::string("cannot be read: ") + std::strerror(errno));
      return;
    }
    if (n == 0) break;  // shrank meanwhile: keep what is there
    have += static_cast<std::uint64_t>(n);
  }
  data.resize(have);
  walk->taken += have;
  std::uint64_t offset = 0;
  do {
    protocol::TestArtifact piece;
    piece.name = name;
    piece.size = have;
    piece.offset = offset;
    const std::uint64_t length =
        std::min<std::uint64_t>(protocol::kMaxArtifactPieceBytes, have - offset);
    piece.data = data.substr(offset, length);
    offset += length;
    walk->pieces.push_back(std::move(piece));
  } while (offset < have);
}

// Walks the directory open at `dir_fd` (closed here); `prefix` is its name
// below the test's directory ("" for the top).
void WalkDirectory(int dir_fd, const std::string& prefix, std::size_t depth, Walk* walk) {
  DIR* dir = fdopendir(dir_fd);
  if (dir == nullptr) {
    close(dir_fd);
    return;
  }
  std::vector<std::string> names = ReadDirectoryNames(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& leaf : names) {
    const std::string name = prefix.empty() ? leaf : prefix + "/" + leaf;
    if (++walk->entries > kMaxEntriesPerTest) {
      Drop(walk, name,
           "more than " + std::to_string(kMaxEntriesPerTest) +
               " files and directories; the rest is not kept");
      break;
    }
    const std::string problem = protocol::CheckArtifactName(name);
    if (!problem.empty()) {
      Drop(walk, name, "its name cannot be sent (" + problem + ")");
      continue;
    }
    // Looked at before it is opened: opening a device or a FIFO can block
    // or act.
    struct stat info {};
    if (fstatat(dirfd(dir), leaf.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISLNK(info.st_mode)) {
      Drop(walk, name, "a symbolic link; links are not followed");
      continue;
    }
    if (!S_ISDIR(info.st_mode) && !S_ISREG(info.st_mode)) {
      Drop(walk, name, "not a regular file; not kept");
      continue;
    }
    const int fd =
        openat(dirfd(dir), leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &info) != 0) {
      Drop(walk, name, std::string("cannot be opened: ") + std::strerror(errno));
      if (fd >= 0) close(fd);
      continue;
    }
    if (S_ISDIR(info.st_mode)) {
      if (depth + 1 >= protocol::kMaxArtifactNameDepth) {
        Drop(walk, name, "too deep; not kept");
        close(fd);
      } else {
        WalkDirectory(fd, name, depth + 1, walk);
      }
    } else if (S_ISREG(info.st_mode)) {
      TakeFile(fd, name, static_cast<std::uint64_t>(info.st_size), walk);
      close(fd);
    } else {
      Drop(walk, name, "not a regular file; not kept");
      close(fd);
    }
  }
  closedir(dir);
}

}  // namespace

void PrepareTestOutputs(int index) {
  const char* root = std::getenv(kOutputsRootEnv);
  if (root == nullptr || *root == '\0' || index < 0) return;
  const std::string dir = std::string(root) + "/" + std::to_string(index);
  // A test run again in this child (a retry) starts from what it left: the
  // runner removed it after the first run.
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return;
  setenv("TEST_UNDECLARED_OUTPUTS_DIR", dir.c_str(), 1);
}

std::unique_ptr<ArtifactCollector> ArtifactCollector::Create(const std::string& parent,
                                                             std::uint64_t max_bytes_per_test,
                                                             std::string* error) {
  std::string path = parent + "/gtest_dist-outputs-XXXXXX";
  if (mkdtemp(&path[0]) == nullptr) {
    *error = "cannot make a test outputs directory in " + parent + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<ArtifactCollector>(
      new ArtifactCollector(std::move(path), max_bytes_per_test));
}

ArtifactCollector::~ArtifactCollector() {
  std::string error;
  if (!RemoveTree(path_, &error)) {
    std::fprintf(stderr, "gtest_dist: cannot remove test outputs %s: %s\n", path_.c_str(),
                 error.c_str());
  }
}

std::pair<std::string, std::string> ArtifactCollector::Environment() const {
  return {kOutputsRootEnv, path_};
}

ArtifactCollector::Collected ArtifactCollector::Collect(int index) {
  Collected collected;
  const std::string dir = path_ + "/" + std::to_string(index);
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return collected;  // the test never started here, or left nothing
  Walk walk;
  walk.max_bytes = max_bytes_;
  WalkDirectory(fd, "", 0, &walk);
  collected.pieces = std::move(walk.pieces);
  collected.dropped = std::move(walk.dropped);
  std::string error;
  RemoveTree(dir, &error);  // the next test of this child must not find it
  return collected;
}

}  // namespace gtest_dist
