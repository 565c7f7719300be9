#include "scale_work.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace scale {
namespace {

const std::vector<float>& Durations() {
  static const std::vector<float> durations = [] {
    std::vector<float> out;
    const char* path = std::getenv("BENCH_SCALE_DURATIONS");
    if (path == nullptr || *path == '\0') return out;
    std::FILE* f = std::fopen(path, "rb");
    if (f == nullptr) return out;
    float value = 0;
    while (std::fread(&value, sizeof value, 1, f) == 1) out.push_back(value);
    std::fclose(f);
    return out;
  }();
  return durations;
}

}  // namespace

void Work(int id) {
  const auto& d = Durations();
  if (id < 0 || static_cast<size_t>(id) >= d.size() || d[id] <= 0) return;
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(d[id]));
}

}  // namespace scale
