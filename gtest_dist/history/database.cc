#include "gtest_dist/history/database.h"

#include <cstdlib>
#include <regex>
#include <sstream>

namespace gtest_dist {
namespace history {

std::int64_t Row::Int(size_t column) const {
  const Value& v = values_.at(column);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
  return 0;
}

double Row::Double(size_t column) const {
  const Value& v = values_.at(column);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);
  return 0;
}

std::string Row::Text(size_t column) const {
  const Value& v = values_.at(column);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    std::ostringstream out;
    out << *d;
    return out.str();
  }
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return "";
}

bool Row::IsNull(size_t column) const {
  return std::holds_alternative<std::monostate>(values_.at(column));
}

void Database::Rollback() noexcept {
  try {
    Exec("ROLLBACK");
  } catch (const DatabaseError&) {
    // The connection is gone or no transaction was open: nothing to undo.
  }
}

std::string DescribeLocation(const std::string& location) {
  static const std::regex kUrlPassword(R"((://[^:/@]*:)[^@]*@)");
  static const std::regex kKeyValuePassword(R"(password\s*=\s*\S+)");
  std::string out = std::regex_replace(location, kUrlPassword, "$1***@");
  return std::regex_replace(out, kKeyValuePassword, "password=***");
}

bool IsPostgresLocation(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0 ||
         location.find("dbname=") != std::string::npos;
}

std::unique_ptr<Database> OpenDatabase(const std::string& location, Access access) {
  if (IsPostgresLocation(location)) return OpenPostgres(location, access);
  return OpenSqlite(location, access);
}

}  // namespace history
}  // namespace gtest_dist
