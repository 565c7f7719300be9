// Test outputs kept by --dist-artifacts: the names every side agrees on (the
// report properties, the directory layout) and how a stored file is named
// relative to the artifacts directory, for the dashboard's links.
#ifndef GTEST_DIST_MODEL_ARTIFACT_H_
#define GTEST_DIST_MODEL_ARTIFACT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "gtest_dist/model/test_record.h"

namespace gtest_dist {

// A kept file is the property "artifact:NAME" of its test, valued with the
// stored file's path (the artifacts directory as given, then
// <run>/<test>/NAME). Frozen: report tooling reads it.
constexpr char kArtifactPropertyPrefix[] = "artifact:";
// What was not kept (over --dist-artifacts-max, a symbolic link, ...), one
// "NAME: why" per line. Frozen as above.
constexpr char kArtifactsDroppedPropertyName[] = "gtest_dist_artifacts_dropped";

// --dist-artifacts-max's default and largest value, per test (a worker holds
// a test's outputs in memory while it sends them), and the bound on one
// run's total.
constexpr std::uint64_t kDefaultArtifactBytesPerTest = 64ull << 20;
constexpr std::uint64_t kMaxArtifactBytesPerTest = 1ull << 30;
constexpr std::uint64_t kMaxArtifactBytesPerRun = 4ull << 30;

// The directory of one test below a run's: its full name, with '%' and '/'
// (parameterised names have them) written %25 and %2F.
std::string ArtifactTestDirName(const std::string& full_name);

// One kept file of a test: its name below the test's outputs directory and
// its path relative to the artifacts directory ("<run>/<test>/NAME").
struct ArtifactLink {
  std::string name;
  std::string relative_path;
};

// The kept files among a test's `properties`, whose values start with
// `artifacts_dir` and '/'. Others (a test's own "artifact:" property) are
// left out.
std::vector<ArtifactLink> ArtifactLinksOf(const std::vector<Property>& properties,
                                          const std::string& artifacts_dir);

// History form of a test's links: "NAME\tRELATIVE_PATH" lines, and back.
std::string EncodeArtifactLinks(const std::vector<ArtifactLink>& links);
std::vector<ArtifactLink> DecodeArtifactLinks(const std::string& text);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_ARTIFACT_H_
