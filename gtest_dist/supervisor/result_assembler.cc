#include "gtest_dist/supervisor/result_assembler.h"

#include <algorithm>

namespace gtest_dist {

void ResultAssembler::OnStarted(std::int64_t chunk_id, int index, std::string output_before) {
  if (IsFinal(index)) return;
  if (output_before.empty()) {
    // What an entry would hold: nothing. A start again (without its end)
    // forgets what the earlier one streamed, as the assignment below does.
    partial_.erase({chunk_id, index});
    return;
  }
  partial_[{chunk_id, index}] = Partial{std::move(output_before), {}};
}

bool ResultAssembler::MarkFinal(int index) {
  if (index < 0) return true;  // no test's: never final, never a duplicate
  const auto at = static_cast<std::size_t>(index);
  if (at >= final_.size()) final_.resize(at + 1);  // grows geometrically
  if (final_[at]) return false;
  final_[at] = true;
  ++final_count_;
  return true;
}

void ResultAssembler::Reopen(int index) {
  if (!IsFinal(index)) return;
  final_[static_cast<std::size_t>(index)] = false;
  --final_count_;
}

void ResultAssembler::OnPart(std::int64_t chunk_id, int index, TestPart part) {
  if (!IsFinal(index)) partial_[{chunk_id, index}].parts.push_back(std::move(part));
}

std::optional<TestRecord> ResultAssembler::OnFinished(std::int64_t chunk_id, TestRecord record) {
  const auto key = std::make_pair(chunk_id, record.index);
  if (!MarkFinal(record.index)) {
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
