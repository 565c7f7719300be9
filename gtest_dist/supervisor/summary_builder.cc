#include "gtest_dist/supervisor/summary_builder.h"

#include <algorithm>
#include <utility>

namespace gtest_dist {

SummaryBuilder::SummaryBuilder(const RunPlan& plan, std::vector<TestPart> parts_before_run)
    : plan_(plan) {
  summary_.plan = &plan_;
  summary_.global_parts = std::move(parts_before_run);
  if (plan.catalog != nullptr) {
    for (const SuiteEntry& suite : plan.catalog->suites()) {
      suite_positions_.emplace(suite.name, suite_positions_.size());
    }
  }
}

void SummaryBuilder::AddFailedAttempt(TestRecord attempt) {
  const int index = attempt.index;
  failed_attempts_[index].push_back(std::move(attempt));
}

int SummaryBuilder::failed_attempts(int index) const {
  const auto found = failed_attempts_.find(index);
  return found == failed_attempts_.end() ? 0 : static_cast<int>(found->second.size());
}

std::optional<TestRecord> SummaryBuilder::TakeLastAttempt(int index) {
  const auto found = failed_attempts_.find(index);
  if (found == failed_attempts_.end()) return std::nullopt;
  TestRecord last = std::move(found->second.back());
  found->second.pop_back();
  if (found->second.empty()) failed_attempts_.erase(found);
  return last;
}

const TestRecord& SummaryBuilder::AddFinal(TestRecord record) {
  const int index = record.index;
  const auto earlier = failed_attempts_.find(index);
  if (earlier != failed_attempts_.end()) {
    record.failed_attempts = std::move(earlier->second);
    failed_attempts_.erase(earlier);
    if (record.outcome == Outcome::kPassed) record.outcome = Outcome::kFlaky;
  }
  return summary_.records[index] = std::move(record);
}

void SummaryBuilder::NoteWorkerSlots(const std::string& worker, int slots) {
  summary_.worker_slots[worker] = slots;
}

SuiteRecord* SummaryBuilder::SuiteRecordOf(const std::string& suite) {
  for (SuiteRecord& record : summary_.suites) {
    if (record.name == suite) return &record;
  }
  // Kept in catalog order, whatever order the chunks report in, so that the
  // reports list failed suites as a plain run does.
  auto position_of = [this](const std::string& name) {
    const auto found = suite_positions_.find(name);
    return found == suite_positions_.end() ? suite_positions_.size() : found->second;
  };
  const size_t position = position_of(suite);
  auto it = summary_.suites.begin();
  while (it != summary_.suites.end() && position_of(it->name) <= position) ++it;
  return &*summary_.suites.insert(it, SuiteRecord{suite, {}, {}});
}

const TestPart* SummaryBuilder::AddSuitePart(const std::string& suite, TestPart part) {
  std::vector<TestPart>* parts =
      suite.empty() ? &summary_.global_parts : &SuiteRecordOf(suite)->parts;
  for (const TestPart& seen : *parts) {
    if (seen.type == part.type && seen.file == part.file && seen.line == part.line &&
        seen.message == part.message &&
        (part.type != TestPart::Type::kSuccess || seen.output_before == part.output_before)) {
      return nullptr;
    }
  }
  parts->push_back(std::move(part));
  return &parts->back();
}

void SummaryBuilder::AddProperties(const std::string& suite,
                                   const std::vector<Property>& properties) {
  std::vector<Property>* target =
      suite.empty() ? &summary_.global_properties : &SuiteRecordOf(suite)->properties;
  // A suite split over chunks records its properties once per chunk; keep one.
  for (const Property& property : properties) {
    if (std::find(target->begin(), target->end(), property) == target->end()) {
      target->push_back(property);
    }
  }
}

}  // namespace gtest_dist
