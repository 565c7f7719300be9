// Quarantine: a test known to be flaky or broken that keeps running and being
// reported, but does not fail the run while its entry applies. The entries
// live in the history store (`gtest_dist quarantine add`); this is the part
// every report shares: what an entry is, whether it applies now, and which
// selected tests of a run it covers.
#ifndef GTEST_DIST_MODEL_QUARANTINE_H_
#define GTEST_DIST_MODEL_QUARANTINE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"

namespace gtest_dist {

// One entry of the quarantine list, keyed by the test's full name.
struct QuarantineEntry {
  std::string test;  // "Suite.Name"
  std::string reason;
  std::string owner;          // empty when nobody was named
  std::int64_t until_ms = 0;  // ms since the Unix epoch; 0: no expiry
  std::int64_t added_ms = 0;
  std::string added_by;  // the user who added it
};

// The property the XML and JSON reports add to a quarantined test: the
// entry's reason. Frozen: users' report tooling may read it.
constexpr char kQuarantinedPropertyName[] = "gtest_dist_quarantined";

// Whether `entry` applies at `now_ms`: it has no expiry, or has not reached it.
inline bool QuarantineApplies(const QuarantineEntry& entry, std::int64_t now_ms) {
  return entry.until_ms == 0 || now_ms < entry.until_ms;
}

// What a run's selected tests get from the list.
struct QuarantineMatch {
  // Selected tests with an entry that applies, by test index.
  std::map<int, QuarantineEntry> active;
  // Entries for selected tests that have expired: they no longer apply, and
  // the run says so.
  std::vector<QuarantineEntry> expired;
};
QuarantineMatch MatchQuarantine(const std::vector<QuarantineEntry>& entries,
                                const TestCatalog& catalog, const std::vector<int>& selected,
                                std::int64_t now_ms);

// `ms` as "2026-12-06 14:30 UTC".
std::string FormatQuarantineTime(std::int64_t ms);
// One line about an entry: "reason; owner NAME; until 2026-12-06 14:30 UTC".
std::string DescribeQuarantine(const QuarantineEntry& entry);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_QUARANTINE_H_
