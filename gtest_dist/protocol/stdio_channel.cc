#include "gtest_dist/protocol/stdio_channel.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace gtest_dist {

bool TakeStdioChannel(int* in, int* out, std::string* error) {
  // Whatever stdio buffered so far belongs to the old stdout; nothing should
  // be there, but it must not end up inside a frame either.
  std::cout.flush();
  std::fflush(stdout);
  // Above 2, so that the dup2 calls below cannot hit them.
  *in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  *out = *in < 0 ? -1 : fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (*in < 0 || *out < 0) {
    *error = std::string("cannot duplicate stdin/stdout: ") + std::strerror(errno);
    return false;
  }
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    *error = std::string("cannot detach stdin/stdout from the channel: ") + std::strerror(errno);
    return false;
  }
  close(null);
  return true;
}

}  // namespace gtest_dist
