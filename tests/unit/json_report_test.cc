// The JSON report against real GoogleTest 1.12.1 JSON reports.
//
// The golden texts below are the files the plain binaries described in
// report_test_model.h wrote with the flags named above each, with "time" and
// "timestamp" values replaced by '#' (TimesAndTimestampsAreGtests checks
// those separately).
#include "gtest_dist/report/json_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/unit/report_test_model.h"
#include "tests/unit/scoped_env.h"

namespace gtest_dist {
namespace {

using report_test::BuildCrashRun;
using report_test::BuildGoldenRun;
using report_test::BuildSuiteRun;
using report_test::Failure;
using report_test::NormaliseTimes;
using report_test::ReportRun;

// ./golden --gtest_output=json
constexpr char kGoldenJson[] =
    R"golden({
  "tests": 11,
  "failures": 4,
  "disabled": 2,
  "errors": 0,
  "timestamp": "#",
  "time": "#",
  "name": "AllTests",
  "testsuites": [
    {
      "name": "Basic",
      "tests": 6,
      "failures": 2,
      "disabled": 1,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "testsuite": [
        {
          "name": "Passes",
          "file": "golden_test.cc",
          "line": 5,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Basic"
        },
        {
          "name": "FailsTwice",
          "file": "golden_test.cc",
          "line": 9,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Basic",
          "failures": [
            {
              "failure": "golden_test.cc:12\nExpected equality of these values:\n  1\n  2",
              "type": ""
            },
            {
              "failure": "golden_test.cc:15\nFailed\nsecond <script>alert(1)<\/script> & ]]> done",
              "type": ""
            }
          ]
        },
        {
          "name": "Skips",
          "file": "golden_test.cc",
          "line": 19,
          "status": "RUN",
          "result": "SKIPPED",
          "timestamp": "#",
          "time": "#",
          "classname": "Basic"
        },
        {
          "name": "DISABLED_Off",
          "file": "golden_test.cc",
          "line": 25,
          "status": "NOTRUN",
          "result": "SUPPRESSED",
          "timestamp": "#",
          "time": "#",
          "classname": "Basic"
        },
        {
          "name": "Props",
          "file": "golden_test.cc",
          "line": 27,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Basic",
          "key": "va\"l<ue>",
          "n": "5"
        },
        {
          "name": "Control",
          "file": "golden_test.cc",
          "line": 32,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Basic",
          "failures": [
            {
              "failure": "golden_test.cc:33\nFailed\nctrl\u0001\u0002 tab\tend\u001F",
              "type": ""
            }
          ]
        }
      ]
    },
    {
      "name": "TypedTest\/0",
      "tests": 1,
      "failures": 0,
      "disabled": 0,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "testsuite": [
        {
          "name": "Works",
          "type_param": "int",
          "file": "golden_test.cc",
          "line": 44,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "TypedTest\/0"
        }
      ]
    },
    {
      "name": "TypedTest\/1",
      "tests": 1,
      "failures": 1,
      "disabled": 0,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "testsuite": [
        {
          "name": "Works",
          "type_param": "char",
          "file": "golden_test.cc",
          "line": 44,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "TypedTest\/1",
          "failures": [
            {
              "failure": "golden_test.cc:44\nExpected equality of these values:\n  sizeof(TypeParam)\n    Which is: 1\n  4u\n    Which is: 4",
              "type": ""
            }
          ]
        }
      ]
    },
    {
      "name": "DisabledOnly",
      "tests": 1,
      "failures": 0,
      "disabled": 1,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "testsuite": [
        {
          "name": "DISABLED_A",
          "file": "golden_test.cc",
          "line": 46,
          "status": "NOTRUN",
          "result": "SUPPRESSED",
          "timestamp": "#",
          "time": "#",
          "classname": "DisabledOnly"
        }
      ]
    },
    {
      "name": "Values\/ParamTest",
      "tests": 2,
      "failures": 1,
      "disabled": 0,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "testsuite": [
        {
          "name": "Check\/0",
          "value_param": "1",
          "file": "golden_test.cc",
          "line": 37,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Values\/ParamTest"
        },
        {
          "name": "Check\/1",
          "value_param": "2",
          "file": "golden_test.cc",
          "line": 37,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Values\/ParamTest",
          "failures": [
            {
              "failure": "golden_test.cc:37\nExpected equality of these values:\n  GetParam()\n    Which is: 2\n  1",
              "type": ""
            }
          ]
        }
      ]
    }
  ]
}
)golden";

// ./suite --gtest_output=json (not valid JSON: see below)
constexpr char kSuiteJson[] =
    R"golden({
  "tests": 4,
  "failures": 1,
  "disabled": 0,
  "errors": 0,
  "timestamp": "#",
  "time": "#",
  "global_prop": "gv",
  "name": "AllTests",
  "testsuites": [
    {
      "name": "SetUpFails",
      "tests": 2,
      "failures": 0,
      "disabled": 0,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "suite_prop": "sv",
      "testsuite": [
        {
          "name": "A",
          "file": "suite_test.cc",
          "line": 13,
          "status": "RUN",
          "result": "SKIPPED",
          "timestamp": "#",
          "time": "#",
          "classname": "SetUpFails"
        },
        {
          "name": "B",
          "file": "suite_test.cc",
          "line": 14,
          "status": "RUN",
          "result": "SKIPPED",
          "timestamp": "#",
          "time": "#",
          "classname": "SetUpFails"
        }
      ]
    },
    {
      "name": "TearDownFails",
      "tests": 1,
      "failures": 0,
      "disabled": 0,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "testsuite": [
        {
          "name": "A",
          "file": "suite_test.cc",
          "line": 20,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "TearDownFails"
        }
      ]
    },
    {
      "name": "Thrower",
      "tests": 1,
      "failures": 1,
      "disabled": 0,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "testsuite": [
        {
          "name": "Throws",
          "file": "suite_test.cc",
          "line": 22,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Thrower",
          "failures": [
            {
              "failure": "unknown file\nUnknown C++ exception thrown in the test body.",
              "type": ""
            }
          ]
        }
      ]
    }    {
      "name": "NonTestSuiteFailure",
      "tests": 1,
      "failures": 1,
      "disabled": 0,
      "skipped": 0,
      "errors": 0,
      "time": "#",
      "timestamp": "#",
      "testsuite": [
        {
          "name": "",
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "",
          "global_prop": "gv",
          "failures": [
            {
              "failure": "suite_test.cc:27\nFailed\nenv teardown broke",
              "type": ""
            }
          ]
        }
      ]
    }
  ]
}
)golden";

// ./golden --gtest_filter=Basic.Passes --gtest_shuffle --gtest_random_seed=5
// --gtest_output=json
constexpr char kShuffleJson[] =
    R"golden({
  "tests": 1,
  "failures": 0,
  "disabled": 0,
  "errors": 0,
  "random_seed": 5,
  "timestamp": "#",
  "time": "#",
  "name": "AllTests",
  "testsuites": [
    {
      "name": "Basic",
      "tests": 1,
      "failures": 0,
      "disabled": 0,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "testsuite": [
        {
          "name": "Passes",
          "file": "golden_test.cc",
          "line": 5,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Basic"
        }
      ]
    }
  ]
}
)golden";

// ./golden --gtest_filter=Nope --gtest_output=json
constexpr char kNoTestsJson[] =
    R"golden({
  "tests": 0,
  "failures": 0,
  "disabled": 0,
  "errors": 0,
  "timestamp": "#",
  "time": "#",
  "name": "AllTests",
  "testsuites": [

  ]
}
)golden";

// Pins the time zone: gtest's timestamps are local time.
class JsonReportTest : public testing::Test {
 protected:
  static nlohmann::json Parse(const std::string& text) {
    return nlohmann::json::parse(text);  // throws, failing the test, if invalid
  }

 private:
  ScopedUtcTimeZone utc_;
};

TEST_F(JsonReportTest, GoldenRunIsWhatGtestWrites) {
  ReportRun run;
  BuildGoldenRun(&run);
  const std::string json = FormatJsonReport(run.summary);
  EXPECT_EQ(kGoldenJson, NormaliseTimes(json));
  EXPECT_NO_THROW(Parse(json));
}

TEST_F(JsonReportTest, SuiteAndGlobalFailuresAreReportedAsGtestDoesButValid) {
  ReportRun run;
  BuildSuiteRun(&run);
  run.summary.records[0].start_timestamp_ms = 0;
  run.summary.records[1].start_timestamp_ms = 0;
  // The one documented difference: gtest 1.12 writes no comma before the
  // NonTestSuiteFailure suite, which makes its file invalid JSON.
  std::string expected = kSuiteJson;
  const std::string gtest_join = "    }    {\n";
  const size_t at = expected.find(gtest_join + R"(      "name": "NonTestSuiteFailure")");
  ASSERT_NE(std::string::npos, at);
  expected.replace(at, gtest_join.size(), "    },\n    {\n");
  const std::string json = FormatJsonReport(run.summary);
  EXPECT_EQ(expected, NormaliseTimes(json));
  const nlohmann::json parsed = Parse(json);
  EXPECT_EQ("NonTestSuiteFailure", parsed["testsuites"][3]["name"]);
}

TEST_F(JsonReportTest, GlobalFailureAloneNeedsNoComma) {
  ReportRun run;
  BuildSuiteRun(&run);
  run.Select({});
  const std::string json = FormatJsonReport(run.summary);
  EXPECT_NE(std::string::npos, json.find("  \"testsuites\": [\n    {\n      \"name\": "
                                         "\"NonTestSuiteFailure\",\n"))
      << json;
  EXPECT_NO_THROW(Parse(json));
}

TEST_F(JsonReportTest, ShuffledRunHasItsSeed) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes"});
  run.plan.shuffle = true;
  run.plan.random_seed = 5;
  EXPECT_EQ(kShuffleJson, NormaliseTimes(FormatJsonReport(run.summary)));
}

TEST_F(JsonReportTest, NoTestsIsWhatGtestWrites) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({});
  const std::string json = FormatJsonReport(run.summary);
  EXPECT_EQ(kNoTestsJson, NormaliseTimes(json));
  EXPECT_NO_THROW(Parse(json));
}

TEST_F(JsonReportTest, TimesAndTimestampsAreGtests) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes", "Basic.FailsTwice", "Basic.DISABLED_Off"});
  run.summary.records[0].elapsed_ms = 1234;
  run.summary.records[0].start_timestamp_ms = 1700000000123;
  run.summary.records[1].elapsed_ms = 20;
  run.summary.records[1].start_timestamp_ms = 1700000001100;
  run.summary.elapsed_ms = 12345678;
  run.plan.start_timestamp_ms = 1700000000005;
  const nlohmann::json json = Parse(FormatJsonReport(run.summary));
  EXPECT_EQ("12345.7s", json["time"]);
  // RFC 3339 in gtest's way: local time marked "Z", whole seconds.
  EXPECT_EQ("2023-11-14T22:13:20Z", json["timestamp"]);
  const nlohmann::json& suite = json["testsuites"][0];
  EXPECT_EQ("1.254s", suite["time"]);
  EXPECT_EQ("2023-11-14T22:13:20Z", suite["timestamp"]);
  EXPECT_EQ("1.234s", suite["testsuite"][0]["time"]);
  EXPECT_EQ("0.02s", suite["testsuite"][1]["time"]);
  EXPECT_EQ("2023-11-14T22:13:21Z", suite["testsuite"][1]["timestamp"]);
  EXPECT_EQ("0s", suite["testsuite"][2]["time"]);
  EXPECT_EQ("1970-01-01T00:00:00Z", suite["testsuite"][2]["timestamp"]);
  EXPECT_EQ("NOTRUN", suite["testsuite"][2]["status"]);
  EXPECT_EQ("SUPPRESSED", suite["testsuite"][2]["result"]);
}

TEST_F(JsonReportTest, CrashedTimedOutAndNotRunTestsAreFailuresWithTheirReason) {
  ReportRun run;
  BuildCrashRun(&run);
  // Derived from gtest's form for a failure without a location (see
  // Thrower.Throws in kSuiteJson) and for properties (Basic.Props in
  // kGoldenJson).
  EXPECT_EQ(
      R"json({
  "tests": 3,
  "failures": 3,
  "disabled": 0,
  "errors": 0,
  "timestamp": "#",
  "time": "#",
  "name": "AllTests",
  "testsuites": [
    {
      "name": "Crash",
      "tests": 3,
      "failures": 3,
      "disabled": 0,
      "errors": 0,
      "timestamp": "#",
      "time": "#",
      "testsuite": [
        {
          "name": "Dies",
          "file": "crash_test.cc",
          "line": 3,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Crash",
          "gtest_dist_worker": "host-a:7420",
          "failures": [
            {
              "failure": "crash_test.cc:4\nValue of: ok\n  Actual: false\nExpected: true",
              "type": ""
            },
            {
              "failure": "unknown file\nkilled by signal 11 (Segmentation fault)",
              "type": ""
            }
          ]
        },
        {
          "name": "Hangs",
          "file": "crash_test.cc",
          "line": 8,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Crash",
          "failures": [
            {
              "failure": "unknown file\nkilled after 60 s (--dist-test-timeout)",
              "type": ""
            }
          ]
        },
        {
          "name": "Never",
          "file": "crash_test.cc",
          "line": 12,
          "status": "RUN",
          "result": "COMPLETED",
          "timestamp": "#",
          "time": "#",
          "classname": "Crash",
          "failures": [
            {
              "failure": "unknown file\nthe run was interrupted before this test ran",
              "type": ""
            }
          ]
        }
      ]
    }
  ]
}
)json",
      NormaliseTimes(FormatJsonReport(run.summary)));
}

TEST_F(JsonReportTest, RemoteWorkerPropertyFollowsTheTestsOwn) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Props"});
  run.summary.records[4].worker = "10.0.0.7:7420";
  const std::string json = FormatJsonReport(run.summary);
  EXPECT_NE(std::string::npos, json.find("          \"classname\": \"Basic\",\n"
                                         "          \"key\": \"va\\\"l<ue>\",\n"
                                         "          \"n\": \"5\",\n"
                                         "          \"gtest_dist_worker\": \"10.0.0.7:7420\"\n"
                                         "        }"))
      << json;
}

TEST_F(JsonReportTest, LocalRunsReportExactlyWhatGtestWrites) {
  ReportRun run;
  BuildGoldenRun(&run);
  for (auto& [index, record] : run.summary.records) record.worker = "local";
  EXPECT_EQ(kGoldenJson, NormaliseTimes(FormatJsonReport(run.summary)));
}

TEST_F(JsonReportTest, EscapesAsGtestAndStaysValid) {
  ReportRun run;
  const std::string name = "Name'<script>\"";
  const std::string param = "a\"b\\c\nd\re\tf\x01g/h\b\f\x1f";
  run.SetCatalog({report_test::Entry("dir/f.cc", "Esc", name, 6, "", param)});
  TestRecord& record = run.Record("Esc." + name, Outcome::kFailed);
  record.parts = {Failure("dir/f.cc", 7, "ends ]]> & <b>\x02\xc3\xa9")};
  const std::string json = FormatJsonReport(run.summary);
  // gtest escapes '/' too, and other control characters as upper-case \u00XX.
  EXPECT_NE(std::string::npos,
            json.find(R"("value_param": "a\"b\\c\nd\re\tf\u0001g\/h\b\f\u001F",)"))
      << json;
  EXPECT_NE(std::string::npos, json.find(R"("file": "dir\/f.cc",)")) << json;
  const nlohmann::json parsed = Parse(json);
  const nlohmann::json& test = parsed["testsuites"][0]["testsuite"][0];
  EXPECT_EQ(name, test["name"]);
  EXPECT_EQ(param, test["value_param"]);
  EXPECT_EQ("dir/f.cc:7\nends ]]> & <b>\x02\xc3\xa9", test["failures"][0]["failure"]);
}

}  // namespace
}  // namespace gtest_dist
