#include "gtest_dist/run/child_process.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "gtest_dist/run/process_tree_reaper.h"
#include "gtest_dist/run/warm_child.h"

extern char** environ;

namespace gtest_dist {

std::unique_ptr<ChildProcess> ChildProcess::Spawn(const LaunchSpec& launch, std::string* error) {
  LaunchSpec spec = launch;
  spec.set_env.emplace_back(kTreeTokenEnv, NewTreeToken());
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string item(*entry);
    const std::string name = item.substr(0, item.find('='));
    bool drop = false;
    for (const std::string& prefix : spec.unset_env_prefixes) {
      drop = drop || name.rfind(prefix, 0) == 0;
    }
    for (const auto& [set_name, value] : spec.set_env) drop = drop || name == set_name;
    if (!drop) env_strings.push_back(item);
  }
  for (const auto& [name, value] : spec.set_env) env_strings.push_back(name + "=" + value);

  std::vector<char*> argv, envp;
  for (const std::string& arg : spec.args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  for (const std::string& item : env_strings) envp.push_back(const_cast<char*>(item.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (const auto& [child_fd, our_fd] : spec.fds) {
    posix_spawn_file_actions_adddup2(&actions, our_fd, child_fd);
  }
  if (!spec.working_directory.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, spec.working_directory.c_str());
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Own process group; default signal dispositions and an empty mask, whatever
  // the worker set up for itself.
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int result =
      posix_spawn(&pid, spec.executable.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (result != 0) {
    *error = "cannot start " + spec.executable + ": " + std::strerror(result);
    return nullptr;
  }
  RegisterChild(pid);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid));
}

ChildProcess::~ChildProcess() {
  if (exited_) return;
  KillTree();
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  UnregisterChild(pid_);
  KillStrays();
}

void ChildProcess::KillTree() {
  if (!exited_) gtest_dist::KillTree(pid_);
}

void ChildProcess::KillGroup(int signal) {
  // The group outlives its leader while the tests' own children live on.
  kill(-pid_, signal);
  if (!exited_) kill(pid_, signal);
}

bool ChildProcess::TryReap() {
  if (exited_) return true;
  int status = 0;
  const pid_t result = waitpid(pid_, &status, WNOHANG);
  if (result == pid_) {
    exited_ = true;
    wait_status_ = status;
    // Whatever the tests left behind in the group goes with the child, and
    // what left the group was reparented to us, a subreaper.
    kill(-pid_, SIGKILL);
    UnregisterChild(pid_);
  }
  return exited_;
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    const char* name = strsignal(signal);
    return "was killed by signal " + std::to_string(signal) + " (" +
           (name != nullptr ? name : "unknown") + ")";
  }
  return "ended with wait status " + std::to_string(wait_status);
}

ChildReaper::ChildReaper(boost::asio::io_context& io) : signals_(io, SIGCHLD) {
  // Orphans of a child that died come to us, not to init: KillStrays finds them.
  BecomeSubreaper();
  DoWait();
}

ChildReaper::~ChildReaper() {
  boost::system::error_code ignored;
  signals_.cancel(ignored);
}

void ChildReaper::Watch(ChildProcess* child, std::function<void()> on_exit) {
  watched_[child] = std::move(on_exit);
  // It may have exited before we watched it.
  boost::asio::post(signals_.get_executor(), [this] { CheckAll(); });
}

void ChildReaper::Unwatch(ChildProcess* child) { watched_.erase(child); }

WarmTemplates& ChildReaper::warm_templates() {
  if (!warm_) warm_ = std::make_unique<WarmTemplates>();
  return *warm_;
}

void ChildReaper::DoWait() {
  signals_.async_wait([this](const boost::system::error_code& error, int) {
    if (error) return;  // cancelled: shutting down
    CheckAll();
    DoWait();
  });
}

void ChildReaper::CheckAll() {
  std::vector<std::function<void()>> ready;
  for (auto it = watched_.begin(); it != watched_.end();) {
    if (it->first->TryReap()) {
      ready.push_back(std::move(it->second));
      it = watched_.erase(it);
    } else {
      ++it;
    }
  }
  // A stray we killed has died, or its own children came to us.
  KillStrays();
  for (auto& on_exit : ready) on_exit();
}

std::string RunningExecutablePath() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return std::string();
  return std::string(path, static_cast<size_t>(n));
}

}  // namespace gtest_dist
