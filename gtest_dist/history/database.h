// A small database abstraction the history store is written against: one
// connection, statements with bound parameters, transactions. Two backends
// (SQLite, PostgreSQL) run the same SQL; `?` placeholders are rewritten for
// libpq. Errors are exceptions (DatabaseError) so a caller can wrap a whole
// transaction in one try and say what was not recorded.
#ifndef GTEST_DIST_HISTORY_DATABASE_H_
#define GTEST_DIST_HISTORY_DATABASE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace gtest_dist {
namespace history {

class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bound parameter or a column value.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

// One result row. Accessors convert what the backend returned (libpq gives
// text) into the asked-for type; NULL gives the default.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::int64_t Int(size_t column) const;
  double Double(size_t column) const;
  std::string Text(size_t column) const;
  bool IsNull(size_t column) const;
  size_t size() const { return values_.size(); }

 private:
  std::vector<Value> values_;
};

enum class Backend { kSqlite, kPostgres };

// kReadOnly is for readers that must never change a store they are pointed
// at (the dashboard): a SQLite file is opened read-only and never created,
// a PostgreSQL session refuses writes.
enum class Access { kReadWrite, kReadOnly };

class Database {
 public:
  virtual ~Database() = default;

  // Runs one statement with `params` bound to its `?` placeholders and
  // returns its rows (none for statements that return none).
  virtual std::vector<Row> Query(const std::string& sql, const std::vector<Value>& params = {}) = 0;
  void Exec(const std::string& sql, const std::vector<Value>& params = {}) { Query(sql, params); }

  // Called by EnsureSchema once the store is known to be ours (or empty),
  // before its first write: SQLite switches the file to WAL so that readers
  // can follow a writer. Never called for a read-only connection.
  virtual void PrepareForWrites() {}

  // Transactions. BeginWrite takes the write lock up front (SQLite
  // BEGIN IMMEDIATE) so a busy database fails at the start, not at commit.
  virtual void BeginWrite() = 0;
  // A read transaction: every statement until Commit() sees one snapshot
  // (a run page's run row and results as of one moment).
  virtual void BeginRead() = 0;
  void Commit() { Exec("COMMIT"); }
  void Rollback() noexcept;

  // Serialises schema migrations between processes creating the same store.
  virtual void LockForMigration() = 0;

  virtual Backend backend() const = 0;
  // False once the connection to a server is lost (a long-lived reader
  // then opens a new one); an embedded database is always connected.
  virtual bool Connected() const { return true; }
  // Where it is, for messages: a file path or a URL without its password.
  virtual std::string Describe() const = 0;
};

// Opens `location`: a "postgresql://" or "postgres://" URL (or a libpq
// "host=... dbname=..." string) goes to PostgreSQL, anything else is a SQLite
// file path (its directory is created unless kReadOnly; kReadOnly never
// creates the file either). Throws DatabaseError
// naming the location and what went wrong.
// True when OpenDatabase would take `location` to PostgreSQL.
bool IsPostgresLocation(const std::string& location);
std::unique_ptr<Database> OpenDatabase(const std::string& location,
                                       Access access = Access::kReadWrite);

// `location` for messages: a URL's or conninfo's password replaced by ***.
std::string DescribeLocation(const std::string& location);

std::unique_ptr<Database> OpenSqlite(const std::string& path, Access access = Access::kReadWrite);
std::unique_ptr<Database> OpenPostgres(const std::string& conninfo,
                                       Access access = Access::kReadWrite);

// A transaction that rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Database* db) : db_(db) { db_->BeginWrite(); }
  ~Transaction() {
    if (!done_) db_->Rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void Commit() {
    db_->Commit();
    done_ = true;
  }

 private:
  Database* db_;
  bool done_ = false;
};

}  // namespace history
}  // namespace gtest_dist

#endif  // GTEST_DIST_HISTORY_DATABASE_H_
