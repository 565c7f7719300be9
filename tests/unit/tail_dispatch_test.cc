// Tail control in the dispatch bookkeeping: a cut is asked for an idle slot,
// its acknowledged tests leave their chunk (whose later events about them are
// refused) and are queued exactly once.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/schedule/lock_plan.h"
#include "gtest_dist/schedule/scheduler.h"
#include "gtest_dist/supervisor/dispatch_policy.h"
#include "tests/unit/catalog_test_support.h"

namespace gtest_dist {
namespace {

double OneUnit(int) { return 1.0; }

class TailDispatchTest : public testing::Test {
 protected:
  TailDispatchTest() : catalog_(CatalogOfSuites({{"A", 8}, {"B", 8}})) {}

  // Executor 0 (one slot) takes every test in one chunk; executor 1 (one
  // slot) is ready and idle. Returns the chunk.
  Assignment OneChunkAndAnIdleSlot() {
    scheduler_ = std::make_unique<Scheduler>(
        catalog_, locks_ ? locks_->free_tests() : Indices(catalog_.size()), 1);
    scheduler_->SetMinChunkTests(1000);  // the whole suite in one chunk
    policy_ = std::make_unique<DispatchPolicy>(
        scheduler_.get(), DispatchOptions{}, [this](int index) { return final_.count(index) > 0; });
    if (locks_) policy_->SetLockPlan(locks_.get());
    policy_->AddExecutor();
    policy_->AddExecutor();
    policy_->OnReady(0, 1);
    std::vector<Assignment> first = policy_->Dispatch();
    EXPECT_EQ(first.size(), 1u);
    policy_->OnReady(1, 1);
    EXPECT_TRUE(policy_->Dispatch().empty());
    return first.at(0);
  }

  std::vector<DispatchPolicy::CutRequest> Cuts() {
    return policy_->TailCuts(TailSplitCosts{}, OneUnit);
  }

  TestCatalog catalog_;
  std::set<int> final_;
  std::unique_ptr<LockPlan> locks_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<DispatchPolicy> policy_;
};

TEST_F(TailDispatchTest, AnIdleSlotAsksForTheTailOfTheRunningChunk) {
  const Assignment chunk = OneChunkAndAnIdleSlot();
  policy_->OnTestStarted(chunk.chunk_id, 0);
  const auto cuts = Cuts();
  ASSERT_EQ(cuts.size(), 1u);
  EXPECT_EQ(cuts[0].executor, 0);
  EXPECT_EQ(cuts[0].chunk_id, chunk.chunk_id);
  // Test 0 runs (1) and 15 are left: both halves about 8.
  EXPECT_EQ(cuts[0].from_index, 8);
  // One idle slot, one cut asked: no second one while it is unanswered.
  EXPECT_TRUE(Cuts().empty());
}

TEST_F(TailDispatchTest, AcknowledgedTestsAreRequeuedOnceAndTheirEventsRefused) {
  const Assignment chunk = OneChunkAndAnIdleSlot();
  policy_->OnTestStarted(chunk.chunk_id, 0);
  ASSERT_EQ(Cuts().size(), 1u);
  // The child had claimed 8 meanwhile: the worker cuts from 9 only.
  policy_->OnTestStarted(chunk.chunk_id, 8);
  std::vector<int> cut;
  for (int test = 9; test < 16; ++test) cut.push_back(test);
  ASSERT_TRUE(policy_->OnChunkCut(0, chunk.chunk_id, cut));

  // The cut tests go to the idle slot, exactly those, once.
  const std::vector<Assignment> next = policy_->Dispatch();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].executor, 1);
  std::vector<int> got = next[0].tests;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, cut);
  EXPECT_FALSE(policy_->HasWork());

  // The old chunk no longer owns them: a late event is a broken peer's.
  for (int test : cut) EXPECT_FALSE(policy_->Accepts(0, chunk.chunk_id, test)) << test;
  EXPECT_TRUE(policy_->Accepts(0, chunk.chunk_id, 8));
  EXPECT_TRUE(policy_->Accepts(1, next[0].chunk_id, 9));
  // Cut twice is refused.
  EXPECT_FALSE(policy_->OnChunkCut(0, chunk.chunk_id, {9}));

  // The old chunk ends with its own tests: nothing is requeued again.
  for (int test = 0; test < 9; ++test) {
    policy_->OnTestEnded(chunk.chunk_id, test);
    final_.insert(test);
  }
  EXPECT_TRUE(policy_->OnChunkFinished(chunk.chunk_id).empty());
  EXPECT_FALSE(policy_->HasWork());
}

TEST_F(TailDispatchTest, ACutNamingAStartedOrForeignTestIsRefusedWhole) {
  const Assignment chunk = OneChunkAndAnIdleSlot();
  policy_->OnTestStarted(chunk.chunk_id, 0);
  policy_->OnTestStarted(chunk.chunk_id, 12);  // started (the supervisor saw it)
  ASSERT_EQ(Cuts().size(), 1u);
  EXPECT_FALSE(policy_->OnChunkCut(0, chunk.chunk_id, {12, 13}));
  EXPECT_FALSE(policy_->OnChunkCut(0, chunk.chunk_id, {99}));
  EXPECT_FALSE(policy_->OnChunkCut(1, chunk.chunk_id, {13}));  // not its chunk
  EXPECT_FALSE(policy_->OnChunkCut(0, chunk.chunk_id + 1, {13}));
  // Nothing changed: the chunk still owns them, nothing was queued.
  EXPECT_TRUE(policy_->Accepts(0, chunk.chunk_id, 13));
  EXPECT_FALSE(policy_->HasWork());
}

TEST_F(TailDispatchTest, AnEmptyAnswerIsNotAskedAgainUntilTheChunkMovesOn) {
  const Assignment chunk = OneChunkAndAnIdleSlot();
  ASSERT_EQ(Cuts().size(), 1u);
  ASSERT_TRUE(policy_->OnChunkCut(0, chunk.chunk_id, {}));
  EXPECT_TRUE(policy_->Dispatch().empty());
  EXPECT_TRUE(Cuts().empty());
  policy_->OnTestStarted(chunk.chunk_id, 0);
  EXPECT_EQ(Cuts().size(), 1u);
}

TEST_F(TailDispatchTest, ALostExecutorsChunkIsRequeuedWithoutItsCutTests) {
  const Assignment chunk = OneChunkAndAnIdleSlot();
  policy_->OnTestStarted(chunk.chunk_id, 0);
  ASSERT_EQ(Cuts().size(), 1u);
  ASSERT_TRUE(policy_->OnChunkCut(0, chunk.chunk_id, {12, 13, 14, 15}));
  const std::vector<Assignment> tail = policy_->Dispatch();
  ASSERT_EQ(tail.size(), 1u);
  // Executor 0 is lost: tests 0 to 11 go back, never 12 to 15 a second time.
  const LossDecision loss = policy_->OnLost(0, LossKind::kTransient);
  std::vector<int> requeued = loss.requeued;
  std::sort(requeued.begin(), requeued.end());
  EXPECT_EQ(requeued, Indices(12));
}

TEST_F(TailDispatchTest, NoCutOnceInterruptedOrFailedFast) {
  OneChunkAndAnIdleSlot();
  policy_->Interrupt();
  EXPECT_TRUE(Cuts().empty());
}

TEST_F(TailDispatchTest, ChunksHoldingLocksAreNotCut) {
  LockRules rules;
  rules.locks.emplace_back("db", "A.*:B.*");
  locks_ = std::make_unique<LockPlan>(catalog_, Indices(catalog_.size()), rules, 1000);
  OneChunkAndAnIdleSlot();
  EXPECT_TRUE(Cuts().empty());
}

}  // namespace
}  // namespace gtest_dist
