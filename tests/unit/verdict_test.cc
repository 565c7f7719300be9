// One verdict for a run: the summary's. The exit code, the console footer,
// the loop tally, the history store (and the dashboard over it) and the live
// dashboard must say the same for every combination of a failed test, a
// FLAKY test, --dist-flaky-fails, a test not run and an interruption. Each
// used to decide it itself; the live dashboard called a run with a FLAKY
// test under --dist-flaky-fails green while the exit code and the history
// called it red.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/dashboard/history_source.h"
#include "gtest_dist/dashboard/live_run_source.h"
#include "gtest_dist/history/history_recorder.h"
#include "gtest_dist/history/queries.h"
#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/report/console_reporter.h"
#include "gtest_dist/report/loop_tally.h"

namespace gtest_dist {
namespace {

struct Case {
  bool failed = false;         // V.Fails fails
  bool flaky = false;          // V.Flaky fails, then passes on a retry
  bool flaky_fails = false;    // --dist-flaky-fails
  bool not_run = false;        // V.Never is left NOT_RUN
  bool interrupted = false;    // SIGINT
  bool suite_failure = false;  // a failure in SetUpTestSuite

  std::string Name() const {
    std::string name;
    if (failed) name += "failed ";
    if (flaky) name += "flaky ";
    if (flaky_fails) name += "--dist-flaky-fails ";
    if (not_run) name += "not-run ";
    if (interrupted) name += "interrupted ";
    if (suite_failure) name += "suite-failure ";
    return name.empty() ? "all passed" : name;
  }
  // What the README promises.
  Verdict Expected() const {
    if (interrupted) return Verdict::kInterrupted;
    if (failed || not_run || suite_failure || (flaky && flaky_fails)) return Verdict::kFailed;
    return Verdict::kPassed;
  }
};

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (int bits = 0; bits < 32; ++bits) {
    Case c;
    c.failed = bits & 1;
    c.flaky = bits & 2;
    c.flaky_fails = bits & 4;
    c.not_run = bits & 8;
    c.interrupted = bits & 16;
    cases.push_back(c);
  }
  Case suite;
  suite.suite_failure = true;
  cases.push_back(suite);
  return cases;
}

TestEntry Entry(int index, const std::string& name) {
  TestEntry entry;
  entry.index = index;
  entry.suite = "V";
  entry.name = name;
  return entry;
}

TestRecord Record(int index, Outcome outcome) {
  TestRecord record;
  record.index = index;
  record.outcome = outcome;
  record.worker = kLocalWorker;
  record.start_timestamp_ms = 1'700'000'000'000;
  record.elapsed_ms = 3;
  if (outcome == Outcome::kFailed || outcome == Outcome::kFlaky) {
    TestRecord attempt = record;
    attempt.outcome = Outcome::kFailed;
    TestPart part;
    part.type = TestPart::Type::kNonFatalFailure;
    part.file = "v_test.cc";
    part.line = 7;
    part.summary = part.message = "boom";
    attempt.parts.push_back(part);
    if (outcome == Outcome::kFailed) return attempt;
    record.failed_attempts.push_back(attempt);
  }
  if (outcome == Outcome::kNotRun) record.reason = "not run: the run was interrupted";
  return record;
}

std::string ReadAll(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  return text;
}

class VerdictTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("gtest_dist_verdict_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = (dir_ / "history.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string store_;
};

TEST_F(VerdictTest, EveryConsumerAgreesWithTheSummary) {
  const TestCatalog catalog(
      {Entry(0, "Passes"), Entry(1, "Fails"), Entry(2, "Flaky"), Entry(3, "Never")}, "");
  dashboard::LiveRunSource live("v_test", "ci-1");
  std::FILE* messages = std::tmpfile();
  history::HistoryRecorder recorder(
      store_, {"v_test", "./v_test", "ci-1", "me", "", "supervisor", {}, ""}, messages);
  std::int64_t live_run = 0;
  for (const Case& c : AllCases()) {
    SCOPED_TRACE(c.Name());
    RunPlan plan;
    plan.catalog = &catalog;
    plan.selected = {0, 1, 2, 3};
    plan.flaky_fails = c.flaky_fails;
    plan.retries = 1;
    RunSummary summary;
    summary.plan = &plan;
    summary.interrupted = c.interrupted;
    if (c.suite_failure) {
      SuiteRecord suite;
      suite.name = "V";
      TestPart part;
      part.type = TestPart::Type::kFatalFailure;
      part.summary = part.message = "setup broke";
      suite.parts.push_back(part);
      summary.suites.push_back(suite);
    }
    const Outcome outcomes[] = {Outcome::kPassed, c.failed ? Outcome::kFailed : Outcome::kPassed,
                                c.flaky ? Outcome::kFlaky : Outcome::kPassed,
                                c.not_run ? Outcome::kNotRun : Outcome::kPassed};

    std::FILE* console_out = std::tmpfile();
    std::FILE* tally_out = std::tmpfile();
    ConsoleReporter console(console_out, ConsoleOptions());
    LoopTally tally(tally_out, tally_out);
    std::vector<RunListener*> listeners = {&console, &tally, &live, &recorder};
    for (RunListener* listener : listeners) listener->OnRunStart(plan);
    for (int index : plan.selected) {
      summary.records[index] = Record(index, outcomes[index]);
      for (RunListener* listener : listeners) {
        listener->OnTestFinished(catalog.test(index), summary.records[index]);
      }
    }
    for (RunListener* listener : listeners) listener->OnRunEnd(summary);
    ++live_run;

    const Verdict verdict = c.Expected();
    const bool red = verdict != Verdict::kPassed;
    // The model.
    EXPECT_EQ(summary.verdict(), verdict);
    EXPECT_EQ(summary.Passed(), !red);
    // The exit code (Supervisor::Run returns it).
    EXPECT_EQ(summary.ExitCode(), red ? 1 : 0);
    // The console footer.
    const std::string console_text = ReadAll(console_out);
    EXPECT_EQ(console_text.find("FAILED TEST") != std::string::npos, red) << console_text;
    const int passing = 1 + !c.failed + (c.flaky && c.flaky_fails ? 0 : 1) + !c.not_run;
    EXPECT_NE(console_text.find("[  PASSED  ] " + std::to_string(passing) + " test"),
              std::string::npos)
        << console_text;
    // The loop tally.
    const std::string tally_text = ReadAll(tally_out);
    EXPECT_NE(tally_text.find(red ? ": FAILED;" : ": passed;"), std::string::npos) << tally_text;
    // The live dashboard.
    const std::optional<nlohmann::json> run = live.GetRun(live_run);
    ASSERT_TRUE(run);
    EXPECT_EQ((*run)["run"]["status"], std::string(VerdictName(verdict)));
    EXPECT_EQ((*run)["run"]["counts"]["flaky"], c.flaky ? 1 : 0);
    // The history store.
    ASSERT_TRUE(recorder.healthy());
    auto db = history::OpenDatabase(store_, history::Access::kReadOnly);
    const std::optional<history::RunRow> stored =
        history::FindRun(db.get(), recorder.last_run_id());
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, VerdictName(verdict));
    EXPECT_EQ(stored->not_run, c.not_run ? 1 : 0);
    // The dashboard over the history store.
    dashboard::HistorySource source(std::move(db));
    const std::optional<nlohmann::json> served = source.GetRun(recorder.last_run_id());
    ASSERT_TRUE(served);
    EXPECT_EQ((*served)["run"]["status"], std::string(VerdictName(verdict)));
    std::fclose(console_out);
    std::fclose(tally_out);
  }
  std::fclose(messages);
}

TEST(RunSummaryTest, TotalsCountEverySelectedTestOnceAndMissingOnesAsNotRun) {
  RunPlan plan;
  plan.selected = {0, 1, 2, 3, 4};
  RunSummary summary;
  summary.plan = &plan;
  summary.records[0].outcome = Outcome::kPassed;
  summary.records[1].outcome = Outcome::kCrashed;
  summary.records[2].outcome = Outcome::kFlaky;
  summary.records[3].outcome = Outcome::kSkipped;
  const RunTotals totals = summary.Totals();
  EXPECT_EQ(totals.selected, 5);
  EXPECT_EQ(totals.passed, 1);
  EXPECT_EQ(totals.crashed, 1);
  EXPECT_EQ(totals.flaky, 1);
  EXPECT_EQ(totals.skipped, 1);
  EXPECT_EQ(totals.not_run, 1);  // test 4: no record
  EXPECT_EQ(totals.failed_attempts(), 1);
  EXPECT_EQ(totals.failing(false), 2);
  EXPECT_EQ(totals.failing(true), 3);
  EXPECT_EQ(totals.passing(false), 2);
  EXPECT_EQ(totals.passing(true), 1);
  EXPECT_EQ(totals.left(), 0);
  EXPECT_EQ(summary.verdict(), Verdict::kFailed);
}

TEST(OutcomeTest, NamesRoundTripAndPredicates) {
  for (Outcome o : {Outcome::kPassed, Outcome::kFailed, Outcome::kSkipped, Outcome::kCrashed,
                    Outcome::kTimeout, Outcome::kNotRun, Outcome::kFlaky}) {
    Outcome parsed = Outcome::kPassed;
    ASSERT_TRUE(OutcomeFromName(OutcomeName(o), &parsed));
    EXPECT_EQ(parsed, o);
    EXPECT_EQ(HadFailure(o), IsFailedAttempt(o) || o == Outcome::kFlaky);
    EXPECT_EQ(FailsRun(o, true), IsFailure(o) || o == Outcome::kFlaky);
  }
  Outcome untouched = Outcome::kSkipped;
  EXPECT_FALSE(OutcomeFromName("passed", &untouched));
  EXPECT_EQ(untouched, Outcome::kSkipped);
  EXPECT_EQ(ReportedOutcome(Outcome::kFlaky, true), Outcome::kFailed);
  EXPECT_EQ(ReportedOutcome(Outcome::kFlaky, false), Outcome::kFlaky);
  EXPECT_STREQ(VerdictName(Verdict::kPassed), "green");
  EXPECT_STREQ(VerdictName(Verdict::kFailed), "red");
  EXPECT_STREQ(VerdictName(Verdict::kInterrupted), "interrupted");
}

}  // namespace
}  // namespace gtest_dist
