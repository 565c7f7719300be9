#include "gtest_dist/model/byte_size.h"

#include <cstdio>
#include <cstdlib>
#include <map>

namespace gtest_dist {

bool ParseByteSize(const std::string& text, std::uint64_t* bytes) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return false;
  const std::uint64_t number = std::strtoull(text.substr(0, digits).c_str(), nullptr, 10);
  const std::string unit = text.substr(digits);
  static const std::map<std::string, int> kShifts = {
      {"", 0},   {"K", 10},   {"KiB", 10}, {"KB", 10}, {"M", 20},   {"MiB", 20}, {"MB", 20},
      {"G", 30}, {"GiB", 30}, {"GB", 30},  {"T", 40},  {"TiB", 40}, {"TB", 40}};
  const auto shift = kShifts.find(unit);
  if (shift == kShifts.end() || number == 0) return false;
  if (shift->second > 0 && number > (UINT64_MAX >> shift->second)) return false;
  *bytes = number << shift->second;
  return true;
}

std::string FormatByteSize(std::uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

}  // namespace gtest_dist
