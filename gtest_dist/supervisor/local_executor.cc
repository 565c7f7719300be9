#include "gtest_dist/supervisor/local_executor.h"

namespace gtest_dist {

LocalExecutor::LocalExecutor(boost::asio::io_context& io, ChildReaper& reaper, ChildCommand command,
                             int slots)
    : io_(io), reaper_(reaper), command_(std::move(command)), slots_(slots) {}

LocalExecutor::~LocalExecutor() { Stop(); }

void LocalExecutor::Start(Callbacks callbacks) {
  callbacks_ = std::move(callbacks);
  boost::asio::post(io_, [this] {
    if (!stopped_) callbacks_.on_ready(this);
  });
}

void LocalExecutor::Run(const protocol::RunChunk& chunk) {
  const std::int64_t chunk_id = chunk.chunk_id;
  auto runner = std::make_shared<ChunkRunner>(
      io_, reaper_, command_, chunk, name_, [this, chunk_id](protocol::Message&& event) {
        if (stopped_) return;
        const bool done = std::holds_alternative<protocol::ChunkFinished>(event);
        callbacks_.on_event(this, std::move(event));
        if (done) {
          // The runner is still on the stack: release it later.
          boost::asio::post(io_, [this, chunk_id] { runners_.erase(chunk_id); });
        }
      });
  runners_[chunk_id] = runner;
  runner->Start();
}

void LocalExecutor::Cut(std::int64_t chunk_id, int from_index) {
  // Posted: the answer must not reach the supervisor while it is asking.
  boost::asio::post(io_, [this, chunk_id, from_index] {
    const auto runner = runners_.find(chunk_id);
    if (!stopped_ && runner != runners_.end()) runner->second->Cut(from_index);
  });
}

void LocalExecutor::Stop() {
  stopped_ = true;
  for (auto& [id, runner] : runners_) runner->Cancel();
  runners_.clear();
}

}  // namespace gtest_dist
