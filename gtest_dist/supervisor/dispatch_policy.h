// What the supervisor decides, without I/O: which chunk goes to which
// executor, what happens to the tests of an executor that is lost, which
// failed test runs again and where, when to fall back to local slots, and
// what is left when the run is interrupted. The Supervisor acts on what it
// says (starts executors, sends chunks, writes notes); the policy never sees
// a socket, a process or a clock, so every rule is unit-tested.
//
// Executors are named by the small integer the supervisor gives each (its
// position in the supervisor's pool); an executor started again after a loss
// keeps its id.
#ifndef GTEST_DIST_SUPERVISOR_DISPATCH_POLICY_H_
#define GTEST_DIST_SUPERVISOR_DISPATCH_POLICY_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "gtest_dist/model/test_record.h"
#include "gtest_dist/schedule/lock_plan.h"
#include "gtest_dist/schedule/scheduler.h"
#include "gtest_dist/schedule/tail_split.h"
#include "gtest_dist/supervisor/executor.h"

namespace gtest_dist {

struct DispatchOptions {
  int retries = 0;  // --dist-retries
  // --dist-fallback=local: slots to run the rest on when every worker is
  // gone; 0 (--dist-fallback=fail) leaves the rest NOT RUN.
  int fallback_local_slots = 0;
};

// A chunk to send: `tests` to executor `executor` as chunk `chunk_id`.
struct Assignment {
  int executor = -1;
  std::int64_t chunk_id = 0;
  std::vector<int> tests;
};

// What to do after an executor was lost.
struct LossDecision {
  // Its unfinished tests, already put back on the queue.
  std::vector<int> requeued;
  // The chunks it had: what they streamed of unfinished tests is void.
  std::vector<std::int64_t> lost_chunks;
  // Try to start it again after the reconnect interval.
  bool reconnect = false;
  enum class Then {
    kGoOn,      // others are left, or nothing is left to run
    kFallBack,  // start local slots (fallback_local_slots) for the rest
    kGiveUp,    // no executor left: the rest is NOT RUN
  };
  Then then = Then::kGoOn;
  // For kFallBack and kGiveUp: whether some executor took work before
  // (every worker in use is gone) or none ever could.
  bool any_was_ready = false;
};

class DispatchPolicy {
 public:
  // `is_final`: whether a test has its final result (the ResultAssembler
  // knows). The scheduler is owned by the caller and outlives the policy.
  DispatchPolicy(Scheduler* scheduler, DispatchOptions options, std::function<bool(int)> is_final);

  // --dist-exclusive/--dist-lock: the tests `locks` holds are dispatched from
  // it, before the scheduler's, and only when their locks are free (and, for
  // an exclusive chunk, on an executor that runs nothing else, which then
  // gets nothing else until it is done). Owned by the caller; may be null.
  void SetLockPlan(LockPlan* locks) { locks_ = locks; }

  // A new executor, starting (not ready yet); returns its id.
  int AddExecutor();
  // It was started again after a loss (a reconnect): starting, not lost.
  void OnRestarted(int executor);
  // It is ready to run `slots` chunks at once.
  void OnReady(int executor, int slots);
  // It is gone (see Executor::Callbacks::on_lost). Its unfinished chunks are
  // forgotten and their tests requeued; the decision says what comes next.
  // A second loss of an executor already lost changes nothing.
  LossDecision OnLost(int executor, LossKind kind);

  // The chunks to send now: retries first (each a chunk of one test, to an
  // executor other than the one it failed on while another may take work),
  // then new chunks from the scheduler, round-robin over executors with a
  // free slot so that large early chunks spread over workers.
  std::vector<Assignment> Dispatch();

  // Whether an event about `chunk_id` (and test `index`, -1 for none) may
  // come from `executor`: the chunk is in flight there and holds the test.
  bool Accepts(int executor, std::int64_t chunk_id, int index) const;
  // The chunk reported the start, the end of test `index`.
  void OnTestStarted(std::int64_t chunk_id, int index);
  void OnTestEnded(std::int64_t chunk_id, int index);

  // Tail control (schedule/tail_split.h). After Dispatch: for each slot left
  // idle (nothing queued that it may run) beyond the cuts already asked for,
  // the cut to ask of a running chunk. Never for a chunk that holds locks, a
  // cut already asked, or once the run is interrupted or failed fast.
  // `running_left(index)`: what a running test still needs, in cost units.
  struct CutRequest {
    int executor = -1;
    std::int64_t chunk_id = 0;
    int from_index = 0;
  };
  std::vector<CutRequest> TailCuts(const TailSplitCosts& costs,
                                   const std::function<double(int)>& running_left);
  // The executor's answer: `tests` will not run in the chunk. False (and
  // nothing changed) when that is not a subset of the chunk's tests that have
  // neither started nor ended: a broken peer. Otherwise they leave the chunk
  // (Accepts refuses their events from it from now on) and are queued once.
  bool OnChunkCut(int executor, std::int64_t chunk_id, const std::vector<int>& tests);
  // The chunk is done; its slot is free. Tests it did not finish (a worker
  // that says "done" early is not believed) are requeued and returned.
  std::vector<int> OnChunkFinished(std::int64_t chunk_id);

  // A test's result is in: true when it is to run again (it failed in a
  // real chunk, retries are left, the run goes on), and then it is queued
  // to run on another executor than `failed_on`. `failed_attempts`: how
  // many times it failed before this result.
  bool RetryAfter(int index, Outcome outcome, std::int64_t chunk_id, int failed_attempts,
                  int failed_on);

  // --gtest_fail_fast after the first failure: no new chunk is handed out
  // and no test runs again. Returns the tests that were still queued.
  std::vector<int> StopAfterFailure();
  // SIGINT/SIGTERM: nothing more is dispatched or retried.
  void Interrupt() { interrupted_ = true; }
  // The run is given up or interrupted: waiting retries, then (once the
  // caller has recorded the tests left) the queue are dropped. Two steps so
  // that a result recorded in between still sees the queue (fail-fast).
  void DropRetries() { retries_.clear(); }
  void DropQueue();

  bool interrupted() const { return interrupted_; }
  bool failed_fast() const { return failed_fast_; }
  bool lost(int executor) const { return executors_.at(static_cast<size_t>(executor)).lost; }
  // Tests queued or waiting for a retry.
  bool HasWork() const {
    return !scheduler_->empty() || !retries_.empty() || (locks_ != nullptr && !locks_->empty());
  }
  int busy(int executor) const { return executors_.at(static_cast<size_t>(executor)).busy; }
  int in_flight() const { return static_cast<int>(in_flight_.size()); }
  // Free slots of ready executors that may take any chunk, less the cuts
  // asked for them and not answered yet.
  int idle_slots() const;
  // Executors ready now, and how many of them run a chunk: what the
  // console's status line shows as "workers busy/connected".
  struct Load {
    int busy = 0;
    int connected = 0;
  };
  Load load() const;

 private:
  struct ExecutorState {
    bool ready = false;
    bool lost = false;
    // Ready or lost at least once: until then its slots are only estimated.
    bool settled = false;
    int slots = 0;
    int busy = 0;
    bool exclusive = false;  // runs an exclusive chunk: nothing else goes there
    LossKind last_loss = LossKind::kTransient;
  };
  struct InFlight {
    int executor = -1;
    std::vector<int> tests;
    std::vector<int> sorted_tests;  // for Accepts, per event
    std::set<int> ended;            // tests whose end this chunk reported
    double cost_left = 0;           // of its tests not ended (Scheduler::SetInFlightCost)
    LockRequirements needs;         // held while it runs
    std::set<int> started;          // tests whose start this chunk reported
    bool cut_asked = false;         // a cut was asked and not answered yet
    bool cut_refused = false;       // answered with nothing: not again before a test starts
    // Suites whose priced set-up has run in it (no longer in cost_left).
    std::set<int> setups_spent;
  };
  struct PendingRetry {
    int index = -1;
    int failed_on = -1;
  };

  std::vector<int> Unfinished(const InFlight& flight) const;
  double InFlightCost() const;
  int TakeRetryFor(int executor);
  void SizeChunks();
  // Puts tests back: those a lock rule names to the lock plan, the rest to
  // the scheduler.
  void Requeue(const std::vector<int>& tests);
  // A chunk is over (finished or lost): its locks are free again.
  void ReleaseLocks(const InFlight& flight);

  Scheduler* scheduler_;
  LockPlan* locks_ = nullptr;
  const DispatchOptions options_;
  std::function<bool(int)> is_final_;
  std::vector<ExecutorState> executors_;
  std::map<std::int64_t, InFlight> in_flight_;
  std::deque<PendingRetry> retries_;
  std::int64_t next_chunk_id_ = 1;
  bool any_ready_ = false;  // some executor took work at some point
  bool fell_back_ = false;
  bool failed_fast_ = false;
  bool interrupted_ = false;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_DISPATCH_POLICY_H_
