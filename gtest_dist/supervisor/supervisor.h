// The supervisor: hands chunks of the selected tests to whichever executor
// has a free slot, assembles the events that come back into one result per
// test and feeds every RunListener.
#ifndef GTEST_DIST_SUPERVISOR_SUPERVISOR_H_
#define GTEST_DIST_SUPERVISOR_SUPERVISOR_H_

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio.hpp>

#include "gtest_dist/dist_flags.h"
#include "gtest_dist/model/run_listener.h"
#include "gtest_dist/run/child_process.h"
#include "gtest_dist/run/chunk_runner.h"
#include "gtest_dist/schedule/scheduler.h"
#include "gtest_dist/supervisor/executor.h"
#include "gtest_dist/supervisor/result_assembler.h"

namespace gtest_dist {

struct SupervisorConfig {
  std::vector<WorkerAddress> workers;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds heartbeat_timeout{10000};
  std::string secret;  // --dist-secret-file contents; empty: none
  // Failures and skips main() reported before the run began (gtest's ad hoc
  // result, e.g. an EXPECT outside any test): gtest has printed them already;
  // they go into the reports and the exit code.
  std::vector<TestPart> parts_before_run;
  // TLS to every remote worker (--dist-tls-*); null: plain TCP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  ChildCommand child_command;        // for local slots
  protocol::Hello hello;             // what we tell workers about ourselves
  protocol::GtestSettings settings;  // gtest flags the children honour
  DurationEstimator estimate;        // the timing seam; may be empty
  // --dist-fallback=local: slots to run the rest on when every worker that
  // was in use is gone; 0 (--dist-fallback=fail) marks the rest NOT RUN.
  int fallback_local_slots = 0;
  // --gtest_fail_fast: after the first failure no new chunk is handed out;
  // the tests left are reported skipped, as gtest does.
  bool fail_fast = false;
  int min_chunk_tests = 1;  // --dist-min-chunk
  // How often a worker that could not be reached (or was lost) is tried again
  // while the run lasts.
  std::chrono::milliseconds reconnect_interval{5000};
};

class Supervisor {
 public:
  Supervisor(const SupervisorConfig& config, const RunPlan& plan);
  ~Supervisor();

  // Listeners are not owned and must outlive Run().
  void AddListener(RunListener* listener) { listeners_.push_back(listener); }

  // Runs the plan to the end. Returns the exit code: 0 when every selected
  // test passed or was skipped and nothing failed outside a test.
  int Run();
  // True when the run was stopped by SIGINT/SIGTERM.
  bool interrupted() const { return summary_.interrupted; }
  // Why tests were left NOT RUN without an interruption ("no worker could be
  // used; ..."), or empty. Printed again after the summary, where it is seen.
  const std::string& run_problem() const { return run_problem_; }

 private:
  struct InFlight {
    Executor* executor = nullptr;
    std::vector<int> tests;
    std::set<int> finished;  // tests whose end this chunk reported
  };
  struct ExecutorState {
    WorkerAddress address;
    std::unique_ptr<Executor> executor;
    bool ready = false;
    bool lost = false;
    bool retry_noted = false;
    // Ready or lost at least once: until then its slots are only estimated.
    bool settled = false;
    int busy = 0;
    std::unique_ptr<boost::asio::steady_timer> retry_timer;
  };
  // A failed test waiting to run again, on another executor than `failed_on`
  // while there is another.
  struct PendingRetry {
    int index = -1;
    ExecutorState* failed_on = nullptr;
  };

  void OnReady(Executor* executor);
  void OnEvent(Executor* executor, protocol::Message&& event);
  void OnLost(Executor* executor, const std::string& reason, bool retryable);
  void StartExecutor(ExecutorState* state);
  void ScheduleReconnect(ExecutorState* state);
  void Dispatch();
  void FinishTest(TestRecord record, std::int64_t chunk_id, ExecutorState* where = nullptr);
  bool ShouldRetry(const TestRecord& record, std::int64_t chunk_id) const;
  // The next retry `state` may take, removed from the queue; -1 if none.
  int TakeRetryFor(const ExecutorState* state);
  std::vector<int> UnfinishedTests(const InFlight& flight) const;
  // The summary's record of `suite`, created in catalog order if new.
  SuiteRecord* SuiteRecordOf(const std::string& suite);
  void AddSuitePart(const std::string& suite, TestPart part);
  void AddProperties(const std::string& suite, const std::vector<Property>& properties);
  void MarkRestNotRun(const std::string& reason);
  void SkipQueuedAfterFailure();
  void MaybeFinish();
  void Interrupt(int signal);
  ExecutorState* StateOf(Executor* executor);
  void Note(const std::string& line);

  const SupervisorConfig config_;
  const RunPlan& plan_;
  boost::asio::io_context io_;
  boost::asio::signal_set stop_signals_;
  ChildReaper reaper_;
  Scheduler scheduler_;
  ResultAssembler assembler_;
  std::vector<RunListener*> listeners_;
  // Stable addresses: callbacks and timers hold pointers to states.
  std::vector<std::unique_ptr<ExecutorState>> executors_;
  Executor::Callbacks callbacks_;
  bool any_ready_ = false;  // some executor took work at some point
  bool fell_back_ = false;
  std::string run_problem_;
  bool failed_fast_ = false;
  std::map<std::int64_t, InFlight> in_flight_;
  // --dist-retries: failed attempts of tests that are to run again, by test
  // index, and the queue of those runs (served before new chunks).
  std::map<int, std::vector<TestRecord>> failed_attempts_;
  std::deque<PendingRetry> retries_;
  std::int64_t next_chunk_id_ = 1;
  RunSummary summary_;
  std::map<std::string, size_t> suite_positions_;  // catalog order, by suite name
  bool finished_ = false;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_SUPERVISOR_H_
