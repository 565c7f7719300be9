// Where the report file goes and how it is written. The expected paths are
// those a real gtest 1.12.1 binary ("golden", see report_test_model.h) wrote
// when run in an empty directory with each --gtest_output value:
//   xml -> test_detail.xml          json -> test_detail.json
//   xml:rep/ -> rep/golden.xml, run again -> rep/golden_1.xml
//   json:rep/ -> rep/golden.json    xml: -> golden.xml
//   xml:a//b/c.xml -> a/b/c.xml     xml:deep/er/ -> deep/er/golden.xml
//   yaml:x -> a warning, no file    xml:file/sub.xml, file a regular file ->
//                                   [ FATAL ] Unable to open file
//                                   ".../file/sub.xml"
#include "gtest_dist/report/report_files.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest_dist/report/json_report.h"
#include "gtest_dist/report/xml_report.h"
#include "tests/unit/report_test_model.h"

namespace gtest_dist {
namespace {

namespace fs = std::filesystem;

using report_test::BuildGoldenRun;
using report_test::CapturedFile;
using report_test::ReportRun;

OutputSpec Spec(const std::string& value) {
  OutputSpec spec;
  std::string error;
  EXPECT_TRUE(ParseOutputFlag(value, &spec, &error)) << value << ": " << error;
  return spec;
}

TEST(ParseOutputFlagTest, AcceptsGtestsForms) {
  OutputSpec spec = Spec("");
  EXPECT_EQ("", spec.format);

  spec = Spec("xml");
  EXPECT_EQ("xml", spec.format);
  EXPECT_FALSE(spec.path_given);

  spec = Spec("json:out/r.json");
  EXPECT_EQ("json", spec.format);
  EXPECT_TRUE(spec.path_given);
  EXPECT_EQ("out/r.json", spec.path);

  spec = Spec("xml:");
  EXPECT_TRUE(spec.path_given);
  EXPECT_EQ("", spec.path);

  // Only the first ':' separates: the rest is the path.
  spec = Spec("xml:a:b.xml");
  EXPECT_EQ("a:b.xml", spec.path);
}

TEST(ParseOutputFlagTest, RejectsUnknownFormatsNamingTheValue) {
  for (const char* value : {"yaml:x", "XML", ":x", "junit"}) {
    OutputSpec spec;
    std::string error;
    EXPECT_FALSE(ParseOutputFlag(value, &spec, &error)) << value;
    EXPECT_NE(std::string::npos, error.find("--gtest_output")) << error;
    EXPECT_NE(std::string::npos, error.find(std::string("\"") + value + "\"")) << error;
    EXPECT_NE(std::string::npos, error.find("\"xml\" or \"json\"")) << error;
  }
}

// A fresh directory, removed with everything in it.
class ReportFilesTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "gtest_dist_report_files_XXXXXX").string();
    ASSERT_NE(nullptr, mkdtemp(pattern.data()));
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string Resolve(const std::string& value, const std::string& binary = "golden") {
    return ResolveOutputPath(Spec(value), dir_, binary);
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream contents;
    contents << in.rdbuf();
    return contents.str();
  }

  std::string dir_;
};

TEST_F(ReportFilesTest, ResolvesPathsAsGtestDoes) {
  EXPECT_EQ("", Resolve(""));
  EXPECT_EQ(dir_ + "/test_detail.xml", Resolve("xml"));
  EXPECT_EQ(dir_ + "/test_detail.json", Resolve("json"));
  EXPECT_EQ(dir_ + "/rep/golden.xml", Resolve("xml:rep/"));
  EXPECT_EQ(dir_ + "/rep/golden.json", Resolve("json:rep/"));
  EXPECT_EQ(dir_ + "/golden.xml", Resolve("xml:"));
  EXPECT_EQ(dir_ + "/a/b/c.xml", Resolve("xml:a//b/c.xml"));
  EXPECT_EQ("/elsewhere/r.xml", Resolve("xml:/elsewhere/r.xml"));
  // Only the binary's own name counts.
  EXPECT_EQ(dir_ + "/rep/golden.xml", Resolve("xml:rep/", "/usr/bin/golden"));
  EXPECT_EQ(dir_ + "/test_detail.xml", ResolveOutputPath(Spec("xml"), dir_ + "/", "golden"));
}

TEST_F(ReportFilesTest, DirectoryFormNeverOverwritesAnExistingReport) {
  fs::create_directories(dir_ + "/rep");
  std::ofstream(dir_ + "/rep/golden.xml") << "earlier run";
  EXPECT_EQ(dir_ + "/rep/golden_1.xml", Resolve("xml:rep/"));
  std::ofstream(dir_ + "/rep/golden_1.xml") << "earlier run";
  EXPECT_EQ(dir_ + "/rep/golden_2.xml", Resolve("xml:rep/"));
  // A named file is overwritten, as gtest does.
  EXPECT_EQ(dir_ + "/rep/golden.xml", Resolve("xml:rep/golden.xml"));
}

TEST_F(ReportFilesTest, WritesXmlCreatingDirectories) {
  ReportRun run;
  BuildGoldenRun(&run);
  CapturedFile warnings;
  ReportFileWriter writer(Spec("xml:deep/er/"), "golden", dir_, warnings.get());
  EXPECT_EQ(dir_ + "/deep/er/golden.xml", writer.path());
  writer.OnRunEnd(run.summary);
  EXPECT_EQ("", writer.error());
  EXPECT_EQ("", warnings.Contents());
  EXPECT_EQ(FormatXmlReport(run.summary), ReadFile(writer.path()));
}

TEST_F(ReportFilesTest, WritesJsonAndOverwritesItEveryIteration) {
  ReportRun run;
  BuildGoldenRun(&run);
  ReportFileWriter writer(Spec("json:r.json"), "golden", dir_);
  writer.OnRunEnd(run.summary);
  run.Select({"Basic.Passes"});
  writer.OnRunEnd(run.summary);
  EXPECT_EQ(dir_ + "/r.json", writer.path());
  EXPECT_EQ(FormatJsonReport(run.summary), ReadFile(writer.path()));
}

TEST_F(ReportFilesTest, UnwritableFileIsAWarningNotAnAbort) {
  std::ofstream(dir_ + "/file") << "a regular file";
  ReportRun run;
  BuildGoldenRun(&run);
  CapturedFile warnings;
  ReportFileWriter writer(Spec("xml:file/sub.xml"), "golden", dir_, warnings.get());
  writer.OnRunEnd(run.summary);
  const std::string path = dir_ + "/file/sub.xml";
  EXPECT_NE(std::string::npos, writer.error().find("Unable to open file \"" + path + "\""))
      << writer.error();
  const std::string warning = warnings.Contents();
  EXPECT_EQ(0u, warning.find("\n[WARNING] gtest_dist: Unable to open file \"" + path + "\""))
      << warning;
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(ReportFilesTest, NoFormatWritesNothing) {
  ReportRun run;
  BuildGoldenRun(&run);
  ReportFileWriter writer(Spec(""), "golden", dir_);
  writer.OnRunEnd(run.summary);
  EXPECT_EQ("", writer.path());
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace gtest_dist
