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

TailCutRegion::TailCutRegion() {
  fd_ = memfd_create("gtest_dist-cut", MFD_CLOEXEC);
  if (fd_ < 0) return;
  void* region = MAP_FAILED;
  if (ftruncate(fd_, static_cast<off_t>(kRegionBytes)) == 0) {
    region = mmap(nullptr, kRegionBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  }
  if (region == MAP_FAILED) {
    close(fd_);
    fd_ = -1;
    return;
  }
  word_ = new (region) TailCutWord(Pack(kNoCut, 0));
}

TailCutRegion::~TailCutRegion() {
  if (word_ != nullptr) munmap(word_, kRegionBytes);
  if (fd_ >= 0) close(fd_);
}

TailCutWord* TakeTailCutWord() {
  const char* value = std::getenv(kTailCutEnv);
  if (value == nullptr) return nullptr;
  const int fd = std::atoi(value);
  unsetenv(kTailCutEnv);
  if (fd < 0) return nullptr;
  void* region = mmap(nullptr, kRegionBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);  // the mapping keeps the word
  if (region == MAP_FAILED) return nullptr;
  return static_cast<TailCutWord*>(region);
}

}  // namespace gtest_dist
