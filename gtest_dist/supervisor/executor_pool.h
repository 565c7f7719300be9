// The executors of one run and their lifecycle: made by an ExecutorFactory,
// started, started again after a loss (a fresh executor for the same address
// after the reconnect interval), stopped together at the end. Ids are
// positions in the pool, the same the DispatchPolicy uses.
#ifndef GTEST_DIST_SUPERVISOR_EXECUTOR_POOL_H_
#define GTEST_DIST_SUPERVISOR_EXECUTOR_POOL_H_

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "gtest_dist/dist_flags.h"
#include "gtest_dist/supervisor/executor.h"
#include "gtest_dist/supervisor/executor_factory.h"

namespace gtest_dist {

class ExecutorPool {
 public:
  // `factory` and `io` outlive the pool. `callbacks` go to every executor;
  // `on_restart(id)` runs just before a lost executor is started again.
  ExecutorPool(boost::asio::io_context& io, ExecutorFactory& factory,
               std::chrono::milliseconds reconnect_interval);
  ~ExecutorPool();

  void SetCallbacks(Executor::Callbacks callbacks, std::function<void(int)> on_restart);
  // Makes and starts an executor for `address`; returns its id.
  int Add(const WorkerAddress& address);
  // Starts executor `id` again (a new one for its address) after the
  // reconnect interval, unless the pool is stopped by then.
  void RestartLater(int id);
  // Stops every executor; none starts again. They are destroyed with the pool.
  void StopAll();

  // The id of `executor`, or -1 for one the pool no longer holds.
  int IdOf(const Executor* executor) const;
  Executor& at(int id) { return *members_.at(static_cast<size_t>(id))->executor; }
  int size() const { return static_cast<int>(members_.size()); }

 private:
  struct Member {
    WorkerAddress address;
    std::unique_ptr<Executor> executor;
    std::unique_ptr<boost::asio::steady_timer> restart_timer;
  };
  void Start(Member* member);

  boost::asio::io_context& io_;
  ExecutorFactory& factory_;
  const std::chrono::milliseconds reconnect_interval_;
  Executor::Callbacks callbacks_;
  std::function<void(int)> on_restart_;
  // Stable addresses: timers hold pointers to members.
  std::vector<std::unique_ptr<Member>> members_;
  bool stopped_ = false;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_EXECUTOR_POOL_H_
