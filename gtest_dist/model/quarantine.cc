#include "gtest_dist/model/quarantine.h"

#include <ctime>
#include <unordered_map>

namespace gtest_dist {

QuarantineMatch MatchQuarantine(const std::vector<QuarantineEntry>& entries,
                                const TestCatalog& catalog, const std::vector<int>& selected,
                                std::int64_t now_ms) {
  std::unordered_map<std::string, const QuarantineEntry*> by_name;
  for (const QuarantineEntry& entry : entries) by_name[entry.test] = &entry;
  QuarantineMatch match;
  for (int index : selected) {
    const auto found = by_name.find(catalog.test(index).FullName());
    if (found == by_name.end()) continue;
    if (QuarantineApplies(*found->second, now_ms)) {
      match.active.emplace(index, *found->second);
    } else {
      match.expired.push_back(*found->second);
    }
  }
  return match;
}

std::string FormatQuarantineTime(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm = {};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

std::string DescribeQuarantine(const QuarantineEntry& entry) {
  std::string text = entry.reason;
  if (!entry.owner.empty()) text += "; owner " + entry.owner;
  if (entry.until_ms != 0) text += "; until " + FormatQuarantineTime(entry.until_ms);
  return text;
}

}  // namespace gtest_dist
