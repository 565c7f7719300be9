#include "gtest_dist/report/run_digest.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>

#include "gtest_dist/report/console_format.h"

namespace gtest_dist {
namespace {

struct WorkerShare {
  std::string worker;
  std::int64_t ms = 0;
  int tests = 0;
};

}  // namespace

std::vector<std::string> RunDigestLines(const RunSummary& summary) {
  std::vector<const TestRecord*> ran;
  std::map<std::string, WorkerShare> shares;
  for (const auto& [index, record] : summary.records) {
    if (!record.ran || record.worker.empty()) continue;  // never ran anywhere
    ran.push_back(&record);
    WorkerShare& share = shares[record.worker];
    share.worker = record.worker;
    share.ms += record.elapsed_ms;
    ++share.tests;
    for (const TestRecord& attempt : record.failed_attempts) {
      WorkerShare& other = shares[attempt.worker];
      other.worker = attempt.worker;
      other.ms += attempt.elapsed_ms;
    }
  }
  if (ran.empty() || summary.plan == nullptr || summary.plan->catalog == nullptr) return {};

  // Slowest first; equal times in catalog order, so the line is stable.
  std::stable_sort(ran.begin(), ran.end(), [](const TestRecord* a, const TestRecord* b) {
    return a->elapsed_ms > b->elapsed_ms;
  });
  std::string slowest = "Slowest:";
  const std::size_t shown = std::min<std::size_t>(ran.size(), kDigestSlowestTests);
  for (std::size_t i = 0; i < shown; ++i) {
    slowest += std::string(i == 0 ? " " : ", ") +
               summary.plan->catalog->test(ran[i]->index).FullName() + " " +
               FormatDuration(ran[i]->elapsed_ms) + " (" + ran[i]->worker + ")";
  }

  std::vector<WorkerShare> by_share;
  std::int64_t total_ms = 0;
  for (auto& [name, share] : shares) {
    if (name.empty()) continue;
    total_ms += share.ms;
    by_share.push_back(share);
  }
  std::stable_sort(by_share.begin(), by_share.end(),
                   [](const WorkerShare& a, const WorkerShare& b) { return a.ms > b.ms; });
  std::string work = "Work:";
  for (std::size_t i = 0; i < by_share.size(); ++i) {
    const WorkerShare& share = by_share[i];
    // Rounded to whole percents; with no measurable time, by test count.
    const int percent =
        total_ms > 0 ? static_cast<int>((share.ms * 100 + total_ms / 2) / total_ms)
                     : static_cast<int>((share.tests * 100 + static_cast<int>(ran.size()) / 2) /
                                        static_cast<int>(ran.size()));
    work += std::string(i == 0 ? " " : ", ") + share.worker + " " + std::to_string(percent) +
            "% (" + FormatTestCount(static_cast<std::size_t>(share.tests)) + ")";
  }
  return {slowest, work};
}

}  // namespace gtest_dist
