#include "gtest_dist/schedule/lock_plan.h"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace gtest_dist {

bool ParseLockRule(const std::string& text, std::pair<std::string, std::string>* rule,
                   std::string* error) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    *error = "expected NAME:PATTERN, got \"" + text + "\"";
    return false;
  }
  const std::string name = text.substr(0, colon);
  const std::string pattern = text.substr(colon + 1);
  constexpr size_t kMaxLockName = 64;
  bool name_ok = !name.empty() && name.size() <= kMaxLockName;
  for (char c : name) {
    name_ok = name_ok &&
              (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  }
  if (!name_ok) {
    *error = "the lock name in \"" + text + "\" must be 1 to 64 letters, digits, '_', '-' or '.'";
    return false;
  }
  if (pattern.empty()) {
    *error = "the pattern in \"" + text + "\" is empty; expected a gtest filter";
    return false;
  }
  *rule = {name, pattern};
  return true;
}

std::string DescribeRequirements(const LockRequirements& needs) {
  std::string text = needs.exclusive ? "exclusive" : "";
  for (const std::string& lock : needs.locks) text += (text.empty() ? "lock:" : " lock:") + lock;
  return text;
}

LockPlan::LockPlan(const TestCatalog& catalog, const std::vector<int>& selected,
                   const LockRules& rules, std::size_t max_chunk_tests)
    : catalog_(catalog), max_chunk_tests_(max_chunk_tests > 0 ? max_chunk_tests : 1) {
  const std::optional<TestFilter> exclusive =
      rules.exclusive.empty() ? std::nullopt : std::optional<TestFilter>(rules.exclusive);
  std::vector<std::pair<std::string, TestFilter>> locks;
  for (const auto& [name, pattern] : rules.locks) locks.emplace_back(name, TestFilter(pattern));
  std::vector<int> constrained;
  for (int index : selected) {
    const std::string full_name = catalog.test(index).FullName();
    LockRequirements needs;
    needs.exclusive = exclusive && exclusive->Matches(full_name);
    for (const auto& [name, filter] : locks) {
      if (filter.Matches(full_name)) needs.locks.insert(name);
    }
    if (needs.empty()) {
      free_tests_.push_back(index);
    } else {
      requirements_[index] = needs;
      constrained.push_back(index);
    }
  }
  std::sort(free_tests_.begin(), free_tests_.end());
  for (Chunk& chunk : Group(constrained)) queue_.push_back(std::move(chunk));
}

std::vector<LockPlan::Chunk> LockPlan::Group(const std::vector<int>& tests) const {
  std::vector<int> sorted = tests;
  std::sort(sorted.begin(), sorted.end());
  // One chunk per suite and set of requirements, in catalog order of first
  // test; exclusive chunks first, since they wait for an idle executor.
  std::vector<Chunk> chunks;
  std::map<std::tuple<bool, std::set<std::string>, int>, size_t> position;
  for (int index : sorted) {
    const LockRequirements& needs = requirements_.at(index);
    const auto key =
        std::make_tuple(needs.exclusive, needs.locks, catalog_.test(index).suite_index);
    auto it = position.find(key);
    if (it == position.end() || chunks[it->second].tests.size() >= max_chunk_tests_) {
      it = position.insert_or_assign(key, chunks.size()).first;
      chunks.push_back(Chunk{needs, {}});
    }
    chunks[it->second].tests.push_back(index);
  }
  std::stable_partition(chunks.begin(), chunks.end(),
                        [](const Chunk& chunk) { return chunk.needs.exclusive; });
  return chunks;
}

LockRequirements LockPlan::RequirementsOf(const std::vector<int>& tests) const {
  LockRequirements needs;
  for (int index : tests) {
    const auto it = requirements_.find(index);
    if (it == requirements_.end()) continue;
    needs.exclusive = needs.exclusive || it->second.exclusive;
    needs.locks.insert(it->second.locks.begin(), it->second.locks.end());
  }
  return needs;
}

bool LockPlan::Allows(const LockRequirements& needs, bool executor_idle) const {
  if (needs.exclusive && !executor_idle) return false;
  for (const std::string& lock : needs.locks) {
    if (held_.count(lock) > 0) return false;
  }
  return true;
}

void LockPlan::Hold(const LockRequirements& needs) {
  held_.insert(needs.locks.begin(), needs.locks.end());
}

void LockPlan::Release(const LockRequirements& needs) {
  for (const std::string& lock : needs.locks) held_.erase(lock);
}

std::optional<std::vector<int>> LockPlan::Next(bool executor_idle) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (!Allows(it->needs, executor_idle)) continue;
    std::vector<int> tests = std::move(it->tests);
    queue_.erase(it);
    return tests;
  }
  return std::nullopt;
}

void LockPlan::Requeue(const std::vector<int>& tests) {
  std::vector<Chunk> chunks = Group(tests);
  for (auto it = chunks.rbegin(); it != chunks.rend(); ++it) queue_.push_front(std::move(*it));
}

std::vector<int> LockPlan::TakeAll() {
  std::vector<int> all;
  for (const Chunk& chunk : queue_) all.insert(all.end(), chunk.tests.begin(), chunk.tests.end());
  queue_.clear();
  return all;
}

int LockPlan::queued_tests() const {
  int count = 0;
  for (const Chunk& chunk : queue_) count += static_cast<int>(chunk.tests.size());
  return count;
}

}  // namespace gtest_dist
