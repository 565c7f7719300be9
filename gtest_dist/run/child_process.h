// A child process of the test binary, owned: killed and reaped when dropped.
#ifndef GTEST_DIST_RUN_CHILD_PROCESS_H_
#define GTEST_DIST_RUN_CHILD_PROCESS_H_

#include <sys/types.h>

#include <boost/asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gtest_dist {

class WarmTemplates;

// What to start: the executable, its argv (argv[0] first), descriptors to give
// it, and environment changes.
struct LaunchSpec {
  std::string executable;
  std::vector<std::string> args;
  // Descriptors of this process to install as (child fd <- our fd).
  std::vector<std::pair<int, int>> fds;
  std::vector<std::pair<std::string, std::string>> set_env;
  std::vector<std::string> unset_env_prefixes;  // e.g. "GTEST_DIST_"
  std::string working_directory;                // empty: ours
};

// Starts with posix_spawn (never fork() in a process that may have threads),
// in a process group of its own so that whatever the tests start can be
// killed with it, and with a tree token (process_tree_reaper.h) that marks
// what it starts.
class ChildProcess {
 public:
  // Returns null and sets `error` when the process cannot be started.
  static std::unique_ptr<ChildProcess> Spawn(const LaunchSpec& spec, std::string* error);

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool exited() const { return exited_; }
  int wait_status() const { return wait_status_; }

  // Sends `signal` to the child's whole process group.
  void KillGroup(int signal);
  // Kills the child and every process below it, setsid() or not (see
  // process_tree_reaper.h).
  void KillTree();
  // Reaps without blocking; true once the child has exited.
  bool TryReap();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool exited_ = false;
  int wait_status_ = 0;
};

// "exited with status 1", "was killed by signal 11 (Segmentation fault)":
// reads after "the test process".
std::string DescribeWaitStatus(int wait_status);

// Tells owners when their children exit. One per io_context: it owns the
// SIGCHLD handler and checks every watched child on each delivery (signals
// coalesce, so one delivery may stand for several exits).
class ChildReaper {
 public:
  explicit ChildReaper(boost::asio::io_context& io);
  ~ChildReaper();

  // `on_exit` runs on the io_context once `child` has exited and been reaped.
  void Watch(ChildProcess* child, std::function<void()> on_exit);
  void Unwatch(ChildProcess* child);
  // The warm templates of the children started with this reaper
  // (warm_child.h); they end with it.
  WarmTemplates& warm_templates();

 private:
  void DoWait();
  void CheckAll();

  boost::asio::signal_set signals_;
  std::map<ChildProcess*, std::function<void()>> watched_;
  std::unique_ptr<WarmTemplates> warm_;
};

// The path of the running executable, for starting children of it.
std::string RunningExecutablePath();

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_CHILD_PROCESS_H_
