#include "gtest_dist/report/report_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "gtest_dist/report/json_report.h"
#include "gtest_dist/report/xml_report.h"

namespace gtest_dist {
namespace {

// The path helpers below follow gtest's FilePath on POSIX, so that paths are
// spelled exactly as a plain run spells them.

bool IsDirectoryName(const std::string& path) { return !path.empty() && path.back() == '/'; }

std::string RemoveTrailingSeparator(const std::string& path) {
  return IsDirectoryName(path) ? path.substr(0, path.size() - 1) : path;
}

// gtest's FilePath::Normalize: "a//b" becomes "a/b".
std::string CollapseSeparators(const std::string& path) {
  std::string collapsed;
  for (const char ch : path) {
    if (ch == '/' && !collapsed.empty() && collapsed.back() == '/') continue;
    collapsed += ch;
  }
  return collapsed;
}

std::string ConcatPaths(const std::string& directory, const std::string& relative) {
  if (directory.empty()) return relative;
  return CollapseSeparators(RemoveTrailingSeparator(directory) + "/" + relative);
}

// "dir/file" -> "dir/", "file" -> "./", "dir/" -> "dir/".
std::string RemoveFileName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "./";
  return path.substr(0, slash + 1);
}

bool Exists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

bool DirectoryExists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// gtest's FilePath::CreateDirectoriesRecursively; `directory` ends in '/'.
bool CreateDirectories(const std::string& directory) {
  if (!IsDirectoryName(directory)) return false;
  if (DirectoryExists(directory)) return true;
  const std::string parent = RemoveFileName(RemoveTrailingSeparator(directory));
  if (!CreateDirectories(parent)) return false;
  // Losing a race to another process creating it is success too.
  return mkdir(directory.c_str(), 0777) == 0 || DirectoryExists(directory);
}

std::string CurrentDirectory() {
  std::vector<char> buffer(4096);
  while (getcwd(buffer.data(), buffer.size()) == nullptr) {
    if (errno != ERANGE) return std::string();
    buffer.resize(buffer.size() * 2);
  }
  return buffer.data();
}

// Writes `contents` to `path`; on failure returns false and sets `error`.
bool WriteFile(const std::string& path, const std::string& contents, std::string* error) {
  if (!CreateDirectories(RemoveFileName(path))) {
    *error =
        "cannot create the directory \"" + RemoveFileName(path) + "\": " + std::strerror(errno);
    return false;
  }
  std::FILE* file = std::fopen(path.c_str(), "we");  // "e": close-on-exec
  if (file == nullptr) {
    *error = std::strerror(errno);
    return false;
  }
  const bool written = std::fwrite(contents.data(), 1, contents.size(), file) == contents.size();
  const int write_errno = errno;
  // fclose flushes: its failure (a full disk) is a failed write too.
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    *error = std::strerror(written ? errno : write_errno);
    return false;
  }
  return true;
}

}  // namespace

bool ParseOutputFlag(const std::string& value, OutputSpec* spec, std::string* error) {
  OutputSpec parsed;
  if (value.empty()) {
    *spec = parsed;
    return true;
  }
  const size_t colon = value.find(':');
  parsed.format = value.substr(0, colon);
  if (parsed.format != "xml" && parsed.format != "json") {
    *error = "--gtest_output: unknown format \"" + parsed.format + "\" in \"" + value +
             "\"; expected \"xml\" or \"json\", optionally followed by "
             "\":FILE\" or \":DIRECTORY/\" (e.g. \"xml:reports/\")";
    return false;
  }
  if (colon != std::string::npos) {
    parsed.path_given = true;
    parsed.path = value.substr(colon + 1);
  }
  *spec = parsed;
  return true;
}

std::string ResolveOutputPath(const OutputSpec& spec, const std::string& working_dir,
                              const std::string& binary_name) {
  if (spec.format.empty()) return std::string();
  if (!spec.path_given) {
    return ConcatPaths(working_dir, "test_detail." + spec.format);
  }
  std::string output = CollapseSeparators(spec.path);
  if (output.empty() || output.front() != '/') {
    output = ConcatPaths(working_dir, output);
  }
  if (!IsDirectoryName(output)) return output;

  const size_t slash = binary_name.rfind('/');
  const std::string base = slash == std::string::npos ? binary_name : binary_name.substr(slash + 1);
  // Several binaries (or shards) may share one directory: never overwrite a
  // report another run left there.
  std::string candidate = ConcatPaths(output, base + "." + spec.format);
  for (int number = 1; Exists(candidate); ++number) {
    candidate = ConcatPaths(output, base + "_" + std::to_string(number) + "." + spec.format);
  }
  return candidate;
}

ReportFileWriter::ReportFileWriter(const OutputSpec& spec, const std::string& binary_name,
                                   const std::string& working_dir, std::FILE* warnings)
    : spec_(spec),
      path_(ResolveOutputPath(spec, working_dir.empty() ? CurrentDirectory() : working_dir,
                              binary_name)),
      warnings_(warnings) {}

void ReportFileWriter::OnRunEnd(const RunSummary& summary) {
  if (path_.empty()) return;
  const std::string contents =
      spec_.format == "json" ? FormatJsonReport(summary) : FormatXmlReport(summary);
  std::string reason;
  if (WriteFile(path_, contents, &reason)) {
    error_.clear();
    return;
  }
  error_ = "Unable to open file \"" + path_ + "\" for the " + spec_.format + " report: " + reason;
  // gtest's log layout, but a warning: gtest aborts here, after the tests
  // ran; a distributed run keeps its exit code meaning test results.
  if (warnings_ != nullptr) {
    std::fprintf(warnings_, "\n[WARNING] gtest_dist: %s\n", error_.c_str());
    std::fflush(warnings_);
  }
}

}  // namespace gtest_dist
