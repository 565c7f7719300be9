// Assembles the streamed events of tests into one final TestRecord each. A
// test may be started more than once (its worker was lost and it was handed
// out again); only the first final result counts, unless the test is reopened
// for a retry. Pure.
#ifndef GTEST_DIST_SUPERVISOR_RESULT_ASSEMBLER_H_
#define GTEST_DIST_SUPERVISOR_RESULT_ASSEMBLER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
  void Reopen(int index);
  // Forgets what a lost chunk had streamed of unfinished tests.
  void DiscardChunk(std::int64_t chunk_id);

  bool IsFinal(int index) const {
    return index >= 0 && static_cast<std::size_t>(index) < final_.size() &&
           final_[static_cast<std::size_t>(index)];
  }
  int final_count() const { return final_count_; }

 private:
  // Marks `index` final; false when it already was.
  bool MarkFinal(int index);

  struct Partial {
    std::string output_before_start;
    std::vector<TestPart> parts;
  };
  // Only tests that printed before they started or reported a part have an
  // entry: a run of quiet tests costs no allocation here (issue 15).
  std::map<std::pair<std::int64_t, int>, Partial> partial_;
  // By test index (catalog indices are dense): one bit per test instead of
  // a tree node per final result.
  std::vector<bool> final_;
  int final_count_ = 0;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_RESULT_ASSEMBLER_H_
