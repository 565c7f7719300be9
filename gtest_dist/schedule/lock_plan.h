// Tests that must not run beside others: --dist-exclusive (alone on their
// worker, as ctest's RUN_SERIAL) and --dist-lock=NAME:PATTERN (never at the
// same time as another test holding NAME, anywhere in the run, as ctest's
// RESOURCE_LOCK). Pure: the DispatchPolicy asks it which chunk may start and
// tells it which chunks hold which locks.
//
// Tests no rule names are left to the Scheduler. The others are held here in
// chunks of their own: tests of one suite with the same requirements share a
// chunk (one SetUpTestSuite), so a chunk holds its locks for its whole run.
#ifndef GTEST_DIST_SCHEDULE_LOCK_PLAN_H_
#define GTEST_DIST_SCHEDULE_LOCK_PLAN_H_

#include <cstddef>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/catalog/test_selection.h"

namespace gtest_dist {

// --dist-exclusive and --dist-lock, as given (patterns in gtest filter syntax).
struct LockRules {
  std::string exclusive;                                   // empty: none
  std::vector<std::pair<std::string, std::string>> locks;  // NAME, PATTERN
  bool empty() const { return exclusive.empty() && locks.empty(); }
};

// Parses one --dist-lock value, "NAME:PATTERN". NAME: letters, digits, '_',
// '-', '.' (1 to 64); PATTERN: a non-empty gtest filter. False with `error`
// saying what is wrong otherwise.
bool ParseLockRule(const std::string& text, std::pair<std::string, std::string>* rule,
                   std::string* error);

// What a chunk needs while it runs.
struct LockRequirements {
  bool exclusive = false;       // every slot of its executor
  std::set<std::string> locks;  // held nowhere else at the same time
  bool empty() const { return !exclusive && locks.empty(); }
  bool operator==(const LockRequirements& other) const {
    return exclusive == other.exclusive && locks == other.locks;
  }
};

// How a test's record and the history name `needs`: "exclusive" and
// "lock:NAME" words, space-separated, in that order; empty for none.
std::string DescribeRequirements(const LockRequirements& needs);

class LockPlan {
 public:
  LockPlan(const TestCatalog& catalog, const std::vector<int>& selected, const LockRules& rules,
           std::size_t max_chunk_tests = std::numeric_limits<std::size_t>::max());

  // The selected tests no rule names, for the Scheduler (catalog order).
  const std::vector<int>& free_tests() const { return free_tests_; }
  bool Constrained(int index) const { return requirements_.count(index) > 0; }

  // The union of what `tests` need.
  LockRequirements RequirementsOf(const std::vector<int>& tests) const;
  // Whether a chunk needing `needs` may start now on an executor that runs
  // nothing (`executor_idle`) or something.
  bool Allows(const LockRequirements& needs, bool executor_idle) const;
  void Hold(const LockRequirements& needs);
  void Release(const LockRequirements& needs);

  // The first queued chunk that may start now (see Allows), taken off the
  // queue; the caller holds its requirements while it runs.
  std::optional<std::vector<int>> Next(bool executor_idle);
  // Puts constrained tests back at the front (a lost worker's unfinished ones).
  void Requeue(const std::vector<int>& tests);
  // Everything still queued, taken off the queue (fail-fast, give-up).
  std::vector<int> TakeAll();

  bool empty() const { return queue_.empty(); }
  int queued_tests() const;

 private:
  struct Chunk {
    LockRequirements needs;
    std::vector<int> tests;
  };
  std::vector<Chunk> Group(const std::vector<int>& tests) const;

  const TestCatalog& catalog_;
  std::size_t max_chunk_tests_;
  std::map<int, LockRequirements> requirements_;  // constrained tests only
  std::vector<int> free_tests_;
  std::deque<Chunk> queue_;
  std::set<std::string> held_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SCHEDULE_LOCK_PLAN_H_
