// For tests of what the console does on a terminal and elsewhere: a
// pseudo-terminal beside a pipe (and ScopedEnv for TERM and the like).
#ifndef GTEST_DIST_TESTS_UNIT_TERMINAL_TEST_SUPPORT_H_
#define GTEST_DIST_TESTS_UNIT_TERMINAL_TEST_SUPPORT_H_

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "tests/unit/scoped_env.h"

namespace gtest_dist {

// A pseudo-terminal (`terminal`, its master kept open) and a pipe
// (`pipe_write`), all closed at the end. ok() is false where the machine
// has no pseudo-terminal.
class TerminalAndPipe {
 public:
  TerminalAndPipe() {
    master_ = posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) return;
    terminal = open(ptsname(master_), O_RDWR | O_NOCTTY);
    int fds[2];
    if (terminal < 0 || pipe(fds) != 0) return;
    pipe_read_ = fds[0];
    pipe_write = fds[1];
  }
  ~TerminalAndPipe() {
    for (int fd : {pipe_read_, pipe_write, terminal, master_}) {
      if (fd >= 0) close(fd);
    }
  }
  TerminalAndPipe(const TerminalAndPipe&) = delete;
  TerminalAndPipe& operator=(const TerminalAndPipe&) = delete;

  bool ok() const { return pipe_write >= 0; }

  int terminal = -1;
  int pipe_write = -1;

 private:
  int master_ = -1;
  int pipe_read_ = -1;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_TESTS_UNIT_TERMINAL_TEST_SUPPORT_H_
