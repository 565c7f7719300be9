// --dist-worker: serve chunks of this binary's tests to supervisors.
#ifndef GTEST_DIST_MODES_WORKER_MODE_H_
#define GTEST_DIST_MODES_WORKER_MODE_H_

#include <cstdint>
#include <string>

#include "gtest_dist/dist_flags.h"

namespace gtest_dist {

// Runs the worker daemon until it is stopped; returns the exit code.
int RunWorkerMode(const DistOptions& options);

// `gtest_dist worker`: a worker with no test binary of its own; each
// supervisor ships its build into the cache at `cache_dir` (at most
// `cache_bytes`). `options` carries --bind, --dist-jobs, the secret and TLS.
int RunGenericWorker(const DistOptions& options, const std::string& cache_dir,
                     std::uint64_t cache_bytes);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODES_WORKER_MODE_H_
