#include "gtest_dist/supervisor/result_assembler.h"

#include <algorithm>

namespace gtest_dist {

void ResultAssembler::OnStarted(std::int64_t chunk_id, int index, std::string output_before) {
  if (!IsFinal(index)) partial_[{chunk_id, index}] = Partial{std::move(output_before), {}};
}

void ResultAssembler::OnPart(std::int64_t chunk_id, int index, TestPart part) {
  if (!IsFinal(index)) partial_[{chunk_id, index}].parts.push_back(std::move(part));
}

std::optional<TestRecord> ResultAssembler::OnFinished(std::int64_t chunk_id, TestRecord record) {
  const auto key = std::make_pair(chunk_id, record.index);
  if (!final_.insert(record.index).second) {
    partial_.erase(key);
    return std::nullopt;
  }
  const auto it = partial_.find(key);
  if (it != partial_.end()) {
    record.parts = std::move(it->second.parts);
    const size_t cleared =
        std::min(record.parts.size(), static_cast<size_t>(std::max(record.cleared_parts, 0)));
    for (size_t i = 0; i < cleared; ++i) record.parts[i].cleared = true;
    record.output_before_start = std::move(it->second.output_before_start);
    partial_.erase(it);
  }
  return record;
}

void ResultAssembler::DiscardChunk(std::int64_t chunk_id) {
  for (auto it = partial_.begin(); it != partial_.end();) {
    it = it->first.first == chunk_id ? partial_.erase(it) : std::next(it);
  }
}

}  // namespace gtest_dist
