#include "gtest_dist/catalog/test_selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "tests/unit/scoped_env.h"

namespace gtest_dist {
namespace {

// ---------------------------------------------------------------------------
// Helpers

TestEntry Entry(const std::string& suite, const std::string& name, bool disabled = false) {
  TestEntry entry;
  entry.suite = suite;
  entry.name = name;
  entry.disabled = disabled;
  return entry;
}

std::vector<std::string> Names(const TestCatalog& catalog, const std::vector<int>& indices) {
  std::vector<std::string> names;
  for (int index : indices) names.push_back(catalog.test(index).FullName());
  return names;
}

// A straightforward recursive glob matcher, the reference for GlobMatches.
bool ReferenceGlob(const char* pattern, const char* name) {
  if (*pattern == '\0') return *name == '\0';
  if (*pattern == '*') {
    return ReferenceGlob(pattern + 1, name) || (*name != '\0' && ReferenceGlob(pattern, name + 1));
  }
  if (*name == '\0') return false;
  return (*pattern == '?' || *pattern == *name) && ReferenceGlob(pattern + 1, name + 1);
}

// Every string of length 0..max_length over `alphabet`.
std::vector<std::string> AllStrings(const std::string& alphabet, size_t max_length) {
  std::vector<std::string> all = {""};
  std::vector<std::string> previous = {""};
  for (size_t length = 1; length <= max_length; ++length) {
    std::vector<std::string> next;
    for (const std::string& prefix : previous) {
      for (char c : alphabet) next.push_back(prefix + c);
    }
    all.insert(all.end(), next.begin(), next.end());
    previous = std::move(next);
  }
  return all;
}

// ---------------------------------------------------------------------------
// GlobMatches

TEST(GlobMatchesTest, LiteralPatternsMatchOnlyThemselves) {
  EXPECT_TRUE(GlobMatches("Suite.Test", "Suite.Test"));
  EXPECT_FALSE(GlobMatches("Suite.Test", "Suite.Tes"));
  EXPECT_FALSE(GlobMatches("Suite.Tes", "Suite.Test"));
  EXPECT_FALSE(GlobMatches("Suite.Test", "suite.test"));  // case-sensitive
  // '.', '-', '[' and '/' are ordinary characters, not regex syntax.
  EXPECT_FALSE(GlobMatches("a.b", "aXb"));
  EXPECT_FALSE(GlobMatches("[ab]", "a"));
  EXPECT_TRUE(GlobMatches("[ab]", "[ab]"));
  EXPECT_TRUE(GlobMatches("P/S.T/0", "P/S.T/0"));
}

TEST(GlobMatchesTest, EmptyPatternMatchesOnlyTheEmptyName) {
  EXPECT_TRUE(GlobMatches("", ""));
  EXPECT_FALSE(GlobMatches("", "a"));
  EXPECT_FALSE(GlobMatches("a", ""));
}

TEST(GlobMatchesTest, StarMatchesAnyRunIncludingNone) {
  EXPECT_TRUE(GlobMatches("*", ""));
  EXPECT_TRUE(GlobMatches("*", "Suite.Test"));
  EXPECT_TRUE(GlobMatches("**", ""));
  EXPECT_TRUE(GlobMatches("a*", "a"));
  EXPECT_TRUE(GlobMatches("a*", "abc"));
  EXPECT_FALSE(GlobMatches("a*", "ba"));
  EXPECT_TRUE(GlobMatches("*c", "abc"));
  EXPECT_FALSE(GlobMatches("*c", "abcd"));
  EXPECT_TRUE(GlobMatches("a*c", "ac"));
  EXPECT_TRUE(GlobMatches("Suite.*", "Suite.Test"));
  EXPECT_FALSE(GlobMatches("Suite.*", "Suite2.Test"));
  EXPECT_TRUE(GlobMatches("*.*", "Suite.Test"));
  EXPECT_FALSE(GlobMatches("*.*", "SuiteTest"));
}

TEST(GlobMatchesTest, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(GlobMatches("?", "a"));
  EXPECT_FALSE(GlobMatches("?", ""));
  EXPECT_FALSE(GlobMatches("?", "ab"));
  EXPECT_TRUE(GlobMatches("a?c", "abc"));
  EXPECT_FALSE(GlobMatches("a?c", "ac"));
  EXPECT_FALSE(GlobMatches("a?c", "abbc"));
  EXPECT_TRUE(GlobMatches("??", "?x"));
  EXPECT_FALSE(GlobMatches("*?", ""));
  EXPECT_TRUE(GlobMatches("*?", "x"));
}

TEST(GlobMatchesTest, BacktracksWhenTheFirstCandidateFails) {
  EXPECT_TRUE(GlobMatches("*ab", "aab"));
  EXPECT_TRUE(GlobMatches("*aab", "aaab"));
  EXPECT_TRUE(GlobMatches("a*c", "abcbc"));
  EXPECT_FALSE(GlobMatches("a*c", "abcb"));
  EXPECT_TRUE(GlobMatches("a*b*c", "aXbYbZc"));
  EXPECT_TRUE(GlobMatches("*a*b", "xaxxb"));
  EXPECT_TRUE(GlobMatches("*abc*", "ababc"));
  EXPECT_TRUE(GlobMatches("*abc", "abcabc"));
  EXPECT_FALSE(GlobMatches("*abc", "abcab"));
  EXPECT_TRUE(GlobMatches("*?b", "abab"));
  EXPECT_TRUE(GlobMatches("a*?*b", "axb"));
  EXPECT_FALSE(GlobMatches("a*?*b", "ab"));
  // Many stars against a long non-matching name: must still answer false.
  EXPECT_FALSE(GlobMatches("*a*a*a*a*a*a*b", std::string(200, 'a')));
  EXPECT_TRUE(GlobMatches("*a*a*a*a*a*a*b", std::string(200, 'a') + "b"));
}

TEST(GlobMatchesTest, AgreesWithAReferenceMatcherOnEverySmallCase) {
  const std::vector<std::string> patterns = AllStrings("ab*?", 4);
  const std::vector<std::string> names = AllStrings("ab", 5);
  int checked = 0;
  for (const std::string& pattern : patterns) {
    for (const std::string& name : names) {
      ASSERT_EQ(ReferenceGlob(pattern.c_str(), name.c_str()), GlobMatches(pattern, name))
          << "pattern \"" << pattern << "\", name \"" << name << "\"";
      ++checked;
    }
  }
  EXPECT_EQ(341 * 63, checked);
}

// ---------------------------------------------------------------------------
// TestFilter. Expectations below were checked against gtest 1.12.1 itself
// (a helper binary comparing SelectTests with gtest's own decisions under the
// same --gtest_filter).

TEST(TestFilterTest, StarMatchesEverything) {
  const TestFilter filter("*");
  EXPECT_TRUE(filter.Matches("A.B"));
  EXPECT_TRUE(filter.Matches("Prefix/Suite.Test/0"));
}

TEST(TestFilterTest, EmptyFilterMatchesNothing) {
  // gtest: with no '-', an empty positive part is not "*".
  const TestFilter filter("");
  EXPECT_FALSE(filter.Matches("A.B"));
  EXPECT_FALSE(filter.Matches("Prefix/Suite.Test/0"));
}

TEST(TestFilterTest, ExactNamesMatchOnlyThemselves) {
  const TestFilter filter("Beta.One");
  EXPECT_TRUE(filter.Matches("Beta.One"));
  EXPECT_FALSE(filter.Matches("Beta.OneTwo"));
  EXPECT_FALSE(filter.Matches("Beta.On"));
  EXPECT_FALSE(filter.Matches("XBeta.One"));
}

TEST(TestFilterTest, ColonSeparatesAlternatives) {
  const TestFilter filter("Alpha.One:Gamma.a*:Delta.A?");
  EXPECT_TRUE(filter.Matches("Alpha.One"));
  EXPECT_TRUE(filter.Matches("Gamma.a"));
  EXPECT_TRUE(filter.Matches("Gamma.aXb"));
  EXPECT_TRUE(filter.Matches("Delta.A5"));
  EXPECT_FALSE(filter.Matches("Delta.A10"));
  EXPECT_FALSE(filter.Matches("Alpha.Two"));
  EXPECT_FALSE(filter.Matches("Gamma.b"));
}

TEST(TestFilterTest, EmptyItemsInAListMatchNoTest) {
  EXPECT_TRUE(TestFilter(":Alpha.One").Matches("Alpha.One"));
  EXPECT_FALSE(TestFilter(":Alpha.One").Matches("Alpha.Two"));
  EXPECT_TRUE(TestFilter("Alpha.One:").Matches("Alpha.One"));
  EXPECT_FALSE(TestFilter("Alpha.One:").Matches("Alpha.Two"));
}

TEST(TestFilterTest, NegativePatternsExclude) {
  const TestFilter filter("Alpha.*-Alpha.Two:Alpha.T*e");
  EXPECT_TRUE(filter.Matches("Alpha.One"));
  EXPECT_FALSE(filter.Matches("Alpha.Two"));
  EXPECT_FALSE(filter.Matches("Alpha.Three"));
  EXPECT_FALSE(filter.Matches("Beta.One"));
}

TEST(TestFilterTest, EmptyPositiveWithNegativeMeansStar) {
  const TestFilter filter("-Alpha.*");
  EXPECT_FALSE(filter.Matches("Alpha.One"));
  EXPECT_TRUE(filter.Matches("Beta.One"));
  EXPECT_TRUE(filter.Matches("Prefix/P.Foo/0"));
}

TEST(TestFilterTest, DashAloneMatchesEverything) {
  EXPECT_TRUE(TestFilter("-").Matches("Alpha.One"));
  EXPECT_TRUE(TestFilter("-").Matches("Prefix/P.Foo/0"));
  EXPECT_TRUE(TestFilter("-:").Matches("Alpha.One"));
}

TEST(TestFilterTest, EmptyNegativePartExcludesNothing) {
  const TestFilter filter("Alpha.*-");
  EXPECT_TRUE(filter.Matches("Alpha.One"));
  EXPECT_FALSE(filter.Matches("Beta.One"));
}

TEST(TestFilterTest, DashStarMatchesNothing) {
  EXPECT_FALSE(TestFilter("-*").Matches("Alpha.One"));
  EXPECT_FALSE(TestFilter("*-*").Matches("Alpha.One"));
}

TEST(TestFilterTest, SameNamePositiveAndNegativeIsExcluded) {
  EXPECT_FALSE(TestFilter("Alpha.One-Alpha.One").Matches("Alpha.One"));
}

// gtest 1.12 splits on every '-' and joins everything after the first part
// back with '-' as one negative filter: "A-B-C" excludes "B-C", not "B" and
// not "C".
TEST(TestFilterTest, SeveralDashesAreJoinedBackIntoOneNegativeFilter) {
  const TestFilter filter("Alpha.*-Alpha.One-x");
  EXPECT_TRUE(filter.Matches("Alpha.One"));     // not excluded by "Alpha.One"
  EXPECT_TRUE(filter.Matches("Alpha.x"));       // nor by "x"
  EXPECT_FALSE(filter.Matches("Alpha.One-x"));  // by "Alpha.One-x"

  const TestFilter star("Alpha.*-*-a");
  EXPECT_TRUE(star.Matches("Alpha.One"));  // the negative part is "*-a", not "*"
  EXPECT_TRUE(star.Matches("Alpha.Minus_a"));
  EXPECT_FALSE(star.Matches("Alpha.Minus-a"));

  const TestFilter double_dash("*--Alpha.One");
  EXPECT_TRUE(double_dash.Matches("Alpha.One"));  // negative is "-Alpha.One"
  EXPECT_FALSE(double_dash.Matches("-Alpha.One"));

  const TestFilter trailing("Alpha.One--x");
  EXPECT_TRUE(trailing.Matches("Alpha.One"));
  EXPECT_FALSE(trailing.Matches("Alpha.Two"));
}

TEST(TestFilterTest, DashInsideThePositivePartStartsTheNegativePart) {
  // "Alpha.Minus-a": positive "Alpha.Minus", negative "a".
  const TestFilter filter("Alpha.Minus-a");
  EXPECT_TRUE(filter.Matches("Alpha.Minus"));
  EXPECT_FALSE(filter.Matches("Alpha.Minus-a"));
  EXPECT_FALSE(filter.Matches("Alpha.Minus_a"));
}

TEST(TestFilterTest, ExactAndGlobPatternsMix) {
  // Exact names go to a hash set, globs to a list; both must be consulted.
  const TestFilter filter("Beta.One:Gamma.?:Delta.*-Delta.A1:Gamma.b");
  EXPECT_TRUE(filter.Matches("Beta.One"));
  EXPECT_TRUE(filter.Matches("Gamma.a"));
  EXPECT_FALSE(filter.Matches("Gamma.b"));
  EXPECT_TRUE(filter.Matches("Delta.A2"));
  EXPECT_FALSE(filter.Matches("Delta.A1"));
  EXPECT_FALSE(filter.Matches("Beta.OneTwo"));
}

TEST(TestFilterTest, DuplicatePatternsAreHarmless) {
  const TestFilter filter("Alpha.One:Alpha.One:A*:A*");
  EXPECT_TRUE(filter.Matches("Alpha.One"));
  EXPECT_TRUE(filter.Matches("Alpha.Two"));
  EXPECT_FALSE(filter.Matches("Beta.One"));
}

// ---------------------------------------------------------------------------
// Disabled tests: gtest's rule (DISABLED_* or */DISABLED_* on the suite name
// or on the test name) is applied by TestCatalog::FromUnitTest. The probes
// below are registered in this binary so the rule is checked on names gtest
// itself made; gtest counts the DISABLED ones as disabled.

const TestEntry* FindInCatalog(const TestCatalog& catalog, const std::string& full_name) {
  for (const TestEntry& entry : catalog.tests()) {
    if (entry.FullName() == full_name) return &entry;
  }
  return nullptr;
}

// The body of every probe: gtest chose to run the current test, so unless
// disabled tests were asked for, the catalog must not call it disabled.
void ExpectRunningTestNotDisabledInCatalog() {
  const testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  const testing::TestInfo& info = *unit_test.current_test_info();
  const TestCatalog catalog = TestCatalog::FromUnitTest(unit_test, "");
  const TestEntry* self =
      FindInCatalog(catalog, std::string(info.test_suite_name()) + "." + info.name());
  ASSERT_NE(nullptr, self);
  if (!GTEST_FLAG_GET(also_run_disabled_tests)) {
    EXPECT_FALSE(self->disabled);
  }
}

TEST(DISABLED_SelectionProbeSuite, Probe) { ExpectRunningTestNotDisabledInCatalog(); }
TEST(SelectionProbe, DISABLED_Probe) { ExpectRunningTestNotDisabledInCatalog(); }
// "DISABLED_" neither first nor after '/': enabled.
TEST(SelectionProbe, Mid_DISABLED_IsEnabled) { ExpectRunningTestNotDisabledInCatalog(); }

class SelectionProbeParam : public testing::TestWithParam<int> {};
TEST_P(SelectionProbeParam, Case) { ExpectRunningTestNotDisabledInCatalog(); }
// Test names "Case/DISABLED_one" (disabled through "*/DISABLED_*") and
// "Case/two".
INSTANTIATE_TEST_SUITE_P(Plain, SelectionProbeParam, testing::Values(1, 2),
                         [](const testing::TestParamInfo<int>& info) {
                           return info.param == 1 ? std::string("DISABLED_one")
                                                  : std::string("two");
                         });
INSTANTIATE_TEST_SUITE_P(DISABLED_Prefix, SelectionProbeParam, testing::Values(3));

class DISABLED_SelectionProbeInner : public testing::TestWithParam<int> {};
TEST_P(DISABLED_SelectionProbeInner, Case) { ExpectRunningTestNotDisabledInCatalog(); }
// Suite "Prefix/DISABLED_SelectionProbeInner": disabled through "*/DISABLED_*".
INSTANTIATE_TEST_SUITE_P(Prefix, DISABLED_SelectionProbeInner, testing::Values(1));

TEST(SelectionDisabledRuleTest, MatchesGtestOnNamesGtestRegistered) {
  const testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  const TestCatalog catalog = TestCatalog::FromUnitTest(unit_test, "");
  const std::vector<std::pair<std::string, bool>> expected = {
      {"DISABLED_SelectionProbeSuite.Probe", true},
      {"SelectionProbe.DISABLED_Probe", true},
      {"SelectionProbe.Mid_DISABLED_IsEnabled", false},
      {"Plain/SelectionProbeParam.Case/DISABLED_one", true},  // "*/DISABLED_*" on the name
      {"Plain/SelectionProbeParam.Case/two", false},
      {"DISABLED_Prefix/SelectionProbeParam.Case/0", true},
      {"Prefix/DISABLED_SelectionProbeInner.Case/0", true},  // "*/DISABLED_*" on the suite
  };
  for (const auto& [name, disabled] : expected) {
    const TestEntry* entry = FindInCatalog(catalog, name);
    ASSERT_NE(nullptr, entry) << name;
    EXPECT_EQ(disabled, entry->disabled) << name;
  }
  // And gtest agrees: every test it counts as disabled is marked so, and no
  // other. gtest counts disabled tests that match the filter; under the
  // default filter and no sharding that is all of them.
  if (GTEST_FLAG_GET(filter) == "*" && std::getenv("GTEST_TOTAL_SHARDS") == nullptr) {
    int disabled_in_catalog = 0;
    for (const TestEntry& entry : catalog.tests()) disabled_in_catalog += entry.disabled;
    EXPECT_EQ(unit_test.disabled_test_count(), disabled_in_catalog);
  }
}

TEST(SelectionDisabledRuleTest, DisabledMatchingTestsAreReportedNotSelected) {
  const TestCatalog catalog({Entry("A", "One"), Entry("A", "DISABLED_Two", true),
                             Entry("DISABLED_B", "One", true), Entry("B", "One")},
                            "");
  SelectionOptions options;
  options.filter = "A.*";
  const Selection selection = SelectTests(catalog, options);
  EXPECT_EQ(std::vector<int>({0}), selection.selected);
  EXPECT_EQ(std::vector<int>({1}), selection.disabled_matching);
}

TEST(SelectionDisabledRuleTest, DisabledTestsOutsideTheFilterAreNotReported) {
  const TestCatalog catalog(
      {Entry("A", "One"), Entry("A", "DISABLED_Two", true), Entry("DISABLED_B", "One", true)}, "");
  SelectionOptions options;
  options.filter = "A.One";
  const Selection selection = SelectTests(catalog, options);
  EXPECT_EQ(std::vector<int>({0}), selection.selected);
  EXPECT_TRUE(selection.disabled_matching.empty());
}

TEST(SelectionDisabledRuleTest, AlsoRunDisabledSelectsThemInCatalogOrder) {
  const TestCatalog catalog({Entry("A", "One"), Entry("A", "DISABLED_Two", true),
                             Entry("DISABLED_B", "One", true), Entry("B", "One")},
                            "");
  SelectionOptions options;
  options.also_run_disabled = true;
  const Selection selection = SelectTests(catalog, options);
  EXPECT_EQ(std::vector<int>({0, 1, 2, 3}), selection.selected);
  EXPECT_TRUE(selection.disabled_matching.empty());

  options.filter = "-A.DISABLED_Two";
  EXPECT_EQ(std::vector<int>({0, 2, 3}), SelectTests(catalog, options).selected);
}

TEST(SelectionDisabledRuleTest, SelectionUsesTheEntryFlagNotTheName) {
  // The rule lives in the catalog; SelectTests trusts `disabled`.
  const TestCatalog catalog(
      {Entry("A", "DISABLED_ButMarkedEnabled", false), Entry("A", "Plain", true)}, "");
  const Selection selection = SelectTests(catalog, SelectionOptions{});
  EXPECT_EQ(std::vector<int>({0}), selection.selected);
  EXPECT_EQ(std::vector<int>({1}), selection.disabled_matching);
}

// ---------------------------------------------------------------------------
// SelectTests against gtest: a catalog spelled like a helper binary's, and
// what gtest 1.12.1 ran (and counted as disabled) under each filter/shard.

TestCatalog GtestProbeCatalog() {
  return TestCatalog(
      {
          Entry("Alpha", "One"),
          Entry("Alpha", "Two"),
          Entry("Alpha", "DISABLED_Three", true),
          Entry("Alpha", "Minus_a"),
          Entry("DISABLED_Beta", "One", true),
          Entry("Beta", "One"),
          Entry("Beta", "OneTwo"),
          Entry("Gamma", "a"),
          Entry("Gamma", "ab"),
          Entry("Gamma", "aXb"),
          Entry("Gamma", "DISABLEDx"),
          Entry("Delta", "A1"),
          Entry("Delta", "A2"),
          Entry("Delta", "A3"),
          Entry("Delta", "A4"),
          Entry("Delta", "A5"),
          Entry("Pre/P", "Foo/0"),
          Entry("Pre/P", "Foo/1"),
          Entry("Pre/P", "DISABLED_Bar/0", true),
          Entry("Pre/P", "DISABLED_Bar/1", true),
          Entry("Pre/DISABLED_Q", "Foo/0", true),
          Entry("Pre/R", "Foo/DISABLED_x", true),
          Entry("Pre/R", "Foo/y"),
          Entry("DISABLED_Pre/R", "Foo/0", true),
      },
      "");
}

struct GtestCase {
  std::string filter;
  int total_shards;
  int shard_index;
  std::set<std::string> selected;
  std::set<std::string> disabled;
};

std::set<std::string> AsSet(const std::vector<std::string>& names) {
  return std::set<std::string>(names.begin(), names.end());
}

TEST(SelectTestsTest, MatchesWhatGtestRan) {
  const std::set<std::string> kAllEnabled = {
      "Alpha.Minus_a", "Alpha.One", "Alpha.Two",   "Beta.One",    "Beta.OneTwo",     "Delta.A1",
      "Delta.A2",      "Delta.A3",  "Delta.A4",    "Delta.A5",    "Gamma.DISABLEDx", "Gamma.a",
      "Gamma.aXb",     "Gamma.ab",  "Pre/P.Foo/0", "Pre/P.Foo/1", "Pre/R.Foo/y"};
  const std::set<std::string> kAllDisabled = {"Alpha.DISABLED_Three", "DISABLED_Beta.One",
                                              "DISABLED_Pre/R.Foo/0", "Pre/DISABLED_Q.Foo/0",
                                              "Pre/P.DISABLED_Bar/0", "Pre/P.DISABLED_Bar/1",
                                              "Pre/R.Foo/DISABLED_x"};
  const std::vector<GtestCase> cases = {
      {"*", 1, 0, kAllEnabled, kAllDisabled},
      {"", 1, 0, {}, {}},
      {"-", 1, 0, kAllEnabled, kAllDisabled},
      {"-:", 1, 0, kAllEnabled, kAllDisabled},
      {"-*", 1, 0, {}, {}},
      {"?*", 1, 0, kAllEnabled, kAllDisabled},
      {"*--Alpha.One", 1, 0, kAllEnabled, kAllDisabled},
      {"Alpha.*", 1, 0, {"Alpha.Minus_a", "Alpha.One", "Alpha.Two"}, {"Alpha.DISABLED_Three"}},
      {"Alpha.*-", 1, 0, {"Alpha.Minus_a", "Alpha.One", "Alpha.Two"}, {"Alpha.DISABLED_Three"}},
      {"Alpha.*-*-a", 1, 0, {"Alpha.Minus_a", "Alpha.One", "Alpha.Two"}, {"Alpha.DISABLED_Three"}},
      {"Alpha.*-Alpha.Two", 1, 0, {"Alpha.Minus_a", "Alpha.One"}, {"Alpha.DISABLED_Three"}},
      {"Alpha.One:Beta.One", 1, 0, {"Alpha.One", "Beta.One"}, {}},
      {"Alpha.One:Gamma.a*", 1, 0, {"Alpha.One", "Gamma.a", "Gamma.aXb", "Gamma.ab"}, {}},
      {"Alpha.Minus-a", 1, 0, {}, {}},
      {"Alpha.One-Alpha.One", 1, 0, {}, {}},
      {"Alpha.One--x", 1, 0, {"Alpha.One"}, {}},
      {"Gamma.a?", 1, 0, {"Gamma.ab"}, {}},
      {"Gamma.?", 1, 0, {"Gamma.a"}, {}},
      {"Gamma.a*b", 1, 0, {"Gamma.aXb", "Gamma.ab"}, {}},
      {"Beta.One", 1, 0, {"Beta.One"}, {}},
      {":Alpha.One", 1, 0, {"Alpha.One"}, {}},
      {"*DISABLED*", 1, 0, {"Gamma.DISABLEDx"}, kAllDisabled},
      {"Alpha.DISABLED_Three", 1, 0, {}, {"Alpha.DISABLED_Three"}},
      {"*/DISABLED_*", 1, 0, {}, {"Pre/DISABLED_Q.Foo/0", "Pre/R.Foo/DISABLED_x"}},
      {"Pre/*",
       1,
       0,
       {"Pre/P.Foo/0", "Pre/P.Foo/1", "Pre/R.Foo/y"},
       {"Pre/DISABLED_Q.Foo/0", "Pre/P.DISABLED_Bar/0", "Pre/P.DISABLED_Bar/1",
        "Pre/R.Foo/DISABLED_x"}},
      // Sharded (GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX).
      {"*",
       2,
       0,
       {"Alpha.Minus_a", "Alpha.One", "Beta.OneTwo", "Delta.A2", "Delta.A4", "Gamma.DISABLEDx",
        "Gamma.ab", "Pre/P.Foo/0", "Pre/R.Foo/y"},
       {"Alpha.DISABLED_Three", "Pre/DISABLED_Q.Foo/0", "Pre/P.DISABLED_Bar/0",
        "Pre/P.DISABLED_Bar/1", "Pre/R.Foo/DISABLED_x"}},
      {"*",
       2,
       1,
       {"Alpha.Two", "Beta.One", "Delta.A1", "Delta.A3", "Delta.A5", "Gamma.a", "Gamma.aXb",
        "Pre/P.Foo/1"},
       {"DISABLED_Beta.One", "DISABLED_Pre/R.Foo/0"}},
      {"*",
       3,
       0,
       {"Alpha.One", "Beta.One", "Delta.A1", "Delta.A4", "Gamma.ab", "Pre/P.Foo/1"},
       {"DISABLED_Beta.One"}},
      {"*",
       3,
       1,
       {"Alpha.Two", "Beta.OneTwo", "Delta.A2", "Delta.A5", "Gamma.aXb", "Pre/R.Foo/y"},
       {"Pre/DISABLED_Q.Foo/0", "Pre/P.DISABLED_Bar/0", "Pre/P.DISABLED_Bar/1",
        "Pre/R.Foo/DISABLED_x"}},
      {"*",
       3,
       2,
       {"Alpha.Minus_a", "Delta.A3", "Gamma.DISABLEDx", "Gamma.a", "Pre/P.Foo/0"},
       {"Alpha.DISABLED_Three", "DISABLED_Pre/R.Foo/0"}},
      {"Alpha.*:Delta.*",
       2,
       0,
       {"Alpha.Minus_a", "Alpha.One", "Delta.A2", "Delta.A4"},
       {"Alpha.DISABLED_Three"}},
      {"Alpha.*:Delta.*", 2, 1, {"Alpha.Two", "Delta.A1", "Delta.A3", "Delta.A5"}, {}},
      {"Alpha.*:Delta.*", 5, 0, {"Alpha.One", "Delta.A3"}, {}},
      {"Alpha.*:Delta.*", 5, 2, {"Alpha.Minus_a", "Delta.A5"}, {"Alpha.DISABLED_Three"}},
      {"Alpha.*:Delta.*", 5, 3, {"Delta.A1"}, {}},
      {"*DISABLED*", 2, 0, {"Gamma.DISABLEDx"}, {"Alpha.DISABLED_Three", "DISABLED_Beta.One"}},
      {"*DISABLED*",
       2,
       1,
       {},
       {"DISABLED_Pre/R.Foo/0", "Pre/DISABLED_Q.Foo/0", "Pre/P.DISABLED_Bar/0",
        "Pre/P.DISABLED_Bar/1", "Pre/R.Foo/DISABLED_x"}},
      {"*DISABLED*", 3, 2, {}, {}},
      {"*", 5, 0, {"Alpha.One", "Delta.A2", "Gamma.a", "Pre/P.Foo/1"}, {}},
      {"*", 5, 3, {"Beta.One", "Delta.A5", "Gamma.DISABLEDx"}, {"DISABLED_Beta.One"}},
  };
  const TestCatalog catalog = GtestProbeCatalog();
  for (const GtestCase& c : cases) {
    SelectionOptions options;
    options.filter = c.filter;
    options.shard.total = c.total_shards;
    options.shard.index = c.shard_index;
    const Selection selection = SelectTests(catalog, options);
    const std::string where = "filter \"" + c.filter + "\", shard " +
                              std::to_string(c.shard_index) + "/" + std::to_string(c.total_shards);
    EXPECT_EQ(c.selected, AsSet(Names(catalog, selection.selected))) << where;
    EXPECT_EQ(c.disabled, AsSet(Names(catalog, selection.disabled_matching))) << where;
    EXPECT_TRUE(std::is_sorted(selection.selected.begin(), selection.selected.end())) << where;
  }
}

TEST(SelectTestsTest, AlsoRunDisabledMatchesGtest) {
  const TestCatalog catalog = GtestProbeCatalog();
  SelectionOptions options;
  options.filter = "Alpha.*:*R.*";
  options.also_run_disabled = true;
  const Selection selection = SelectTests(catalog, options);
  EXPECT_EQ(
      std::set<std::string>({"Alpha.DISABLED_Three", "Alpha.Minus_a", "Alpha.One", "Alpha.Two",
                             "DISABLED_Pre/R.Foo/0", "Pre/R.Foo/DISABLED_x", "Pre/R.Foo/y"}),
      AsSet(Names(catalog, selection.selected)));
  EXPECT_TRUE(selection.disabled_matching.empty());
}

TEST(SelectTestsTest, EmptyCatalogSelectsNothing) {
  const TestCatalog catalog({}, "");
  const Selection selection = SelectTests(catalog, SelectionOptions{});
  EXPECT_TRUE(selection.selected.empty());
  EXPECT_TRUE(selection.disabled_matching.empty());
}

TEST(SelectTestsTest, DefaultOptionsSelectEveryEnabledTestInCatalogOrder) {
  const TestCatalog catalog = GtestProbeCatalog();
  const Selection selection = SelectTests(catalog, SelectionOptions{});
  std::vector<int> expected;
  for (const TestEntry& entry : catalog.tests()) {
    if (!entry.disabled) expected.push_back(entry.index);
  }
  EXPECT_EQ(expected, selection.selected);
}

// ---------------------------------------------------------------------------
// Sharding

// A catalog with disabled tests scattered, so that "runnable before" and
// "index before" differ.
TestCatalog ShardingCatalog() {
  std::vector<TestEntry> tests;
  for (int suite = 0; suite < 6; ++suite) {
    for (int test = 0; test < 7; ++test) {
      const bool disabled = (suite * 7 + test) % 5 == 3;
      tests.push_back(Entry("Suite" + std::to_string(suite),
                            (disabled ? "DISABLED_T" : "T") + std::to_string(test), disabled));
    }
  }
  return TestCatalog(std::move(tests), "");
}

TEST(SelectTestsShardingTest, ShardsPartitionTheUnshardedSelection) {
  const TestCatalog catalog = ShardingCatalog();
  for (const char* filter_text : {"*", "Suite1.*:Suite4.*", "-*T3", "*DISABLED*", ""}) {
    const std::string filter = filter_text;
    for (const bool also_run_disabled : {false, true}) {
      SelectionOptions whole_options;
      whole_options.filter = filter;
      whole_options.also_run_disabled = also_run_disabled;
      const Selection whole = SelectTests(catalog, whole_options);
      for (int total = 1; total <= 9; ++total) {
        std::vector<int> union_selected, union_disabled;
        for (int index = 0; index < total; ++index) {
          SelectionOptions options = whole_options;
          options.shard.total = total;
          options.shard.index = index;
          const Selection shard = SelectTests(catalog, options);
          EXPECT_TRUE(std::is_sorted(shard.selected.begin(), shard.selected.end()));
          union_selected.insert(union_selected.end(), shard.selected.begin(), shard.selected.end());
          union_disabled.insert(union_disabled.end(), shard.disabled_matching.begin(),
                                shard.disabled_matching.end());
        }
        const std::string where = "filter \"" + filter + "\", also_run_disabled " +
                                  std::to_string(also_run_disabled) + ", " + std::to_string(total) +
                                  " shards";
        // Same size and same sorted content: every test once, no duplicate.
        std::sort(union_selected.begin(), union_selected.end());
        std::sort(union_disabled.begin(), union_disabled.end());
        EXPECT_EQ(whole.selected, union_selected) << where;
        EXPECT_EQ(whole.disabled_matching, union_disabled) << where;
      }
    }
  }
}

TEST(SelectTestsShardingTest, AssignmentIsRunnableCountBeforeModuloTotal) {
  const TestCatalog catalog = ShardingCatalog();
  for (const char* filter_text : {"*", "-Suite2.*", "*T1:*T2"}) {
    const std::string filter = filter_text;
    for (int total = 2; total <= 5; ++total) {
      // gtest's rule, spelled out independently: walk the catalog, count the
      // runnable tests; a test (runnable or disabled-but-matching) belongs to
      // shard (runnable tests before it) % total.
      const TestFilter matcher(filter);
      std::vector<std::vector<int>> expected_selected(static_cast<size_t>(total));
      std::vector<std::vector<int>> expected_disabled(static_cast<size_t>(total));
      int runnable_before = 0;
      for (const TestEntry& entry : catalog.tests()) {
        if (!matcher.Matches(entry.FullName())) continue;
        const size_t shard = static_cast<size_t>(runnable_before % total);
        if (entry.disabled) {
          expected_disabled[shard].push_back(entry.index);
        } else {
          expected_selected[shard].push_back(entry.index);
          ++runnable_before;
        }
      }
      for (int index = 0; index < total; ++index) {
        SelectionOptions options;
        options.filter = filter;
        options.shard.total = total;
        options.shard.index = index;
        const Selection selection = SelectTests(catalog, options);
        EXPECT_EQ(expected_selected[static_cast<size_t>(index)], selection.selected)
            << filter << " shard " << index << "/" << total;
        EXPECT_EQ(expected_disabled[static_cast<size_t>(index)], selection.disabled_matching)
            << filter << " shard " << index << "/" << total;
      }
    }
  }
}

TEST(SelectTestsShardingTest, NonMatchingTestsDoNotAdvanceTheCounter) {
  // Filter "B.*": A.* do not count, so B.0 is the first runnable test.
  const TestCatalog catalog(
      {Entry("A", "0"), Entry("A", "1"), Entry("A", "2"), Entry("B", "0"), Entry("B", "1")}, "");
  SelectionOptions options;
  options.filter = "B.*";
  options.shard.total = 2;
  options.shard.index = 0;
  EXPECT_EQ(std::vector<int>({3}), SelectTests(catalog, options).selected);
  options.shard.index = 1;
  EXPECT_EQ(std::vector<int>({4}), SelectTests(catalog, options).selected);
}

TEST(SelectTestsShardingTest, MoreShardsThanTestsLeavesSomeShardsEmpty) {
  const TestCatalog catalog({Entry("A", "0"), Entry("A", "1")}, "");
  SelectionOptions options;
  options.shard.total = 4;
  for (int index = 0; index < 4; ++index) {
    options.shard.index = index;
    const std::vector<int> selected = SelectTests(catalog, options).selected;
    if (index < 2) {
      EXPECT_EQ(std::vector<int>({index}), selected) << index;
    } else {
      EXPECT_TRUE(selected.empty()) << index;
    }
  }
}

TEST(ShardSpecTest, DefaultIsNotSharded) {
  const ShardSpec spec;
  EXPECT_EQ(1, spec.total);
  EXPECT_EQ(0, spec.index);
  EXPECT_FALSE(spec.enabled());
  EXPECT_TRUE((ShardSpec{2, 1}).enabled());
  EXPECT_FALSE((ShardSpec{1, 0}).enabled());
}

class ReadShardSpecTest : public testing::Test {
 protected:
  // Reads with both variables as given (nullopt: unset).
  bool Read(const std::optional<std::string>& total, const std::optional<std::string>& index,
            ShardSpec* spec, std::string* error) {
    const ScopedEnv total_env("GTEST_TOTAL_SHARDS", total);
    const ScopedEnv index_env("GTEST_SHARD_INDEX", index);
    return ReadShardSpec(spec, error);
  }
};

TEST_F(ReadShardSpecTest, BothUnsetMeansNoSharding) {
  ShardSpec spec{7, 3};
  std::string error;
  ASSERT_TRUE(Read(std::nullopt, std::nullopt, &spec, &error)) << error;
  EXPECT_EQ(1, spec.total);
  EXPECT_EQ(0, spec.index);
  EXPECT_FALSE(spec.enabled());
}

TEST_F(ReadShardSpecTest, ValidValuesAreRead) {
  ShardSpec spec;
  std::string error;
  ASSERT_TRUE(Read("4", "3", &spec, &error)) << error;
  EXPECT_EQ(4, spec.total);
  EXPECT_EQ(3, spec.index);
  EXPECT_TRUE(spec.enabled());

  ASSERT_TRUE(Read("1", "0", &spec, &error)) << error;
  EXPECT_EQ(1, spec.total);
  EXPECT_EQ(0, spec.index);
  EXPECT_FALSE(spec.enabled());
}

TEST_F(ReadShardSpecTest, AcceptsWhatStrtolAccepts) {
  // gtest parses with strtol: leading blanks and a '+' are fine.
  ShardSpec spec;
  std::string error;
  ASSERT_TRUE(Read(" 2", "+1", &spec, &error)) << error;
  EXPECT_EQ(2, spec.total);
  EXPECT_EQ(1, spec.index);
}

TEST_F(ReadShardSpecTest, OnlyOneSetIsAnErrorNamingBoth) {
  ShardSpec spec;
  std::string error;
  EXPECT_FALSE(Read(std::nullopt, "0", &spec, &error));
  EXPECT_EQ(
      "Invalid environment variables: you have GTEST_SHARD_INDEX = 0, but have left "
      "GTEST_TOTAL_SHARDS unset.",
      error);

  error.clear();
  EXPECT_FALSE(Read("3", std::nullopt, &spec, &error));
  EXPECT_EQ(
      "Invalid environment variables: you have GTEST_TOTAL_SHARDS = 3, but have left "
      "GTEST_SHARD_INDEX unset.",
      error);

  // gtest's sentinel for "unset" is -1, so an explicit -1 reads as unset too.
  error.clear();
  EXPECT_FALSE(Read("-1", "0", &spec, &error));
  EXPECT_EQ(
      "Invalid environment variables: you have GTEST_SHARD_INDEX = 0, but have left "
      "GTEST_TOTAL_SHARDS unset.",
      error);
  ShardSpec unset_spec{5, 2};
  EXPECT_TRUE(Read("-1", "-1", &unset_spec, &error)) << error;
  EXPECT_FALSE(unset_spec.enabled());
}

TEST_F(ReadShardSpecTest, IndexOutOfRangeIsAnError) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"3", "3"}, {"3", "7"}, {"3", "-2"}, {"0", "0"}, {"-5", "0"}};
  for (const auto& [total, index] : cases) {
    ShardSpec spec;
    std::string error;
    EXPECT_FALSE(Read(total, index, &spec, &error)) << total << "/" << index;
    EXPECT_EQ(
        "Invalid environment variables: we require 0 <= GTEST_SHARD_INDEX < "
        "GTEST_TOTAL_SHARDS, but you have GTEST_SHARD_INDEX=" +
            index + ", GTEST_TOTAL_SHARDS=" + total + ".",
        error);
  }
}

TEST_F(ReadShardSpecTest, NonIntegerValuesAreErrorsNamingTheVariableAndValue) {
  const std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> cases = {
      {"2x", "0"}, {"2", "zero"}, {"99999999999", "0"}, {"2", "4294967296"}, {"1.5", "0"}};
  for (const auto& [total, index] : cases) {
    ShardSpec spec;
    std::string error;
    EXPECT_FALSE(Read(total, index, &spec, &error)) << *total << "/" << *index;
    const bool bad_total = *total == "2x" || *total == "99999999999" || *total == "1.5";
    const std::string variable = bad_total ? "GTEST_TOTAL_SHARDS" : "GTEST_SHARD_INDEX";
    const std::string value = bad_total ? *total : *index;
    EXPECT_NE(std::string::npos, error.find(variable)) << error;
    EXPECT_NE(std::string::npos, error.find("\"" + value + "\"")) << error;
  }
}

// As gtest 1.12.1: strtol consumes nothing from "" and *end is '\0', so an
// empty value reads as 0 (GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX="" runs
// shard 0 in a plain run, and so in a distributed one).
TEST_F(ReadShardSpecTest, EmptyValueReadsAsZero) {
  ShardSpec spec;
  std::string error;
  ASSERT_TRUE(Read("2", "", &spec, &error)) << error;
  EXPECT_EQ(2, spec.total);
  EXPECT_EQ(0, spec.index);
  // An empty total is 0 shards: out of range, as gtest says.
  EXPECT_FALSE(Read("", "0", &spec, &error));
  EXPECT_NE(std::string::npos, error.find("GTEST_TOTAL_SHARDS=0")) << error;
}

TEST_F(ReadShardSpecTest, LeavesNoVariableBehind) {
  // The helper itself: variables set for a Read are gone afterwards.
  ShardSpec spec;
  std::string error;
  const ScopedEnv clear_total("GTEST_TOTAL_SHARDS", std::nullopt);
  const ScopedEnv clear_index("GTEST_SHARD_INDEX", std::nullopt);
  ASSERT_TRUE(Read("2", "1", &spec, &error));
  EXPECT_EQ(nullptr, std::getenv("GTEST_TOTAL_SHARDS"));
  EXPECT_EQ(nullptr, std::getenv("GTEST_SHARD_INDEX"));
}

}  // namespace
}  // namespace gtest_dist
