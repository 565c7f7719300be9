// Builds the RunSummary of one run from the assembled records and the
// suite-level results, and keeps the failed attempts of tests that run again
// (--dist-retries) until their final record arrives. Pure: the Supervisor
// feeds it and tells the listeners.
#ifndef GTEST_DIST_SUPERVISOR_SUMMARY_BUILDER_H_
#define GTEST_DIST_SUPERVISOR_SUMMARY_BUILDER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/model/run_listener.h"
#include "gtest_dist/model/test_record.h"

namespace gtest_dist {

class SummaryBuilder {
 public:
  // `plan` must outlive the builder. `parts_before_run`: failures and skips
  // main() reported before the run began (gtest's ad hoc result).
  SummaryBuilder(const RunPlan& plan, std::vector<TestPart> parts_before_run);

  // Keeps a failed attempt of a test that runs again.
  void AddFailedAttempt(TestRecord attempt);
  int failed_attempts(int index) const;
  // The last failed attempt of a test whose retry will not run (the run is
  // given up or interrupted): it becomes the result. Nothing if none.
  std::optional<TestRecord> TakeLastAttempt(int index);

  // The test's final record: it takes the failed attempts kept for it, and
  // failed-then-passed becomes FLAKY. Returns the stored record.
  const TestRecord& AddFinal(TestRecord record);
  // The slots of the worker named in `TestRecord::worker`.
  void NoteWorkerSlots(const std::string& worker, int slots);
  // What shipping the build to a generic worker moved.
  void AddShipping(const WorkerShipping& shipping) { summary_.shipping.push_back(shipping); }
  // A suite's set-up and tear-down as one test process measured them.
  void AddSuiteSetup(SuiteSetupRun run) { summary_.suite_setups.push_back(std::move(run)); }

  // A suite-level part (`suite` empty: a global Environment). Returns the
  // stored part, or null for a repeat of one already recorded: every child
  // runs the global Environments, and every chunk of a split suite its
  // SetUpTestSuite, so the same failure from each is one failure and the
  // same output is printed once.
  const TestPart* AddSuitePart(const std::string& suite, TestPart part);
  // Suite-level (or global) properties; a repeat of one is dropped.
  void AddProperties(const std::string& suite, const std::vector<Property>& properties);

  void SetInterrupted() { summary_.interrupted = true; }
  void SetElapsed(std::int64_t elapsed_ms) { summary_.elapsed_ms = elapsed_ms; }
  void SetProcesses(std::vector<ProcessRun> processes) {
    summary_.processes = std::move(processes);
  }
  void SetTriage(std::map<int, TriageNote> triage) { summary_.triage = std::move(triage); }

  const RunSummary& summary() const { return summary_; }

 private:
  // The summary's record of `suite`, created in catalog order if new.
  SuiteRecord* SuiteRecordOf(const std::string& suite);

  const RunPlan& plan_;
  RunSummary summary_;
  std::map<std::string, size_t> suite_positions_;           // catalog order, by suite name
  std::map<int, std::vector<TestRecord>> failed_attempts_;  // by test index
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_SUMMARY_BUILDER_H_
