// The child side: a process of the test binary started by a worker (or a
// supervisor's local slot) to run one chunk and stream its events.
#ifndef GTEST_DIST_RUN_CHILD_MAIN_H_
#define GTEST_DIST_RUN_CHILD_MAIN_H_

#include <gtest/gtest.h>

#include "gtest_dist/model/test_record.h"

namespace gtest_dist {

// gtest's assertion result as a report part (output_before left empty).
TestPart ToTestPart(const testing::TestPartResult& result);

// Environment variable naming the channel descriptor of a child. Internal:
// set by ChunkRunner, read and unset by the child.
constexpr char kChildChannelEnv[] = "GTEST_DIST_INTERNAL_CHILD";
// The descriptor number the channel is given in the child: the one
// descriptor a test process gets beyond 0, 1 and 2 (stdout and stderr are
// its output file). High, so that the descriptors a test opens are numbered
// as in a plain run, and below 1024, the usual limit of open files (a lower
// `ulimit -n` is reported when the child cannot be started). Close-on-exec
// in the child: what a test starts does not inherit it. Documented in
// README.md and docs/architecture.md; keep them in step.
constexpr int kChildChannelFd = 1023;

// If this process is a child, returns its channel descriptor and removes the
// variable from the environment (so processes the tests start are not
// children); otherwise returns -1.
int TakeChildChannel();

// Builds what a child needs before it reads its chunk (the catalog, each
// test's index); RunChild builds it if not done before. A template child
// (warm_child.h) calls it once, before it forks.
void PrepareChildIndex();

// Reads one RunChunk from `channel_fd`, runs exactly its tests through
// RUN_ALL_TESTS() and streams their events. Returns the exit code.
int RunChild(int channel_fd);

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_CHILD_MAIN_H_
