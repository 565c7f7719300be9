// Assembles the streamed events of tests into one final TestRecord each. A
// test may be started more than once (its worker was lost and it was handed
// out again); only the first final result counts, unless the test is reopened
// for a retry. Pure.
#ifndef GTEST_DIST_SUPERVISOR_RESULT_ASSEMBLER_H_
#define GTEST_DIST_SUPERVISOR_RESULT_ASSEMBLER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "gtest_dist/model/test_record.h"

namespace gtest_dist {

class ResultAssembler {
 public:
  void OnStarted(std::int64_t chunk_id, int index, std::string output_before);
  void OnPart(std::int64_t chunk_id, int index, TestPart part);
  // The complete record when this is the first final result of the test;
  // nothing for a duplicate.
  std::optional<TestRecord> OnFinished(std::int64_t chunk_id, TestRecord record);
  // Makes a final test open again: it is to be run once more (a retry).
  void Reopen(int index) { final_.erase(index); }
  // Forgets what a lost chunk had streamed of unfinished tests.
  void DiscardChunk(std::int64_t chunk_id);

  bool IsFinal(int index) const { return final_.count(index) > 0; }
  int final_count() const { return static_cast<int>(final_.size()); }

 private:
  struct Partial {
    std::string output_before_start;
    std::vector<TestPart> parts;
  };
  std::map<std::pair<std::int64_t, int>, Partial> partial_;
  std::set<int> final_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_RESULT_ASSEMBLER_H_
