#include "gtest_dist/history/quarantine_store.h"

#include <utility>

namespace gtest_dist {
namespace history {

void AddQuarantine(Database* db, const QuarantineEntry& entry) {
  if (entry.test.empty()) throw DatabaseError("a quarantine entry needs a test name");
  std::vector<Value> params = {entry.test, entry.reason, entry.owner};
  params.emplace_back(std::in_place_type<std::int64_t>, entry.until_ms);
  if (entry.until_ms == 0) params.back().emplace<std::monostate>();  // NULL: no expiry
  params.emplace_back(std::in_place_type<std::int64_t>, entry.added_ms);
  params.emplace_back(std::in_place_type<std::string>, entry.added_by);
  Transaction transaction(db);
  // An upsert (SQLite 3.24+ and PostgreSQL share the syntax), inside a write
  // transaction: a concurrent add waits for the lock instead of failing on
  // the key.
  db->Exec(
      "INSERT INTO quarantine (test, reason, owner, until_ms, added_ms, added_by)"
      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (test) DO UPDATE SET reason = excluded.reason,"
      " owner = excluded.owner, until_ms = excluded.until_ms, added_ms = excluded.added_ms,"
      " added_by = excluded.added_by",
      params);
  transaction.Commit();
}

bool RemoveQuarantine(Database* db, const std::string& test) {
  Transaction transaction(db);
  const std::vector<Row> rows =
      db->Query("DELETE FROM quarantine WHERE test = ? RETURNING test", {test});
  transaction.Commit();
  return !rows.empty();
}

std::vector<QuarantineEntry> ListQuarantine(Database* db) {
  std::vector<QuarantineEntry> entries;
  for (const Row& row :
       db->Query("SELECT test, reason, owner, until_ms, added_ms, added_by FROM quarantine"
                 " ORDER BY test")) {
    QuarantineEntry entry;
    entry.test = row.Text(0);
    entry.reason = row.Text(1);
    entry.owner = row.Text(2);
    entry.until_ms = row.IsNull(3) ? 0 : row.Int(3);
    entry.added_ms = row.Int(4);
    entry.added_by = row.Text(5);
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace history
}  // namespace gtest_dist
