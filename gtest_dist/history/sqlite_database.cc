// The SQLite backend: the embedded default. WAL (switched on by the first
// writer, once the file is known to be a history store) lets readers (the
// CLI, a dashboard) follow a run while the recorder writes; the busy timeout lets
// several writers take turns instead of failing at once.
#include <sqlite3.h>

#include <filesystem>

#include "gtest_dist/history/database.h"

namespace gtest_dist {
namespace history {
namespace {

constexpr int kBusyTimeoutMs = 5000;

class SqliteDatabase : public Database {
 public:
  SqliteDatabase(const std::string& path, Access access) : path_(path) {
    const bool read_only = access == Access::kReadOnly;
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && !read_only) {
      std::error_code ignored;
      std::filesystem::create_directories(parent, ignored);
    }
    const int rc = sqlite3_open_v2(
        path.c_str(), &db_,
        (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
            SQLITE_OPEN_NOMUTEX,
        nullptr);
    if (rc != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw DatabaseError("cannot open SQLite database " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // The first statement reads the header: a foreign or corrupt file fails
    // here ("file is not a database"), before anything is written. A throwing
    // constructor runs no destructor: close the handle here.
    try {
      // Changes nothing but reads the header. The journal mode is left alone
      // here: PrepareForWrites() switches to WAL once the file is known to be
      // ours (a database of another application is never changed).
      Exec("PRAGMA schema_version");
      if (!read_only) {
        // Settings of this connection only: nothing is written to the file.
        Exec("PRAGMA synchronous=NORMAL");
        Exec("PRAGMA foreign_keys=ON");
      }
      // Test names are case-sensitive, and PostgreSQL's LIKE is: a pattern
      // must select the same tests from either store.
      Exec("PRAGMA case_sensitive_like=ON");
    } catch (...) {
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }
  ~SqliteDatabase() override { sqlite3_close(db_); }

  std::vector<Row> Query(const std::string& sql, const std::vector<Value>& params) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw Error("preparing", sql);
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owner(stmt, sqlite3_finalize);
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      const Value& v = params[i];
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, index, *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()),
                               SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(stmt, index);
      }
      if (rc != SQLITE_OK) throw Error("binding a parameter of", sql);
    }
    std::vector<Row> rows;
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw Error("running", sql);
      const int columns = sqlite3_column_count(stmt);
      std::vector<Value> values;
      values.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER:
            values.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_FLOAT:
            values.emplace_back(sqlite3_column_double(stmt, c));
            break;
          case SQLITE_NULL:
            values.emplace_back(std::monostate{});
            break;
          default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            values.emplace_back(
                std::string(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
          }
        }
      }
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  void PrepareForWrites() override { Exec("PRAGMA journal_mode=WAL"); }
  void BeginWrite() override { Exec("BEGIN IMMEDIATE"); }
  void BeginRead() override { Exec("BEGIN"); }
  void LockForMigration() override {}  // BEGIN IMMEDIATE already excludes other writers
  Backend backend() const override { return Backend::kSqlite; }
  std::string Describe() const override { return path_; }

 private:
  DatabaseError Error(const char* what, const std::string& sql) const {
    const int code = sqlite3_extended_errcode(db_);
    std::string message = sqlite3_errmsg(db_);
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) {
      message += " (another process holds the database locked for longer than " +
                 std::to_string(kBusyTimeoutMs / 1000) + " s)";
    } else if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      message += " (the file is not a gtest_dist history database, or it is damaged)";
    }
    std::string head = sql.substr(0, sql.find_first_of("(\n"));
    return DatabaseError("SQLite " + path_ + ": " + message + " (while " + what + " \"" + head +
                         "\")");
  }

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Database> OpenSqlite(const std::string& path, Access access) {
  return std::make_unique<SqliteDatabase>(path, access);
}

}  // namespace history
}  // namespace gtest_dist
