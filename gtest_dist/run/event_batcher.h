// Batches the frames a child sends to its parent, so that a run of small
// tests costs one write (and one wake-up of the parent) per batch instead of
// one per event, without losing an event when the child dies.
//
// The batch lives in a memory region the parent created and shares
// (`EventSpill`, a memfd at kEventSpillFd): a frame appended to it survives
// the child's death, however it dies (a crash, SIGKILL after a timeout,
// _exit). When the child is gone the parent takes from the region the frames
// it did not receive through the socket (RecoverUndelivered), so crash and
// timeout attribution stay exact. A batch is written when it is full, when
// the previous write is kFlushInterval old, and at the end of the chunk. A
// test start is not written at once: while the child is quiet the parent
// peeks at the region (EventSpill::Peek), so that it still learns at once
// which test runs (its timeout, the live console, tail control).
#ifndef GTEST_DIST_RUN_EVENT_BATCHER_H_
#define GTEST_DIST_RUN_EVENT_BATCHER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gtest_dist/run/shared_memory.h"

namespace gtest_dist {

// Environment variable naming the spill region's descriptor in a child;
// internal, set by ChunkRunner, read and unset by the child.
constexpr char kEventSpillEnv[] = "GTEST_DIST_INTERNAL_SPILL";
// The region's descriptor in the child (beside the channel, kChildChannelFd);
// close-on-exec there, like the channel.
constexpr int kEventSpillFd = 1022;

// The shared region: a header, then the frames not yet written to the socket.
// `base` is the number of bytes written to the socket before the first frame
// of the region; `length` the bytes of whole frames in it. The child updates
// `length` only after a frame is complete, and `base` only after its batch
// was written, before it reuses the region (a release fence): a reader that
// sees `base` unchanged after copying the frames copied what it meant to.
struct EventSpillHeader {
  std::uint64_t magic;
  std::uint64_t base;
  std::uint64_t length;
};
constexpr std::uint64_t kEventSpillMagic = 0x67746473706c6c31ULL;  // "gtdspll1"
constexpr std::size_t kEventSpillBytes = std::size_t{256} * 1024;  // header included

// The parent's side: a shared memory region (memfd) of kEventSpillBytes.
class EventSpill {
 public:
  // Null region (fd() < 0) when it cannot be made; the child then writes
  // every frame at once, as without batching.
  EventSpill();

  int fd() const { return memory_.fd(); }
  // Clears the region for a new child.
  void Reset();
  // The payloads of the frames the child put in the region but the parent
  // did not receive, `received` being the bytes read from the child's socket
  // (the child is gone). Frames an earlier Peek returned are not returned again.
  std::vector<std::string> RecoverUndelivered(std::uint64_t received) const;

  // While the child runs: the frames it put in the region that the socket
  // has not delivered, `received` bytes having been read from it, and that
  // no earlier Peek returned. The caller handles them now, in order, and
  // asks OnSocketFrame about each frame the socket delivers from then on.
  std::vector<std::string> Peek(std::uint64_t received);
  // A frame arrived through the socket: false when Peek returned it already
  // (the socket delivers frames in order, and those Peek returned are the
  // next ones it delivers).
  bool OnSocketFrame() {
    if (skip_frames_ == 0) return true;
    --skip_frames_;
    return false;
  }

 private:
  SharedMemory memory_;
  std::uint64_t peeked_end_ = 0;   // stream offset after the last frame Peek returned
  std::uint64_t skip_frames_ = 0;  // frames Peek returned that the socket has not delivered
};

// The same, over any memory: what EventSpill::RecoverUndelivered does, pure
// (a confused child's header or frames end the recovery, they never read
// outside the region).
std::vector<std::string> UndeliveredFrames(const char* region, std::size_t region_bytes,
                                           std::uint64_t received);

// What a peek at a live child's region took: the payloads of its frames that
// end past `after` (the larger of the bytes received and the end of what an
// earlier peek took), and the stream offset where the last of them ends.
struct PeekedFrames {
  std::vector<std::string> frames;
  std::uint64_t end = 0;  // `after` when no frame was taken
};

// EventSpill::Peek, pure, over memory the child may be writing meanwhile:
// nothing when the socket holds bytes not read yet (`base` > `received`:
// they arrive first), or when the child wrote its batch while the frames
// were copied (`base` moved: they reach the socket). `copied` (tests) runs
// between the copy and that check.
PeekedFrames PeekUndeliveredFrames(const char* region, std::size_t region_bytes,
                                   std::uint64_t received, std::uint64_t after,
                                   const std::function<void()>& copied = nullptr);

// The child's side.
class EventBatcher {
 public:
  static constexpr std::chrono::milliseconds kFlushInterval{10};

  // `spill_fd` < 0: no region, every frame is written at once. Takes
  // ownership of `spill_fd` (closed once mapped).
  EventBatcher(int channel_fd, int spill_fd,
               std::chrono::nanoseconds flush_interval = kFlushInterval);
  ~EventBatcher();
  EventBatcher(const EventBatcher&) = delete;
  EventBatcher& operator=(const EventBatcher&) = delete;

  // Adds one frame; writes the batch when it is due. False when the parent
  // is gone.
  bool Add(std::string_view frame);
  // Writes what is batched. False when the parent is gone.
  bool Flush();

 private:
  bool WriteAll(const char* data, std::size_t size);

  int channel_fd_;
  char* region_ = nullptr;  // header, then frames
  std::int64_t flush_interval_ns_;
  std::int64_t last_flush_ns_ = 0;
};

// The spill descriptor given to this child (and the variable unset), or -1.
int TakeEventSpill();

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_EVENT_BATCHER_H_
