#include "gtest_dist/schedule/chunk_sizing.h"

#include <algorithm>
#include <limits>
#include <vector>

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
  // Processes dispatched together start one after another (a warm template
  // forks them in turn; the first of a run waits for the template itself):
  // each counts from the later of its dispatch and the previous start, the
  // time one more process adds.
  const double since = std::max(it->second.dispatched_ms, last_first_start_ms_);
  const double added = std::max(0.0, now_ms - since - it->second.first_setup_ms);
  last_first_start_ms_ = std::max(last_first_start_ms_, now_ms);
  recent_startup_ms_ = recent_startup_ms_ < 0
                           ? added
                           : kRecentWeight * added + (1 - kRecentWeight) * recent_startup_ms_;
}

void ChunkSizing::OnTestEnded(std::int64_t chunk_id, double cost, double now_ms) {
  const auto it = chunks_.find(chunk_id);
  if (it == chunks_.end() || it->second.first_start_ms < 0) return;
  it->second.ended_cost += std::max(0.0, cost);
  it->second.last_end_ms = std::max(it->second.last_end_ms, now_ms);
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

double ChunkSizing::ms_per_cost() const {
  double ms = run_ms_;
  double cost = run_cost_;
  for (const auto& [id, chunk] : chunks_) {
    if (chunk.last_end_ms < 0) continue;
    ms += std::max(0.0, chunk.last_end_ms - chunk.first_start_ms);
    cost += chunk.ended_cost;
  }
  return cost > 0 ? ms / cost : -1;
}

double ChunkSizing::CurrentStartupMs(double now_ms) const {
  std::vector<double> waits;
  for (const auto& [id, chunk] : chunks_) {
    if (chunk.first_start_ms < 0) waits.push_back(std::max(0.0, now_ms - chunk.dispatched_ms));
  }
  // One process alone waiting may be stuck, not slow: it says nothing of the next.
  if (waits.size() < 2) return recent_startup_ms_;
  const auto middle = waits.begin() + static_cast<long>(waits.size() / 2);
  std::nth_element(waits.begin(), middle, waits.end());
  return std::max(recent_startup_ms_, *middle);
}

double ChunkSizing::MinChunkCost() const {
  const double per_cost = ms_per_cost();
  if (startup_ms_ < 0 || per_cost < 0) return 0;
  const double wanted_ms = kStartupsPerChunk * startup_ms_;
  // Tests that took no measurable time: any chunk is too small.
  if (per_cost <= 0) return wanted_ms > 0 ? std::numeric_limits<double>::infinity() : 0;
  return wanted_ms / per_cost;
}

}  // namespace gtest_dist
