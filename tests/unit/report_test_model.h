// Runs for the report writers' tests: the same tests, results and output as
// two small plain GoogleTest suites whose real gtest 1.12.1 output is the
// golden text the tests compare with.
//
// golden_test.cc (built with g++ golden_test.cc -lgtest -lgtest_main):
//   TEST(Basic, Passes)        prints "hello from Passes"                (l. 5)
//   TEST(Basic, FailsTwice)    prints, EXPECT_EQ(1, 2) (l. 12), prints,
//                              ADD_FAILURE() << "second <script>..." (l. 15),
//                              prints                                    (l. 9)
//   TEST(Basic, Skips)         prints, GTEST_SKIP() << "not today" (l. 22)
//                                                                        (l.
//                                                                        19)
//   TEST(Basic, DISABLED_Off)                                           (l. 25)
//   TEST(Basic, Props)         RecordProperty("key", "va\"l<ue>"), ("n", 5)
//                                                                        (l.
//                                                                        27)
//   TEST(Basic, Control)       ADD_FAILURE() << "ctrl\x01\x02 tab\tend\x1f"
//                                                                (l. 32, 33)
//   TEST_P(ParamTest, Check)   EXPECT_EQ(GetParam(), 1) (l. 37), instantiated
//                              as Values with 1 and 2
//   TYPED_TEST(TypedTest, Works) EXPECT_EQ(sizeof(TypeParam), 4u) (l. 44),
//                              for int and char
//   TEST(DisabledOnly, DISABLED_A)                                      (l. 46)
//
// suite_test.cc (its own main() adds a global environment):
//   SetUpFails::SetUpTestSuite prints, RecordProperty("suite_prop", "sv"),
//     ADD_FAILURE() << "setup broke" (l. 10); TEST_F A (l. 13), B (l. 14)
//   TearDownFails::TearDownTestSuite ADD_FAILURE() << "teardown broke"
//     (l. 18); TEST_F A (l. 20)
//   TEST(Thrower, Throws) { throw 42; }                                 (l. 22)
//   Environment: SetUp RecordProperty("global_prop", "gv"); TearDown
//     ADD_FAILURE() << "env teardown broke" (l. 27)
#ifndef GTEST_DIST_TESTS_UNIT_REPORT_TEST_MODEL_H_
#define GTEST_DIST_TESTS_UNIT_REPORT_TEST_MODEL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/model/run_listener.h"
#include "gtest_dist/model/test_record.h"

namespace gtest_dist::report_test {

// Times and timestamps differ from run to run; everything else must match.
inline std::string NormaliseTimes(std::string text) {
  static const std::pair<std::regex, const char*> kRules[] = {
      {std::regex(R"(\((\d+) ms\))"), "(# ms)"},
      {std::regex(R"(\((\d+) ms total\))"), "(# ms total)"},
      {std::regex(R"( time="[^"]*")"), R"( time="#")"},
      {std::regex(R"( timestamp="[^"]*")"), R"( timestamp="#")"},
      {std::regex(R"("time": "[^"]*")"), R"("time": "#")"},
      {std::regex(R"("timestamp": "[^"]*")"), R"("timestamp": "#")"},
  };
  for (const auto& [pattern, replacement] : kRules) {
    text = std::regex_replace(text, pattern, replacement);
  }
  return text;
}

inline TestEntry Entry(const std::string& file, const std::string& suite, const std::string& name,
                       int line, const std::string& type_param = "",
                       const std::string& value_param = "") {
  TestEntry entry;
  entry.suite = suite;
  entry.name = name;
  entry.file = file;
  entry.line = line;
  entry.type_param = type_param;
  entry.value_param = value_param;
  entry.disabled = name.rfind("DISABLED_", 0) == 0;
  return entry;
}

inline TestPart Part(TestPart::Type type, const std::string& file, int line,
                     const std::string& message, const std::string& output_before = "") {
  TestPart part;
  part.type = type;
  part.file = file;
  part.line = line;
  part.summary = message;
  part.message = message;
  part.output_before = output_before;
  return part;
}

inline TestPart Failure(const std::string& file, int line, const std::string& message,
                        const std::string& output_before = "") {
  return Part(TestPart::Type::kNonFatalFailure, file, line, message, output_before);
}

// A catalog, a plan and a summary that point at each other; built in place
// and never copied so that the pointers stay valid.
class ReportRun {
 public:
  ReportRun() = default;
  ReportRun(const ReportRun&) = delete;
  ReportRun& operator=(const ReportRun&) = delete;

  // Selects every test that is not disabled, reports disabled ones as
  // disabled_matching, and wires plan and summary to the catalog.
  void SetCatalog(std::vector<TestEntry> tests) {
    catalog = TestCatalog(std::move(tests), "digest");
    plan.catalog = &catalog;
    plan.filter = "*";
    plan.start_timestamp_ms = kStart;
    plan.selected.clear();
    plan.disabled_matching.clear();
    for (const TestEntry& test : catalog.tests()) {
      (test.disabled ? plan.disabled_matching : plan.selected).push_back(test.index);
    }
    summary.plan = &plan;
    summary.elapsed_ms = 42;
  }

  // Records `record` as the result of the test `suite.name`.
  TestRecord& Record(const std::string& full_name, Outcome outcome) {
    for (const TestEntry& test : catalog.tests()) {
      if (test.FullName() != full_name) continue;
      TestRecord& record = summary.records[test.index];
      record.index = test.index;
      record.outcome = outcome;
      record.elapsed_ms = 1 + test.index;
      record.start_timestamp_ms = kStart + std::int64_t{10} * test.index;
      return record;
    }
    std::fprintf(stderr, "no test %s in the catalog\n", full_name.c_str());
    std::abort();
  }

  // Keeps only the tests named in `full_names` selected (in catalog order),
  // and the disabled ones among them as disabled_matching.
  void Select(const std::vector<std::string>& full_names) {
    plan.selected.clear();
    plan.disabled_matching.clear();
    for (const TestEntry& test : catalog.tests()) {
      for (const std::string& name : full_names) {
        if (name != test.FullName()) continue;
        (test.disabled ? plan.disabled_matching : plan.selected).push_back(test.index);
      }
    }
    std::map<int, TestRecord> kept;
    for (int index : plan.selected) kept[index] = summary.records.at(index);
    summary.records = std::move(kept);
  }

  static constexpr std::int64_t kStart = 1700000000123;  // 2023-11-14 UTC

  TestCatalog catalog;
  RunPlan plan;
  RunSummary summary;
};

// golden_test.cc's tests and results.
inline void BuildGoldenRun(ReportRun* run) {
  const std::string f = "golden_test.cc";
  run->SetCatalog({
      Entry(f, "Basic", "Passes", 5),
      Entry(f, "Basic", "FailsTwice", 9),
      Entry(f, "Basic", "Skips", 19),
      Entry(f, "Basic", "DISABLED_Off", 25),
      Entry(f, "Basic", "Props", 27),
      Entry(f, "Basic", "Control", 32),
      Entry(f, "TypedTest/0", "Works", 44, "int"),
      Entry(f, "TypedTest/1", "Works", 44, "char"),
      Entry(f, "DisabledOnly", "DISABLED_A", 46),
      Entry(f, "Values/ParamTest", "Check/0", 37, "", "1"),
      Entry(f, "Values/ParamTest", "Check/1", 37, "", "2"),
  });
  run->Record("Basic.Passes", Outcome::kPassed).output_after = "hello from Passes\n";
  TestRecord& fails = run->Record("Basic.FailsTwice", Outcome::kFailed);
  fails.parts = {
      Failure(f, 12, "Expected equality of these values:\n  1\n  2", "before first\n"),
      Failure(f, 15, "Failed\nsecond <script>alert(1)</script> & ]]> done", "between\n"),
  };
  fails.output_after = "after\n";
  run->Record("Basic.Skips", Outcome::kSkipped).parts = {
      Part(TestPart::Type::kSkip, f, 22, "not today", "skipping now\n")};
  run->Record("Basic.Props", Outcome::kPassed).properties = {{"key", "va\"l<ue>"}, {"n", "5"}};
  run->Record("Basic.Control", Outcome::kFailed).parts = {
      Failure(f, 33, "Failed\nctrl\x01\x02 tab\tend\x1f")};
  run->Record("TypedTest/0.Works", Outcome::kPassed);
  run->Record("TypedTest/1.Works", Outcome::kFailed).parts = {
      Failure(f, 44,
              "Expected equality of these values:\n  sizeof(TypeParam)\n"
              "    Which is: 1\n  4u\n    Which is: 4")};
  run->Record("Values/ParamTest.Check/0", Outcome::kPassed);
  run->Record("Values/ParamTest.Check/1", Outcome::kFailed).parts = {
      Failure(f, 37,
              "Expected equality of these values:\n  GetParam()\n"
              "    Which is: 2\n  1")};
}

// suite_test.cc's tests and results, including suite-level and global parts.
inline void BuildSuiteRun(ReportRun* run) {
  const std::string f = "suite_test.cc";
  run->SetCatalog({
      Entry(f, "SetUpFails", "A", 13),
      Entry(f, "SetUpFails", "B", 14),
      Entry(f, "TearDownFails", "A", 20),
      Entry(f, "Thrower", "Throws", 22),
  });
  // gtest skips every test of a suite whose SetUpTestSuite failed, with an
  // empty skip at the test's own location.
  run->Record("SetUpFails.A", Outcome::kSkipped).parts = {Part(TestPart::Type::kSkip, f, 13, "")};
  run->Record("SetUpFails.B", Outcome::kSkipped).parts = {Part(TestPart::Type::kSkip, f, 14, "")};
  run->Record("TearDownFails.A", Outcome::kPassed);
  run->Record("Thrower.Throws", Outcome::kFailed).parts = {Part(
      TestPart::Type::kFatalFailure, "", -1, "Unknown C++ exception thrown in the test body.")};
  SuiteRecord set_up;
  set_up.name = "SetUpFails";
  set_up.parts = {Failure(f, 10, "Failed\nsetup broke", "in SetUpTestSuite\n")};
  set_up.properties = {{"suite_prop", "sv"}};
  SuiteRecord tear_down;
  tear_down.name = "TearDownFails";
  tear_down.parts = {Failure(f, 18, "Failed\nteardown broke")};
  run->summary.suites = {set_up, tear_down};
  run->summary.global_parts = {Failure(f, 27, "Failed\nenv teardown broke")};
  run->summary.global_properties = {{"global_prop", "gv"}};
}

// Tests a plain run cannot show: one crashed after a failure on a remote
// worker, one timed out in a local slot, one never ran.
inline void BuildCrashRun(ReportRun* run) {
  const std::string f = "crash_test.cc";
  run->SetCatalog({
      Entry(f, "Crash", "Dies", 3),
      Entry(f, "Crash", "Hangs", 8),
      Entry(f, "Crash", "Never", 12),
  });
  TestRecord& dies = run->Record("Crash.Dies", Outcome::kCrashed);
  dies.parts = {Failure(f, 4, "Value of: ok\n  Actual: false\nExpected: true", "started\n")};
  dies.output_after = "about to die\n";
  dies.reason = "killed by signal 11 (Segmentation fault)";
  dies.worker = "host-a:7420";
  TestRecord& hangs = run->Record("Crash.Hangs", Outcome::kTimeout);
  hangs.reason = "killed after 60 s (--dist-test-timeout)";
  hangs.worker = "local";
  run->Record("Crash.Never", Outcome::kNotRun).reason =
      "the run was interrupted before this test ran";
}

// Everything written to a temporary FILE*, for the console's output.
class CapturedFile {
 public:
  CapturedFile() : file_(std::tmpfile()) {}
  ~CapturedFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  CapturedFile(const CapturedFile&) = delete;
  CapturedFile& operator=(const CapturedFile&) = delete;

  std::FILE* get() const { return file_; }
  std::string Contents() const {
    std::fflush(file_);
    std::rewind(file_);
    std::string text;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), file_)) > 0) {
      text.append(buffer, n);
    }
    return text;
  }

 private:
  std::FILE* file_;
};

}  // namespace gtest_dist::report_test

#endif  // GTEST_DIST_TESTS_UNIT_REPORT_TEST_MODEL_H_
