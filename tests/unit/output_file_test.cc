#include "gtest_dist/run/output_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {
namespace {

using protocol::kMaxOutputBytesPerEvent;

// An anonymous temporary file holding `head`, then a hole up to `size` bytes
// (zeros, never written, so a large file costs nothing), ending with `tail`.
class OutputFile {
 public:
  OutputFile(const std::string& head, std::uint64_t size, const std::string& tail)
      : file_(std::tmpfile()) {
    fd_ = fileno(file_);
    EXPECT_EQ(pwrite(fd_, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
    EXPECT_EQ(ftruncate(fd_, static_cast<off_t>(size)), 0);
    EXPECT_EQ(pwrite(fd_, tail.data(), tail.size(), static_cast<off_t>(size - tail.size())),
              static_cast<ssize_t>(tail.size()));
  }
  ~OutputFile() { std::fclose(file_); }
  int fd() const { return fd_; }

 private:
  std::FILE* file_;
  int fd_ = -1;
};

TEST(ReadBoundedOutputTest, SmallOutputIsReadWhole) {
  OutputFile file("hello ", 11, "world");
  EXPECT_EQ("hello world", ReadBoundedOutput(file.fd()));
  EXPECT_EQ("hello", ReadBoundedOutput(file.fd(), 5));
  EXPECT_EQ("", ReadBoundedOutput(file.fd(), 0));
  EXPECT_EQ("", ReadBoundedOutput(-1));
}

TEST(ReadBoundedOutputTest, AtTheLimitNothingIsOmitted) {
  OutputFile file("h", kMaxOutputBytesPerEvent, "t");
  const std::string text = ReadBoundedOutput(file.fd());
  EXPECT_EQ(kMaxOutputBytesPerEvent, text.size());
  EXPECT_EQ(std::string::npos, text.find("omitted"));
}

// The regression: 200 MB printed was reported as 983087 bytes omitted.
TEST(ReadBoundedOutputTest, CountsEveryOmittedByteOfAHugeOutput) {
  const std::uint64_t size = 200ull * 1000 * 1000 + 7;
  OutputFile file("first line\n", size, "last line\n");
  const std::string text = ReadBoundedOutput(file.fd());
  EXPECT_EQ(0u, text.find("first line\n"));
  EXPECT_EQ(text.size() - 10, text.rfind("last line\n"));
  EXPECT_NE(std::string::npos,
            text.find("[gtest_dist: " + std::to_string(size - kMaxOutputBytesPerEvent) +
                      " bytes of output omitted]"));
  EXPECT_LE(text.size(), kMaxOutputBytesPerEvent + 64);
}

TEST(ReadBoundedOutputTest, SameTextAsBoundOutput) {
  std::string output;
  for (int i = 0; output.size() < 3 * kMaxOutputBytesPerEvent; ++i) {
    output += "line " + std::to_string(i) + "\n";
  }
  OutputFile file(output, output.size(), "");
  EXPECT_EQ(protocol::BoundOutput(output), ReadBoundedOutput(file.fd()));
  EXPECT_EQ(protocol::BoundOutput(output.substr(0, 2 * kMaxOutputBytesPerEvent)),
            ReadBoundedOutput(file.fd(), 2 * kMaxOutputBytesPerEvent));
}

TEST(ReadBoundedOutputTest, AFileShorterThanSaidGivesWhatItHolds) {
  OutputFile file("abc", 3, "");
  EXPECT_EQ("abc", ReadBoundedOutput(file.fd(), 10));
  EXPECT_EQ("abc", ReadBoundedOutput(file.fd(), 10 * kMaxOutputBytesPerEvent));
}

}  // namespace
}  // namespace gtest_dist
