// The report file a run writes for --gtest_output, named and placed as
// GoogleTest 1.12 does, so CI jobs find it where a plain run leaves it.
#ifndef GTEST_DIST_REPORT_REPORT_FILES_H_
#define GTEST_DIST_REPORT_REPORT_FILES_H_

#include <cstdio>
#include <string>

#include "gtest_dist/model/run_listener.h"

namespace gtest_dist {

// A parsed --gtest_output value.
struct OutputSpec {
  std::string format;       // "xml" or "json"; empty for no report
  bool path_given = false;  // the value had ":"; "xml:" names the working dir
  std::string path;         // the text after ':'; a directory if it ends in '/'
};

// Parses "xml", "json", "xml:PATH" or "json:PATH" ("" means no report). On an
// unknown format returns false and sets `error` to a message naming the flag,
// the value and what is accepted. gtest only warns and writes nothing; a
// distributed run fails instead, before any test is dispatched.
bool ParseOutputFlag(const std::string& value, OutputSpec* spec, std::string* error);

// The file gtest 1.12 would write for `spec` (UnitTestOptions::
// GetAbsolutePathToOutputFile): "test_detail.<format>" in `working_dir`
// without a path; a relative path taken from `working_dir`; in a directory
// (a path ending in '/'), "<binary_name>.<format>", or "<binary_name>_N.
// <format>" with the smallest N >= 1 naming nothing that exists yet.
// Repeated '/' are collapsed, as gtest's FilePath does. Empty for no format.
std::string ResolveOutputPath(const OutputSpec& spec, const std::string& working_dir,
                              const std::string& binary_name);

// Writes the XML or JSON report at the end of every iteration (overwriting,
// as gtest does with --gtest_repeat), creating missing directories. A file
// that cannot be written is reported on `warnings` and in error(), never
// fatal: the test results matter more than the file.
class ReportFileWriter : public RunListener {
 public:
  // `binary_name` is the test binary's name (its directory is ignored).
  // The path is resolved now, like gtest at start-up, against `working_dir`,
  // or the current directory when it is empty.
  ReportFileWriter(const OutputSpec& spec, const std::string& binary_name,
                   const std::string& working_dir = std::string(), std::FILE* warnings = stderr);

  void OnRunEnd(const RunSummary& summary) override;

  // Where the report goes; empty when `spec` asks for none.
  const std::string& path() const { return path_; }
  // Why the last write failed; empty after a successful one.
  const std::string& error() const { return error_; }

 private:
  OutputSpec spec_;
  std::string path_;
  std::FILE* warnings_;
  std::string error_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_REPORT_REPORT_FILES_H_
