#include "gtest_dist/run/event_batcher.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
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

// Appends to `frames` the payloads of the whole frames in `data` (`length`
// bytes, starting at stream offset `base`) that end past `after`; returns the
// stream offset where the last of them ends (`after` when none). A length
// running past `length` (torn or confused) ends the walk.
std::uint64_t FramesAfter(const char* data, std::uint64_t length, std::uint64_t base,
                          std::uint64_t after, std::vector<std::string>* frames) {
  std::uint64_t end_of_last = after;
  std::uint64_t offset = 0;  // in `data`
  while (offset + 4 <= length) {
    const std::uint64_t size = FrameLength(data + offset);
    if (size > length - offset - 4) break;
    const std::uint64_t end = base + offset + 4 + size;  // in the stream
    // A frame the socket delivered whole was handled; one cut short by the
    // child's death never reached the handler: it is taken whole.
    if (end > after) {
      frames->emplace_back(data + offset + 4, static_cast<std::size_t>(size));
      end_of_last = end;
    }
    offset += 4 + size;
  }
  return end_of_last;
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
  FramesAfter(region + kHeaderBytes, header.length, header.base, received, &frames);
  return frames;
}

PeekedFrames PeekUndeliveredFrames(const char* region, std::size_t region_bytes,
                                   std::uint64_t received, std::uint64_t after,
                                   const std::function<void()>& copied) {
  PeekedFrames peeked;
  peeked.end = after;
  if (region == nullptr || region_bytes < kHeaderBytes) return peeked;
  const auto* header = reinterpret_cast<const EventSpillHeader*>(region);
  // A seqlock's reader, `base` its sequence: the child moves it on (and then
  // fences) before it overwrites a frame, and appends only past `length`.
  const std::uint64_t magic = __atomic_load_n(&header->magic, __ATOMIC_ACQUIRE);
  const std::uint64_t base = __atomic_load_n(&header->base, __ATOMIC_ACQUIRE);
  const std::uint64_t length = __atomic_load_n(&header->length, __ATOMIC_ACQUIRE);
  if (magic != kEventSpillMagic || length > region_bytes - kHeaderBytes) return peeked;
  // Bytes in the socket not read yet come before the region's frames: they
  // are about to arrive, and these after them.
  if (base > received || base + length <= std::max(received, after)) return peeked;
  const std::string copy(region + kHeaderBytes, static_cast<std::size_t>(length));
  if (copied) copied();
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  if (__atomic_load_n(&header->base, __ATOMIC_RELAXED) != base) return peeked;  // written meanwhile
  peeked.end = FramesAfter(copy.data(), length, base, std::max(received, after), &peeked.frames);
  return peeked;
}

EventSpill::EventSpill() : memory_("gtest_dist-events", kEventSpillBytes) { Reset(); }

void EventSpill::Reset() {
  peeked_end_ = 0;
  skip_frames_ = 0;
  if (memory_.data() == nullptr) return;
  // magic 0 until the child maps it: a child that never did has nothing to
  // recover.
  std::memset(memory_.data(), 0, kHeaderBytes);
}

std::vector<std::string> EventSpill::RecoverUndelivered(std::uint64_t received) const {
  return UndeliveredFrames(static_cast<const char*>(memory_.data()),
                           memory_.data() == nullptr ? 0 : kEventSpillBytes,
                           std::max(received, peeked_end_));
}

std::vector<std::string> EventSpill::Peek(std::uint64_t received) {
  PeekedFrames peeked = PeekUndeliveredFrames(static_cast<const char*>(memory_.data()),
                                              memory_.data() == nullptr ? 0 : kEventSpillBytes,
                                              received, peeked_end_);
  peeked_end_ = peeked.end;
  skip_frames_ += peeked.frames.size();
  return std::move(peeked.frames);
}

EventBatcher::EventBatcher(int channel_fd, int spill_fd, std::chrono::nanoseconds flush_interval)
    : channel_fd_(channel_fd), flush_interval_ns_(flush_interval.count()) {
  region_ = static_cast<char*>(MapSharedMemory(spill_fd, kEventSpillBytes));
  if (region_ == nullptr) return;
  EventSpillHeader* header = HeaderOf(region_);
  header->base = 0;
  header->length = 0;
  __atomic_store_n(&header->magic, kEventSpillMagic, __ATOMIC_RELEASE);
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
    __atomic_store_n(&header->base, header->base + frame.size(), __ATOMIC_RELEASE);
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
  __atomic_store_n(&header->base, header->base + header->length, __ATOMIC_RELEASE);
  __atomic_store_n(&header->length, std::uint64_t{0}, __ATOMIC_RELEASE);
  // The next frames overwrite these: a parent peeking meanwhile must see
  // `base` moved (PeekUndeliveredFrames).
  __atomic_thread_fence(__ATOMIC_RELEASE);
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
