// The suite the triage tests (issue 16) run: a test that always fails, one
// that fails when TRIAGE_FAIL is set (flaky across runs), passing ones, and
// the order-dependence, 30%-flaky and broken tests of --dist-triage.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

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

// Order dependence (issue 16, items 1 and 2): Polluter.SetsGlobal changes a
// global that Victim.ReadsGlobal depends on; other tests run between them in
// registration order. Alone, the victim passes.
int g_polluted = 0;
TEST(Polluter, SetsGlobal) { g_polluted = 1; }
TEST(Between, First) {}
TEST(Between, Second) {}
TEST(Between, Third) {}
TEST(Between, Fourth) {}
TEST(Between, Fifth) {}
TEST(Victim, ReadsGlobal) { EXPECT_EQ(g_polluted, 0) << "a test before this one set the global"; }
TEST(After, One) {}
TEST(After, Two) {}

// Fails 30% of its runs, alone or not. With TRIAGE_COUNTER=FILE the runs are
// counted in FILE and fail at positions 0, 3 and 6 of every ten (any three
// runs in a row hold a pass, any four a failure); otherwise at random.
TEST(Flaky30, FailsSometimes) {
  bool fail = false;
  if (const char* counter = std::getenv("TRIAGE_COUNTER")) {
    int n = 0;
    std::ifstream(counter) >> n;
    std::ofstream(counter, std::ios::trunc) << n + 1;
    fail = n % 10 == 0 || n % 10 == 3 || n % 10 == 6;
  } else {
    fail = std::random_device{}() % 10 < 3;
  }
  EXPECT_FALSE(fail) << "fails 30% of the time";
}

TEST(Broken, AlwaysFails) { FAIL() << "always"; }

// Exact reproduction of a shuffled run (issue 16, item 1): OrderC.Reads
// fails when OrderA.Sets ran before it and OrderB.Clears did not run between
// them. Registration order (A, B, C) passes: only the shuffled order fails.
int g_order = 0;
TEST(OrderA, Sets) { g_order = 1; }
TEST(OrderB, Clears) { g_order = 0; }
TEST(OrderC, Reads) { EXPECT_EQ(g_order, 0) << "OrderA.Sets ran last before this test"; }
