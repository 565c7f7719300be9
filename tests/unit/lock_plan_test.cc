// --dist-exclusive and --dist-lock: the LockPlan alone, then the
// DispatchPolicy driving it over fake executors.
#include "gtest_dist/schedule/lock_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/schedule/scheduler.h"
#include "gtest_dist/supervisor/dispatch_policy.h"
#include "tests/unit/catalog_test_support.h"

namespace gtest_dist {
namespace {

// Suites Serial (3 tests), Device (4), Port (3), Free0..Free5 (4 each).
TestCatalog MakeCatalog() {
  return CatalogOfSuites({{"Serial", 3},
                          {"Device", 4},
                          {"Port", 3},
                          {"Free0", 4},
                          {"Free1", 4},
                          {"Free2", 4},
                          {"Free3", 4},
                          {"Free4", 4},
                          {"Free5", 4}});
}

LockRules Rules() {
  LockRules rules;
  rules.exclusive = "Serial.*";
  // Free0.T0 shares the device with Device.*, in another suite: another chunk.
  rules.locks = {{"dev", "Device.*:Free0.T0"}, {"port", "Port.*"}};
  return rules;
}

TEST(ParseLockRuleTest, NameAndPattern) {
  std::pair<std::string, std::string> rule;
  std::string error;
  ASSERT_TRUE(ParseLockRule("gpu:Gpu*:Cuda.*", &rule, &error)) << error;
  EXPECT_EQ(rule.first, "gpu");
  EXPECT_EQ(rule.second, "Gpu*:Cuda.*");
  EXPECT_FALSE(ParseLockRule("nocolon", &rule, &error));
  EXPECT_NE(error.find("NAME:PATTERN"), std::string::npos) << error;
  EXPECT_FALSE(ParseLockRule(":Foo.*", &rule, &error));
  EXPECT_FALSE(ParseLockRule("a b:Foo.*", &rule, &error));
  EXPECT_NE(error.find("lock name"), std::string::npos) << error;
  EXPECT_FALSE(ParseLockRule("name:", &rule, &error));
  EXPECT_NE(error.find("pattern"), std::string::npos) << error;
}

TEST(LockPlanTest, SplitsFreeFromConstrainedAndGroupsBySuite) {
  const TestCatalog catalog = MakeCatalog();
  LockPlan plan(catalog, Indices(catalog.size()), Rules());
  // 3 Serial + 4 Device + 3 Port + Free0.T0 are held back.
  EXPECT_EQ(plan.free_tests().size(), static_cast<size_t>(catalog.size() - 11));
  EXPECT_EQ(plan.queued_tests(), 11);
  EXPECT_TRUE(plan.Constrained(0));
  EXPECT_FALSE(plan.Constrained(catalog.size() - 1));
  EXPECT_TRUE(plan.RequirementsOf({0}).exclusive);
  EXPECT_EQ(plan.RequirementsOf({3}).locks, std::set<std::string>{"dev"});

  // The exclusive chunk first, and only on an idle executor.
  auto first = plan.Next(/*executor_idle=*/false);
  ASSERT_TRUE(first);
  EXPECT_FALSE(plan.RequirementsOf(*first).exclusive);
  plan.Hold(plan.RequirementsOf(*first));
  auto serial = plan.Next(/*executor_idle=*/true);
  ASSERT_TRUE(serial);
  EXPECT_EQ(*serial, (std::vector<int>{0, 1, 2}));
}

TEST(LockPlanTest, AHeldLockKeepsItsOtherChunksBack) {
  const TestCatalog catalog = MakeCatalog();
  LockRules rules;
  rules.locks = {{"dev", "Device.*:Free0.T0"}};
  LockPlan plan(catalog, Indices(catalog.size()), rules);
  auto device = plan.Next(true);
  ASSERT_TRUE(device);
  EXPECT_EQ(*device, (std::vector<int>{3, 4, 5, 6}));
  const LockRequirements needs = plan.RequirementsOf(*device);
  plan.Hold(needs);
  EXPECT_FALSE(plan.Next(true)) << "Free0.T0 holds dev too";
  plan.Release(needs);
  auto other = plan.Next(true);
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, std::vector<int>{10});
  EXPECT_TRUE(plan.empty());
  plan.Requeue({10});
  EXPECT_EQ(plan.queued_tests(), 1);
  EXPECT_EQ(plan.TakeAll(), std::vector<int>{10});
}

TEST(LockPlanTest, ChunksNeverExceedTheMaximum) {
  const TestCatalog catalog = MakeCatalog();
  LockRules rules;
  rules.locks = {{"dev", "Device.*"}};
  LockPlan plan(catalog, Indices(catalog.size()), rules, /*max_chunk_tests=*/3);
  EXPECT_EQ(plan.Next(true)->size(), 3u);
  EXPECT_EQ(plan.Next(true)->size(), 1u);
}

// The policy over fake executors: chunks end in a random order; at every step
// no lock is held by two chunks in flight, an exclusive chunk is alone on its
// executor, and every test runs once.
class LockedDispatchTest : public testing::TestWithParam<unsigned> {};

TEST_P(LockedDispatchTest, NoOverlapWhereForbiddenAndEveryTestRuns) {
  const TestCatalog catalog = MakeCatalog();
  const LockRules rules = Rules();
  LockPlan locks(catalog, Indices(catalog.size()), rules);
  Scheduler scheduler(catalog, locks.free_tests(), 1);
  std::set<int> final_tests;
  DispatchPolicy policy(&scheduler, {}, [&](int index) { return final_tests.count(index) > 0; });
  policy.SetLockPlan(&locks);
  LockPlan oracle(catalog, Indices(catalog.size()), rules);  // only RequirementsOf

  std::mt19937 random(GetParam());
  policy.AddExecutor();
  policy.AddExecutor();
  policy.OnReady(0, 4);
  policy.OnReady(1, 4);
  std::map<std::int64_t, Assignment> running;
  std::multiset<int> ran;
  int max_busy_besides_exclusive = 0;
  for (int step = 0; step < 1000; ++step) {
    for (Assignment& assignment : policy.Dispatch()) {
      running[assignment.chunk_id] = assignment;
    }
    // The invariants, over what is in flight now.
    std::map<std::string, int> holders;
    std::map<int, int> per_executor;
    std::set<int> exclusive_on;
    for (const auto& [id, assignment] : running) {
      const LockRequirements needs = oracle.RequirementsOf(assignment.tests);
      for (const std::string& lock : needs.locks) ++holders[lock];
      ++per_executor[assignment.executor];
      if (needs.exclusive) exclusive_on.insert(assignment.executor);
    }
    for (const auto& [lock, count] : holders) EXPECT_LE(count, 1) << "lock " << lock;
    for (int executor : exclusive_on) EXPECT_EQ(per_executor[executor], 1);
    for (const auto& [executor, count] : per_executor) {
      if (exclusive_on.count(executor) == 0) {
        max_busy_besides_exclusive = std::max(max_busy_besides_exclusive, count);
      }
    }
    if (running.empty()) break;
    auto it = running.begin();
    std::advance(it, static_cast<long>(random() % running.size()));
    for (int test : it->second.tests) {
      ran.insert(test);
      policy.OnTestEnded(it->first, test);
      final_tests.insert(test);
    }
    EXPECT_TRUE(policy.OnChunkFinished(it->first).empty());
    running.erase(it);
  }
  EXPECT_TRUE(running.empty());
  EXPECT_FALSE(policy.HasWork());
  EXPECT_EQ(ran.size(), static_cast<size_t>(catalog.size()));
  EXPECT_EQ(std::set<int>(ran.begin(), ran.end()).size(), static_cast<size_t>(catalog.size()));
  // The free tests still filled every slot of an executor at some point.
  EXPECT_EQ(max_busy_besides_exclusive, 4);
}

INSTANTIATE_TEST_SUITE_P(Seeds, LockedDispatchTest, testing::Range(1u, 21u));

TEST(LockedDispatchPolicyTest, ALostExecutorsLockedTestsGoBackToTheLockPlanAndTheLockIsFree) {
  const TestCatalog catalog = MakeCatalog();
  LockRules rules;
  rules.locks = {{"dev", "Device.*:Free0.T0"}};
  LockPlan locks(catalog, Indices(catalog.size()), rules);
  Scheduler scheduler(catalog, locks.free_tests(), 1);
  DispatchPolicy policy(&scheduler, {}, [](int) { return false; });
  policy.SetLockPlan(&locks);
  policy.AddExecutor();
  policy.AddExecutor();
  policy.OnReady(0, 1);
  std::vector<Assignment> first = policy.Dispatch();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].tests, (std::vector<int>{3, 4, 5, 6}));
  const LossDecision loss = policy.OnLost(0, LossKind::kTransient);
  EXPECT_EQ(loss.requeued, (std::vector<int>{3, 4, 5, 6}));
  policy.OnReady(1, 1);
  std::vector<Assignment> again = policy.Dispatch();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].tests, (std::vector<int>{3, 4, 5, 6})) << "dev was released by the loss";
}

TEST(LockedDispatchPolicyTest, AnExclusiveRetryWaitsForAnIdleExecutor) {
  const TestCatalog catalog = MakeCatalog();
  LockRules rules;
  rules.exclusive = "Serial.*";
  LockPlan locks(catalog, Indices(catalog.size()), rules);
  Scheduler scheduler(catalog, locks.free_tests(), 1);
  std::set<int> final_tests;
  DispatchOptions options;
  options.retries = 1;
  DispatchPolicy policy(&scheduler, options,
                        [&](int index) { return final_tests.count(index) > 0; });
  policy.SetLockPlan(&locks);
  policy.AddExecutor();
  policy.OnReady(0, 2);
  std::vector<Assignment> chunks = policy.Dispatch();
  ASSERT_EQ(chunks.size(), 1u) << "the exclusive chunk takes the executor alone";
  EXPECT_EQ(chunks[0].tests, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(policy.Dispatch().empty());
  policy.OnTestEnded(chunks[0].chunk_id, 0);
  policy.OnTestEnded(chunks[0].chunk_id, 1);
  policy.OnTestEnded(chunks[0].chunk_id, 2);
  final_tests.insert({1, 2});
  EXPECT_TRUE(policy.RetryAfter(0, Outcome::kFailed, chunks[0].chunk_id, 0, 0));
  policy.OnChunkFinished(chunks[0].chunk_id);
  // Idle: the retry goes first, alone.
  chunks = policy.Dispatch();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tests, std::vector<int>{0});
}

}  // namespace
}  // namespace gtest_dist
