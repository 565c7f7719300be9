// --workers local:N: N slots on the supervisor's own machine, no daemon.
#ifndef GTEST_DIST_SUPERVISOR_LOCAL_EXECUTOR_H_
#define GTEST_DIST_SUPERVISOR_LOCAL_EXECUTOR_H_

#include <boost/asio.hpp>
#include <map>
#include <memory>

#include "gtest_dist/run/chunk_runner.h"
#include "gtest_dist/supervisor/executor.h"

namespace gtest_dist {

class LocalExecutor : public Executor {
 public:
  LocalExecutor(boost::asio::io_context& io, ChildReaper& reaper, ChildCommand command, int slots);
  ~LocalExecutor() override;

  void Start(Callbacks callbacks) override;
  const std::string& name() const override { return name_; }
  int slots() const override { return slots_; }
  void Run(const protocol::RunChunk& chunk) override;
  void Cut(std::int64_t chunk_id, int from_index) override;
  void Stop() override;

 private:
  boost::asio::io_context& io_;
  ChildReaper& reaper_;
  ChildCommand command_;
  int slots_;
  std::string name_ = "local";
  Callbacks callbacks_;
  std::map<std::int64_t, std::shared_ptr<ChunkRunner>> runners_;
  bool stopped_ = false;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_LOCAL_EXECUTOR_H_
