#include "gtest_dist/report/xml_report.h"

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <vector>

#include "gtest_dist/report/report_view.h"

namespace gtest_dist {
namespace {

using report_view::FormatLocation;

// Characters XML attribute values would silently turn into spaces; gtest
// keeps them as character references.
bool IsNormalizableWhitespace(unsigned char c) { return c == '\t' || c == '\n' || c == '\r'; }

// XML 1.0 forbids the other control characters even as references, so gtest
// drops them (https://www.w3.org/TR/REC-xml/#charsets).
bool IsValidXmlCharacter(unsigned char c) { return IsNormalizableWhitespace(c) || c >= 0x20; }

std::string EscapeXml(const std::string& text, bool is_attribute) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    switch (ch) {
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '&':
        escaped += "&amp;";
        break;
      case '\'':
        escaped += is_attribute ? "&apos;" : "'";
        break;
      case '"':
        escaped += is_attribute ? "&quot;" : "\"";
        break;
      default:
        if (!IsValidXmlCharacter(byte)) break;
        if (is_attribute && IsNormalizableWhitespace(byte)) {
          char reference[8];
          std::snprintf(reference, sizeof(reference), "&#x%02X;", byte);
          escaped += reference;
        } else {
          escaped += ch;
        }
        break;
    }
  }
  return escaped;
}

std::string EscapeXmlAttribute(const std::string& text) { return EscapeXml(text, true); }

std::string RemoveInvalidXmlCharacters(const std::string& text) {
  std::string valid;
  valid.reserve(text.size());
  for (const char ch : text) {
    if (IsValidXmlCharacter(static_cast<unsigned char>(ch))) valid += ch;
  }
  return valid;
}

// A CDATA section cannot contain "]]>": gtest ends the section there, writes
// the '>' as a reference and opens a new one.
std::string CDataSection(const std::string& data) {
  std::string section = "<![CDATA[";
  size_t start = 0;
  for (;;) {
    const size_t end = data.find("]]>", start);
    if (end == std::string::npos) break;
    section.append(data, start, end - start);
    section += "]]>]]&gt;<![CDATA[";
    start = end + 3;
  }
  section.append(data, start, std::string::npos);
  section += "]]>";
  return section;
}

// gtest's FormatTimeInMillisAsSeconds: a default-formatted double, so 0 ms
// is "0", 1234 ms "1.234" and 12345678 ms "12345.7".
std::string FormatSeconds(std::int64_t ms) {
  std::ostringstream out;
  out << static_cast<double>(ms) * 1e-3;
  return out.str();
}

// gtest's FormatEpochTimeInMillisAsIso8601: local time, no zone.
std::string FormatIso8601(std::int64_t ms) {
  const auto seconds = static_cast<std::time_t>(ms / 1000);
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr) return "";
  char text[64];
  std::snprintf(text, sizeof(text), "%d-%02d-%02dT%02d:%02d:%02d.%03d", local.tm_year + 1900,
                local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

std::string Attribute(const std::string& name, const std::string& value) {
  return " " + name + "=\"" + EscapeXmlAttribute(value) + "\"";
}

std::string Attribute(const std::string& name, std::int64_t value) {
  return Attribute(name, std::to_string(value));
}

// gtest writes RecordProperty() calls outside tests as attributes, the key
// unescaped as it does.
std::string PropertiesAsAttributes(const std::vector<Property>& properties) {
  std::string attributes;
  for (const Property& property : properties) {
    attributes += " " + property.first + "=\"" + EscapeXmlAttribute(property.second) + "\"";
  }
  return attributes;
}

// gtest's OutputXmlTestResult: closes the <testcase> start tag and writes the
// failures, skips and properties, or self-closes it when there are none.
void WriteTestResult(const std::vector<TestPart>& parts, const std::vector<Property>& properties,
                     std::string* xml) {
  int failures = 0;
  int skips = 0;
  for (const TestPart& part : parts) {
    const std::string location = FormatLocation(part.file, part.line);
    if (part.failed()) {
      if (++failures == 1 && skips == 0) *xml += ">\n";
      *xml += "      <failure message=\"" + EscapeXmlAttribute(location + "\n" + part.summary) +
              R"(" type="">)";
      *xml += CDataSection(RemoveInvalidXmlCharacters(location + "\n" + part.message));
      *xml += "</failure>\n";
    } else if (part.type == TestPart::Type::kSkip) {
      if (++skips == 1 && failures == 0) *xml += ">\n";
      *xml +=
          "      <skipped message=\"" + EscapeXmlAttribute(location + "\n" + part.summary) + "\">";
      *xml += CDataSection(RemoveInvalidXmlCharacters(location + "\n" + part.message));
      *xml += "</skipped>\n";
    }
  }
  if (failures == 0 && skips == 0 && properties.empty()) {
    *xml += " />\n";
    return;
  }
  if (failures == 0 && skips == 0) *xml += ">\n";
  if (!properties.empty()) {
    *xml += "      <properties>\n";
    for (const Property& property : properties) {
      *xml += "        <property name=\"" + EscapeXmlAttribute(property.first) + "\" value=\"" +
              EscapeXmlAttribute(property.second) + "\"/>\n";
    }
    *xml += "      </properties>\n";
  }
  *xml += "    </testcase>\n";
}

void WriteTest(const std::string& suite_name, const report_view::Test& test, std::string* xml) {
  const TestEntry& entry = *test.entry;
  *xml += "    <testcase";
  *xml += Attribute("name", entry.name);
  if (!entry.value_param.empty()) {
    *xml += Attribute("value_param", entry.value_param);
  }
  if (!entry.type_param.empty()) {
    *xml += Attribute("type_param", entry.type_param);
  }
  *xml += Attribute("file", entry.file);
  *xml += Attribute("line", entry.line);
  *xml += Attribute("status", test.run ? "run" : "notrun");
  *xml += Attribute("result", !test.run                           ? "suppressed"
                              : test.outcome == Outcome::kSkipped ? "skipped"
                                                                  : "completed");
  *xml += Attribute("time", FormatSeconds(test.elapsed_ms));
  *xml += Attribute("timestamp", FormatIso8601(test.start_timestamp_ms));
  *xml += Attribute("classname", suite_name);
  WriteTestResult(test.parts, test.properties, xml);
}

void WriteSuite(const report_view::Suite& suite, std::string* xml) {
  *xml += "  <testsuite";
  *xml += Attribute("name", suite.name);
  *xml += Attribute("tests", static_cast<std::int64_t>(suite.tests.size()));
  *xml += Attribute("failures", suite.failures);
  *xml += Attribute("disabled", suite.disabled);
  *xml += Attribute("skipped", suite.skipped);
  *xml += Attribute("errors", 0);
  *xml += Attribute("time", FormatSeconds(suite.elapsed_ms));
  *xml += Attribute("timestamp", FormatIso8601(suite.start_timestamp_ms));
  *xml += PropertiesAsAttributes(suite.properties);
  *xml += ">\n";
  for (const report_view::Test& test : suite.tests) WriteTest(suite.name, test, xml);
  *xml += "  </testsuite>\n";
}

// gtest's OutputXmlTestSuiteForTestResult, which reports failures of global
// environments as a made-up suite; the missing line break after its start
// tag is gtest's.
void WriteNonTestSuiteFailure(const RunSummary& summary, std::string* xml) {
  *xml += "  <testsuite";
  *xml += Attribute("name", "NonTestSuiteFailure");
  *xml += Attribute("tests", 1);
  *xml += Attribute("failures", 1);
  *xml += Attribute("disabled", 0);
  *xml += Attribute("skipped", 0);
  *xml += Attribute("errors", 0);
  // gtest never times the ad hoc result: always zero, at the epoch.
  *xml += Attribute("time", FormatSeconds(0));
  *xml += Attribute("timestamp", FormatIso8601(0));
  *xml += ">";
  *xml += "    <testcase";
  *xml += Attribute("name", "");
  *xml += Attribute("status", "run");
  *xml += Attribute("result", "completed");
  *xml += Attribute("classname", "");
  *xml += Attribute("time", FormatSeconds(0));
  *xml += Attribute("timestamp", FormatIso8601(0));
  WriteTestResult(summary.global_parts, summary.global_properties, xml);
  *xml += "  </testsuite>\n";
}

}  // namespace

std::string FormatXmlReport(const RunSummary& summary) {
  const RunPlan& plan = *summary.plan;
  const std::vector<report_view::Suite> suites = report_view::CollectSuites(summary);
  const report_view::ReportTotals totals = report_view::SumSuites(suites);

  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<testsuites";
  xml += Attribute("tests", totals.tests);
  xml += Attribute("failures", totals.failures);
  xml += Attribute("disabled", totals.disabled);
  xml += Attribute("errors", 0);
  xml += Attribute("time", FormatSeconds(summary.elapsed_ms));
  xml += Attribute("timestamp", FormatIso8601(plan.start_timestamp_ms));
  if (plan.shuffle) xml += Attribute("random_seed", plan.random_seed);
  xml += PropertiesAsAttributes(summary.global_properties);
  xml += Attribute("name", "AllTests");
  xml += ">\n";
  for (const report_view::Suite& suite : suites) WriteSuite(suite, &xml);
  if (AnyFailed(summary.global_parts)) WriteNonTestSuiteFailure(summary, &xml);
  xml += "</testsuites>\n";
  return xml;
}

}  // namespace gtest_dist
