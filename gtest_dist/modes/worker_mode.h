// --dist-worker: serve chunks of this binary's tests to supervisors.
#ifndef GTEST_DIST_MODES_WORKER_MODE_H_
#define GTEST_DIST_MODES_WORKER_MODE_H_

#include "gtest_dist/dist_flags.h"

namespace gtest_dist {

// Runs the worker daemon until it is stopped; returns the exit code.
int RunWorkerMode(const DistOptions& options);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODES_WORKER_MODE_H_
