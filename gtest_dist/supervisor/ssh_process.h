// The ssh client process behind a worker over ssh: its stdin and stdout carry
// the frames, its stderr (connection and authentication errors, the remote
// worker's log) is kept, bounded, to explain a loss.
#ifndef GTEST_DIST_SUPERVISOR_SSH_PROCESS_H_
#define GTEST_DIST_SUPERVISOR_SSH_PROCESS_H_

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gtest_dist/protocol/net_stream.h"
#include "gtest_dist/run/child_process.h"

namespace gtest_dist {

class SshProcess {
 public:
  // How much of ssh's stderr is kept (its first bytes: ssh says why it failed
  // first); the rest is read and counted.
  static constexpr std::size_t kMaxStderrBytes = 2048;

  // Starts `argv` (argv[0] looked up in PATH unless it holds a '/') in a
  // process group of its own. Null, with the reason in `error`, when it
  // cannot be started.
  static std::unique_ptr<SshProcess> Start(boost::asio::io_context& io,
                                           const std::vector<std::string>& argv,
                                           std::string* error);

  // Ends the session: closes ssh's stdin (if the stream has not done so),
  // which ends the remote worker and then ssh; after `kExitGrace` without an
  // exit, SIGTERM, then SIGKILL. Blocks until ssh is reaped (at most a few
  // seconds), so that nothing of this run outlives it.
  ~SshProcess();
  SshProcess(const SshProcess&) = delete;
  SshProcess& operator=(const SshProcess&) = delete;

  // Sends SIGTERM to ssh's process group without waiting: for a channel that
  // is lost or never came up, where a goodbye has nobody to reach (ssh may
  // still be connecting), so the destructor need not wait out its grace.
  void Terminate();

  // The frames' stream: reads ssh's stdout, writes its stdin. Once.
  NetStream TakeStream();

  // Runs `done` on the io_context once ssh's stderr has ended and ssh has
  // exited, or after `wait`, whichever comes first: then Diagnosis() says
  // all there is to say. Not after this object is destroyed.
  void WhenFinished(std::chrono::milliseconds wait, std::function<void()> done);

  // "; ssh exited with status 255: ssh: connect to host ... refused": what
  // is known so far of how ssh ended and what it wrote on stderr (escaped,
  // bounded), or empty.
  std::string Diagnosis();

 private:
  static constexpr std::chrono::milliseconds kExitGrace{3000};

  SshProcess(boost::asio::io_context& io, std::unique_ptr<ChildProcess> child, int in, int out,
             int err);
  void DoReadStderr();
  void CheckFinished();

  boost::asio::io_context& io_;
  std::unique_ptr<ChildProcess> child_;
  std::unique_ptr<NetStream> stream_;
  boost::asio::posix::stream_descriptor stderr_;
  std::array<char, 4096> stderr_buffer_{};
  std::string stderr_text_;
  std::size_t stderr_dropped_ = 0;
  bool stderr_ended_ = false;
  boost::asio::steady_timer finish_timer_;
  boost::asio::steady_timer poll_timer_;
  std::function<void()> on_finished_;
  std::shared_ptr<bool> alive_;
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_SUPERVISOR_SSH_PROCESS_H_
