#include "gtest_dist/supervisor/ssh_process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "gtest_dist/protocol/peer_text.h"

namespace gtest_dist {
namespace {

// `name` as the shell would find it in PATH; empty when it is nowhere.
std::string FindInPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat info = {};
    if (stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

void CloseAll(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
}

}  // namespace

std::unique_ptr<SshProcess> SshProcess::Start(boost::asio::io_context& io,
                                              const std::vector<std::string>& argv,
                                              std::string* error) {
  LaunchSpec spec;
  spec.executable = argv.empty() ? "" : FindInPath(argv[0]);
  if (spec.executable.empty()) {
    *error = "cannot start \"" + (argv.empty() ? std::string() : argv[0]) +
             "\": not found in PATH (--dist-ssh-command)";
    return nullptr;
  }
  spec.args = argv;
  // Close-on-exec at birth: local slots start test processes meanwhile.
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    *error = std::string("cannot make pipes for ssh: ") + std::strerror(errno);
    CloseAll({in[0], in[1], out[0], out[1], err[0], err[1]});
    return nullptr;
  }
  spec.fds = {{0, in[0]}, {1, out[1]}, {2, err[1]}};
  auto child = ChildProcess::Spawn(spec, error);
  CloseAll({in[0], out[1], err[1]});  // the child's ends
  if (!child) {
    CloseAll({in[1], out[0], err[0]});
    return nullptr;
  }
  return std::unique_ptr<SshProcess>(new SshProcess(io, std::move(child), in[1], out[0], err[0]));
}

SshProcess::SshProcess(boost::asio::io_context& io, std::unique_ptr<ChildProcess> child, int in,
                       int out, int err)
    : io_(io),
      child_(std::move(child)),
      stream_(std::make_unique<NetStream>(boost::asio::posix::stream_descriptor(io, out),
                                          boost::asio::posix::stream_descriptor(io, in))),
      stderr_(io, err),
      finish_timer_(io),
      poll_timer_(io),
      alive_(std::make_shared<bool>(true)) {
  DoReadStderr();
}

SshProcess::~SshProcess() {
  *alive_ = false;
  boost::system::error_code ignored;
  finish_timer_.cancel();
  poll_timer_.cancel();
  if (stream_) stream_->close(ignored);
  stderr_.close(ignored);
  // Closing stdin was the goodbye: the remote worker ends, then ssh. Give
  // that its time (ssh waits for the remote side), then insist.
  const auto deadline = std::chrono::steady_clock::now() + kExitGrace;
  while (!child_->TryReap() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!child_->exited()) {
    child_->KillGroup(SIGTERM);
    const auto term_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!child_->TryReap() && std::chrono::steady_clock::now() < term_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  child_.reset();  // SIGKILL and reap, if it still runs
}

void SshProcess::Terminate() {
  if (!child_->TryReap()) child_->KillGroup(SIGTERM);
}

NetStream SshProcess::TakeStream() {
  NetStream stream = std::move(*stream_);
  stream_.reset();
  return stream;
}

void SshProcess::DoReadStderr() {
  std::weak_ptr<bool> alive = alive_;
  stderr_.async_read_some(boost::asio::buffer(stderr_buffer_),
                          [this, alive](const boost::system::error_code& error, std::size_t n) {
                            if (alive.expired()) return;
                            if (error) {
                              stderr_ended_ = true;
                              CheckFinished();
                              return;
                            }
                            const std::size_t room = kMaxStderrBytes - stderr_text_.size();
                            const std::size_t kept = std::min(room, n);
                            stderr_text_.append(stderr_buffer_.data(), kept);
                            stderr_dropped_ += n - kept;
                            DoReadStderr();
                          });
}

void SshProcess::WhenFinished(std::chrono::milliseconds wait, std::function<void()> done) {
  on_finished_ = std::move(done);
  std::weak_ptr<bool> alive = alive_;
  finish_timer_.expires_after(wait);
  finish_timer_.async_wait([this, alive](const boost::system::error_code& error) {
    if (error || alive.expired() || !on_finished_) return;
    auto done = std::move(on_finished_);
    on_finished_ = nullptr;
    done();
  });
  CheckFinished();
}

void SshProcess::CheckFinished() {
  if (!on_finished_) return;
  if (stderr_ended_ && child_->TryReap()) {
    finish_timer_.cancel();
    auto done = std::move(on_finished_);
    on_finished_ = nullptr;
    boost::asio::post(io_, [alive = std::weak_ptr<bool>(alive_), done = std::move(done)] {
      if (!alive.expired()) done();
    });
    return;
  }
  // Nobody tells us when ssh exits (no SIGCHLD watch: the reaper is the
  // local slots'), so look again shortly; the finish timer bounds it.
  std::weak_ptr<bool> alive = alive_;
  poll_timer_.expires_after(std::chrono::milliseconds(10));
  poll_timer_.async_wait([this, alive](const boost::system::error_code& error) {
    if (!error && !alive.expired()) CheckFinished();
  });
}

std::string SshProcess::Diagnosis() {
  std::string text;
  if (child_->TryReap()) text += "; ssh " + DescribeWaitStatus(child_->wait_status());
  std::string said = stderr_text_;
  while (!said.empty() && (said.back() == '\n' || said.back() == '\r')) said.pop_back();
  if (!said.empty()) {
    text += (text.empty() ? "; ssh said: " : ": ") + PeerText(said, 1024);
    if (stderr_dropped_ > 0) text += " [" + std::to_string(stderr_dropped_) + " more bytes]";
  }
  return text;
}

}  // namespace gtest_dist
