// What a run is going to do (RunPlan), how it ended (RunSummary), and the
// facts decided from that in one place: the totals per outcome and the run's
// verdict. As gtest's printers ask testing::UnitTest::Passed() and never
// recount, the console footer, the XML and JSON reports, the history store,
// the dashboard, the loop tally and the exit code ask RunSummary.
#ifndef GTEST_DIST_MODEL_RUN_SUMMARY_H_
#define GTEST_DIST_MODEL_RUN_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/model/outcome.h"
#include "gtest_dist/model/process_run.h"
#include "gtest_dist/model/quarantine.h"
#include "gtest_dist/model/suite_setup.h"
#include "gtest_dist/model/test_record.h"
#include "gtest_dist/model/triage_note.h"
#include "gtest_dist/model/worker_shipping.h"

namespace gtest_dist {

// What a run is going to do, known before the first test is dispatched.
struct RunPlan {
  const TestCatalog* catalog = nullptr;
  // Indices of the tests to run, in catalog order.
  std::vector<int> selected;
  // Disabled tests that match the filter: reported (XML/JSON "notrun",
  // console "YOU HAVE N DISABLED TESTS") but not run.
  std::vector<int> disabled_matching;
  std::string filter;   // --gtest_filter as given ("*" by default)
  int random_seed = 0;  // 0 unless shuffling
  bool shuffle = false;
  int iteration = 0;  // 0-based, for --gtest_repeat
  int repeat = 1;     // --gtest_repeat value
  // --gtest_recreate_environments_when_repeating: environment banners in
  // every iteration, not only the first and last.
  bool recreate_environments = false;
  std::int64_t start_timestamp_ms = 0;
  std::vector<std::string> workers;  // worker names, for the report header
  // --dist-retries: how often a failed test is run again.
  int retries = 0;
  // --dist-flaky-fails: a FLAKY test fails the run (and shows as failed in
  // the reports) instead of counting as passed.
  bool flaky_fails = false;
  // Quarantine (from the history store, unless --dist-quarantine=off): the
  // selected tests whose failure does not fail the run, by index, and the
  // entries of selected tests that have expired (they fail the run again).
  std::map<int, QuarantineEntry> quarantined;
  std::vector<QuarantineEntry> quarantine_expired;
};

// Whether `outcome` fails the run under `plan`: IsFailure, and FLAKY under
// --dist-flaky-fails.
inline bool FailsRun(const RunPlan& plan, Outcome outcome) {
  return FailsRun(outcome, plan.flaky_fails);
}

// How many tests ended with each outcome (one final outcome per test: the
// attempts before a retry are not counted).
struct RunTotals {
  int selected = 0;  // tests the plan selected; 0 when unknown
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  int crashed = 0;
  int timed_out = 0;
  int not_run = 0;
  int flaky = 0;

  void Add(Outcome outcome, int count = 1);
  int Count(Outcome outcome) const;
  // Tests with a final outcome so far.
  int recorded() const { return passed + failed + skipped + crashed + timed_out + not_run + flaky; }
  // Selected tests without a final outcome yet (a run still going).
  int left() const { return selected > recorded() ? selected - recorded() : 0; }
  // Tests whose last attempt failed (IsFailedAttempt): FAILED, CRASHED, TIMEOUT.
  int failed_attempts() const { return failed + crashed + timed_out; }
  // Tests that fail the run (FailsRun).
  int failing(bool flaky_fails) const {
    return failed_attempts() + not_run + (flaky_fails ? flaky : 0);
  }
  // Tests that count as passed: PASSED, and FLAKY unless it fails the run.
  int passing(bool flaky_fails) const { return passed + (flaky_fails ? 0 : flaky); }
};

// The verdict on a whole run.
enum class Verdict {
  kPassed,       // every selected test passed or was skipped, nothing failed outside tests
  kFailed,       // some test fails the run (FailsRun), or a failure outside tests
  kInterrupted,  // stopped by SIGINT/SIGTERM: a failure, whatever had finished
};
// "green", "red", "interrupted". Frozen: runs.status in the history store and
// "status" of a finished run in the dashboard's JSON.
const char* VerdictName(Verdict verdict);

// The XML/JSON property of a triaged test: its TriageNote::Describe().
// Frozen, as the other gtest_dist_* properties.
constexpr char kTriagePropertyName[] = "gtest_dist_triage";

// The outcome of a whole run, given to OnRunEnd: the cumulative model that
// the reports, the history store and the dashboard are made from.
struct RunSummary {
  const RunPlan* plan = nullptr;
  // One final record per selected test, keyed (and so ordered) by test index.
  std::map<int, TestRecord> records;
  // Suites that have suite-level parts or properties, in catalog order.
  std::vector<SuiteRecord> suites;
  // Failures and skips in global Environments, and RecordProperty calls made
  // outside any test suite.
  std::vector<TestPart> global_parts;
  std::vector<Property> global_properties;
  std::int64_t elapsed_ms = 0;
  bool interrupted = false;
  // The slots of each worker that reported a result, by the name in
  // `TestRecord::worker`.
  std::map<std::string, int> worker_slots;
  // Every test process of the run and the tests it started, in order
  // (TestRecord::process names one): what reproduces a result exactly.
  std::vector<ProcessRun> processes;
  // --dist-triage (issue 16): the verdict on each failed test that was
  // triaged, by index. Never changes an outcome.
  std::map<int, TriageNote> triage;
  // What shipping the build moved, per generic worker, in the order their
  // builds became ready (a worker that reconnected has one per connection).
  std::vector<WorkerShipping> shipping;
  // Every SetUpTestSuite/TearDownTestSuite (and global Environments) a test
  // process measured, in the order they arrived (issue 15).
  std::vector<SuiteSetupRun> suite_setups;

  // The final outcome of the selected test `index`: its record's, NOT_RUN when
  // it has none (the run ended before it).
  Outcome OutcomeOf(int index) const;
  // Every selected test (the plan's, else the records') by final outcome.
  RunTotals Totals() const;
  // A failure in SetUpTestSuite/TearDownTestSuite or a global Environment.
  bool FailedOutsideTests() const;
  // Whether `outcome` fails this run (FailsRun under the plan's flags).
  bool Fails(Outcome outcome) const;
  // Whether the selected test `index` is quarantined in this run.
  bool Quarantined(int index) const;
  // Whether test `index` fails this run: its outcome Fails() and it is not
  // quarantined. The verdict counts these.
  bool FailsRunAt(int index) const;
  // Quarantined tests whose outcome would otherwise fail the run, in index
  // order: what the quarantine kept green.
  std::vector<int> QuarantinedFailures() const;
  Verdict verdict() const;
  bool Passed() const { return verdict() == Verdict::kPassed; }
  // The exit code of a supervisor that ran it: 0 when Passed(), else 1.
  int ExitCode() const { return Passed() ? 0 : 1; }
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_RUN_SUMMARY_H_
