#include "gtest_dist/run/event_batcher.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gtest_dist/protocol/protocol.h"
#include "gtest_dist/run/shared_memory.h"

namespace gtest_dist {
namespace {

using std::chrono::hours;

// A socketpair: the child's end is given to the batcher, the parent reads.
class Channel {
 public:
  Channel() { EXPECT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_)); }
  ~Channel() {
    close(fds_[0]);
    close(fds_[1]);
  }
  int child() const { return fds_[1]; }
  int parent() const { return fds_[0]; }
  // Everything written so far (the test never fills the socket buffer).
  std::string Drain() {
    std::string got;
    char buffer[4096];
    for (;;) {
      const ssize_t n = recv(fds_[0], buffer, sizeof buffer, MSG_DONTWAIT);
      if (n <= 0) break;
      got.append(buffer, static_cast<size_t>(n));
    }
    return got;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(EventBatcherTest, FramesOfADeadChildAreRecoveredFromTheSpill) {
  EventSpill spill;
  ASSERT_GE(spill.fd(), 0);
  Channel channel;
  const std::vector<std::string> frames = {protocol::FrameOf("one"), protocol::FrameOf("two"),
                                           protocol::FrameOf("three")};
  {
    EventBatcher batcher(channel.child(), dup(spill.fd()), hours(1));
    for (const std::string& f : frames) ASSERT_TRUE(batcher.Add(f));
    // The child "dies" here: nothing was written.
  }
  EXPECT_EQ("", channel.Drain());
  EXPECT_EQ(std::vector<std::string>({"one", "two", "three"}), spill.RecoverUndelivered(0));
}

TEST(EventBatcherTest, WrittenFramesAreNotRecoveredTwice) {
  EventSpill spill;
  Channel channel;
  EventBatcher batcher(channel.child(), dup(spill.fd()), hours(1));
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("one")));
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("two")));
  ASSERT_TRUE(batcher.Flush());
  const std::string got = channel.Drain();
  EXPECT_EQ(protocol::FrameOf("one") + protocol::FrameOf("two"), got);
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("three")));
  EXPECT_EQ(std::vector<std::string>({"three"}), spill.RecoverUndelivered(got.size()));
}

TEST(UndeliveredFramesTest, AFrameCutShortInTheSocketIsRecoveredWhole) {
  // The child died while writing its batch, before it moved `base` on: the
  // parent read "one" whole and part of "two".
  std::vector<char> region(kEventSpillBytes, 0);
  const std::string frames = protocol::FrameOf("one") + protocol::FrameOf("two");
  const EventSpillHeader header{kEventSpillMagic, 100, frames.size()};
  std::memcpy(region.data(), &header, sizeof header);
  std::memcpy(region.data() + 64, frames.data(), frames.size());
  EXPECT_EQ(std::vector<std::string>({"two"}),
            UndeliveredFrames(region.data(), region.size(), 100 + frames.size() - 1));
  EXPECT_EQ(std::vector<std::string>({"one", "two"}),
            UndeliveredFrames(region.data(), region.size(), 100));
  EXPECT_TRUE(UndeliveredFrames(region.data(), region.size(), 100 + frames.size()).empty());
}

TEST(EventBatcherTest, ABatchIsWrittenWhenItsIntervalIsOver) {
  EventSpill spill;
  Channel channel;
  EventBatcher batcher(channel.child(), dup(spill.fd()), std::chrono::nanoseconds(0));
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("now")));
  EXPECT_EQ(protocol::FrameOf("now"), channel.Drain());
  EXPECT_TRUE(spill.RecoverUndelivered(protocol::FrameOf("now").size()).empty());
}

TEST(EventBatcherTest, AFullRegionIsWrittenAndAHugeFrameGoesStraightThrough) {
  EventSpill spill;
  Channel channel;
  EventBatcher batcher(channel.child(), dup(spill.fd()), hours(1));
  const std::string small = protocol::FrameOf(std::string(1000, 's'));
  const std::string huge = protocol::FrameOf(std::string(kEventSpillBytes, 'h'));
  const size_t total = 300 * small.size() + huge.size();
  std::string received;
  // The socket holds less than the batches: read while they are written.
  std::thread reader([&] {
    while (received.size() < total) received += channel.Drain();
  });
  for (int i = 0; i < 300; ++i) EXPECT_TRUE(batcher.Add(small));  // more than the region holds
  EXPECT_TRUE(batcher.Add(huge));  // the batch before it is written first
  reader.join();
  std::string expected;
  for (int i = 0; i < 300; ++i) expected += small;
  EXPECT_EQ(expected + huge, received);
  EXPECT_TRUE(spill.RecoverUndelivered(total).empty());
}

TEST(EventBatcherTest, WithoutASpillEveryFrameIsWrittenAtOnce) {
  Channel channel;
  EventBatcher batcher(channel.child(), -1, hours(1));
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("a")));
  EXPECT_EQ(protocol::FrameOf("a"), channel.Drain());
}

TEST(UndeliveredFramesTest, AConfusedHeaderOrFrameEndsTheRecovery) {
  std::vector<char> region(kEventSpillBytes, 0);
  EXPECT_TRUE(UndeliveredFrames(region.data(), region.size(), 0).empty());  // no magic
  EventSpillHeader header{kEventSpillMagic, 0, kEventSpillBytes};  // longer than the region
  std::memcpy(region.data(), &header, sizeof header);
  EXPECT_TRUE(UndeliveredFrames(region.data(), region.size(), 0).empty());
  // One good frame, then a length that runs past the recorded end.
  const std::string good = protocol::FrameOf("ok");
  const std::string bad = std::string("\x00\x00\x10\x00", 4) + "xy";
  header.length = good.size() + bad.size();
  std::memcpy(region.data(), &header, sizeof header);
  std::memcpy(region.data() + 64, good.data(), good.size());
  std::memcpy(region.data() + 64 + good.size(), bad.data(), bad.size());
  EXPECT_EQ(std::vector<std::string>({"ok"}), UndeliveredFrames(region.data(), region.size(), 0));
  EXPECT_TRUE(UndeliveredFrames(nullptr, 0, 0).empty());
}

// A region as the child leaves it: `frames` at stream offset `base`.
std::vector<char> RegionWith(std::uint64_t base, const std::string& frames) {
  std::vector<char> region(kEventSpillBytes, 0);
  const EventSpillHeader header{kEventSpillMagic, base, frames.size()};
  std::memcpy(region.data(), &header, sizeof header);
  std::memcpy(region.data() + 64, frames.data(), frames.size());
  return region;
}

TEST(PeekUndeliveredFramesTest, TakesTheFramesPastWhatTheSocketAndEarlierPeeksDelivered) {
  const std::string one = protocol::FrameOf("one"), two = protocol::FrameOf("two");
  const std::vector<char> region = RegionWith(100, one + two);
  // The socket delivered everything before the region, and part of "one".
  PeekedFrames peeked = PeekUndeliveredFrames(region.data(), region.size(), 102, 0);
  EXPECT_EQ(std::vector<std::string>({"one", "two"}), peeked.frames);
  EXPECT_EQ(100 + one.size() + two.size(), peeked.end);
  // "one" came through the socket whole.
  peeked = PeekUndeliveredFrames(region.data(), region.size(), 100 + one.size(), 0);
  EXPECT_EQ(std::vector<std::string>({"two"}), peeked.frames);
  // An earlier peek took "one": only what follows it.
  peeked = PeekUndeliveredFrames(region.data(), region.size(), 100, 100 + one.size());
  EXPECT_EQ(std::vector<std::string>({"two"}), peeked.frames);
  // Nothing new: `end` stays where it was.
  peeked = PeekUndeliveredFrames(region.data(), region.size(), 100, 100 + one.size() + two.size());
  EXPECT_TRUE(peeked.frames.empty());
  EXPECT_EQ(100 + one.size() + two.size(), peeked.end);
}

TEST(PeekUndeliveredFramesTest, NothingWhileTheSocketHoldsBytesNotReadYet) {
  // The child wrote a batch the parent has not read: it arrives first, the
  // region's frames after it.
  const std::vector<char> region = RegionWith(100, protocol::FrameOf("later"));
  const PeekedFrames peeked = PeekUndeliveredFrames(region.data(), region.size(), 90, 0);
  EXPECT_TRUE(peeked.frames.empty());
  EXPECT_EQ(0u, peeked.end);
}

TEST(PeekUndeliveredFramesTest, NothingWhenTheChildWroteItsBatchWhileTheFramesWereCopied) {
  EventSpill spill;
  ASSERT_GE(spill.fd(), 0);
  Channel channel;
  const int mapped = dup(spill.fd());
  EventBatcher batcher(channel.child(), mapped, hours(1));
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("first")));
  // What the peek reads is the parent's own mapping of the same memfd.
  auto* region = static_cast<char*>(MapSharedMemory(dup(spill.fd()), kEventSpillBytes));
  ASSERT_NE(nullptr, region);
  // Between the copy and the check, the child writes its batch and puts a
  // new frame where "first" was: what was copied may be torn, and is dropped.
  const PeekedFrames peeked = PeekUndeliveredFrames(region, kEventSpillBytes, 0, 0, [&] {
    ASSERT_TRUE(batcher.Flush());
    ASSERT_TRUE(batcher.Add(protocol::FrameOf("secnd")));
  });
  EXPECT_TRUE(peeked.frames.empty());
  EXPECT_EQ(0u, peeked.end);
  // "first" comes through the socket; a later peek takes only "secnd".
  const std::string got = channel.Drain();
  EXPECT_EQ(protocol::FrameOf("first"), got);
  EXPECT_EQ(std::vector<std::string>({"secnd"}),
            PeekUndeliveredFrames(region, kEventSpillBytes, got.size(), 0).frames);
  munmap(region, kEventSpillBytes);
}

TEST(PeekUndeliveredFramesTest, AConfusedHeaderOrFrameYieldsOnlyTheWholeFramesBeforeIt) {
  std::vector<char> region(kEventSpillBytes, 0);
  EXPECT_TRUE(
      PeekUndeliveredFrames(region.data(), region.size(), 0, 0).frames.empty());  // no magic
  EventSpillHeader header{kEventSpillMagic, 0, kEventSpillBytes};  // longer than the region
  std::memcpy(region.data(), &header, sizeof header);
  EXPECT_TRUE(PeekUndeliveredFrames(region.data(), region.size(), 0, 0).frames.empty());
  // One good frame, then a length that runs past the recorded end.
  const std::string good = protocol::FrameOf("ok");
  region = RegionWith(0, good + std::string("\x00\x00\x10\x00", 4) + "xy");
  const PeekedFrames peeked = PeekUndeliveredFrames(region.data(), region.size(), 0, 0);
  EXPECT_EQ(std::vector<std::string>({"ok"}), peeked.frames);
  EXPECT_EQ(good.size(), peeked.end);
  EXPECT_TRUE(PeekUndeliveredFrames(nullptr, 0, 0, 0).frames.empty());
}

TEST(EventSpillTest, APeekedFrameIsSkippedInTheSocketAndNotRecoveredAgain) {
  EventSpill spill;
  Channel channel;
  EventBatcher batcher(channel.child(), dup(spill.fd()), hours(1));
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("start")));
  // The child is quiet: the parent peeks.
  EXPECT_EQ(std::vector<std::string>({"start"}), spill.Peek(0));
  EXPECT_TRUE(spill.Peek(0).empty());  // not twice
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("end")));
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("next")));
  EXPECT_EQ(std::vector<std::string>({"end", "next"}), spill.Peek(0));
  ASSERT_TRUE(batcher.Flush());
  // The socket then delivers all three: the three were handled already.
  EXPECT_FALSE(spill.OnSocketFrame());
  EXPECT_FALSE(spill.OnSocketFrame());
  EXPECT_FALSE(spill.OnSocketFrame());
  EXPECT_TRUE(spill.OnSocketFrame());  // a frame no peek saw
  // The child dies with one more frame batched and the parent having read
  // only part of the batch: only the new frame is recovered.
  ASSERT_TRUE(batcher.Add(protocol::FrameOf("last")));
  EXPECT_EQ(std::vector<std::string>({"last"}), spill.RecoverUndelivered(5));
  spill.Reset();  // a new child: nothing is skipped
  EXPECT_TRUE(spill.OnSocketFrame());
}

// The parent reading the socket and peeking while the child appends and
// writes batches in another thread: every frame is handled exactly once, in
// order.
TEST(EventSpillTest, PeeksBesideAWritingChildHandleEachFrameOnceAndInOrder) {
  EventSpill spill;
  ASSERT_GE(spill.fd(), 0);
  Channel channel;
  constexpr int kFrames = 20000;
  std::thread child([&] {
    EventBatcher batcher(channel.child(), dup(spill.fd()), hours(1));
    for (int i = 0; i < kFrames; ++i) {
      EXPECT_TRUE(batcher.Add(protocol::FrameOf(std::to_string(i))));
      if (i % 7 == 3 || i % 101 == 0) {
        EXPECT_TRUE(batcher.Flush());
      }
    }
    EXPECT_TRUE(batcher.Flush());
  });
  std::vector<int> handled;
  protocol::FrameDecoder decoder;
  std::uint64_t received = 0;
  std::string payload, error;
  int peeked = 0;  // frames a peek handled
  while (handled.size() < static_cast<size_t>(kFrames)) {
    char buffer[512];  // small reads: the socket often holds part of a frame
    const ssize_t n = recv(channel.parent(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      decoder.Append(buffer, static_cast<size_t>(n));
      received += static_cast<std::uint64_t>(n);
      while (decoder.Next(&payload, &error) == protocol::FrameDecoder::Status::kFrame) {
        if (spill.OnSocketFrame()) handled.push_back(std::stoi(payload));
      }
    }
    for (const std::string& frame : spill.Peek(received)) {
      handled.push_back(std::stoi(frame));
      ++peeked;
    }
  }
  child.join();
  ASSERT_EQ(static_cast<size_t>(kFrames), handled.size());
  for (int i = 0; i < kFrames; ++i) ASSERT_EQ(i, handled[static_cast<size_t>(i)]) << "at " << i;
  EXPECT_GT(peeked, 0);  // the race was run
}

}  // namespace
}  // namespace gtest_dist
