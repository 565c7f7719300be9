// The file a test process writes its stdout and stderr to, read back with
// bounded memory: a test may print gigabytes, the runner holds at most
// protocol::kMaxOutputBytesPerEvent of it.
#ifndef GTEST_DIST_RUN_OUTPUT_FILE_H_
#define GTEST_DIST_RUN_OUTPUT_FILE_H_

#include <cstdint>
#include <string>

namespace gtest_dist {

// The first `size` bytes of the file open as `fd`, cut as
// protocol::BoundOutput() cuts them (head and tail kept, the rest counted)
// but without reading the part that is cut. Reads with pread(): the file
// offset is left alone. A file shorter than `size` gives what it holds.
std::string ReadBoundedOutput(int fd, std::uint64_t size);

// The same for the whole file (its size as fstat() says).
std::string ReadBoundedOutput(int fd);

// A new temporary file under $TMPDIR (else /tmp), named from `prefix`,
// already unlinked and close-on-exec: a child's stdout and stderr. -1, with
// `error` naming the directory, when it cannot be made.
int CreateUnlinkedOutputFile(const std::string& prefix, std::string* error);

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_OUTPUT_FILE_H_
