// Somewhere the supervisor can run chunks: a remote worker daemon or the
// supervisor's own local slots. The supervisor sees only this interface.
#ifndef GTEST_DIST_SUPERVISOR_EXECUTOR_H_
#define GTEST_DIST_SUPERVISOR_EXECUTOR_H_

#include <functional>
#include <string>

#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {

class Executor {
 public:
  struct Callbacks {
    // Ready to take up to slots() chunks at once.
    std::function<void(Executor*)> on_ready;
    // An event of a chunk it runs (TestStarted ... ChunkFinished).
    std::function<void(Executor*, protocol::Message&&)> on_event;
    // Gone (refused, unreachable, connection lost): the chunks it had are
    // not finished and no further event comes from it. `retryable` is true
    // when trying again later may work (unreachable, link lost) and false
    // when it cannot (refused: another binary, another protocol).
    std::function<void(Executor*, const std::string& reason, bool retryable)> on_lost;
  };

  virtual ~Executor() = default;
  virtual void Start(Callbacks callbacks) = 0;
  // "host:port" or "local"; names it in messages and reports.
  virtual const std::string& name() const = 0;
  virtual int slots() const = 0;
  // True when it was lost because it was busy (a worker serving as many
  // supervisors as it takes): usable another time, so a run that could use
  // no worker at all falls back as when workers are lost.
  virtual bool busy() const { return false; }
  virtual void Run(const protocol::RunChunk& chunk) = 0;
  // Stops everything it runs; no callback fires afterwards.
  virtual void Stop() = 0;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_EXECUTOR_H_
