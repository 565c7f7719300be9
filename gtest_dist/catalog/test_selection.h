// Which tests a run selects: gtest's filter, disabled-test and sharding rules,
// applied by the supervisor itself so that exactly the tests a plain run would
// run are distributed. Pure; tested against gtest's own behaviour.
#ifndef GTEST_DIST_CATALOG_TEST_SELECTION_H_
#define GTEST_DIST_CATALOG_TEST_SELECTION_H_

#include <string>
#include <unordered_set>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"

namespace gtest_dist {

// True when `name` matches the glob `pattern` ('*' any run, '?' one char).
bool GlobMatches(const std::string& pattern, const std::string& name);

// A --gtest_filter value: positive patterns, optionally '-' and negative ones,
// each list ':'-separated, exactly as gtest 1.12 reads it.
class TestFilter {
 public:
  explicit TestFilter(const std::string& filter);
  bool Matches(const std::string& full_name) const;

 private:
  class PatternList {
   public:
    PatternList() = default;
    explicit PatternList(const std::string& patterns);
    bool Matches(const std::string& name) const;

   private:
    std::vector<std::string> globs_;
    std::unordered_set<std::string> exact_;
  };
  PatternList positive_;
  PatternList negative_;
};

// gtest's sharding environment (GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX).
struct ShardSpec {
  int total = 1;
  int index = 0;
  bool enabled() const { return total > 1; }
};

// Reads the sharding variables as gtest does. On invalid values returns false
// and sets `error` to gtest's message.
bool ReadShardSpec(ShardSpec* spec, std::string* error);

struct Selection {
  std::vector<int> selected;           // to run, catalog order
  std::vector<int> disabled_matching;  // reported as not run
};

struct SelectionOptions {
  std::string filter = "*";
  bool also_run_disabled = false;
  ShardSpec shard;
};

Selection SelectTests(const TestCatalog& catalog, const SelectionOptions& options);

}  // namespace gtest_dist

#endif  // GTEST_DIST_CATALOG_TEST_SELECTION_H_
