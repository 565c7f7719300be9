// The XML report against real GoogleTest 1.12.1 XML reports.
//
// The golden texts below are the files the plain binaries described in
// report_test_model.h wrote with the flags named above each, with time and
// timestamp attributes replaced by '#' (TimesAndTimestampsAreGtests checks
// those separately).
#include "gtest_dist/report/xml_report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
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

// ./golden --gtest_output=xml
constexpr char kGoldenXml[] =
    R"golden(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="11" failures="4" disabled="2" errors="0" time="#" timestamp="#" name="AllTests">
  <testsuite name="Basic" tests="6" failures="2" disabled="1" skipped="1" errors="0" time="#" timestamp="#">
    <testcase name="Passes" file="golden_test.cc" line="5" status="run" result="completed" time="#" timestamp="#" classname="Basic" />
    <testcase name="FailsTwice" file="golden_test.cc" line="9" status="run" result="completed" time="#" timestamp="#" classname="Basic">
      <failure message="golden_test.cc:12&#x0A;Expected equality of these values:&#x0A;  1&#x0A;  2" type=""><![CDATA[golden_test.cc:12
Expected equality of these values:
  1
  2]]></failure>
      <failure message="golden_test.cc:15&#x0A;Failed&#x0A;second &lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt; done" type=""><![CDATA[golden_test.cc:15
Failed
second <script>alert(1)</script> & ]]>]]&gt;<![CDATA[ done]]></failure>
    </testcase>
    <testcase name="Skips" file="golden_test.cc" line="19" status="run" result="skipped" time="#" timestamp="#" classname="Basic">
      <skipped message="golden_test.cc:22&#x0A;not today"><![CDATA[golden_test.cc:22
not today]]></skipped>
    </testcase>
    <testcase name="DISABLED_Off" file="golden_test.cc" line="25" status="notrun" result="suppressed" time="#" timestamp="#" classname="Basic" />
    <testcase name="Props" file="golden_test.cc" line="27" status="run" result="completed" time="#" timestamp="#" classname="Basic">
      <properties>
        <property name="key" value="va&quot;l&lt;ue&gt;"/>
        <property name="n" value="5"/>
      </properties>
    </testcase>
    <testcase name="Control" file="golden_test.cc" line="32" status="run" result="completed" time="#" timestamp="#" classname="Basic">
      <failure message="golden_test.cc:33&#x0A;Failed&#x0A;ctrl tab&#x09;end" type=""><![CDATA[golden_test.cc:33
Failed
ctrl tab)golden"
    "\x09"
    R"golden(end]]></failure>
    </testcase>
  </testsuite>
  <testsuite name="TypedTest/0" tests="1" failures="0" disabled="0" skipped="0" errors="0" time="#" timestamp="#">
    <testcase name="Works" type_param="int" file="golden_test.cc" line="44" status="run" result="completed" time="#" timestamp="#" classname="TypedTest/0" />
  </testsuite>
  <testsuite name="TypedTest/1" tests="1" failures="1" disabled="0" skipped="0" errors="0" time="#" timestamp="#">
    <testcase name="Works" type_param="char" file="golden_test.cc" line="44" status="run" result="completed" time="#" timestamp="#" classname="TypedTest/1">
      <failure message="golden_test.cc:44&#x0A;Expected equality of these values:&#x0A;  sizeof(TypeParam)&#x0A;    Which is: 1&#x0A;  4u&#x0A;    Which is: 4" type=""><![CDATA[golden_test.cc:44
Expected equality of these values:
  sizeof(TypeParam)
    Which is: 1
  4u
    Which is: 4]]></failure>
    </testcase>
  </testsuite>
  <testsuite name="DisabledOnly" tests="1" failures="0" disabled="1" skipped="0" errors="0" time="#" timestamp="#">
    <testcase name="DISABLED_A" file="golden_test.cc" line="46" status="notrun" result="suppressed" time="#" timestamp="#" classname="DisabledOnly" />
  </testsuite>
  <testsuite name="Values/ParamTest" tests="2" failures="1" disabled="0" skipped="0" errors="0" time="#" timestamp="#">
    <testcase name="Check/0" value_param="1" file="golden_test.cc" line="37" status="run" result="completed" time="#" timestamp="#" classname="Values/ParamTest" />
    <testcase name="Check/1" value_param="2" file="golden_test.cc" line="37" status="run" result="completed" time="#" timestamp="#" classname="Values/ParamTest">
      <failure message="golden_test.cc:37&#x0A;Expected equality of these values:&#x0A;  GetParam()&#x0A;    Which is: 2&#x0A;  1" type=""><![CDATA[golden_test.cc:37
Expected equality of these values:
  GetParam()
    Which is: 2
  1]]></failure>
    </testcase>
  </testsuite>
</testsuites>
)golden";

// ./suite --gtest_output=xml
constexpr char kSuiteXml[] =
    R"golden(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="4" failures="1" disabled="0" errors="0" time="#" timestamp="#" global_prop="gv" name="AllTests">
  <testsuite name="SetUpFails" tests="2" failures="0" disabled="0" skipped="2" errors="0" time="#" timestamp="#" suite_prop="sv">
    <testcase name="A" file="suite_test.cc" line="13" status="run" result="skipped" time="#" timestamp="#" classname="SetUpFails">
      <skipped message="suite_test.cc:13&#x0A;"><![CDATA[suite_test.cc:13
]]></skipped>
    </testcase>
    <testcase name="B" file="suite_test.cc" line="14" status="run" result="skipped" time="#" timestamp="#" classname="SetUpFails">
      <skipped message="suite_test.cc:14&#x0A;"><![CDATA[suite_test.cc:14
]]></skipped>
    </testcase>
  </testsuite>
  <testsuite name="TearDownFails" tests="1" failures="0" disabled="0" skipped="0" errors="0" time="#" timestamp="#">
    <testcase name="A" file="suite_test.cc" line="20" status="run" result="completed" time="#" timestamp="#" classname="TearDownFails" />
  </testsuite>
  <testsuite name="Thrower" tests="1" failures="1" disabled="0" skipped="0" errors="0" time="#" timestamp="#">
    <testcase name="Throws" file="suite_test.cc" line="22" status="run" result="completed" time="#" timestamp="#" classname="Thrower">
      <failure message="unknown file&#x0A;Unknown C++ exception thrown in the test body." type=""><![CDATA[unknown file
Unknown C++ exception thrown in the test body.]]></failure>
    </testcase>
  </testsuite>
  <testsuite name="NonTestSuiteFailure" tests="1" failures="1" disabled="0" skipped="0" errors="0" time="#" timestamp="#">    <testcase name="" status="run" result="completed" classname="" time="#" timestamp="#">
      <failure message="suite_test.cc:27&#x0A;Failed&#x0A;env teardown broke" type=""><![CDATA[suite_test.cc:27
Failed
env teardown broke]]></failure>
      <properties>
        <property name="global_prop" value="gv"/>
      </properties>
    </testcase>
  </testsuite>
</testsuites>
)golden";

// ./golden --gtest_filter=Basic.Passes --gtest_shuffle --gtest_random_seed=5
// --gtest_output=xml
constexpr char kShuffleXml[] =
    R"golden(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="1" failures="0" disabled="0" errors="0" time="#" timestamp="#" random_seed="5" name="AllTests">
  <testsuite name="Basic" tests="1" failures="0" disabled="0" skipped="0" errors="0" time="#" timestamp="#">
    <testcase name="Passes" file="golden_test.cc" line="5" status="run" result="completed" time="#" timestamp="#" classname="Basic" />
  </testsuite>
</testsuites>
)golden";

// ./golden --gtest_filter=Nope --gtest_output=xml
constexpr char kNoTestsXml[] =
    R"golden(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="0" failures="0" disabled="0" errors="0" time="#" timestamp="#" name="AllTests">
</testsuites>
)golden";

// Pins the time zone: gtest's timestamps are local time.
class XmlReportTest : public testing::Test {
 private:
  ScopedUtcTimeZone utc_;
};

TEST_F(XmlReportTest, GoldenRunIsWhatGtestWrites) {
  ReportRun run;
  BuildGoldenRun(&run);
  EXPECT_EQ(kGoldenXml, NormaliseTimes(FormatXmlReport(run.summary)));
}

TEST_F(XmlReportTest, SuiteAndGlobalFailuresAreReportedAsGtestDoes) {
  ReportRun run;
  BuildSuiteRun(&run);
  // gtest did not time the tests SetUpTestSuite's failure skipped.
  run.summary.records[0].start_timestamp_ms = 0;
  run.summary.records[1].start_timestamp_ms = 0;
  EXPECT_EQ(kSuiteXml, NormaliseTimes(FormatXmlReport(run.summary)));
}

TEST_F(XmlReportTest, ShuffledRunHasItsSeed) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes"});
  run.plan.shuffle = true;
  run.plan.random_seed = 5;
  EXPECT_EQ(kShuffleXml, NormaliseTimes(FormatXmlReport(run.summary)));
}

TEST_F(XmlReportTest, NoTestsIsWhatGtestWrites) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({});
  EXPECT_EQ(kNoTestsXml, NormaliseTimes(FormatXmlReport(run.summary)));
}

TEST_F(XmlReportTest, TimesAndTimestampsAreGtests) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes", "Basic.FailsTwice", "Basic.DISABLED_Off"});
  run.summary.records[0].elapsed_ms = 1234;
  run.summary.records[0].start_timestamp_ms = 1700000000123;
  run.summary.records[1].elapsed_ms = 20;
  run.summary.records[1].start_timestamp_ms = 1700000000100;
  run.summary.elapsed_ms = 12345678;
  run.plan.start_timestamp_ms = 1700000000005;
  const std::string xml = FormatXmlReport(run.summary);
  // A default-formatted double, six significant digits, as gtest prints it.
  EXPECT_NE(std::string::npos, xml.find(R"(errors="0" time="12345.7" )"
                                        R"(timestamp="2023-11-14T22:13:20.005" name="AllTests">)"))
      << xml;
  // A suite: the sum of its tests' times, from the earliest start.
  EXPECT_NE(std::string::npos, xml.find(R"(errors="0" time="1.254" )"
                                        R"(timestamp="2023-11-14T22:13:20.100">)"))
      << xml;
  EXPECT_NE(std::string::npos, xml.find(R"(result="completed" time="1.234" )"
                                        R"(timestamp="2023-11-14T22:13:20.123" classname="Basic")"))
      << xml;
  EXPECT_NE(std::string::npos, xml.find(R"(result="completed" time="0.02" )"
                                        R"(timestamp="2023-11-14T22:13:20.100" classname="Basic")"))
      << xml;
  // A disabled test never ran: zero time at the epoch, as gtest reports it.
  EXPECT_NE(std::string::npos,
            xml.find(R"(status="notrun" result="suppressed" time="0" )"
                     R"(timestamp="1970-01-01T00:00:00.000" classname="Basic" />)"))
      << xml;
}

TEST_F(XmlReportTest, CrashedTimedOutAndNotRunTestsAreFailuresWithTheirReason) {
  ReportRun run;
  BuildCrashRun(&run);
  // Derived from gtest's form for a failure without a location (see
  // Thrower.Throws in kSuiteXml) and for properties (Basic.Props in
  // kGoldenXml).
  EXPECT_EQ(
      R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="3" failures="3" disabled="0" errors="0" time="#" timestamp="#" name="AllTests">
  <testsuite name="Crash" tests="3" failures="3" disabled="0" skipped="0" errors="0" time="#" timestamp="#">
    <testcase name="Dies" file="crash_test.cc" line="3" status="run" result="completed" time="#" timestamp="#" classname="Crash">
      <failure message="crash_test.cc:4&#x0A;Value of: ok&#x0A;  Actual: false&#x0A;Expected: true" type=""><![CDATA[crash_test.cc:4
Value of: ok
  Actual: false
Expected: true]]></failure>
      <failure message="unknown file&#x0A;killed by signal 11 (Segmentation fault)" type=""><![CDATA[unknown file
killed by signal 11 (Segmentation fault)]]></failure>
      <properties>
        <property name="gtest_dist_worker" value="host-a:7420"/>
      </properties>
    </testcase>
    <testcase name="Hangs" file="crash_test.cc" line="8" status="run" result="completed" time="#" timestamp="#" classname="Crash">
      <failure message="unknown file&#x0A;killed after 60 s (--dist-test-timeout)" type=""><![CDATA[unknown file
killed after 60 s (--dist-test-timeout)]]></failure>
    </testcase>
    <testcase name="Never" file="crash_test.cc" line="12" status="run" result="completed" time="#" timestamp="#" classname="Crash">
      <failure message="unknown file&#x0A;the run was interrupted before this test ran" type=""><![CDATA[unknown file
the run was interrupted before this test ran]]></failure>
    </testcase>
  </testsuite>
</testsuites>
)xml",
      NormaliseTimes(FormatXmlReport(run.summary)));
}

TEST_F(XmlReportTest, RemoteWorkerPropertyFollowsTheTestsOwn) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes", "Basic.Props"});
  run.summary.records[0].worker = "10.0.0.7:7420";
  run.summary.records[4].worker = "host-b:7420";
  const std::string xml = FormatXmlReport(run.summary);
  EXPECT_NE(std::string::npos, xml.find(R"(classname="Basic">
      <properties>
        <property name="gtest_dist_worker" value="10.0.0.7:7420"/>
      </properties>
    </testcase>)"))
      << xml;
  EXPECT_NE(std::string::npos, xml.find(R"(      <properties>
        <property name="key" value="va&quot;l&lt;ue&gt;"/>
        <property name="n" value="5"/>
        <property name="gtest_dist_worker" value="host-b:7420"/>
      </properties>)"))
      << xml;
}

// A failure the test erased from its result (ClearCurrentTestPartResults) was
// printed when it happened, but gtest's reports do not hold it.
TEST_F(XmlReportTest, ClearedPartsAreNotReported) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes"});
  TestPart erased = report_test::Failure("golden_test.cc", 3, "erased by the test");
  erased.cleared = true;
  run.summary.records[0].parts = {erased};
  const std::string xml = FormatXmlReport(run.summary);
  EXPECT_EQ(std::string::npos, xml.find("<failure")) << xml;
  EXPECT_NE(std::string::npos, xml.find(R"(<testsuites tests="1" failures="0")")) << xml;
}

// A FLAKY test is a passed testcase whose properties tell the attempts; with
// --dist-flaky-fails the failures of its failed attempts make it a failure.
TEST_F(XmlReportTest, FlakyTestsPassWithPropertiesUnlessFlakyFails) {
  ReportRun run;
  BuildGoldenRun(&run);
  run.Select({"Basic.Passes"});
  TestRecord failed;
  failed.outcome = Outcome::kCrashed;
  failed.reason = "killed by signal 6 (Aborted)";
  run.summary.records[0].outcome = Outcome::kFlaky;
  run.summary.records[0].failed_attempts = {failed};
  std::string xml = FormatXmlReport(run.summary);
  EXPECT_NE(std::string::npos, xml.find(R"(<testsuites tests="1" failures="0")")) << xml;
  EXPECT_EQ(std::string::npos, xml.find("<failure")) << xml;
  EXPECT_NE(std::string::npos, xml.find(R"x(
        <property name="gtest_dist_attempts" value="2"/>
        <property name="gtest_dist_outcome" value="FLAKY"/>
        <property name="gtest_dist_attempt_failures" value="attempt 1: unknown file: killed by signal 6 (Aborted)&#x0A;"/>)x"))
      << xml;
  run.plan.flaky_fails = true;
  xml = FormatXmlReport(run.summary);
  EXPECT_NE(std::string::npos, xml.find(R"(<testsuites tests="1" failures="1")")) << xml;
  EXPECT_NE(std::string::npos,
            xml.find(R"x(<failure message="unknown file&#x0A;killed by signal 6 (Aborted)")x"))
      << xml;
}

TEST_F(XmlReportTest, LocalRunsReportExactlyWhatGtestWrites) {
  ReportRun run;
  BuildGoldenRun(&run);
  for (auto& [index, record] : run.summary.records) record.worker = "local";
  EXPECT_EQ(kGoldenXml, NormaliseTimes(FormatXmlReport(run.summary)));
}

TEST_F(XmlReportTest, EscapesMarkupCDataEndsAndControlCharacters) {
  ReportRun run;
  run.SetCatalog(
      {report_test::Entry("dir/f.cc", "Esc", "Name'<script>\"", 6, "", "a\"b'c\nd\re\tf\x01g")});
  TestRecord& record = run.Record("Esc.Name'<script>\"", Outcome::kFailed);
  TestPart part = Failure("dir/f.cc", 7, "ends ]]> and ]]> again & <b>\x01\x7f\xc3\xa9");
  // gtest's summary drops the stack trace the message carries.
  part.summary = "ends ]]> & <b>\x02";
  record.parts = {part};
  record.properties = {{"p", "x<y>&\"z'\x02\n"}};
  const std::string xml = FormatXmlReport(run.summary);
  EXPECT_NE(std::string::npos, xml.find(R"(<testcase name="Name&apos;&lt;script&gt;&quot;" )"
                                        R"(value_param="a&quot;b&apos;c&#x0A;d&#x0D;e&#x09;fg" )"
                                        R"(file="dir/f.cc" line="6" )"))
      << xml;
  // The attribute has the summary, the CDATA section the whole message.
  EXPECT_NE(std::string::npos, xml.find(R"(<failure message="dir/f.cc:7&#x0A;ends ]]&gt; &amp; )"
                                        R"(&lt;b&gt;" type="">)"))
      << xml;
  EXPECT_NE(std::string::npos, xml.find("<![CDATA[dir/f.cc:7\nends ]]>]]&gt;<![CDATA[ and "
                                        "]]>]]&gt;<![CDATA[ again & <b>\x7f\xc3\xa9]]></failure>"))
      << xml;
  EXPECT_NE(std::string::npos,
            xml.find(R"(<property name="p" value="x&lt;y&gt;&amp;&quot;z&apos;&#x0A;"/>)"))
      << xml;
  // No control character but the three XML allows is left anywhere.
  for (const char ch : xml) {
    const auto byte = static_cast<unsigned char>(ch);
    EXPECT_TRUE(byte >= 0x20 || ch == '\n' || ch == '\t' || ch == '\r')
        << "control character " << static_cast<int>(byte);
  }
}

}  // namespace
}  // namespace gtest_dist
