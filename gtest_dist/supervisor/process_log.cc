#include "gtest_dist/supervisor/process_log.h"

#include <utility>

namespace gtest_dist {

void ProcessLog::OnStarted(std::int64_t chunk_id, int index, const std::string& worker) {
  // try_emplace: no node is made (and freed) for a chunk already known, as
  // every test start of it asks.
  auto [it, fresh] = current_.try_emplace(chunk_id, 0);
  if (fresh || it->second == 0) {
    ProcessRun process;
    process.id = static_cast<int>(processes_.size()) + 1;
    process.worker = worker;
    processes_.push_back(std::move(process));
    it->second = processes_.back().id;
  }
  processes_[static_cast<size_t>(it->second - 1)].tests.push_back(index);
}

int ProcessLog::Current(std::int64_t chunk_id) const {
  const auto it = current_.find(chunk_id);
  return it == current_.end() ? 0 : it->second;
}

void ProcessLog::OnFinished(std::int64_t chunk_id, Outcome outcome) {
  if (outcome == Outcome::kCrashed || outcome == Outcome::kTimeout) current_.erase(chunk_id);
}

}  // namespace gtest_dist
