// The quarantine list in the history store (table `quarantine`): what
// `gtest_dist quarantine add/list/remove` change and what a supervisor reads
// at the start of a run.
#ifndef GTEST_DIST_HISTORY_QUARANTINE_STORE_H_
#define GTEST_DIST_HISTORY_QUARANTINE_STORE_H_

#include <string>
#include <vector>

#include "gtest_dist/history/database.h"
#include "gtest_dist/model/quarantine.h"

namespace gtest_dist {
namespace history {

// Adds `entry`, or replaces the entry of the same test, in one write
// transaction: two processes adding at once both land (the later one wins
// for the same test). Throws DatabaseError.
void AddQuarantine(Database* db, const QuarantineEntry& entry);
// Removes the entry of `test`; false when there was none.
bool RemoveQuarantine(Database* db, const std::string& test);
// Every entry, expired ones included, by test name.
std::vector<QuarantineEntry> ListQuarantine(Database* db);

}  // namespace history
}  // namespace gtest_dist

#endif  // GTEST_DIST_HISTORY_QUARANTINE_STORE_H_
