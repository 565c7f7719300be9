#include "gtest_dist/run/event_batcher.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "gtest_dist/protocol/protocol.h"

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

}  // namespace
}  // namespace gtest_dist
