#include "gtest_dist/supervisor/dispatch_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/schedule/scheduler.h"
#include "tests/unit/catalog_test_support.h"

namespace gtest_dist {
namespace {

// `suites` suites "S<i>" of `per_suite` tests each.
TestCatalog MakeCatalog(int suites, int per_suite) {
  std::vector<std::pair<std::string, int>> named;
  for (int suite = 0; suite < suites; ++suite)
    named.emplace_back("S" + std::to_string(suite), per_suite);
  return CatalogOfSuites(named);
}

// Whether `chunk` begins with `prefix`: requeued tests go first.
bool StartsWith(const std::vector<int>& chunk, const std::vector<int>& prefix) {
  return chunk.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), chunk.begin());
}

class DispatchPolicyTest : public testing::Test {
 protected:
  DispatchPolicyTest() : catalog_(MakeCatalog(8, 4)) {}

  // A policy over every test of the catalog.
  DispatchPolicy& Make(DispatchOptions options = {}) {
    scheduler_ = std::make_unique<Scheduler>(catalog_, Indices(catalog_.size()), 1);
    policy_ = std::make_unique<DispatchPolicy>(
        scheduler_.get(), options, [this](int index) { return final_.count(index) > 0; });
    return *policy_;
  }

  // Two executors, only executor 0 ready; the first test of its first chunk
  // fails with `outcome` and is to be retried; the rest of the chunk passes.
  // Returns the failed test.
  int FailFirstTestOnExecutorZero(DispatchOptions options, Outcome outcome) {
    DispatchPolicy& policy = Make(options);
    policy.AddExecutor();
    policy.AddExecutor();
    policy.OnReady(0, 1);
    const Assignment first = policy.Dispatch().at(0);
    const int failed = first.tests[0];
    EXPECT_TRUE(policy.RetryAfter(failed, outcome, first.chunk_id, 0, 0));
    FinishAll(first);
    final_.erase(failed);
    return failed;
  }

  // Every test of `assignment` ends and is final.
  void FinishAll(const Assignment& assignment) {
    for (int test : assignment.tests) {
      policy_->OnTestEnded(assignment.chunk_id, test);
      final_.insert(test);
    }
    EXPECT_TRUE(policy_->OnChunkFinished(assignment.chunk_id).empty());
  }

  TestCatalog catalog_;
  std::set<int> final_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<DispatchPolicy> policy_;
};

TEST_F(DispatchPolicyTest, NothingGoesToAnExecutorBeforeItIsReady) {
  DispatchPolicy& policy = Make();
  policy.AddExecutor();
  EXPECT_TRUE(policy.Dispatch().empty());
  policy.OnReady(0, 2);
  const std::vector<Assignment> chunks = policy.Dispatch();
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].executor, 0);
  EXPECT_EQ(chunks[1].executor, 0);
  EXPECT_NE(chunks[0].chunk_id, chunks[1].chunk_id);
  EXPECT_EQ(policy.busy(0), 2);
  EXPECT_TRUE(policy.Dispatch().empty()) << "no free slot";
}

TEST_F(DispatchPolicyTest, FirstChunksSpreadRoundRobinOverExecutors) {
  DispatchPolicy& policy = Make();
  for (int i = 0; i < 3; ++i) policy.AddExecutor();
  for (int i = 0; i < 3; ++i) policy.OnReady(i, 2);
  const std::vector<Assignment> chunks = policy.Dispatch();
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].executor, 0);
  EXPECT_EQ(chunks[1].executor, 1);
  EXPECT_EQ(chunks[2].executor, 2);
}

TEST_F(DispatchPolicyTest, ChunksAreSizedForExecutorsStillConnecting) {
  DispatchPolicy& alone = Make();
  alone.AddExecutor();
  alone.OnReady(0, 1);
  const size_t size_alone = alone.Dispatch().at(0).tests.size();

  DispatchPolicy& with_another = Make();
  with_another.AddExecutor();
  with_another.AddExecutor();  // still connecting
  with_another.OnReady(0, 1);
  const size_t size_shared = with_another.Dispatch().at(0).tests.size();
  EXPECT_LT(size_shared, size_alone);
}

TEST_F(DispatchPolicyTest, AcceptsOnlyEventsOfTheExecutorsOwnChunks) {
  DispatchPolicy& policy = Make();
  policy.AddExecutor();
  policy.AddExecutor();
  policy.OnReady(0, 1);
  const Assignment chunk = policy.Dispatch().at(0);
  const int inside = chunk.tests.front();
  int outside = 0;
  while (std::count(chunk.tests.begin(), chunk.tests.end(), outside) > 0) ++outside;
  EXPECT_TRUE(policy.Accepts(0, chunk.chunk_id, inside));
  EXPECT_TRUE(policy.Accepts(0, chunk.chunk_id, -1));
  EXPECT_FALSE(policy.Accepts(0, chunk.chunk_id, outside));
  EXPECT_FALSE(policy.Accepts(1, chunk.chunk_id, inside)) << "another executor's chunk";
  EXPECT_FALSE(policy.Accepts(0, chunk.chunk_id + 100, -1)) << "a chunk never sent";
  FinishAll(chunk);
  EXPECT_FALSE(policy.Accepts(0, chunk.chunk_id, inside)) << "a chunk already finished";
}

TEST_F(DispatchPolicyTest, LostExecutorsUnfinishedTestsAreRequeuedForTheOthers) {
  DispatchPolicy& policy = Make();
  policy.AddExecutor();
  policy.AddExecutor();
  policy.OnReady(0, 1);
  const Assignment chunk = policy.Dispatch().at(0);
  ASSERT_GE(chunk.tests.size(), 3u);
  // The first test finished there; the link drops during the second.
  policy.OnTestEnded(chunk.chunk_id, chunk.tests[0]);
  final_.insert(chunk.tests[0]);
  const LossDecision lost = policy.OnLost(0, LossKind::kTransient);
  const std::vector<int> rest(chunk.tests.begin() + 1, chunk.tests.end());
  EXPECT_EQ(lost.requeued, rest);
  EXPECT_EQ(lost.lost_chunks, std::vector<std::int64_t>{chunk.chunk_id});
  EXPECT_TRUE(lost.reconnect);
  EXPECT_EQ(lost.then, LossDecision::Then::kGoOn) << "executor 1 is still connecting";
  EXPECT_FALSE(policy.Accepts(0, chunk.chunk_id, -1));

  policy.OnReady(1, 1);
  const Assignment again = policy.Dispatch().at(0);
  EXPECT_EQ(again.executor, 1);
  EXPECT_TRUE(StartsWith(again.tests, rest)) << "requeued tests go first, together";
}

TEST_F(DispatchPolicyTest, TestThatEndedAndWaitsForItsRetryIsNotRequeued) {
  DispatchPolicy& policy = Make(DispatchOptions{1, 0});
  policy.AddExecutor();
  policy.OnReady(0, 1);
  const Assignment chunk = policy.Dispatch().at(0);
  const int failed = chunk.tests[0];
  policy.OnTestEnded(chunk.chunk_id, failed);  // failed: not final, to run again
  ASSERT_TRUE(policy.RetryAfter(failed, Outcome::kFailed, chunk.chunk_id, 0, 0));
  const LossDecision lost = policy.OnLost(0, LossKind::kTransient);
  EXPECT_EQ(std::count(lost.requeued.begin(), lost.requeued.end(), failed), 0);
  EXPECT_EQ(lost.requeued.size(), chunk.tests.size() - 1);
}

TEST_F(DispatchPolicyTest, ChunkReportedDoneEarlyHasItsMissingTestsRequeued) {
  DispatchPolicy& policy = Make();
  policy.AddExecutor();
  policy.OnReady(0, 1);
  const Assignment chunk = policy.Dispatch().at(0);
  ASSERT_GE(chunk.tests.size(), 2u);
  policy.OnTestEnded(chunk.chunk_id, chunk.tests[0]);
  final_.insert(chunk.tests[0]);
  const std::vector<int> missing = policy.OnChunkFinished(chunk.chunk_id);
  EXPECT_EQ(missing, std::vector<int>(chunk.tests.begin() + 1, chunk.tests.end()));
  EXPECT_EQ(policy.busy(0), 0);
  EXPECT_TRUE(StartsWith(policy.Dispatch().at(0).tests, missing));
}

TEST_F(DispatchPolicyTest, RetryRunsOnAnotherExecutorThanTheOneItFailedOn) {
  const int failed = FailFirstTestOnExecutorZero(DispatchOptions{2, 0}, Outcome::kCrashed);
  DispatchPolicy& policy = *policy_;
  // Executor 0 is free first, but the retry waits for executor 1.
  const std::vector<Assignment> on_zero = policy.Dispatch();
  ASSERT_EQ(on_zero.size(), 1u);
  EXPECT_NE(on_zero[0].tests, std::vector<int>{failed});
  policy.OnReady(1, 1);
  const std::vector<Assignment> on_one = policy.Dispatch();
  ASSERT_EQ(on_one.size(), 1u);
  EXPECT_EQ(on_one[0].executor, 1);
  EXPECT_EQ(on_one[0].tests, std::vector<int>{failed}) << "a retry goes before new chunks";
}

TEST_F(DispatchPolicyTest, RetryRunsWhereItFailedWhenNoOtherExecutorIsLeft) {
  const int failed = FailFirstTestOnExecutorZero(DispatchOptions{1, 0}, Outcome::kFailed);
  DispatchPolicy& policy = *policy_;
  policy.OnLost(1, LossKind::kPermanent);  // the only other one is gone for good
  const std::vector<Assignment> next = policy.Dispatch();
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(next[0].executor, 0);
  EXPECT_EQ(next[0].tests, std::vector<int>{failed});
}

TEST_F(DispatchPolicyTest, WhatIsRetried) {
  DispatchPolicy& policy = Make(DispatchOptions{2, 0});
  EXPECT_TRUE(policy.RetryAfter(1, Outcome::kFailed, 5, 0, 0));
  EXPECT_TRUE(policy.RetryAfter(2, Outcome::kCrashed, 5, 1, 0));
  EXPECT_TRUE(policy.RetryAfter(3, Outcome::kTimeout, 5, 0, 0));
  EXPECT_FALSE(policy.RetryAfter(4, Outcome::kFailed, 5, 2, 0)) << "retries used up";
  EXPECT_FALSE(policy.RetryAfter(5, Outcome::kPassed, 5, 0, 0));
  EXPECT_FALSE(policy.RetryAfter(6, Outcome::kSkipped, 5, 0, 0));
  EXPECT_FALSE(policy.RetryAfter(7, Outcome::kNotRun, 5, 0, 0));
  EXPECT_FALSE(policy.RetryAfter(8, Outcome::kFailed, 0, 0, -1))
      << "chunk 0: a verdict the supervisor made up";
  EXPECT_TRUE(policy.HasWork());

  DispatchPolicy& without = Make(DispatchOptions{0, 0});
  EXPECT_FALSE(without.RetryAfter(1, Outcome::kFailed, 5, 0, 0));
}

TEST_F(DispatchPolicyTest, NothingIsRetriedOrDispatchedAfterAnInterruption) {
  DispatchPolicy& policy = Make(DispatchOptions{3, 2});
  policy.AddExecutor();
  policy.OnReady(0, 4);
  const Assignment first = policy.Dispatch().at(0);
  policy.Interrupt();
  EXPECT_TRUE(policy.interrupted());
  EXPECT_FALSE(policy.RetryAfter(first.tests[0], Outcome::kFailed, first.chunk_id, 0, 0));
  FinishAll(first);
  EXPECT_TRUE(policy.Dispatch().empty());
  // And a loss then does not start local slots.
  EXPECT_EQ(policy.OnLost(0, LossKind::kTransient).then, LossDecision::Then::kGoOn);
}

TEST_F(DispatchPolicyTest, FailFastDrainsTheQueueAndStopsRetries) {
  DispatchPolicy& policy = Make(DispatchOptions{1, 0});
  policy.AddExecutor();
  policy.OnReady(0, 1);
  const Assignment first = policy.Dispatch().at(0);
  std::vector<int> queued = policy.StopAfterFailure();
  EXPECT_TRUE(policy.failed_fast());
  EXPECT_EQ(queued.size(), static_cast<size_t>(catalog_.size()) - first.tests.size());
  EXPECT_FALSE(policy.HasWork());
  EXPECT_FALSE(policy.RetryAfter(first.tests[0], Outcome::kFailed, first.chunk_id, 0, 0));
}

TEST_F(DispatchPolicyTest, FallsBackToLocalWhenEveryWorkerInUseIsLost) {
  DispatchPolicy& policy = Make(DispatchOptions{0, 2});
  policy.AddExecutor();
  policy.AddExecutor();
  policy.OnReady(0, 1);
  policy.Dispatch();
  EXPECT_EQ(policy.OnLost(1, LossKind::kTransient).then, LossDecision::Then::kGoOn);
  const LossDecision last = policy.OnLost(0, LossKind::kTransient);
  EXPECT_EQ(last.then, LossDecision::Then::kFallBack);
  EXPECT_TRUE(last.any_was_ready);
  // The local slots are an executor like the others.
  const int local = policy.AddExecutor();
  policy.OnReady(local, 2);
  const std::vector<Assignment> chunks = policy.Dispatch();
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].executor, local);
  // Falling back happens once: the local slots lost too is the end.
  EXPECT_EQ(policy.OnLost(local, LossKind::kTransient).then, LossDecision::Then::kGiveUp);
}

TEST_F(DispatchPolicyTest, GivesUpWithoutFallbackOrWhenNoWorkerCouldEverBeUsed) {
  DispatchPolicy& fail = Make(DispatchOptions{0, 0});  // --dist-fallback=fail
  fail.AddExecutor();
  fail.OnReady(0, 1);
  fail.Dispatch();
  LossDecision lost = fail.OnLost(0, LossKind::kTransient);
  EXPECT_EQ(lost.then, LossDecision::Then::kGiveUp);
  EXPECT_TRUE(lost.any_was_ready);

  // Unreachable or refused from the start: a configuration problem, which
  // the local slots would hide.
  DispatchPolicy& never = Make(DispatchOptions{0, 2});
  never.AddExecutor();
  never.AddExecutor();
  EXPECT_EQ(never.OnLost(0, LossKind::kTransient).then, LossDecision::Then::kGoOn);
  lost = never.OnLost(1, LossKind::kPermanent);
  EXPECT_EQ(lost.then, LossDecision::Then::kGiveUp);
  EXPECT_FALSE(lost.any_was_ready);
  EXPECT_FALSE(lost.reconnect) << "refused for good";
}

TEST_F(DispatchPolicyTest, FallsBackToLocalWhenEveryWorkerIsFull) {
  DispatchPolicy& policy = Make(DispatchOptions{0, 2});
  policy.AddExecutor();
  policy.AddExecutor();
  EXPECT_EQ(policy.OnLost(0, LossKind::kFull).then, LossDecision::Then::kGoOn);
  const LossDecision last = policy.OnLost(1, LossKind::kTransient);
  EXPECT_EQ(last.then, LossDecision::Then::kFallBack) << "a worker answered but had no room";
  EXPECT_FALSE(last.any_was_ready);
  EXPECT_TRUE(last.reconnect);

  DispatchPolicy& fail = Make(DispatchOptions{0, 0});
  fail.AddExecutor();
  EXPECT_EQ(fail.OnLost(0, LossKind::kFull).then, LossDecision::Then::kGiveUp);
}

TEST_F(DispatchPolicyTest, LossWithNothingLeftToRunOrLostTwiceChangesNothing) {
  DispatchPolicy& policy = Make(DispatchOptions{0, 2});
  policy.AddExecutor();
  policy.OnReady(0, 100);
  for (const Assignment& chunk : policy.Dispatch()) FinishAll(chunk);
  ASSERT_FALSE(policy.HasWork());
  LossDecision lost = policy.OnLost(0, LossKind::kTransient);
  EXPECT_EQ(lost.then, LossDecision::Then::kGoOn);
  EXPECT_TRUE(lost.requeued.empty());
  lost = policy.OnLost(0, LossKind::kPermanent);
  EXPECT_FALSE(lost.reconnect);
  EXPECT_EQ(lost.then, LossDecision::Then::kGoOn);
}

TEST_F(DispatchPolicyTest, RestartedExecutorTakesWorkAgain) {
  DispatchPolicy& policy = Make();
  policy.AddExecutor();
  policy.AddExecutor();
  policy.OnReady(0, 1);
  policy.OnLost(1, LossKind::kTransient);
  EXPECT_TRUE(policy.lost(1));
  policy.OnRestarted(1);
  EXPECT_FALSE(policy.lost(1));
  policy.OnReady(1, 1);
  const std::vector<Assignment> chunks = policy.Dispatch();
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[1].executor, 1);
}

}  // namespace
}  // namespace gtest_dist
