#include "gtest_dist/run/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "gtest_dist/base/temp_dir.h"
#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {
namespace {

// Up to `length` bytes at `offset`; fewer at the end of the file.
std::string ReadAt(int fd, std::uint64_t offset, std::size_t length) {
  std::string text(length, '\0');
  std::size_t got = 0;
  while (got < length) {
    const ssize_t n = pread(fd, &text[got], length - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

}  // namespace

std::string ReadBoundedOutput(int fd, std::uint64_t size) {
  if (fd < 0 || size == 0) return std::string();
  if (size <= protocol::kMaxOutputBytesPerEvent) {
    return ReadAt(fd, 0, static_cast<std::size_t>(size));
  }
  const std::size_t keep = protocol::kMaxOutputBytesPerEvent / 2;
  std::string head = ReadAt(fd, 0, keep);
  if (head.size() < keep) return head;  // the file is shorter than it was said to be
  const std::string tail = ReadAt(fd, size - keep, keep);
  return protocol::JoinBoundedOutput(std::move(head), size - keep + tail.size(), tail);
}

std::string ReadBoundedOutput(int fd) {
  struct stat info {};
  if (fd < 0 || fstat(fd, &info) != 0 || info.st_size <= 0) return std::string();
  return ReadBoundedOutput(fd, static_cast<std::uint64_t>(info.st_size));
}

int CreateUnlinkedOutputFile(const std::string& prefix, std::string* error) {
  std::string path = TemporaryDirectory() + "/" + prefix + "-XXXXXX";
  const int fd = mkostemp(&path[0], O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot create a temporary file in " + path + ": " + std::strerror(errno);
    return -1;
  }
  unlink(path.c_str());
  return fd;
}

}  // namespace gtest_dist
