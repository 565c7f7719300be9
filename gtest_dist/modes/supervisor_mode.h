// --dist-supervisor: select the tests, run them on the workers of --workers,
// report as gtest does, record the history, serve the live dashboard.
#ifndef GTEST_DIST_MODES_SUPERVISOR_MODE_H_
#define GTEST_DIST_MODES_SUPERVISOR_MODE_H_

#include "gtest_dist/dist_flags.h"

namespace gtest_dist {

// Builds the run from gtest's flags and ours, runs every iteration and
// returns the exit code.
int RunSupervisorMode(const DistOptions& options);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODES_SUPERVISOR_MODE_H_
