#include "gtest_dist/modes/replay_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gtest_dist/base/temp_dir.h"

extern char** environ;

namespace gtest_dist {
namespace {

// The replay's environment: ours without GTEST_* and TEST_PREMATURE_EXIT_FILE,
// plus spec.env (which wins).
std::vector<std::string> ReplayEnvironment(const analytics::ReplaySpec& spec) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.rfind("GTEST_", 0) == 0 || entry.rfind("TEST_PREMATURE_EXIT_FILE=", 0) == 0) {
      continue;
    }
    bool overridden = false;
    for (const auto& [name, value] : spec.env) {
      overridden = overridden || entry.rfind(name + "=", 0) == 0;
    }
    if (!overridden) env.push_back(entry);
  }
  for (const auto& [name, value] : spec.env) env.push_back(name + "=" + value);
  return env;
}

constexpr std::size_t kMaxArgument = 64 * 1024;

// A temporary file of gtest flags, one a line, removed with the object.
class FlagFile {
 public:
  ~FlagFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  bool Write(const std::string& flag, std::string* error) {
    std::string name = TemporaryDirectory() + "/gtest_dist_replay_XXXXXX";
    const int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) {
      *error = "cannot create a flag file " + name + ": " + std::strerror(errno);
      return false;
    }
    path_ = name;
    const std::string line = flag + "\n";
    size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = ::write(fd, line.data() + written, line.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        *error = "cannot write the flag file " + path_ + ": " + std::strerror(errno);
        ::close(fd);
        return false;
      }
      written += static_cast<size_t>(n);
    }
    ::close(fd);
    return true;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

[[noreturn]] void ChildFail(const std::string& prefix) {
  const char* reason = std::strerror(errno);
  (void)!::write(STDERR_FILENO, prefix.data(), prefix.size());
  (void)!::write(STDERR_FILENO, reason, std::strlen(reason));
  (void)!::write(STDERR_FILENO, "\n", 1);
  ::_exit(127);
}

}  // namespace

ReplayResult RunReplay(const analytics::ReplaySpec& spec, std::chrono::milliseconds timeout) {
  ReplayResult result;
  std::vector<std::string> argv = analytics::ReplayArgv(spec);
  argv.push_back("--gtest_color=no");
  // A filter of thousands of names is longer than one argument may be
  // (MAX_ARG_STRLEN, 128 KiB): gtest reads it from a flag file instead.
  FlagFile flag_file;
  for (std::string& arg : argv) {
    if (arg.size() > kMaxArgument && arg.rfind("--gtest_filter=", 0) == 0) {
      if (!flag_file.Write(arg, &result.error)) return result;
      arg = "--gtest_flagfile=" + flag_file.path();
    }
  }
  const std::vector<std::string> env = ReplayEnvironment(spec);
  std::vector<char*> argv_c, env_c;
  for (const std::string& a : argv) argv_c.push_back(const_cast<char*>(a.c_str()));
  argv_c.push_back(nullptr);
  for (const std::string& e : env) env_c.push_back(const_cast<char*>(e.c_str()));
  env_c.push_back(nullptr);

  // Made before fork(): the child of a threaded process only writes.
  const std::string cd_error = "gtest_dist: cannot enter " + spec.directory + ": ";
  const std::string exec_error = "gtest_dist: cannot run " + spec.binary + ": ";
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.error = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return result;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    if (!spec.directory.empty() && ::chdir(spec.directory.c_str()) != 0) {
      ChildFail(cd_error);
    }
    ::execve(argv_c[0], argv_c.data(), env_c.data());
    ChildFail(exec_error);
  }
  ::setpgid(pid, pid);  // either side may win the race; both ask the same
  ::close(fds[1]);
  result.ran = true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // every writer is gone
    if (result.output.size() < kMaxReplayOutput) {
      result.output.append(
          buffer, static_cast<size_t>(std::min<std::size_t>(
                      static_cast<std::size_t>(n), kMaxReplayOutput - result.output.size())));
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // What the tests started dies with the replay.
  ::kill(-pid, SIGKILL);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.seen = analytics::ParseReplayOutput(result.output);
  return result;
}

}  // namespace gtest_dist
