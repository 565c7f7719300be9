#include "gtest_dist/report/console_format.h"

#include <algorithm>
#include <cstdio>

namespace gtest_dist {
namespace {

std::string FormatCount(std::size_t count, const char* singular, const char* plural) {
  return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

// gtest's FormatFileLocation for a compiler that is not MSVC.
std::string FormatFileLocation(const std::string& file, int line) {
  const std::string name = file.empty() ? "unknown file" : file;
  if (line < 0) return name + ":";
  return name + ":" + std::to_string(line) + ":";
}

// The text gtest puts after the location; both failure kinds read "Failure"
// because users rarely care which one it was.
const char* PartTypeText(TestPart::Type type) {
  switch (type) {
    case TestPart::Type::kSkip:
      return "Skipped\n";
    case TestPart::Type::kSuccess:
      return "Success";
    case TestPart::Type::kNonFatalFailure:
    case TestPart::Type::kFatalFailure:
      return "Failure\n";
  }
  return "Unknown result type";
}

bool IsContinuationByte(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::string FormatTestCount(std::size_t count) { return FormatCount(count, "test", "tests"); }

std::string FormatTestSuiteCount(std::size_t count) {
  return FormatCount(count, "test suite", "test suites");
}

std::string FormatPart(const TestPart& part) {
  if (part.type == TestPart::Type::kSuccess) return part.output_before;
  return part.output_before + FormatFileLocation(part.file, part.line) + " " +
         PartTypeText(part.type) + part.message + "\n";
}

std::string ParamComment(const TestEntry& test) {
  if (test.type_param.empty() && test.value_param.empty()) return "";
  std::string comment = ", where ";
  if (!test.type_param.empty()) {
    comment += "TypeParam = " + test.type_param;
    if (!test.value_param.empty()) comment += " and ";
  }
  if (!test.value_param.empty()) comment += "GetParam() = " + test.value_param;
  return comment;
}

std::string FormatDuration(std::int64_t ms) {
  ms = std::max<std::int64_t>(0, ms);
  char text[48];
  if (ms < 1000) {
    std::snprintf(text, sizeof(text), "%lld ms", static_cast<long long>(ms));
  } else if (ms < 10000) {
    // Tenths, rounded down: "9.99 s" must not read "10.0 s".
    std::snprintf(text, sizeof(text), "%lld.%lld s", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000 / 100));
  } else if (ms < 60000) {
    std::snprintf(text, sizeof(text), "%lld s", static_cast<long long>(ms / 1000));
  } else if (ms < 3600000) {
    const long long seconds = ms / 1000;
    std::snprintf(text, sizeof(text), "%lld min %02lld s", seconds / 60, seconds % 60);
  } else {
    const long long minutes = ms / 60000;
    std::snprintf(text, sizeof(text), "%lld h %02lld min", minutes / 60, minutes % 60);
  }
  return text;
}

std::string FormatTestLine(int done, int total, const std::string& status, const std::string& name,
                           std::int64_t elapsed_ms, const std::string& worker, int attempt) {
  const std::string total_text = std::to_string(total);
  std::string done_text = std::to_string(done);
  if (done_text.size() < total_text.size()) {
    done_text.insert(0, total_text.size() - done_text.size(), ' ');
  }
  std::string line = "[" + done_text + "/" + total_text + "] " + status + " " + name + " (" +
                     FormatDuration(elapsed_ms);
  if (!worker.empty()) line += ", " + worker;
  if (attempt > 1) line += ", attempt " + std::to_string(attempt);
  return line + ")";
}

std::string FitToColumns(const std::string& text, int columns) {
  constexpr char kEllipsis[] = "...";
  constexpr int kEllipsisColumns = 3;
  std::string clean;
  clean.reserve(text.size());
  int width = 0;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) c = '?';
    if (!IsContinuationByte(c)) ++width;
    clean.push_back(static_cast<char>(c));
  }
  if (width <= columns) return clean;
  if (columns <= 0) return "";
  if (columns <= kEllipsisColumns) return std::string(static_cast<std::size_t>(columns), '.');
  // Keep the first (columns - 3) characters, whole, then the ellipsis.
  const int keep = columns - kEllipsisColumns;
  int kept = 0;
  std::size_t end = 0;
  for (; end < clean.size(); ++end) {
    if (!IsContinuationByte(static_cast<unsigned char>(clean[end]))) {
      if (kept == keep) break;
      ++kept;
    }
  }
  return clean.substr(0, end) + kEllipsis;
}

}  // namespace gtest_dist
