#include "gtest_dist/model/test_record.h"

#include <gtest/gtest.h>

#include <string>

namespace gtest_dist {
namespace {

TEST(OutcomeNameTest, NamesAreFrozen) {
  EXPECT_STREQ("PASSED", OutcomeName(Outcome::kPassed));
  EXPECT_STREQ("FAILED", OutcomeName(Outcome::kFailed));
  EXPECT_STREQ("SKIPPED", OutcomeName(Outcome::kSkipped));
  EXPECT_STREQ("CRASHED", OutcomeName(Outcome::kCrashed));
  EXPECT_STREQ("TIMEOUT", OutcomeName(Outcome::kTimeout));
  EXPECT_STREQ("NOT_RUN", OutcomeName(Outcome::kNotRun));
}

TEST(OutcomeNameTest, NamesRoundTrip) {
  for (Outcome outcome : {Outcome::kPassed, Outcome::kFailed, Outcome::kSkipped, Outcome::kCrashed,
                          Outcome::kTimeout, Outcome::kNotRun}) {
    Outcome parsed = Outcome::kPassed;
    ASSERT_TRUE(OutcomeFromName(OutcomeName(outcome), &parsed));
    EXPECT_EQ(outcome, parsed);
  }
}

TEST(OutcomeNameTest, UnknownNamesAreRejectedAndLeaveTheOutputAlone) {
  for (const char* name : {"", "passed", "PASS", "NOT RUN", "CRASHED "}) {
    Outcome parsed = Outcome::kSkipped;
    EXPECT_FALSE(OutcomeFromName(name, &parsed)) << name;
    EXPECT_EQ(Outcome::kSkipped, parsed);
  }
}

TEST(OutcomeFailurePartTest, OnlyOutcomesWithoutTheirOwnEndHaveOne) {
  TestRecord record;
  record.reason = "killed by signal 9 (Killed)";
  for (Outcome outcome : {Outcome::kPassed, Outcome::kFailed, Outcome::kSkipped}) {
    record.outcome = outcome;
    TestPart part;
    part.message = "untouched";
    EXPECT_FALSE(OutcomeFailurePart(record, &part));
    EXPECT_EQ("untouched", part.message);
  }
  for (Outcome outcome : {Outcome::kCrashed, Outcome::kTimeout, Outcome::kNotRun}) {
    record.outcome = outcome;
    TestPart part;
    ASSERT_TRUE(OutcomeFailurePart(record, &part));
    EXPECT_EQ(TestPart::Type::kFatalFailure, part.type);
    EXPECT_TRUE(part.failed());
    EXPECT_EQ("", part.file);  // printed as gtest's "unknown file"
    EXPECT_EQ(-1, part.line);
    EXPECT_EQ(record.reason, part.message);
    EXPECT_EQ(record.reason, part.summary);
    EXPECT_EQ("", part.output_before);
  }
}

TEST(OutcomeFailurePartTest, MissingReasonStillSaysWhatHappened) {
  TestRecord record;
  record.outcome = Outcome::kCrashed;
  TestPart part;
  ASSERT_TRUE(OutcomeFailurePart(record, &part));
  EXPECT_FALSE(part.message.empty());
}

}  // namespace
}  // namespace gtest_dist
