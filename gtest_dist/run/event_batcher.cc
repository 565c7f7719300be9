#include "gtest_dist/run/event_batcher.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace gtest_dist {
namespace {

constexpr std::size_t kHeaderBytes = 64;  // room to grow; frames start here
constexpr std::size_t kCapacity = kEventSpillBytes - kHeaderBytes;
static_assert(sizeof(EventSpillHeader) <= kHeaderBytes);

EventSpillHeader* HeaderOf(void* region) { return static_cast<EventSpillHeader*>(region); }

std::int64_t CoarseNowNs() {
  // The coarse clock is read without a system call and is precise enough
  // for a 10 ms interval.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

std::uint32_t FrameLength(const char* at) {
  const auto* b = reinterpret_cast<const unsigned char*>(at);
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

}  // namespace

std::vector<std::string> UndeliveredFrames(const char* region, std::size_t region_bytes,
                                           std::uint64_t received) {
  std::vector<std::string> frames;
  if (region == nullptr || region_bytes < kHeaderBytes) return frames;
  EventSpillHeader header;
  std::memcpy(&header, region, sizeof header);
  if (header.magic != kEventSpillMagic || header.length > region_bytes - kHeaderBytes) {
    return frames;
  }
  const char* data = region + kHeaderBytes;
  std::uint64_t offset = 0;  // in the region's frames
  while (offset + 4 <= header.length) {
    const std::uint64_t size = FrameLength(data + offset);
    if (size > header.length - offset - 4) break;               // torn or confused: stop
    const std::uint64_t end = header.base + offset + 4 + size;  // in the stream
    // A frame the socket delivered whole was handled; one cut short by the
    // child's death never reached the handler: it is recovered whole.
    if (end > received) frames.emplace_back(data + offset + 4, static_cast<std::size_t>(size));
    offset += 4 + size;
  }
  return frames;
}

EventSpill::EventSpill() : memory_("gtest_dist-events", kEventSpillBytes) { Reset(); }

void EventSpill::Reset() {
  if (memory_.data() == nullptr) return;
  // magic 0 until the child maps it: a child that never did has nothing to
  // recover.
  std::memset(memory_.data(), 0, kHeaderBytes);
}

std::vector<std::string> EventSpill::RecoverUndelivered(std::uint64_t received) const {
  return UndeliveredFrames(static_cast<const char*>(memory_.data()),
                           memory_.data() == nullptr ? 0 : kEventSpillBytes, received);
}

EventBatcher::EventBatcher(int channel_fd, int spill_fd, std::chrono::nanoseconds flush_interval)
    : channel_fd_(channel_fd), flush_interval_ns_(flush_interval.count()) {
  region_ = static_cast<char*>(MapSharedMemory(spill_fd, kEventSpillBytes));
  if (region_ == nullptr) return;
  EventSpillHeader* header = HeaderOf(region_);
  header->base = 0;
  header->length = 0;
  header->magic = kEventSpillMagic;
  last_flush_ns_ = CoarseNowNs();
}

EventBatcher::~EventBatcher() {
  if (region_ != nullptr) munmap(region_, kEventSpillBytes);
}

bool EventBatcher::Add(std::string_view frame) {
  if (region_ == nullptr) return WriteAll(frame.data(), frame.size());
  EventSpillHeader* header = HeaderOf(region_);
  if (header->length + frame.size() > kCapacity && !Flush()) return false;
  if (frame.size() > kCapacity) {
    // Larger than the region (a test's megabyte of output): written at once.
    if (!WriteAll(frame.data(), frame.size())) return false;
    header->base += frame.size();
    return true;
  }
  std::memcpy(region_ + kHeaderBytes + header->length, frame.data(), frame.size());
  // Counted only once whole: a child killed while copying leaves no torn frame.
  __atomic_store_n(&header->length, header->length + frame.size(), __ATOMIC_RELEASE);
  if (CoarseNowNs() - last_flush_ns_ >= flush_interval_ns_) {
    return Flush();
  }
  return true;
}

bool EventBatcher::Flush() {
  if (region_ == nullptr) return true;
  last_flush_ns_ = CoarseNowNs();
  EventSpillHeader* header = HeaderOf(region_);
  if (header->length == 0) return true;
  if (!WriteAll(region_ + kHeaderBytes, header->length)) return false;
  // In the socket now: the parent will read it even if we die this instant.
  header->base += header->length;
  __atomic_store_n(&header->length, std::uint64_t{0}, __ATOMIC_RELEASE);
  return true;
}

bool EventBatcher::WriteAll(const char* data, std::size_t size) {
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = write(channel_fd_, data + written, size - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

int TakeEventSpill() {
  const char* value = std::getenv(kEventSpillEnv);
  if (value == nullptr) return -1;
  const int fd = std::atoi(value);
  unsetenv(kEventSpillEnv);
  if (fd < 0) return -1;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

}  // namespace gtest_dist
