// The RunListener that writes a run into the history store while it runs:
// the run row at start (status "running"), results as they finish, the final
// status at the end. All database work happens on its own thread, batched
// about every 200 ms, so a slow or dead database never slows the run; a
// failure is reported once, with what was not recorded, and never changes the
// run's result.
#ifndef GTEST_DIST_HISTORY_HISTORY_RECORDER_H_
#define GTEST_DIST_HISTORY_HISTORY_RECORDER_H_

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "gtest_dist/analytics/replay_command.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/history/replay_store.h"
#include "gtest_dist/model/run_listener.h"

namespace gtest_dist {
namespace history {

// What the run knows about itself that the plan does not carry.
struct RecorderContext {
  std::string binary_name;
  std::string command_line;
  std::string host;
  std::string user;
  std::string label;
  std::string mode = "supervisor";
  // How the run starts its test processes (binary, directory, arguments,
  // --dist-env), recorded with each run's processes for `gtest_dist repro`;
  // an empty binary records none. The seed comes from each run's plan.
  analytics::ReplaySpec replay;
  // --dist-artifacts as given: stored outputs are recorded relative to it.
  std::string artifacts_dir;
};

class HistoryRecorder : public RunListener {
 public:
  // Opens `location` (see OpenDatabase) on the writer thread. Messages go to
  // `messages` (stderr by default).
  HistoryRecorder(std::string location, RecorderContext context, FILE* messages = stderr);
  ~HistoryRecorder() override;

  void OnRunStart(const RunPlan& plan) override;
  void OnTestFinished(const TestEntry& test, const TestRecord& record) override;
  void OnWorkerShipped(const WorkerShipping& shipping) override;
  void OnRunEnd(const RunSummary& summary) override;

  // Waits until everything queued so far is written or has failed.
  void Flush();
  // False once a write failed (or the store could not be opened).
  bool healthy() const;
  std::int64_t last_run_id() const;

  static constexpr std::chrono::milliseconds kBatchInterval{200};

 private:
  struct StartRun {
    NewRun run;
  };
  struct Result {
    NewResult result;
    // The test's verdict, on its last attempt's row: counted into the run's
    // row while the run goes on.
    std::optional<Outcome> verdict;
  };
  struct EndRun {
    std::string status;
    std::int64_t ended_ms, elapsed_ms;
    RunTotals counts;
    std::vector<WorkerUse> workers;
    std::vector<RunPart> parts;
    std::vector<StoredProcess> processes;  // recorded when context_.replay names a binary
    bool shuffle = false;
    int random_seed = 0;
    std::vector<TriageRow> triage;          // --dist-triage verdicts
    std::vector<SuiteSetupSummary> setups;  // set-up costs (issue 15)
  };
  struct Shipped {
    WorkerShipping shipping;
  };
  using Item = std::variant<StartRun, Result, Shipped, EndRun>;

  void Enqueue(Item item, bool urgent);
  void WriterLoop();
  void Write(std::vector<Item>* batch);
  void Fail(const std::string& error);

  const std::string location_;
  const RecorderContext context_;
  FILE* const messages_;
  // The run's quarantined tests (caller's thread only): index -> entry text.
  std::map<int, std::string> quarantined_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<Item> queue_;
  bool urgent_ = false;
  bool stop_ = false;
  bool writing_ = false;

  // Writer thread state (read by others under mutex_).
  std::unique_ptr<Database> db_;
  bool failed_ = false;
  std::string error_;
  std::int64_t run_id_ = 0;
  int lost_results_ = 0;
  bool lost_start_ = false;
  bool lost_end_ = false;
  int run_results_ = 0;
  int run_shipping_rows_ = 0;  // rows of the current run in run_shipping
  RunTotals live_counts_;      // the verdicts written so far of the current run
  std::thread writer_;
};

// Converts a finished test into the rows the store keeps.
// `record` is attempt number `attempt`.
NewResult ToNewResult(const TestEntry& test, const TestRecord& record, int attempt);

}  // namespace history
}  // namespace gtest_dist

#endif  // GTEST_DIST_HISTORY_HISTORY_RECORDER_H_
