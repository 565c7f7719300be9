// A small stock-keeping library: the code under test of the sample suite.
// It stands in for whatever a real project would test with gtest_dist; it is
// not part of gtest_dist.
#ifndef GTEST_DIST_SAMPLES_INVENTORY_H_
#define GTEST_DIST_SAMPLES_INVENTORY_H_

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace inventory {

// A stock-keeping unit: a category of 2 to 4 upper-case letters and a
// positive item number, written "ABC-0042" (the number zero-padded to 4).
struct Sku {
  std::string category;
  int number = 0;

  // The canonical text form, "ABC-0042".
  std::string ToString() const;

  friend bool operator==(const Sku& a, const Sku& b) {
    return a.category == b.category && a.number == b.number;
  }
  friend bool operator<(const Sku& a, const Sku& b) {
    return a.category != b.category ? a.category < b.category : a.number < b.number;
  }
};

// Parses "ABC-42" or "ABC-0042"; surrounding spaces are ignored. Returns
// nothing for anything else (lower case, no dash, number 0 or above 9999).
std::optional<Sku> ParseSku(std::string_view text);

// Splits one line of a stock file ("sku,quantity,location") at commas; a
// field in double quotes may contain commas, and "" inside quotes is a quote.
std::vector<std::string> SplitCsvLine(std::string_view line);

// Adds two quantities, saturating at the type's limits instead of
// overflowing: a count of pallets must never wrap around.
template <typename Quantity>
Quantity SaturatingAdd(Quantity a, Quantity b) {
  static_assert(std::is_integral_v<Quantity>, "quantities are integers");
  using Limits = std::numeric_limits<Quantity>;
  if (b > 0 && a > Limits::max() - b) return Limits::max();
  if constexpr (std::is_signed_v<Quantity>) {
    if (b < 0 && a < Limits::min() - b) return Limits::min();
  }
  return static_cast<Quantity>(a + b);
}

// Quantities on hand per SKU. Not thread-safe.
class Inventory {
 public:
  // Adds `quantity` (> 0) units of `sku`.
  void Receive(const Sku& sku, int quantity);
  // Removes `quantity` units if that many are on hand; returns false and
  // changes nothing otherwise.
  bool Ship(const Sku& sku, int quantity);
  // Sets the count after a stocktake, whatever it was; may be used to record
  // a count found wrong (negative), which CheckInvariants() then reports.
  void Adjust(const Sku& sku, int counted);

  int OnHand(const Sku& sku) const;
  int TotalUnits() const;
  size_t DistinctItems() const { return stock_.size(); }

  // Aborts the process with a message on stderr if a count is negative: a
  // broken invariant is a bug, and carrying on would ship phantom stock.
  void CheckInvariants() const;

 private:
  std::map<Sku, int> stock_;
};

}  // namespace inventory

#endif  // GTEST_DIST_SAMPLES_INVENTORY_H_
