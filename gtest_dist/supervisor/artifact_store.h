// The supervisor's side of --dist-artifacts: stores the TestArtifact pieces
// workers (and local slots) send under DIR/<run>/<test>/NAME, checks them
// against the limits again (a worker is a peer: per test, per run, pieces in
// order, names already checked by the protocol), and gives each test's record
// its "artifact:NAME" properties and a note of what was not kept.
#ifndef GTEST_DIST_SUPERVISOR_ARTIFACT_STORE_H_
#define GTEST_DIST_SUPERVISOR_ARTIFACT_STORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gtest_dist/model/test_record.h"
#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {

// A run's directory below --dist-artifacts: its start time (UTC) and the
// supervisor's pid, so that runs never share one ("20261206-093000-4242"),
// and "-<iteration>" from the second iteration of a loop on.
std::string ArtifactRunDirName(std::int64_t start_timestamp_ms, int pid, int iteration);

class ArtifactStore {
 public:
  // `run_dir` is made (with its parents) when the first file arrives.
  ArtifactStore(std::string run_dir, std::uint64_t max_bytes_per_test,
                std::uint64_t max_bytes_per_run);
  ~ArtifactStore();
  ArtifactStore(const ArtifactStore&) = delete;
  ArtifactStore& operator=(const ArtifactStore&) = delete;

  // Writes one piece of test `piece.index`, named `test_name` (its full
  // name). A piece out of order, past a limit or that cannot be written is
  // not stored; the file is then named in the test's notes.
  void Add(const std::string& test_name, const protocol::TestArtifact& piece);

  // A new attempt of test `index` starts (or its executor was lost): what an
  // earlier one left half-sent is removed.
  void Discard(int index);

  // At the test's end: its properties ("artifact:NAME" = stored path, for
  // each whole file; kArtifactsDroppedPropertyName with what was not kept,
  // the worker's `dropped` lines first) appended to `record`, and the lines
  // of what was not kept returned for the console. The test's state is
  // cleared (a retry starts afresh).
  std::vector<std::string> Finish(TestRecord* record);

  std::uint64_t bytes_stored() const { return run_bytes_; }

 private:
  struct File {
    std::string name;
    std::string path;
    std::uint64_t size = 0;
    std::uint64_t written = 0;
    int fd = -1;
  };
  struct TestState {
    std::string dir;  // the test's directory
    std::uint64_t bytes = 0;
    std::vector<File> files;  // in arrival order; the last may be open
    std::vector<std::string> dropped;
    std::map<std::string, bool> refused;  // names whose pieces are ignored
  };
  void Refuse(TestState* test, const std::string& name, const std::string& why);
  void CloseOpen(TestState* test);
  bool OpenFile(TestState* test, File* file, std::string* error);

  std::string run_dir_;
  std::uint64_t max_per_test_;
  std::uint64_t max_per_run_;
  std::uint64_t run_bytes_ = 0;
  bool run_limit_noted_ = false;
  std::map<int, TestState> tests_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_ARTIFACT_STORE_H_
