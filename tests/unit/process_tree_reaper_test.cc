// KillAndReapDescendants at the end of a chunk: every process a test left
// behind is gone afterwards, whether its parent still runs or it was
// orphaned to the subreaper; with no child at all it returns at once.
#include "gtest_dist/run/process_tree_reaper.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace gtest_dist {
namespace {

// Runs `body` in a forked process that is a subreaper (as a test child is),
// so that the unit test binary itself adopts nothing; the exit status is
// what `body` returns.
template <typename Body>
int InSubreaper(Body body) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (!BecomeSubreaper()) _exit(90);
    _exit(body());
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Starts a sleeper below this process and returns its pid: `orphaned`, its
// parent starts a new session, forks it and exits (a daemon's double fork).
pid_t StartSleeper(bool orphaned) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return -1;
  const pid_t middle = fork();
  if (middle == 0) {
    setsid();
    const pid_t sleeper = fork();
    if (sleeper == 0) {
      for (;;) pause();
    }
    if (write(pipe_fds[1], &sleeper, sizeof sleeper) != sizeof sleeper) _exit(1);
    if (orphaned) _exit(0);
    for (;;) pause();
  }
  pid_t sleeper = -1;
  if (read(pipe_fds[0], &sleeper, sizeof sleeper) != sizeof sleeper) sleeper = -1;
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  if (orphaned) waitpid(middle, nullptr, 0);
  return sleeper;
}

bool Gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

TEST(ProcessTreeReaperTest, WithNoChildItReturnsAndLeavesNoChild) {
  EXPECT_EQ(InSubreaper([] {
              KillAndReapDescendants();
              return waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD ? 0 : 1;
            }),
            0);
}

TEST(ProcessTreeReaperTest, AnOrphanedDoubleForkedSleeperIsKilled) {
  EXPECT_EQ(InSubreaper([] {
              const pid_t sleeper = StartSleeper(/*orphaned=*/true);
              if (sleeper <= 0) return 2;
              KillAndReapDescendants();
              return Gone(sleeper) ? 0 : 1;
            }),
            0);
}

TEST(ProcessTreeReaperTest, AGrandchildBelowALiveChildIsKilledWithIt) {
  EXPECT_EQ(InSubreaper([] {
              const pid_t sleeper = StartSleeper(/*orphaned=*/false);
              if (sleeper <= 0) return 2;
              KillAndReapDescendants();
              // Reaped too: no child, ended or running, is left.
              const bool no_child = waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD;
              return Gone(sleeper) && no_child ? 0 : 1;
            }),
            0);
}

}  // namespace
}  // namespace gtest_dist
