// Which test process ran each test, and in what order (issue 16, exact
// reproduction), told from the events as the supervisor receives them: a
// chunk runs in one child process until a test of it crashes or times out
// (the child is gone), and the rest of the chunk goes to a new child. No
// child cooperation is needed. Pure.
#ifndef GTEST_DIST_SUPERVISOR_PROCESS_LOG_H_
#define GTEST_DIST_SUPERVISOR_PROCESS_LOG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gtest_dist/model/outcome.h"
#include "gtest_dist/model/process_run.h"

namespace gtest_dist {

class ProcessLog {
 public:
  // Test `index` of chunk `chunk_id` started on `worker`; a chunk with no
  // current process gets a new one.
  void OnStarted(std::int64_t chunk_id, int index, const std::string& worker);
  // The process that runs chunk `chunk_id` now; 0 when none (the chunk
  // started no test yet, or its process ended).
  int Current(std::int64_t chunk_id) const;
  // A test of the chunk ended with `outcome`: a crash or timeout ends the
  // child, so the chunk's next test starts a new process.
  void OnFinished(std::int64_t chunk_id, Outcome outcome);
  // The chunk is done (finished, or its worker was lost).
  void OnChunkEnded(std::int64_t chunk_id) { current_.erase(chunk_id); }

  const std::vector<ProcessRun>& processes() const { return processes_; }
  std::vector<ProcessRun> Take() { return std::move(processes_); }

 private:
  std::vector<ProcessRun> processes_;    // processes_[id - 1]
  std::map<std::int64_t, int> current_;  // chunk id -> process id
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_PROCESS_LOG_H_
