#include "gtest_dist/schedule/chunk_sizing.h"

#include <algorithm>
#include <limits>

namespace gtest_dist {

void ChunkSizing::OnDispatched(std::int64_t chunk_id, double cost, double now_ms,
                               double first_setup_ms) {
  first_setup_ms = std::max(0.0, first_setup_ms);
  chunks_[chunk_id] = Chunk{std::max(0.0, cost - first_setup_ms), now_ms, -1, first_setup_ms};
}

void ChunkSizing::OnTestStarted(std::int64_t chunk_id, double now_ms) {
  const auto it = chunks_.find(chunk_id);
  if (it == chunks_.end() || it->second.first_start_ms >= 0) return;
  it->second.first_start_ms = now_ms;
  const double startup =
      std::max(0.0, now_ms - it->second.dispatched_ms - it->second.first_setup_ms);
  startup_ms_ = startup_ms_ < 0 ? startup : std::min(startup_ms_, startup);
}

void ChunkSizing::OnCut(std::int64_t chunk_id, double cost) {
  const auto it = chunks_.find(chunk_id);
  if (it != chunks_.end()) it->second.cost = std::max(0.0, it->second.cost - cost);
}

void ChunkSizing::OnFinished(std::int64_t chunk_id, double now_ms) {
  const auto it = chunks_.find(chunk_id);
  if (it == chunks_.end()) return;
  if (it->second.first_start_ms >= 0) {
    run_ms_ += std::max(0.0, now_ms - it->second.first_start_ms);
    run_cost_ += it->second.cost;
  }
  chunks_.erase(it);
}

double ChunkSizing::ms_per_cost() const { return run_cost_ > 0 ? run_ms_ / run_cost_ : -1; }

double ChunkSizing::MinChunkCost() const {
  const double per_cost = ms_per_cost();
  if (startup_ms_ < 0 || per_cost < 0) return 0;
  const double wanted_ms = kStartupsPerChunk * startup_ms_;
  // Tests that took no measurable time: any chunk is too small.
  if (per_cost <= 0) return wanted_ms > 0 ? std::numeric_limits<double>::infinity() : 0;
  return wanted_ms / per_cost;
}

}  // namespace gtest_dist
