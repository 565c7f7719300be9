// The suite the triage tests (issue 16) run: a test that always fails, one
// that fails when TRIAGE_FAIL is set (flaky across runs), and passing ones.
#include <gtest/gtest.h>

#include <cstdlib>

TEST(Quarantine, Fails) { EXPECT_EQ(1, 2) << "always"; }

TEST(Quarantine, FailsWhenAsked) { EXPECT_EQ(std::getenv("TRIAGE_FAIL"), nullptr); }

TEST(Quarantine, Passes) {}

// Twenty tests failing one assertion with different numbers, and one test
// failing another: two failure signatures.
class Signature : public testing::TestWithParam<int> {};
TEST_P(Signature, SameAssertion) {
  const int value = GetParam();
  EXPECT_EQ(value * 37 + 1, value) << "at 0x" << std::hex << (0x1000 + value);
}
INSTANTIATE_TEST_SUITE_P(Twenty, Signature, testing::Range(0, 20));
TEST(SignatureOther, AnotherAssertion) {
  EXPECT_TRUE(std::getenv("NO_SUCH_VARIABLE_X") != nullptr);
}
