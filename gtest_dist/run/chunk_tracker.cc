#include "gtest_dist/run/chunk_tracker.h"

#include <algorithm>

namespace gtest_dist {

ChunkTracker::ChunkTracker(std::vector<int> tests) : tests_(std::move(tests)), sorted_(tests_) {
  std::sort(sorted_.begin(), sorted_.end());
  sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
  state_.assign(sorted_.size(), State::kPending);
  members_ = sorted_.size();
}

ChunkTracker::State* ChunkTracker::StateOf(int index) {
  const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), index);
  if (it == sorted_.end() || *it != index) return nullptr;
  return &state_[static_cast<std::size_t>(it - sorted_.begin())];
}

const ChunkTracker::State* ChunkTracker::StateOf(int index) const {
  return const_cast<ChunkTracker*>(this)->StateOf(index);
}

bool ChunkTracker::Contains(int index) const {
  const State* state = StateOf(index);
  return state != nullptr && *state != State::kCut;
}

bool ChunkTracker::OnStarted(int index) {
  const State* state = StateOf(index);
  if (state == nullptr || *state != State::kPending) return false;
  running_ = index;
  return true;
}

bool ChunkTracker::OnFinished(int index) {
  State* state = StateOf(index);
  if (state == nullptr || *state != State::kPending) return false;
  *state = State::kFinished;
  ++finished_;
  if (running_ == index) running_.reset();
  return true;
}

std::vector<int> ChunkTracker::Unfinished() const {
  std::vector<int> left;
  for (int index : tests_) {
    if (*StateOf(index) == State::kPending) left.push_back(index);
  }
  return left;
}

std::vector<int> ChunkTracker::CutFrom(int limit) {
  std::vector<int> cut;
  const auto from = std::lower_bound(sorted_.begin(), sorted_.end(), limit) - sorted_.begin();
  for (auto i = static_cast<std::size_t>(from); i < sorted_.size(); ++i) {
    if (state_[i] == State::kPending && running_ != sorted_[i]) {
      state_[i] = State::kCut;
      --members_;
      cut.push_back(sorted_[i]);
    }
  }
  if (!cut.empty()) {
    tests_.erase(std::remove_if(tests_.begin(), tests_.end(),
                                [this](int index) { return *StateOf(index) == State::kCut; }),
                 tests_.end());
  }
  return cut;
}

}  // namespace gtest_dist
