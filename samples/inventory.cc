#include "inventory.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace inventory {

std::string Sku::ToString() const {
  char number_text[8];
  std::snprintf(number_text, sizeof number_text, "%04d", number);
  return category + "-" + number_text;
}

std::optional<Sku> ParseSku(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos || dash < 2 || dash > 4) return std::nullopt;
  Sku sku;
  for (size_t i = 0; i < dash; ++i) {
    if (!std::isupper(static_cast<unsigned char>(text[i]))) return std::nullopt;
    sku.category.push_back(text[i]);
  }
  const std::string_view digits = text.substr(dash + 1);
  if (digits.empty() || digits.size() > 4) return std::nullopt;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    sku.number = sku.number * 10 + (c - '0');
  }
  if (sku.number == 0) return std::nullopt;
  return sku;
}

std::vector<std::string> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

void Inventory::Receive(const Sku& sku, int quantity) {
  if (quantity <= 0) return;
  int& count = stock_[sku];
  count = SaturatingAdd(count, quantity);
}

bool Inventory::Ship(const Sku& sku, int quantity) {
  const auto it = stock_.find(sku);
  if (quantity <= 0 || it == stock_.end() || it->second < quantity) return false;
  it->second -= quantity;
  if (it->second == 0) stock_.erase(it);
  return true;
}

void Inventory::Adjust(const Sku& sku, int counted) {
  if (counted == 0) {
    stock_.erase(sku);
  } else {
    stock_[sku] = counted;
  }
}

int Inventory::OnHand(const Sku& sku) const {
  const auto it = stock_.find(sku);
  return it == stock_.end() ? 0 : it->second;
}

int Inventory::TotalUnits() const {
  int total = 0;
  for (const auto& [sku, count] : stock_) total = SaturatingAdd(total, count);
  return total;
}

void Inventory::CheckInvariants() const {
  for (const auto& [sku, count] : stock_) {
    if (count < 0) {
      std::fprintf(stderr, "inventory: negative stock for %s: %d\n", sku.ToString().c_str(), count);
      std::abort();
    }
  }
}

}  // namespace inventory
