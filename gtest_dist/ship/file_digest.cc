#include "gtest_dist/ship/file_digest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "gtest_dist/base/sha256.h"

namespace gtest_dist {
namespace {

// Reads `fd` to its end and closes it.
bool DigestDescriptor(int fd, const std::string& path, std::string* digest, std::uint64_t* size,
                      std::string* error) {
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  std::uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = "cannot read " + path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    sha.Update(buffer.data(), static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  *digest = sha.HexDigest();
  *size = total;
  return true;
}

bool SameStamp(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

}  // namespace

bool DigestFile(const std::string& path, std::string* digest, std::uint64_t* size,
                std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  return DigestDescriptor(fd, path, digest, size, error);
}

std::string DigestOfRunningBinary(DigestMemo* memo) {
  const int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string();
  // The memo knows files by path; a binary replaced since it started (its
  // link ends in " (deleted)") has another inode than any entry for it.
  std::error_code ec;
  const std::string path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  struct stat before = {};
  const bool stamped = !ec && ::fstat(fd, &before) == 0;
  std::string digest;
  if (stamped && memo->Lookup(path, before, &digest)) {
    ::close(fd);
    return digest;
  }
  std::uint64_t size = 0;
  std::string error;
  if (!DigestDescriptor(fd, path, &digest, &size, &error)) return std::string();
  // Remembered only when nothing wrote to it while it was read.
  struct stat after = {};
  if (stamped && ::stat(path.c_str(), &after) == 0 && SameStamp(before, after)) {
    memo->Remember(path, before, digest);
  }
  return digest;
}

}  // namespace gtest_dist
