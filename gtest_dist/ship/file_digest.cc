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

bool DigestFile(const std::string& path, DigestMemo* memo, const std::string& memo_key,
                std::string* digest, std::uint64_t* size, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat before = {};
  const bool stamped = !memo_key.empty() && ::fstat(fd, &before) == 0;
  if (stamped && memo->Lookup(memo_key, before, digest)) {
    ::close(fd);
    *size = static_cast<std::uint64_t>(before.st_size);
    return true;
  }
  if (!DigestDescriptor(fd, path, digest, size, error)) return false;
  // Remembered only when nothing wrote to it while it was read (and the key
  // still names the file that was read).
  struct stat after = {};
  if (stamped && ::stat(memo_key.c_str(), &after) == 0 && DigestMemo::SameFile(before, after)) {
    memo->Remember(memo_key, before, *digest);
  }
  return true;
}

std::string DigestOfRunningBinary(DigestMemo* memo) {
  // The memo knows files by path; a binary replaced since it started (its
  // link ends in " (deleted)") has another inode than any entry for it.
  std::error_code ec;
  const std::string path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  std::string digest;
  std::uint64_t size = 0;
  std::string error;
  if (!DigestFile("/proc/self/exe", memo, ec ? std::string() : path, &digest, &size, &error)) {
    return std::string();
  }
  return digest;
}

}  // namespace gtest_dist
