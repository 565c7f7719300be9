#include "gtest_dist/supervisor/executor_pool.h"

#include <utility>

namespace gtest_dist {

ExecutorPool::ExecutorPool(boost::asio::io_context& io, ExecutorFactory& factory,
                           std::chrono::milliseconds reconnect_interval)
    : io_(io), factory_(factory), reconnect_interval_(reconnect_interval) {}

ExecutorPool::~ExecutorPool() { StopAll(); }

void ExecutorPool::SetCallbacks(Executor::Callbacks callbacks,
                                std::function<void(int)> on_restart) {
  callbacks_ = std::move(callbacks);
  on_restart_ = std::move(on_restart);
}

int ExecutorPool::Add(const WorkerAddress& address) {
  auto member = std::make_unique<Member>();
  member->address = address;
  members_.push_back(std::move(member));
  Start(members_.back().get());
  return size() - 1;
}

void ExecutorPool::Start(Member* member) {
  // The old executor, if any, was lost: no callback of it is on the stack
  // now (restarts run from a timer), so it can go.
  member->executor = factory_.Make(member->address);
  member->executor->Start(callbacks_);
}

void ExecutorPool::RestartLater(int id) {
  Member* member = members_.at(static_cast<size_t>(id)).get();
  if (!member->restart_timer) {
    member->restart_timer = std::make_unique<boost::asio::steady_timer>(io_);
  }
  member->restart_timer->expires_after(reconnect_interval_);
  member->restart_timer->async_wait([this, id, member](const boost::system::error_code& error) {
    if (error || stopped_) return;
    if (on_restart_) on_restart_(id);
    Start(member);
  });
}

void ExecutorPool::StopAll() {
  stopped_ = true;
  for (auto& member : members_) {
    if (member->restart_timer) member->restart_timer->cancel();
    if (member->executor) member->executor->Stop();
  }
}

int ExecutorPool::IdOf(const Executor* executor) const {
  for (size_t id = 0; id < members_.size(); ++id) {
    if (members_[id]->executor.get() == executor) return static_cast<int>(id);
  }
  return -1;
}

}  // namespace gtest_dist
