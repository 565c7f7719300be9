#include "gtest_dist/catalog/test_selection.h"

#include <cerrno>
#include <cstdlib>

namespace gtest_dist {
namespace {

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string::size_type begin = 0;
  for (;;) {
    const auto end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end - begin));
    if (end == std::string::npos) return parts;
    begin = end + 1;
  }
}

bool IsGlob(const std::string& pattern) { return pattern.find_first_of("*?") != std::string::npos; }

// Reads an int32 environment variable as gtest's Int32FromEnvOrDie; -1 when
// unset. An empty value is 0, as strtol leaves gtest with (a plain run of a
// shard with GTEST_SHARD_INDEX="" runs shard 0, so the distributed one must).
bool ReadEnvInt(const char* name, int* value, std::string* error) {
  const char* text = std::getenv(name);
  if (text == nullptr) {
    *value = -1;
    return true;
  }
  char* end = nullptr;
  errno = 0;
  const long parsed = std::strtol(text, &end, 10);
  if (*end != '\0' || errno != 0 || parsed < INT32_MIN || parsed > INT32_MAX) {
    *error = std::string("invalid value of environment variable ") + name + ": \"" + text +
             "\" (expected a 32-bit integer)";
    return false;
  }
  *value = static_cast<int>(parsed);
  return true;
}

}  // namespace

bool GlobMatches(const std::string& pattern, const std::string& name) {
  // Iterative matcher with one backtrack point: linear in practice.
  size_t p = 0, n = 0, star_p = std::string::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_n = n;
    } else if (star_p != std::string::npos) {
      p = star_p + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

TestFilter::PatternList::PatternList(const std::string& patterns) {
  for (std::string& pattern : Split(patterns, ':')) {
    if (IsGlob(pattern)) {
      globs_.push_back(std::move(pattern));
    } else {
      exact_.insert(std::move(pattern));
    }
  }
}

bool TestFilter::PatternList::Matches(const std::string& name) const {
  if (exact_.count(name) > 0) return true;
  for (const std::string& glob : globs_) {
    if (GlobMatches(glob, name)) return true;
  }
  return false;
}

TestFilter::TestFilter(const std::string& filter) {
  // gtest splits on every '-': the first part is positive, the rest (joined
  // back with '-') negative; an empty positive part means "*" only when a
  // negative part exists.
  const auto dash = filter.find('-');
  if (dash == std::string::npos) {
    positive_ = PatternList(filter);
    return;
  }
  const std::string positive = filter.substr(0, dash);
  positive_ = PatternList(positive.empty() ? "*" : positive);
  negative_ = PatternList(filter.substr(dash + 1));
}

bool TestFilter::Matches(const std::string& full_name) const {
  return positive_.Matches(full_name) && !negative_.Matches(full_name);
}

bool ReadShardSpec(ShardSpec* spec, std::string* error) {
  int total = -1, index = -1;
  if (!ReadEnvInt("GTEST_TOTAL_SHARDS", &total, error) ||
      !ReadEnvInt("GTEST_SHARD_INDEX", &index, error)) {
    return false;
  }
  *spec = ShardSpec{};
  if (total == -1 && index == -1) return true;
  if (total == -1 || index == -1) {
    *error = std::string("Invalid environment variables: you have ") +
             (total == -1 ? "GTEST_SHARD_INDEX = " + std::to_string(index) +
                                ", but have left GTEST_TOTAL_SHARDS unset."
                          : "GTEST_TOTAL_SHARDS = " + std::to_string(total) +
                                ", but have left GTEST_SHARD_INDEX unset.");
    return false;
  }
  if (index < 0 || index >= total) {
    *error =
        "Invalid environment variables: we require 0 <= GTEST_SHARD_INDEX < "
        "GTEST_TOTAL_SHARDS, but you have GTEST_SHARD_INDEX=" +
        std::to_string(index) + ", GTEST_TOTAL_SHARDS=" + std::to_string(total) + ".";
    return false;
  }
  spec->total = total;
  spec->index = index;
  return true;
}

Selection SelectTests(const TestCatalog& catalog, const SelectionOptions& options) {
  const TestFilter filter(options.filter);
  Selection selection;
  // As gtest: the shard of a test is decided by how many runnable tests came
  // before it, counting across every shard.
  int runnable_before = 0;
  for (const TestEntry& test : catalog.tests()) {
    const bool matches = filter.Matches(test.FullName());
    const bool runnable = matches && (options.also_run_disabled || !test.disabled);
    const bool in_another_shard =
        options.shard.enabled() && runnable_before % options.shard.total != options.shard.index;
    runnable_before += runnable ? 1 : 0;
    if (in_another_shard) continue;
    if (runnable) {
      selection.selected.push_back(test.index);
    } else if (matches) {
      selection.disabled_matching.push_back(test.index);
    }
  }
  return selection;
}

}  // namespace gtest_dist
