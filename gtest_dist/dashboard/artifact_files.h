// The dashboard's read-only view of --dist-artifacts: one stored test output,
// found below the artifacts directory by the relative path the reports and
// the history give ("<run>/<Suite.Test>/NAME"). The path is checked before
// anything is opened, and each component is opened without following a
// link, so nothing outside the directory can be read through it.
#ifndef GTEST_DIST_DASHBOARD_ARTIFACT_FILES_H_
#define GTEST_DIST_DASHBOARD_ARTIFACT_FILES_H_

#include <cstdint>
#include <string>

namespace gtest_dist::dashboard {

// Larger stored files are refused (413): a response is held in memory.
constexpr std::uint64_t kMaxServedArtifactBytes = 256ull << 20;

struct ArtifactFile {
  std::string content_type;
  // False for anything a browser could run or render as a page (HTML, SVG,
  // unknown types): sent as a download.
  bool show_inline = false;
  std::string data;
};

// Reads `relative` below `root`. Returns 200, or the HTTP status (400 for a
// path that is not a plain relative one, 404, 413) with `error` saying why.
int ReadArtifactFile(const std::string& root, const std::string& relative, ArtifactFile* file,
                     std::string* error);

// The type a stored output is served as, from its name's extension: images,
// plain text and JSON inline; anything else application/octet-stream.
std::string ArtifactContentType(const std::string& name, bool* show_inline);

}  // namespace gtest_dist::dashboard

#endif  // GTEST_DIST_DASHBOARD_ARTIFACT_FILES_H_
