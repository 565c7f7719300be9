// The PostgreSQL backend, for a team sharing one store. Statements go through
// PQexecParams with text parameters; `?` placeholders become `$n`. libpq is
// loaded when the first store is opened (libpq.h says why).
#include <memory>
#include <string>

#include "gtest_dist/history/database.h"
#include "gtest_dist/history/libpq.h"

namespace gtest_dist {
namespace history {
namespace {

// "?" -> "$1", "$2"... outside quoted strings.
std::string ToDollarPlaceholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  bool quoted = false;
  for (char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      out += "$" + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

// libpq's messages span lines ("...failed: X\n\tIs the server running..."):
// one line reads better inside ours.
std::string OneLine(const std::string& message) {
  std::string out;
  for (char c : message) {
    if (c == '\n') {
      out += "; ";
    } else if (c != '\t') {
      out += c;
    }
  }
  while (out.size() >= 2 && out.compare(out.size() - 2, 2, "; ") == 0) out.resize(out.size() - 2);
  return out;
}

class PostgresDatabase : public Database {
 public:
  PostgresDatabase(const std::string& conninfo, Access access)
      : described_(DescribeLocation(conninfo)), pq_(Load(described_)) {
    // A short connect timeout: an unreachable server must not hold the run.
    std::string info = conninfo;
    if (info.find("connect_timeout") == std::string::npos) {
      info +=
          info.find("://") != std::string::npos
              ? (info.find('?') == std::string::npos ? "?connect_timeout=5" : "&connect_timeout=5")
              : " connect_timeout=5";
    }
    conn_ = pq_.connectdb(info.c_str());
    if (pq_.status(conn_) != kConnectionOk) {
      const std::string message = OneLine(pq_.error_message(conn_));
      pq_.finish(conn_);
      conn_ = nullptr;
      throw DatabaseError("cannot connect to PostgreSQL " + described_ + ": " + message);
    }
    Exec("SET client_min_messages = warning");
    if (access == Access::kReadOnly) Exec("SET default_transaction_read_only = on");
  }
  ~PostgresDatabase() override { pq_.finish(conn_); }

  std::vector<Row> Query(const std::string& sql, const std::vector<Value>& params) override {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> pointers(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) continue;
      texts[i] = Row({v}).Text(0);
      pointers[i] = texts[i].c_str();
    }
    const std::string converted = ToDollarPlaceholders(sql);
    PGresult* result = pq_.exec_params(conn_, converted.c_str(), static_cast<int>(params.size()),
                                       nullptr, pointers.data(), nullptr, nullptr, 0);
    std::unique_ptr<PGresult, void (*)(PGresult*)> owner(result, pq_.clear);
    const int status = pq_.result_status(result);
    if (status != kPgresCommandOk && status != kPgresTuplesOk) {
      std::string message = OneLine(pq_.error_message(conn_));
      if (pq_.status(conn_) != kConnectionOk) message += " (the connection to the server is lost)";
      throw DatabaseError("PostgreSQL " + described_ + ": " + message);
    }
    std::vector<Row> rows;
    const int count = pq_.ntuples(result);
    const int columns = pq_.nfields(result);
    rows.reserve(static_cast<size_t>(count));
    for (int r = 0; r < count; ++r) {
      std::vector<Value> values;
      for (int c = 0; c < columns; ++c) {
        if (pq_.getisnull(result, r, c)) {
          values.emplace_back(std::monostate{});
        } else {
          values.emplace_back(std::string(pq_.getvalue(result, r, c),
                                          static_cast<size_t>(pq_.getlength(result, r, c))));
        }
      }
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  void BeginWrite() override { Exec("BEGIN"); }
  void BeginRead() override { Exec("BEGIN ISOLATION LEVEL REPEATABLE READ"); }
  void LockForMigration() override {
    // Two supervisors creating the schema at once: the second waits for the
    // first's transaction, then sees its version.
    Exec("SELECT pg_advisory_xact_lock(7420017)");
  }
  Backend backend() const override { return Backend::kPostgres; }
  bool Connected() const override { return pq_.status(conn_) == kConnectionOk; }
  std::string Describe() const override { return described_; }

 private:
  static Libpq Load(const std::string& described) {
    try {
      return LoadLibpq(LibpqFileName());
    } catch (const DatabaseError& e) {
      throw DatabaseError("cannot open PostgreSQL " + described + ": " + e.what());
    }
  }

  std::string described_;
  Libpq pq_;
  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<Database> OpenPostgres(const std::string& conninfo, Access access) {
  return std::make_unique<PostgresDatabase>(conninfo, access);
}

}  // namespace history
}  // namespace gtest_dist
