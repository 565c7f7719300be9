#include "gtest_dist/run/warm_child.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>

#include "gtest_dist/run/child_main.h"
#include "gtest_dist/run/event_batcher.h"
#include "gtest_dist/run/output_file.h"
#include "gtest_dist/run/process_tree_reaper.h"

namespace gtest_dist {
namespace {

// What the template says: ready (value: 0, or the number of threads that
// make fork unsafe), or the pid it forked (negative: -errno).
struct TemplateReply {
  char kind;  // 'R' or 'P'
  std::int32_t value;
};

constexpr int kMaxForkFds = 8;

bool SendWithFds(int socket, const std::string& payload, const std::vector<int>& fds) {
  iovec data{const_cast<char*>(payload.data()), payload.size()};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxForkFds)] = {};
  if (!fds.empty()) {
    message.msg_control = control;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    const ssize_t n = sendmsg(socket, &message, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<size_t>(n) == payload.size();
    if (errno != EINTR) return false;
  }
}

// Receives one message and the descriptors sent with it (close-on-exec).
// 0: the peer is gone; -1: an error.
ssize_t ReceiveWithFds(int socket, std::string* payload, std::vector<int>* fds) {
  payload->assign(kMaxForkEnvBytes + 1024, '\0');
  iovec data{&(*payload)[0], payload->size()};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxForkFds)] = {};
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  fds->clear();
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof fd);
      fds->push_back(fd);
    }
  }
  if (n < 0 || (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    for (int fd : *fds) close(fd);
    fds->clear();
    return -1;
  }
  payload->resize(static_cast<size_t>(n));
  return n;
}

int CountThreads() {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return 0;  // unknown: no /proc, so no fork either
  int count = 0;
  while (const dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(tasks);
  return count;
}

// The request: "<child fd>\0" for each descriptor sent, in order, then
// "\0", then "NAME=VALUE\0" for each variable.
std::string EncodeRequest(const std::vector<std::pair<int, int>>& fds,
                          const std::vector<std::pair<std::string, std::string>>& env) {
  std::string out;
  for (const auto& [child_fd, ours] : fds) out += std::to_string(child_fd) + '\0';
  out += '\0';
  for (const auto& [name, value] : env) out += name + "=" + value + '\0';
  return out;
}

bool DecodeRequest(const std::string& payload, size_t fd_count, std::vector<int>* targets,
                   std::vector<std::string>* env) {
  size_t at = 0;
  for (;;) {
    const size_t end = payload.find('\0', at);
    if (end == std::string::npos) return false;
    if (end == at) {
      at = end + 1;
      break;
    }
    targets->push_back(std::atoi(payload.c_str() + at));
    at = end + 1;
  }
  if (targets->size() != fd_count) return false;
  while (at < payload.size()) {
    const size_t end = payload.find('\0', at);
    if (end == std::string::npos) return false;
    env->push_back(payload.substr(at, end - at));
    at = end + 1;
  }
  return true;
}

}  // namespace

// ---- the parent's side ----

ForkedChild::ForkedChild(boost::asio::io_context& io, pid_t pid, int status_fd)
    : pid_(pid), state_(std::make_shared<State>()), status_(io, status_fd) {}

ForkedChild::~ForkedChild() {
  if (!state_->exited) gtest_dist::KillTree(pid_);
  boost::system::error_code ignored;
  status_.close(ignored);
}

void ForkedChild::KillTree() {
  if (!state_->exited) gtest_dist::KillTree(pid_);
}

void ForkedChild::Watch(std::function<void()> on_exit) {
  auto state = state_;
  boost::asio::async_read(
      status_, boost::asio::buffer(state->bytes, sizeof state->bytes),
      [state, on_exit = std::move(on_exit)](const boost::system::error_code& error, size_t n) {
        if (error == boost::asio::error::operation_aborted) return;  // dropped
        std::int32_t status = SIGKILL;  // the template is gone: so is its process
        if (!error && n == sizeof state->bytes) std::memcpy(&status, state->bytes, sizeof status);
        state->exited = true;
        state->wait_status = status;
        // What a crashed process left running was reparented to us, not to
        // the template (no subreaper): no SIGCHLD of ours says so.
        KillStrays();
        on_exit();
      });
}

std::unique_ptr<WarmTemplate> WarmTemplate::Start(const LaunchSpec& base, std::string* error) {
  std::unique_ptr<WarmTemplate> warm(new WarmTemplate());
  warm->output_fd_ = CreateUnlinkedOutputFile("gtest_dist-template", error);
  if (warm->output_fd_ < 0) return nullptr;
  warm->sandbox_ = ChildSandbox::Create(SandboxParentDirectory(), error);
  if (!warm->sandbox_) return nullptr;
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) {
    *error = std::string("socketpair: ") + std::strerror(errno);
    return nullptr;
  }
  LaunchSpec spec = base;
  spec.fds = {{STDOUT_FILENO, warm->output_fd_},
              {STDERR_FILENO, warm->output_fd_},
              {kWarmTemplateFd, sockets[1]}};
  for (auto& variable : warm->sandbox_->Environment()) spec.set_env.push_back(std::move(variable));
  spec.set_env.emplace_back(kWarmTemplateEnv, std::to_string(kWarmTemplateFd));
  warm->process_ = ChildProcess::Spawn(spec, error);
  close(sockets[1]);
  if (!warm->process_) {
    close(sockets[0]);
    return nullptr;
  }
  warm->control_ = sockets[0];
  return warm;
}

WarmTemplate::~WarmTemplate() {
  if (control_ >= 0) close(control_);  // the template ends when it reads this
  process_.reset();                    // kills what is left and reaps
  if (output_fd_ >= 0) close(output_fd_);
}

void WarmTemplate::Break(const std::string& why) {
  if (broken_) return;
  broken_ = true;
  std::fprintf(stderr, "gtest_dist: warm children off for this binary: %s\n", why.c_str());
}

bool WarmTemplate::Ready() {
  if (broken_ || ready_) return ready_ && !broken_;
  TemplateReply reply{};
  const ssize_t n = recv(control_, &reply, sizeof reply, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
  if (n != static_cast<ssize_t>(sizeof reply) || reply.kind != 'R') {
    Break("its template process " + std::string(n == 0 ? "ended at start-up" : "failed to start"));
    return false;
  }
  if (reply.value != 0) {
    Break("the binary runs " + std::to_string(reply.value) +
          " threads before its tests start, so a process of it cannot be forked safely");
    return false;
  }
  ready_ = true;
  return true;
}

std::unique_ptr<ForkedChild> WarmTemplate::Fork(
    boost::asio::io_context& io, const std::vector<std::pair<int, int>>& fds,
    const std::vector<std::pair<std::string, std::string>>& env, std::string* error) {
  if (!Ready()) {
    *error = "the template is not ready";
    return nullptr;
  }
  const std::string request = EncodeRequest(fds, env);
  int status_pipe[2];
  if (request.size() > kMaxForkEnvBytes || fds.size() + 1 > kMaxForkFds ||
      pipe2(status_pipe, O_CLOEXEC) != 0) {
    *error = "cannot make a fork request";
    Break(*error);
    return nullptr;
  }
  std::vector<int> sent;
  for (const auto& [child_fd, ours] : fds) sent.push_back(ours);
  sent.push_back(status_pipe[1]);
  const bool ok = SendWithFds(control_, request, sent);
  close(status_pipe[1]);
  TemplateReply reply{};
  if (ok) {
    // The template answers at once (it forks and replies); a bound keeps a
    // stuck template from stopping this thread.
    pollfd wait{control_, POLLIN, 0};
    int ready;
    do {
      ready = poll(&wait, 1, 5000);
    } while (ready < 0 && errno == EINTR);
    if (ready != 1 ||
        recv(control_, &reply, sizeof reply, 0) != static_cast<ssize_t>(sizeof reply)) {
      reply.kind = 0;
    }
  }
  if (!ok || reply.kind != 'P' || reply.value <= 0) {
    close(status_pipe[0]);
    *error = reply.kind == 'P' ? std::string("fork: ") + std::strerror(-reply.value)
                               : "the template process did not answer";
    Break(*error);
    return nullptr;
  }
  std::unique_ptr<ForkedChild> child(new ForkedChild(io, reply.value, status_pipe[0]));
  child->in_use_ = in_use_;
  return child;
}

WarmTemplates::WarmTemplates() = default;
WarmTemplates::~WarmTemplates() = default;

namespace {

std::string TemplateKey(const LaunchSpec& spec) {
  std::string key = spec.executable + '\0' + spec.working_directory + '\0';
  for (const std::string& arg : spec.args) key += arg + '\0';
  key += '\0';
  for (const auto& [name, value] : spec.set_env) key += name + '=' + value + '\0';
  return key;
}

// The template StartTemplateEarly started, until a WarmTemplates adopts it.
struct EarlyTemplate {
  std::string key;
  std::unique_ptr<WarmTemplate> warm;
};

EarlyTemplate& TheEarlyTemplate() {
  static EarlyTemplate early;
  return early;
}

}  // namespace

void StartTemplateEarly(const LaunchSpec& spec) {
  EarlyTemplate& early = TheEarlyTemplate();
  if (early.warm) return;
  std::string error;
  early.warm = WarmTemplate::Start(spec, &error);
  early.key = TemplateKey(spec);
}

bool WarmTemplates::Starting(const LaunchSpec& spec) const {
  const auto it = templates_.find(TemplateKey(spec));
  return it != templates_.end() && it->second.warm && !it->second.warm->broken() &&
         !it->second.warm->ready();
}

WarmTemplate* WarmTemplates::Get(const LaunchSpec& spec) {
  const std::string key = TemplateKey(spec);
  ++clock_;
  auto it = templates_.find(key);
  if (it == templates_.end()) {
    if (templates_.size() >= kMaxTemplates) {
      // The least recently used goes (its forked processes die with it, so
      // only one whose last use is long past: the oldest).
      auto oldest = templates_.begin();
      for (auto at = templates_.begin(); at != templates_.end(); ++at) {
        if (at->second.last_used < oldest->second.last_used) oldest = at;
      }
      if (oldest->second.warm && oldest->second.warm->live() > 0) return nullptr;
      templates_.erase(oldest);
    }
    std::string error;
    Entry entry;
    EarlyTemplate& early = TheEarlyTemplate();
    if (early.warm && early.key == key) {
      entry.warm = std::move(early.warm);  // started before the run's executors
    } else {
      entry.warm = WarmTemplate::Start(spec, &error);
    }
    it = templates_.emplace(key, std::move(entry)).first;
  }
  it->second.last_used = clock_;
  WarmTemplate* warm = it->second.warm.get();
  return warm != nullptr && warm->Ready() ? warm : nullptr;
}

void WarmTemplates::DropIdle() {
  for (auto it = templates_.begin(); it != templates_.end();) {
    const bool idle = !it->second.warm || it->second.warm->live() == 0;
    it = idle ? templates_.erase(it) : std::next(it);
  }
}

bool WarmChildrenWanted(const std::vector<std::pair<std::string, std::string>>& settings) {
  for (const auto& [name, value] : settings) {
    if (name == kWarmChildrenSetting) return value != "0";
  }
  return true;
}

// ---- the template's side ----

namespace {

// In the forked process: the chunk's descriptors and variables in place,
// nothing of the template's left open. Returns false if that failed (the
// process then exits before it runs anything).
bool BecomeChunkProcess(const std::vector<int>& fds, const std::vector<int>& targets,
                        const std::vector<std::string>& env, int control, int signals,
                        const std::map<pid_t, int>& status_fds, const std::string& startup,
                        const struct sigaction& broken_pipe) {
  setpgid(0, 0);
  sigaction(SIGPIPE, &broken_pipe, nullptr);  // as the binary's start-up left it
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  close(signals);
  close(control);
  for (const auto& [pid, fd] : status_fds) close(fd);
  close(fds.back());  // the status pipe is the template's
  // Descriptors in place; a target that is some other received descriptor's
  // number is freed first by moving that one out of the way.
  std::vector<int> sources(fds.begin(), fds.end() - 1);
  for (size_t i = 0; i < sources.size(); ++i) {
    for (size_t j = 0; j < targets.size(); ++j) {
      if (sources[i] == targets[j] && i != j) {
        const int moved = fcntl(sources[i], F_DUPFD_CLOEXEC, 1024);
        if (moved < 0) return false;
        close(sources[i]);
        sources[i] = moved;
      }
    }
  }
  bool spill_given = false;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (dup2(sources[i], targets[i]) < 0) return false;
    spill_given = spill_given || targets[i] == kEventSpillFd;
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    bool kept = false;
    for (int target : targets) kept = kept || sources[i] == target;
    if (!kept) close(sources[i]);
  }
  if (!spill_given) close(kEventSpillFd);
  for (const std::string& item : env) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0) return false;
    setenv(item.substr(0, equals).c_str(), item.c_str() + equals + 1, 1);
  }
  // What the binary printed at start-up, as a spawned child would have.
  if (!startup.empty()) {
    size_t done = 0;
    while (done < startup.size()) {
      const ssize_t n = write(STDOUT_FILENO, startup.data() + done, startup.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  return true;
}

}  // namespace

int MaybeRunWarmTemplate() {
  const char* value = std::getenv(kWarmTemplateEnv);
  if (value == nullptr) return -1;
  const int control = std::atoi(value);
  unsetenv(kWarmTemplateEnv);
  fcntl(control, F_SETFD, FD_CLOEXEC);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) std::_Exit(5);

  // Everything a chunk process would do before it reads its chunk, once.
  PrepareChildIndex();
  std::fflush(stdout);
  std::fflush(stderr);
  std::cout.flush();
  std::cerr.flush();
  const off_t printed = lseek(STDOUT_FILENO, 0, SEEK_CUR);
  std::string startup =
      ReadBoundedOutput(STDOUT_FILENO, printed > 0 ? static_cast<std::uint64_t>(printed) : 0);
  if (ftruncate(STDOUT_FILENO, 0) == 0) lseek(STDOUT_FILENO, 0, SEEK_SET);

  // A status pipe whose reader is gone (the parent dropped a process it was
  // killing: its supervisor left) must not end the template, and with it
  // every process it forked for other chunks and other supervisors.
  struct sigaction ignore {};
  struct sigaction broken_pipe {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &broken_pipe);

  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  sigprocmask(SIG_BLOCK, &child_signal, nullptr);
  const int signals = signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK);
  const int threads = CountThreads();
  TemplateReply ready{'R', signals < 0 ? -1 : (threads == 1 ? 0 : threads)};
  if (send(control, &ready, sizeof ready, MSG_NOSIGNAL) != sizeof ready || ready.value != 0) {
    std::_Exit(0);
  }

  std::map<pid_t, int> status_fds;  // forked process -> its status pipe
  for (;;) {
    pollfd waits[2] = {{control, POLLIN, 0}, {signals, POLLIN, 0}};
    if (poll(waits, 2, -1) < 0) {
      if (errno == EINTR) continue;
      std::_Exit(6);
    }
    if (waits[1].revents != 0) {
      signalfd_siginfo info;
      while (read(signals, &info, sizeof info) == sizeof info) {
      }
      int status = 0;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        const auto it = status_fds.find(pid);
        if (it == status_fds.end()) continue;
        const std::int32_t word = status;
        (void)!write(it->second, &word, sizeof word);
        close(it->second);
        status_fds.erase(it);
      }
    }
    if (waits[0].revents == 0) continue;
    std::string payload;
    std::vector<int> fds;
    const ssize_t n = ReceiveWithFds(control, &payload, &fds);
    if (n == 0) std::_Exit(0);  // the parent is done with us
    std::vector<int> targets;
    std::vector<std::string> env;
    TemplateReply reply{'P', -EINVAL};
    if (n > 0 && !fds.empty() && DecodeRequest(payload, fds.size() - 1, &targets, &env)) {
      if (CountThreads() != 1) {
        reply.value = -EDEADLK;  // a thread appeared: fork is no longer safe
      } else {
        std::fflush(nullptr);
        const pid_t pid = fork();
        if (pid == 0) {
          if (!BecomeChunkProcess(fds, targets, env, control, signals, status_fds, startup,
                                  broken_pipe)) {
            std::_Exit(7);
          }
          return RunChild(TakeChildChannel());
        }
        reply.value = pid > 0 ? pid : -errno;
        if (pid > 0) {
          status_fds[pid] = fds.back();
          fds.pop_back();
        }
      }
    }
    for (int fd : fds) close(fd);
    if (send(control, &reply, sizeof reply, MSG_NOSIGNAL) != sizeof reply) std::_Exit(0);
  }
}

}  // namespace gtest_dist
