// Test outputs (TEST_UNDECLARED_OUTPUTS_DIR, as Bazel sets it): each test of a
// child gets a new directory of its own; when the test has ended (or its
// process died in it) the runner reads the regular files left there, bounded
// by --dist-artifacts-max, sends them to the supervisor as TestArtifact
// pieces and removes the directory. The directories live in a private 0700
// directory per child, next to its TEST_TMPDIR (not inside it: a test that
// lists its TEST_TMPDIR finds it empty), removed with the child.
#ifndef GTEST_DIST_RUN_ARTIFACT_COLLECTOR_H_
#define GTEST_DIST_RUN_ARTIFACT_COLLECTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {

// The RunChunk setting that carries --dist-artifacts-max (bytes per test) to
// the worker. Absent: --dist-artifacts is off, nothing is collected and
// TEST_UNDECLARED_OUTPUTS_DIR is not set.
constexpr char kArtifactsMaxSetting[] = "dist_artifacts_max";
// Names the child's outputs directory; the child makes <it>/<test index>
// when a test starts and points TEST_UNDECLARED_OUTPUTS_DIR at it.
constexpr char kOutputsRootEnv[] = "GTEST_DIST_INTERNAL_OUTPUTS";

// Child side, when test `index` starts: makes its directory and sets
// TEST_UNDECLARED_OUTPUTS_DIR, when the runner asked for outputs.
void PrepareTestOutputs(int index);

class ArtifactCollector {
 public:
  // Makes a new 0700 directory in `parent`; null with `error` when it cannot.
  static std::unique_ptr<ArtifactCollector> Create(const std::string& parent,
                                                   std::uint64_t max_bytes_per_test,
                                                   std::string* error);
  ~ArtifactCollector();  // removes the directory and everything in it
  ArtifactCollector(const ArtifactCollector&) = delete;
  ArtifactCollector& operator=(const ArtifactCollector&) = delete;

  // What the child's environment gets: kOutputsRootEnv.
  std::pair<std::string, std::string> Environment() const;
  const std::string& path() const { return path_; }

  struct Collected {
    // The files, each whole and in pieces of at most
    // protocol::kMaxArtifactPieceBytes, in name order; chunk_id is 0.
    std::vector<protocol::TestArtifact> pieces;
    // What was left out, "NAME: why" per line (empty: nothing).
    std::string dropped;
  };
  // Reads what test `index` left in its directory, then removes it. Only
  // regular files are read (opened without following a link); a file that
  // would take the test past the limit is left out and named, and so is a
  // link, a device or a name the protocol refuses.
  Collected Collect(int index);

 private:
  ArtifactCollector(std::string path, std::uint64_t max_bytes)
      : path_(std::move(path)), max_bytes_(max_bytes) {}
  std::string path_;
  std::uint64_t max_bytes_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_ARTIFACT_COLLECTOR_H_
