// The supervisor: runs one iteration of a plan over the executors a factory
// gives it. It wires four parts together and decides nothing itself:
// ExecutorPool (executors' lifecycle), DispatchPolicy (which chunk goes
// where, requeues, retries, fallback; pure), ResultAssembler (events into one
// record per test; pure) and SummaryBuilder (the RunSummary; pure). It checks
// each event against the policy, tells every RunListener, and writes the
// notes a user needs ("worker ... is back").
#ifndef GTEST_DIST_SUPERVISOR_SUPERVISOR_H_
#define GTEST_DIST_SUPERVISOR_SUPERVISOR_H_

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest_dist/dist_flags.h"
#include "gtest_dist/model/run_listener.h"
#include "gtest_dist/protocol/protocol.h"
#include "gtest_dist/schedule/chunk_sizing.h"
#include "gtest_dist/schedule/scheduler.h"
#include "gtest_dist/supervisor/artifact_store.h"
#include "gtest_dist/supervisor/dispatch_policy.h"
#include "gtest_dist/supervisor/executor.h"
#include "gtest_dist/supervisor/executor_factory.h"
#include "gtest_dist/supervisor/executor_pool.h"
#include "gtest_dist/supervisor/process_log.h"
#include "gtest_dist/supervisor/result_assembler.h"
#include "gtest_dist/supervisor/summary_builder.h"

namespace gtest_dist {

struct SupervisorConfig {
  std::vector<WorkerAddress> workers;
  // Failures and skips main() reported before the run began (gtest's ad hoc
  // result, e.g. an EXPECT outside any test): gtest has printed them already;
  // they go into the reports and the exit code.
  std::vector<TestPart> parts_before_run;
  protocol::GtestSettings settings;  // gtest flags the children honour
  DurationEstimator estimate;        // the timing seam; may be empty
  // --dist-fallback=local: slots to run the rest on when every worker that
  // was in use is gone (or every worker is full); 0 (--dist-fallback=fail)
  // marks the rest NOT RUN.
  int fallback_local_slots = 0;
  // --gtest_fail_fast: after the first failure no new chunk is handed out;
  // the tests left are reported skipped, as gtest does.
  bool fail_fast = false;
  int min_chunk_tests = 1;  // --dist-min-chunk
  LockRules lock_rules;     // --dist-exclusive, --dist-lock
  // --dist-env: set in every test process's environment, on every worker.
  std::vector<std::pair<std::string, std::string>> child_env;
  // --dist-artifacts: the directory that gets a directory per run with the
  // files tests leave in TEST_UNDECLARED_OUTPUTS_DIR; empty: none kept. The
  // per-test bound (--dist-artifacts-max) travels in `settings` too.
  std::string artifacts_dir;
  std::uint64_t artifacts_max_per_test = 0;
  // How often a worker that could not be reached (or was lost) is tried again
  // while the run lasts.
  std::chrono::milliseconds reconnect_interval{5000};
  // Where the supervisor's notes go, one line each without "gtest_dist: ";
  // null: stderr.
  std::function<void(const std::string&)> note;
  // --dist-triage (issue 16): called once every test has its result, before
  // the listeners' OnRunEnd, unless the run was interrupted; what it returns
  // becomes RunSummary::triage. It must not change any result.
  std::function<std::map<int, TriageNote>(const RunSummary&)> triage;
  // Set-up-aware planning (issue 15): each suite's typical set-up and
  // tear-down from the history (history::RecentSetupCosts), by suite name;
  // used with `estimate` (the same unit, ms). Empty: splits as before.
  std::map<std::string, SuiteSetupCosts::Cost> setup_costs;
  // Called with true before the supervisor handles the first event of a
  // burst (what arrived together) and with false once it is done with them,
  // at the latest when the run ends: the console flushes once per burst
  // (ConsoleStream::HoldFlushes). May be empty.
  std::function<void(bool)> on_event_burst;
};

class Supervisor {
 public:
  // `io`, `plan` and `executors` must outlive the supervisor. Run() runs `io`
  // until every selected test has its final result, then stops it.
  Supervisor(boost::asio::io_context& io, const SupervisorConfig& config, const RunPlan& plan,
             ExecutorFactory& executors);
  ~Supervisor();

  // Listeners are not owned and must outlive Run().
  void AddListener(RunListener* listener) { listeners_.push_back(listener); }

  // Runs the plan to the end. Returns the exit code: 0 when every selected
  // test passed or was skipped and nothing failed outside a test.
  int Run();
  // Stops the run (SIGINT/SIGTERM, named by `cause`): the workers' tests are
  // stopped, the rest is NOT RUN, the reports are written. Call on `io`.
  void Interrupt(const std::string& cause);

  // True when the run was stopped by Interrupt().
  bool interrupted() const { return builder_.summary().interrupted; }
  // Why tests were left NOT RUN without an interruption ("no worker could be
  // used; ..."), or empty. Printed again after the summary, where it is seen.
  const std::string& run_problem() const { return run_problem_; }
  // The executors ready now and how many of them are running a chunk.
  DispatchPolicy::Load worker_load() const { return policy_.load(); }

 private:
  void AddExecutor(const WorkerAddress& address);
  void OnReady(Executor* executor);
  void OnEvent(Executor* executor, protocol::Message&& event);
  void OnLost(Executor* executor, const std::string& reason, LossKind kind);
  void OnShipped(const WorkerShipping& shipping);
  void OnSuiteTiming(const protocol::SuiteTiming& timing, const std::string& worker);
  void Dispatch();
  void FinishTest(TestRecord record, std::int64_t chunk_id, int executor = -1);
  void MarkRestNotRun(const std::string& reason);
  void SkipQueuedAfterFailure();
  void MaybeFinish();
  void Note(const std::string& line);
  // A burst of events (config_.on_event_burst): opened by the first event,
  // closed by a handler posted behind the ones ready with it.
  void OpenBurst();
  void CloseBurst();

  const SupervisorConfig config_;
  const RunPlan& plan_;
  boost::asio::io_context& io_;
  std::vector<RunListener*> listeners_;
  LockPlan lock_plan_;  // before the scheduler, which gets its free tests
  // What a suite's set-up costs (suite_setup_costs.h): the history's, then
  // this run's measurements. Before the scheduler, which prices splits by it.
  SuiteSetupCosts setup_costs_;
  bool price_setups_ = false;
  Scheduler scheduler_;
  ResultAssembler assembler_;
  DispatchPolicy policy_;
  ChunkSizing sizing_;  // start-up-aware chunk sizes (chunk_sizing.h)
  bool size_for_startup_ = true;
  // Tail control (schedule/tail_split.h): off for shuffled runs (a child
  // orders its chunk by the seed, so "the tests not started" is not a tail)
  // and with GTEST_DIST_TAIL_SPLIT=0.
  bool tail_split_ = true;
  std::map<int, double> test_started_ms_;  // of tests running now, for AskTailCuts
  double tail_checked_ms_ = 0;
  // Looks again while a slot is idle and no cut was worth asking: the running
  // test that makes its chunk's tail worth moving sends no event meanwhile.
  std::unique_ptr<boost::asio::steady_timer> tail_timer_;
  bool tail_timer_armed_ = false;
  void AskTailCuts();
  SummaryBuilder builder_;
  ExecutorPool pool_;
  ProcessLog process_log_;                    // which process ran what, for exact reproduction
  std::unique_ptr<ArtifactStore> artifacts_;  // null without --dist-artifacts
  std::vector<bool> retry_noted_;             // by executor id: its loss was told once
  std::string run_problem_;
  bool finished_ = false;
  // Once every test has its result, the chunks still ending (a global
  // TearDown, static destructors, a sanitizer's report at exit) may still
  // report a FAILURE_ON_EXIT: the run waits for them, at most this long.
  static constexpr std::chrono::seconds kChunkEndWait{60};
  std::unique_ptr<boost::asio::steady_timer> end_wait_timer_;
  bool end_wait_over_ = false;
  bool burst_open_ = false;
  // Lets a posted CloseBurst see that the supervisor is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_SUPERVISOR_H_
