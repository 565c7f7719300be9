#include "gtest_dist/model/worker_shipping.h"

#include <cstdio>

namespace gtest_dist {

std::string ShownBytes(std::uint64_t bytes) {
  char text[32];
  if (bytes < 1000) {
    std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  } else if (bytes < 1000 * 1000) {
    std::snprintf(text, sizeof text, "%.1f kB", static_cast<double>(bytes) / 1e3);
  } else if (bytes < 1000ull * 1000 * 1000) {
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  } else {
    std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
  }
  return text;
}

std::string ShippingLine(const WorkerShipping& s) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f s", static_cast<double>(s.elapsed_ms) / 1e3);
  const std::uint64_t cached_files =
      s.files_total > s.files_shipped ? s.files_total - s.files_shipped : 0;
  return s.worker + ": shipped " + std::to_string(s.files_shipped) + " of " +
         std::to_string(s.files_total) + " files, " + ShownBytes(s.bytes_shipped) + " in " +
         seconds + " (" + std::to_string(cached_files) + " files, " + ShownBytes(s.bytes_cached) +
         " cached)";
}

}  // namespace gtest_dist
