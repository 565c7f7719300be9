#include "gtest_dist/run/tail_cut.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace gtest_dist {
namespace {

constexpr std::size_t kRegionBytes = 4096;

std::uint64_t Pack(std::uint32_t limit, std::uint32_t claim) {
  return (static_cast<std::uint64_t>(limit) << 32) | claim;
}
std::uint32_t LimitOf(std::uint64_t word) { return static_cast<std::uint32_t>(word >> 32); }
std::uint32_t ClaimOf(std::uint64_t word) { return static_cast<std::uint32_t>(word); }

}  // namespace

void ResetTailCut(TailCutWord* word) { word->store(Pack(kNoCut, 0)); }

std::uint32_t ClaimThrough(TailCutWord* word, std::uint32_t index) {
  std::uint64_t seen = word->load();
  for (;;) {
    const std::uint32_t limit = LimitOf(seen);
    if (index >= limit || index >= kNoCut - 1) return limit;  // cut: not ours to run
    const std::uint32_t claim = std::max(ClaimOf(seen), index + 1);
    if (word->compare_exchange_weak(seen, Pack(limit, claim))) return limit;
  }
}

std::uint32_t CutFrom(TailCutWord* word, std::uint32_t from) {
  std::uint64_t seen = word->load();
  for (;;) {
    const std::uint32_t limit = std::min(LimitOf(seen), std::max(from, ClaimOf(seen)));
    if (limit == LimitOf(seen)) return limit;
    if (word->compare_exchange_weak(seen, Pack(limit, ClaimOf(seen)))) return limit;
  }
}

TailCutRegion::TailCutRegion() : memory_("gtest_dist-cut", kRegionBytes) {
  if (memory_.data() != nullptr) word_ = new (memory_.data()) TailCutWord(Pack(kNoCut, 0));
}

TailCutWord* TakeTailCutWord() {
  const char* value = std::getenv(kTailCutEnv);
  if (value == nullptr) return nullptr;
  const int fd = std::atoi(value);
  unsetenv(kTailCutEnv);
  return static_cast<TailCutWord*>(MapSharedMemory(fd, kRegionBytes));
}

}  // namespace gtest_dist
