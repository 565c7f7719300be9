// Quarantine (issue 16): matching entries to a run, the one verdict that
// lets a quarantined failure pass, what the console and the reports show,
// the store (concurrent adds from two processes) and the auto policy.
#include "gtest_dist/model/quarantine.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "gtest_dist/analytics/quarantine_policy.h"
#include "gtest_dist/dashboard/live_run_source.h"
#include "gtest_dist/history/database.h"
#include "gtest_dist/history/history_store.h"
#include "gtest_dist/history/quarantine_store.h"
#include "gtest_dist/model/run_summary.h"
#include "gtest_dist/report/console_reporter.h"
#include "gtest_dist/report/json_report.h"
#include "gtest_dist/report/xml_report.h"
#include "tests/unit/report_test_model.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist {
namespace {

using report_test::CapturedFile;
using report_test::Entry;
using report_test::ReportRun;

constexpr std::int64_t kNow = 1800000000000;

QuarantineEntry Quarantine(const std::string& test, std::int64_t until_ms = 0) {
  QuarantineEntry entry;
  entry.test = test;
  entry.reason = "flaky on loaded hosts";
  entry.owner = "ana";
  entry.until_ms = until_ms;
  entry.added_ms = kNow - 1000;
  entry.added_by = "ana";
  return entry;
}

void BuildRun(ReportRun* run) {
  run->SetCatalog({Entry("q.cc", "Q", "Flaky", 1), Entry("q.cc", "Q", "Passes", 2),
                   Entry("q.cc", "Q", "Expired", 3)});
  run->Record("Q.Flaky", Outcome::kFailed).parts.push_back(report_test::Failure("q.cc", 5, "boom"));
  run->Record("Q.Passes", Outcome::kPassed);
  run->Record("Q.Expired", Outcome::kPassed);
}

TEST(MatchQuarantineTest, AppliesToSelectedTestsUntilTheyExpire) {
  ReportRun run;
  BuildRun(&run);
  run.plan.selected = {0, 2};
  const QuarantineMatch match =
      MatchQuarantine({Quarantine("Q.Flaky", kNow + 1), Quarantine("Q.Passes"),
                       Quarantine("Q.Expired", kNow), Quarantine("Other.Test")},
                      run.catalog, run.plan.selected, kNow);
  ASSERT_EQ(match.active.size(), 1u);  // Q.Passes is not selected
  EXPECT_EQ(match.active.at(0).test, "Q.Flaky");
  ASSERT_EQ(match.expired.size(), 1u);  // expiry is exclusive: at until_ms it is over
  EXPECT_EQ(match.expired[0].test, "Q.Expired");
}

TEST(QuarantineVerdictTest, AQuarantinedFailureDoesNotFailTheRun) {
  ReportRun run;
  BuildRun(&run);
  EXPECT_FALSE(run.summary.Passed());
  run.plan.quarantined[0] = Quarantine("Q.Flaky");
  EXPECT_TRUE(run.summary.Passed());
  EXPECT_EQ(run.summary.ExitCode(), 0);
  EXPECT_TRUE(run.summary.Quarantined(0));
  EXPECT_FALSE(run.summary.FailsRunAt(0));
  EXPECT_EQ(run.summary.QuarantinedFailures(), std::vector<int>{0});
  // It still counts as failed: it ran and failed.
  EXPECT_EQ(run.summary.Totals().failed, 1);
}

TEST(QuarantineVerdictTest, AnotherFailureStillFailsTheRun) {
  ReportRun run;
  BuildRun(&run);
  run.Record("Q.Passes", Outcome::kCrashed);
  run.plan.quarantined[0] = Quarantine("Q.Flaky");
  EXPECT_FALSE(run.summary.Passed());
  EXPECT_TRUE(run.summary.FailsRunAt(1));
}

TEST(QuarantineVerdictTest, AQuarantinedTestThatPassedKeepsNothing) {
  ReportRun run;
  BuildRun(&run);
  run.Record("Q.Flaky", Outcome::kPassed);
  run.plan.quarantined[0] = Quarantine("Q.Flaky");
  EXPECT_TRUE(run.summary.Passed());
  EXPECT_TRUE(run.summary.QuarantinedFailures().empty());
}

std::string Console(ReportRun* run) {
  CapturedFile out;
  ConsoleReporter console(out.get(), ConsoleOptions());
  console.OnRunStart(run->plan);
  for (const auto& [index, record] : run->summary.records) {
    console.OnTestFinished(run->catalog.test(index), record);
  }
  console.OnRunEnd(run->summary);
  return out.Contents();
}

TEST(QuarantineConsoleTest, MarksTheTestAndListsItInsteadOfFailed) {
  ReportRun run;
  BuildRun(&run);
  run.plan.quarantined[0] = Quarantine("Q.Flaky", kNow);
  run.plan.quarantine_expired = {Quarantine("Q.Expired", 1700000000000)};
  const std::string text = Console(&run);
  EXPECT_NE(text.find("[  FAILED  ] Q.Flaky ("), std::string::npos) << text;
  EXPECT_NE(text.find("[QUARANTINED] Q.Flaky (FAILED, does not fail the run: flaky on loaded "
                      "hosts; owner ana; until 2027-01-15 08:00 UTC)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[QUARANTINED] 1 test failed but did not fail the run, listed below:\n"
                      "[QUARANTINED] Q.Flaky (FAILED; flaky on loaded hosts"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[QUARANTINE] Q.Expired: the quarantine expired on 2023-11-14 22:13 UTC "
                      "(flaky on loaded hosts); it fails the run again"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("listed below:\n[  FAILED  ]"), std::string::npos) << text;
  EXPECT_EQ(text.find("FAILED TEST"), std::string::npos) << text;
}

TEST(QuarantineConsoleTest, ControlCharactersInTheReasonAreNotPrinted) {
  ReportRun run;
  BuildRun(&run);
  QuarantineEntry entry = Quarantine("Q.Flaky");
  entry.reason = "evil\033[2J\nforged";
  run.plan.quarantined[0] = entry;
  const std::string text = Console(&run);
  EXPECT_EQ(text.find('\033'), std::string::npos);
  EXPECT_NE(text.find("evil?[2J?forged"), std::string::npos) << text;
}

TEST(QuarantineReportTest, XmlAndJsonCarryTheProperty) {
  ReportRun run;
  BuildRun(&run);
  run.plan.quarantined[0] = Quarantine("Q.Flaky");
  const std::string json = FormatJsonReport(run.summary);
  EXPECT_NE(json.find("\"gtest_dist_quarantined\": \"flaky on loaded hosts; owner ana\""),
            std::string::npos)
      << json;
  const std::string xml = FormatXmlReport(run.summary);
  EXPECT_NE(xml.find("name=\"gtest_dist_quarantined\" value=\"flaky on loaded hosts; owner ana\""),
            std::string::npos)
      << xml;
}

TEST(QuarantineDashboardTest, LiveFailuresCarryTheEntryAndTheSignature) {
  ReportRun run;
  BuildRun(&run);
  run.plan.quarantined[0] = Quarantine("Q.Flaky");
  dashboard::LiveRunSource live("q_test", "host");
  live.OnRunStart(run.plan);
  for (const auto& [index, record] : run.summary.records) {
    live.OnTestFinished(run.catalog.test(index), record);
  }
  live.OnRunEnd(run.summary);
  const nlohmann::json failures = live.Failures(dashboard::RunFilter())["failures"];
  ASSERT_EQ(failures.size(), 1u) << failures.dump();
  EXPECT_EQ(failures[0]["quarantined"], "flaky on loaded hosts; owner ana");
  EXPECT_EQ(failures[0]["signature"], "q.cc:5: boom");
  EXPECT_EQ(live.ListRuns(dashboard::RunFilter())["runs"][0]["status"], "green");
}

// ------------------------------------------------------------------- store

class QuarantineStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_.path();
    path_ = (dir_ / "history.sqlite").string();
  }

  std::unique_ptr<history::Database> Open() {
    auto db = history::OpenDatabase(path_);
    history::EnsureSchema(db.get());
    return db;
  }

  ScratchDir scratch_{"quarantine"};
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(QuarantineStoreTest, AddListReplaceRemove) {
  auto db = Open();
  history::AddQuarantine(db.get(), Quarantine("Q.Flaky", kNow));
  history::AddQuarantine(db.get(), Quarantine("A.First"));
  QuarantineEntry replaced = Quarantine("Q.Flaky");
  replaced.reason = "still flaky";
  history::AddQuarantine(db.get(), replaced);
  std::vector<QuarantineEntry> list = history::ListQuarantine(db.get());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].test, "A.First");
  EXPECT_EQ(list[1].test, "Q.Flaky");
  EXPECT_EQ(list[1].reason, "still flaky");
  EXPECT_EQ(list[1].until_ms, 0);
  EXPECT_EQ(list[1].owner, "ana");
  EXPECT_TRUE(history::RemoveQuarantine(db.get(), "Q.Flaky"));
  EXPECT_FALSE(history::RemoveQuarantine(db.get(), "Q.Flaky"));
  ASSERT_EQ(history::ListQuarantine(db.get()).size(), 1u);
}

TEST_F(QuarantineStoreTest, ConcurrentAddsFromTwoProcessesBothLand) {
  Open();  // the schema exists before both start, as after any run
  constexpr int kEach = 25;
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int status = 0;
      try {
        auto db = history::OpenDatabase(path_);
        for (int i = 0; i < kEach; ++i) {
          history::AddQuarantine(db.get(),
                                 Quarantine("P" + std::to_string(p) + ".T" + std::to_string(i)));
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", p, e.what());
        status = 1;
      }
      _exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(history::ListQuarantine(Open().get()).size(), 2u * kEach);
}

// ------------------------------------------------------------------ policy

TEST(QuarantinePolicyTest, PassedLatestRunsCountsRunsNotAttempts) {
  using analytics::RunResult;
  // Newest first: runs 9, 8 (retried: FAILED then PASSED), 7.
  const std::vector<RunResult> results = {
      {9, Outcome::kPassed}, {8, Outcome::kPassed}, {8, Outcome::kFailed}, {7, Outcome::kPassed}};
  EXPECT_TRUE(analytics::PassedLatestRuns(results, 1));
  EXPECT_FALSE(analytics::PassedLatestRuns(results, 2));  // run 8 had a failed attempt
  const std::vector<RunResult> clean = {
      {9, Outcome::kPassed}, {8, Outcome::kSkipped}, {7, Outcome::kPassed}};
  EXPECT_TRUE(analytics::PassedLatestRuns(clean, 2));   // a skip is no evidence
  EXPECT_FALSE(analytics::PassedLatestRuns(clean, 3));  // only two known
  EXPECT_FALSE(analytics::PassedLatestRuns({{5, Outcome::kFlaky}}, 1));
}

TEST(QuarantinePolicyTest, ProposesFlakyAboveTheRateAndLiftsClearedEntries) {
  analytics::QuarantinePolicy policy;
  policy.min_flake_rate = 0.05;
  const std::vector<analytics::FlakeCandidate> candidates = {
      {"A.Often", {50, 10, 40, 0}},    // 20 %
      {"A.Rare", {50, 2, 48, 0}},      // 4 %: below the rate
      {"A.Broken", {50, 50, 0, 0}},    // never passes: broken, not flaky
      {"A.Already", {50, 25, 25, 0}},  // already quarantined
  };
  const analytics::QuarantineProposal proposal =
      analytics::ProposeQuarantine(candidates, {"A.Already", "B.Fixed"}, {"B.Fixed"}, policy);
  ASSERT_EQ(proposal.add.size(), 1u);
  EXPECT_EQ(proposal.add[0].test, "A.Often");
  EXPECT_EQ(proposal.remove, std::vector<std::string>{"B.Fixed"});
}

}  // namespace
}  // namespace gtest_dist
