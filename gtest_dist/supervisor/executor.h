// Somewhere the supervisor can run chunks: a remote worker daemon or the
// supervisor's own local slots. The supervisor sees only this interface.
#ifndef GTEST_DIST_SUPERVISOR_EXECUTOR_H_
#define GTEST_DIST_SUPERVISOR_EXECUTOR_H_

#include <functional>
#include <string>

#include "gtest_dist/model/worker_shipping.h"
#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {

// Why an executor is gone, as far as what comes next depends on it.
enum class LossKind {
  // Unreachable, or the link was lost: trying again later may work.
  kTransient,
  // It answered but has no room for this supervisor now (its connections or
  // slots are taken): trying again later may work, and meanwhile the run may
  // fall back to local slots (--dist-fallback=local) even though no worker
  // ever took work.
  kFull,
  // Refused for good: another binary, another protocol, a wrong secret.
  kPermanent,
};

class Executor {
 public:
  struct Callbacks {
    // Ready to take up to slots() chunks at once.
    std::function<void(Executor*)> on_ready;
    // An event of a chunk it runs (TestStarted ... ChunkFinished).
    std::function<void(Executor*, protocol::Message&&)> on_event;
    // Gone (refused, unreachable, full, connection lost): the chunks it had
    // are not finished and no further event comes from it.
    std::function<void(Executor*, const std::string& reason, LossKind kind)> on_lost;
    // A generic worker's copy of the build is ready (just before on_ready):
    // what shipping it moved. Optional; unset, the executor prints it.
    std::function<void(Executor*, const WorkerShipping&)> on_shipped;
  };

  virtual ~Executor() = default;
  virtual void Start(Callbacks callbacks) = 0;
  // "host:port" or "local"; names it in messages and reports.
  virtual const std::string& name() const = 0;
  virtual int slots() const = 0;
  virtual void Run(const protocol::RunChunk& chunk) = 0;
  // Tail control: asks for the tests of `chunk_id` from `from_index` on that
  // have not started; a ChunkCut event answers (before the chunk's
  // ChunkFinished), never from within this call. An executor that cannot
  // cut ignores it, and the chunk runs whole.
  virtual void Cut(std::int64_t /*chunk_id*/, int /*from_index*/) {}
  // Stops everything it runs; no callback fires afterwards.
  virtual void Stop() = 0;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_EXECUTOR_H_
