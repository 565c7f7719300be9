// Failure signatures (issue 16, item 4): one group per cause, whatever the
// numbers in the message.
#include "gtest_dist/analytics/failure_signature.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace gtest_dist::analytics {
namespace {

FailureFacts Assertion(const std::string& file, int line, const std::string& message) {
  FailureFacts facts;
  facts.has_part = true;
  facts.file = file;
  facts.line = line;
  facts.message = message;
  return facts;
}

TEST(MaskFailureMessageTest, MasksNumbersAndAddressesButNotNames) {
  EXPECT_EQ(MaskFailureMessage("Expected equality of these values:\n  count\n    Which is: 42\n"
                               "  7"),
            "Expected equality of these values: count Which is: # #");
  EXPECT_EQ(MaskFailureMessage("pointer 0x7ffd5e8a1c20 != 0XDEAD"), "pointer 0x? != 0x?");
  EXPECT_EQ(MaskFailureMessage("took -3.25 s, limit 1e5"), "took # s, limit #");
  EXPECT_EQ(MaskFailureMessage("Test3 in gen_suite_1 on 3rd try"),
            "Test3 in gen_suite_1 on 3rd try");
  EXPECT_EQ(MaskFailureMessage("digest 3fa9c0de77 differs"), "digest # differs");
  EXPECT_EQ(MaskFailureMessage(std::string(500, 'x')).size(), kMaxSignatureMessage);
}

TEST(FailureSignatureTest, TwentyTestsFailingOneAssertionFormOneGroup) {
  std::set<std::string> signatures;
  for (int i = 0; i < 20; ++i) {
    signatures.insert(FailureSignature(Assertion(
        "/src/a/widget_test.cc", 57,
        "Expected equality of these values:\n  Compute(" + std::to_string(i) +
            ")\n    Which is: " + std::to_string(i * 37 + 1) + "\n  " + std::to_string(i))));
  }
  ASSERT_EQ(signatures.size(), 1u);
  EXPECT_EQ(*signatures.begin(),
            "widget_test.cc:57: Expected equality of these values: Compute(#) Which is: # #");
  // Another assertion is another group: another line, or another message.
  signatures.insert(FailureSignature(Assertion("/src/a/widget_test.cc", 80, "Value of: ok")));
  signatures.insert(FailureSignature(Assertion("/src/a/widget_test.cc", 57, "Value of: ok")));
  EXPECT_EQ(signatures.size(), 3u);
}

TEST(FailureSignatureTest, CrashesKeepTheirSignal) {
  FailureFacts segv;
  segv.outcome = Outcome::kCrashed;
  segv.reason = "killed by signal 11 (Segmentation fault)";
  FailureFacts abort_facts = segv;
  abort_facts.reason = "killed by signal 6 (Aborted)";
  EXPECT_EQ(FailureSignature(segv), "CRASHED: killed by signal 11 (Segmentation fault)");
  EXPECT_NE(FailureSignature(segv), FailureSignature(abort_facts));
}

TEST(FailureSignatureTest, NoPlaceAndNoFailure) {
  FailureFacts facts = Assertion("", -1, "C++ exception thrown");
  EXPECT_EQ(FailureSignature(facts), "unknown file: C++ exception thrown");
  facts.outcome = Outcome::kPassed;
  EXPECT_EQ(FailureSignature(facts), "");
}

TEST(GroupFailuresTest, CountsFailuresTestsAndRunsPerSignature) {
  const std::vector<FailureOccurrence> failures = {{"a.cc:1: x", "S.A", 1, 100},
                                                   {"a.cc:1: x", "S.B", 1, 50},
                                                   {"a.cc:1: x", "S.A", 2, 300},
                                                   {"b.cc:9: y", "S.C", 2, 200},
                                                   {"", "S.Old", 1, 10}};
  const std::vector<FailureGroup> groups = GroupFailures(failures);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].signature, "a.cc:1: x");
  EXPECT_EQ(groups[0].failures, 3);
  EXPECT_EQ(groups[0].tests, (std::set<std::string>{"S.A", "S.B"}));
  EXPECT_EQ(groups[0].runs, (std::set<std::int64_t>{1, 2}));
  EXPECT_EQ(groups[0].first_ms, 50);
  EXPECT_EQ(groups[0].last_ms, 300);
  EXPECT_EQ(groups[1].signature, "");  // ties keep signature order
  EXPECT_EQ(groups[2].signature, "b.cc:9: y");
}

}  // namespace
}  // namespace gtest_dist::analytics
