#include "gtest_dist/run/chunk_tracker.h"

#include <algorithm>

namespace gtest_dist {

ChunkTracker::ChunkTracker(std::vector<int> tests)
    : tests_(std::move(tests)), members_(tests_.begin(), tests_.end()) {}

bool ChunkTracker::Contains(int index) const { return members_.count(index) > 0; }

bool ChunkTracker::OnStarted(int index) {
  if (!Contains(index) || finished_.count(index) > 0) return false;
  running_ = index;
  return true;
}

bool ChunkTracker::OnFinished(int index) {
  if (!Contains(index) || !finished_.insert(index).second) return false;
  if (running_ == index) running_.reset();
  return true;
}

std::vector<int> ChunkTracker::Unfinished() const {
  std::vector<int> left;
  for (int index : tests_) {
    if (finished_.count(index) == 0) left.push_back(index);
  }
  return left;
}

std::vector<int> ChunkTracker::CutFrom(int limit) {
  std::vector<int> cut;
  for (int index : members_) {
    if (index >= limit && finished_.count(index) == 0 && running_ != index) cut.push_back(index);
  }
  for (int index : cut) members_.erase(index);
  tests_.erase(std::remove_if(tests_.begin(), tests_.end(),
                              [this](int index) { return members_.count(index) == 0; }),
               tests_.end());
  return cut;
}

}  // namespace gtest_dist
