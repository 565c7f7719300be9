#include "gtest_dist/supervisor/summary_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/model/run_listener.h"

namespace gtest_dist {
namespace {

TestCatalog ThreeSuites() {
  std::vector<TestEntry> tests;
  for (const char* suite : {"A", "B", "C"}) {
    TestEntry entry;
    entry.suite = suite;
    entry.name = "T";
    tests.push_back(entry);
  }
  return TestCatalog(std::move(tests), "");
}

TestRecord Record(int index, Outcome outcome, const std::string& worker = "w:1") {
  TestRecord record;
  record.index = index;
  record.outcome = outcome;
  record.worker = worker;
  return record;
}

TestPart Failure(const std::string& message, const std::string& output = "") {
  TestPart part;
  part.type = TestPart::Type::kNonFatalFailure;
  part.file = "a.cc";
  part.line = 3;
  part.message = message;
  part.output_before = output;
  return part;
}

class SummaryBuilderTest : public testing::Test {
 protected:
  SummaryBuilderTest() : catalog_(ThreeSuites()) {
    plan_.catalog = &catalog_;
    plan_.selected = {0, 1, 2};
  }
  TestCatalog catalog_;
  RunPlan plan_;
};

TEST_F(SummaryBuilderTest, PartsBeforeTheRunAreGlobalAndFailTheRun) {
  TestPart early = Failure("EXPECT outside a test");
  SummaryBuilder builder(plan_, {early});
  ASSERT_EQ(builder.summary().global_parts.size(), 1u);
  EXPECT_EQ(builder.summary().plan, &plan_);
  EXPECT_FALSE(builder.summary().Passed());
}

TEST_F(SummaryBuilderTest, PassedAfterFailedAttemptsIsFlakyAndCarriesThem) {
  plan_.selected = {1};  // a selected test without a record would be NOT_RUN
  SummaryBuilder builder(plan_, {});
  builder.AddFailedAttempt(Record(1, Outcome::kCrashed, "w:1"));
  EXPECT_EQ(builder.failed_attempts(1), 1);
  const TestRecord& final_record = builder.AddFinal(Record(1, Outcome::kPassed, "w:2"));
  EXPECT_EQ(final_record.outcome, Outcome::kFlaky);
  ASSERT_EQ(final_record.failed_attempts.size(), 1u);
  EXPECT_EQ(final_record.failed_attempts[0].worker, "w:1");
  EXPECT_EQ(builder.failed_attempts(1), 0);
  EXPECT_EQ(&builder.summary().records.at(1), &final_record);
  EXPECT_TRUE(builder.summary().Passed()) << "FLAKY passes unless --dist-flaky-fails";
  plan_.flaky_fails = true;
  EXPECT_FALSE(builder.summary().Passed());
}

TEST_F(SummaryBuilderTest, LastFailedAttemptBecomesTheResultWhenItsRetryCannotRun) {
  SummaryBuilder builder(plan_, {});
  builder.AddFailedAttempt(Record(2, Outcome::kFailed, "w:1"));
  builder.AddFailedAttempt(Record(2, Outcome::kTimeout, "w:2"));
  std::optional<TestRecord> last = builder.TakeLastAttempt(2);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->outcome, Outcome::kTimeout);
  const TestRecord& result = builder.AddFinal(std::move(*last));
  EXPECT_EQ(result.outcome, Outcome::kTimeout);
  EXPECT_EQ(result.attempt(), 2);
  EXPECT_FALSE(builder.TakeLastAttempt(2).has_value());
  EXPECT_FALSE(builder.summary().Passed());
}

TEST_F(SummaryBuilderTest, RepeatedSuitePartsAreOnePartAndSuitesKeepCatalogOrder) {
  SummaryBuilder builder(plan_, {});
  EXPECT_NE(builder.AddSuitePart("C", Failure("setup broke")), nullptr);
  EXPECT_EQ(builder.AddSuitePart("C", Failure("setup broke")), nullptr) << "same from 2nd chunk";
  EXPECT_NE(builder.AddSuitePart("A", Failure("teardown broke")), nullptr);
  TestPart output;
  output.output_before = "env set up\n";
  EXPECT_NE(builder.AddSuitePart("", output), nullptr);
  EXPECT_EQ(builder.AddSuitePart("", output), nullptr) << "the same output printed once";
  output.output_before = "other\n";
  EXPECT_NE(builder.AddSuitePart("", output), nullptr);
  const RunSummary& summary = builder.summary();
  ASSERT_EQ(summary.suites.size(), 2u);
  EXPECT_EQ(summary.suites[0].name, "A");
  EXPECT_EQ(summary.suites[1].name, "C");
  EXPECT_EQ(summary.suites[1].parts.size(), 1u);
  EXPECT_EQ(summary.global_parts.size(), 2u);
  EXPECT_FALSE(builder.summary().Passed());
}

TEST_F(SummaryBuilderTest, PropertiesOfASplitSuiteAreKeptOnce) {
  plan_.selected = {};
  SummaryBuilder builder(plan_, {});
  builder.AddProperties("B", {{"k", "v"}});
  builder.AddProperties("B", {{"k", "v"}, {"n", "1"}});
  builder.AddProperties("", {{"g", "1"}});
  ASSERT_EQ(builder.summary().suites.size(), 1u);
  EXPECT_EQ(builder.summary().suites[0].properties.size(), 2u);
  EXPECT_EQ(builder.summary().global_properties.size(), 1u);
  EXPECT_TRUE(builder.summary().Passed());
}

TEST_F(SummaryBuilderTest, VerdictFollowsOutcomesAndInterruption) {
  SummaryBuilder builder(plan_, {});
  builder.AddFinal(Record(0, Outcome::kPassed));
  builder.AddFinal(Record(1, Outcome::kSkipped));
  EXPECT_FALSE(builder.summary().Passed()) << "a selected test without a record is NOT_RUN";
  builder.AddFinal(Record(2, Outcome::kPassed));
  builder.NoteWorkerSlots("w:1", 4);
  EXPECT_TRUE(builder.summary().Passed());
  EXPECT_EQ(builder.summary().worker_slots.at("w:1"), 4);
  builder.SetInterrupted();
  EXPECT_FALSE(builder.summary().Passed());

  SummaryBuilder not_run(plan_, {});
  not_run.AddFinal(Record(0, Outcome::kNotRun));
  EXPECT_FALSE(not_run.summary().Passed());
}

}  // namespace
}  // namespace gtest_dist
