#include "gtest_dist/report/json_report.h"

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <vector>

#include "gtest_dist/report/report_view.h"

// Written by hand rather than with a JSON library: gtest's layout (indents,
// key order, escaping '/' and control characters as it does) is the contract,
// and no library reproduces it byte for byte.
namespace gtest_dist {
namespace {

using report_view::FormatLocation;

// gtest's EscapeJson: also escapes '/', and writes other control characters
// as \u00XX with upper-case hex digits.
std::string EscapeJson(const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char ch : text) {
    switch (ch) {
      case '\\':
      case '"':
      case '/':
        escaped += '\\';
        escaped += ch;
        break;
      case '\b':
        escaped += "\\b";
        break;
      case '\t':
        escaped += "\\t";
        break;
      case '\n':
        escaped += "\\n";
        break;
      case '\f':
        escaped += "\\f";
        break;
      case '\r':
        escaped += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(ch) < ' ') {
          char escape[8];
          std::snprintf(escape, sizeof(escape), "\\u00%02X", static_cast<unsigned char>(ch));
          escaped += escape;
        } else {
          escaped += ch;
        }
        break;
    }
  }
  return escaped;
}

// gtest's FormatTimeInMillisAsDuration.
std::string FormatDuration(std::int64_t ms) {
  std::ostringstream out;
  out << static_cast<double>(ms) * 1e-3 << "s";
  return out.str();
}

// gtest's FormatEpochTimeInMillisAsRFC3339: local time, yet marked "Z", and
// without milliseconds.
std::string FormatRfc3339(std::int64_t ms) {
  const auto seconds = static_cast<std::time_t>(ms / 1000);
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr) return "";
  char text[64];
  std::snprintf(text, sizeof(text), "%d-%02d-%02dT%02d:%02d:%02dZ", local.tm_year + 1900,
                local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
  return text;
}

std::string Indent(int width) { return std::string(static_cast<size_t>(width), ' '); }

// One "key": value line as gtest's OutputJsonKey writes it: the separator
// after it only when another key follows on the same level.
std::string Key(const std::string& name, const std::string& value, int indent, bool comma = true) {
  return Indent(indent) + "\"" + name + "\": \"" + EscapeJson(value) + "\"" + (comma ? ",\n" : "");
}

std::string Key(const std::string& name, std::int64_t value, int indent, bool comma = true) {
  return Indent(indent) + "\"" + name + "\": " + std::to_string(value) + (comma ? ",\n" : "");
}

// gtest's TestPropertiesAsJson: properties become extra keys, each preceded
// by the separator the key before it lacked.
std::string Properties(const std::vector<Property>& properties, int indent) {
  std::string json;
  for (const Property& property : properties) {
    json += ",\n" + Indent(indent) + "\"" + EscapeJson(property.first) + "\": \"" +
            EscapeJson(property.second) + "\"";
  }
  return json;
}

// gtest's OutputJsonTestResult: the failures (skips have no entry), then the
// end of the test's object.
void WriteTestResult(const std::vector<TestPart>& parts, std::string* json) {
  const int indent = 10;
  int failures = 0;
  for (const TestPart& part : parts) {
    if (!part.failed()) continue;
    *json += ",\n";
    if (++failures == 1) *json += Indent(indent) + "\"failures\": [\n";
    const std::string message =
        EscapeJson(FormatLocation(part.file, part.line) + "\n" + part.message);
    *json += Indent(indent) + "  {\n";
    *json += Indent(indent) + R"(    "failure": ")" + message + "\",\n";
    *json += Indent(indent) + R"(    "type": "")" + "\n";
    *json += Indent(indent) + "  }";
  }
  if (failures > 0) *json += "\n" + Indent(indent) + "]";
  *json += "\n" + Indent(8) + "}";
}

void WriteTest(const std::string& suite_name, const report_view::Test& test, std::string* json) {
  const TestEntry& entry = *test.entry;
  const int indent = 10;
  *json += Indent(8) + "{\n";
  *json += Key("name", entry.name, indent);
  if (!entry.value_param.empty()) {
    *json += Key("value_param", entry.value_param, indent);
  }
  if (!entry.type_param.empty()) {
    *json += Key("type_param", entry.type_param, indent);
  }
  *json += Key("file", entry.file, indent);
  *json += Key("line", entry.line, indent, false);
  *json += ",\n";
  *json += Key("status", test.run ? "RUN" : "NOTRUN", indent);
  *json += Key("result",
               !test.run                           ? "SUPPRESSED"
               : test.outcome == Outcome::kSkipped ? "SKIPPED"
                                                   : "COMPLETED",
               indent);
  *json += Key("timestamp", FormatRfc3339(test.start_timestamp_ms), indent);
  *json += Key("time", FormatDuration(test.elapsed_ms), indent);
  *json += Key("classname", suite_name, indent, false);
  *json += Properties(test.properties, indent);
  WriteTestResult(test.parts, json);
}

void WriteSuite(const report_view::Suite& suite, std::string* json) {
  const int indent = 6;
  *json += Indent(4) + "{\n";
  *json += Key("name", suite.name, indent);
  *json += Key("tests", static_cast<std::int64_t>(suite.tests.size()), indent);
  *json += Key("failures", suite.failures, indent);
  *json += Key("disabled", suite.disabled, indent);
  *json += Key("errors", 0, indent);
  *json += Key("timestamp", FormatRfc3339(suite.start_timestamp_ms), indent);
  *json += Key("time", FormatDuration(suite.elapsed_ms), indent, false);
  *json += Properties(suite.properties, indent) + ",\n";
  *json += Indent(indent) + "\"testsuite\": [\n";
  bool first = true;
  for (const report_view::Test& test : suite.tests) {
    if (!first) *json += ",\n";
    first = false;
    WriteTest(suite.name, test, json);
  }
  *json += "\n" + Indent(indent) + "]\n" + Indent(4) + "}";
}

// gtest's OutputJsonTestSuiteForTestResult: failures of global environments
// as a made-up suite. Its key order differs from a real suite's, as gtest's.
void WriteNonTestSuiteFailure(const RunSummary& summary, std::string* json) {
  *json += Indent(4) + "{\n";
  *json += Key("name", "NonTestSuiteFailure", 6);
  *json += Key("tests", 1, 6);
  *json += Key("failures", 1, 6);
  *json += Key("disabled", 0, 6);
  *json += Key("skipped", 0, 6);
  *json += Key("errors", 0, 6);
  // gtest never times the ad hoc result: always zero, at the epoch.
  *json += Key("time", FormatDuration(0), 6);
  *json += Key("timestamp", FormatRfc3339(0), 6);
  *json += Indent(6) + "\"testsuite\": [\n";
  *json += Indent(8) + "{\n";
  *json += Key("name", "", 10);
  *json += Key("status", "RUN", 10);
  *json += Key("result", "COMPLETED", 10);
  *json += Key("timestamp", FormatRfc3339(0), 10);
  *json += Key("time", FormatDuration(0), 10);
  *json += Key("classname", "", 10, false);
  *json += Properties(summary.global_properties, 10);
  WriteTestResult(summary.global_parts, json);
  *json += "\n" + Indent(6) + "]\n" + Indent(4) + "}";
}

}  // namespace

std::string FormatJsonReport(const RunSummary& summary) {
  const RunPlan& plan = *summary.plan;
  const std::vector<report_view::Suite> suites = report_view::CollectSuites(summary);
  const report_view::ReportTotals totals = report_view::SumSuites(suites);

  const int indent = 2;
  std::string json = "{\n";
  json += Key("tests", totals.tests, indent);
  json += Key("failures", totals.failures, indent);
  json += Key("disabled", totals.disabled, indent);
  json += Key("errors", 0, indent);
  if (plan.shuffle) json += Key("random_seed", plan.random_seed, indent);
  json += Key("timestamp", FormatRfc3339(plan.start_timestamp_ms), indent);
  json += Key("time", FormatDuration(summary.elapsed_ms), indent, false);
  json += Properties(summary.global_properties, indent) + ",\n";
  json += Key("name", "AllTests", indent);
  json += Indent(indent) + "\"testsuites\": [\n";
  bool first = true;
  for (const report_view::Suite& suite : suites) {
    if (!first) json += ",\n";
    first = false;
    WriteSuite(suite, &json);
  }
  if (AnyFailed(summary.global_parts)) {
    // gtest 1.12 omits this separator and so writes invalid JSON; a report
    // nothing can parse helps nobody.
    if (!first) json += ",\n";
    WriteNonTestSuiteFailure(summary, &json);
  }
  json += "\n" + Indent(indent) + "]\n}\n";
  return json;
}

}  // namespace gtest_dist
