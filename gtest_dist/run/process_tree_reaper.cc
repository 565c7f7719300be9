#include "gtest_dist/run/process_tree_reaper.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <map>
#include <mutex>
#include <set>

namespace gtest_dist {
namespace {

struct ProcessInfo {
  pid_t ppid = 0;
  char state = '?';
};

bool ReadSmallFile(const std::string& path, std::string* text, size_t limit) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  text->clear();
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text->append(buffer, static_cast<size_t>(n));
    if (text->size() >= limit) break;
  }
  close(fd);
  return true;
}

// "pid (comm) S ppid ...": comm may hold spaces and parentheses, so the
// fields start after the last ')'.
bool ReadProcessInfo(pid_t pid, ProcessInfo* info) {
  std::string stat;
  if (!ReadSmallFile("/proc/" + std::to_string(pid) + "/stat", &stat, 4096)) return false;
  const auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos || close_paren + 4 >= stat.size()) return false;
  info->state = stat[close_paren + 2];
  info->ppid = static_cast<pid_t>(std::atol(stat.c_str() + close_paren + 4));
  return true;
}

std::map<pid_t, ProcessInfo> AllProcesses() {
  std::map<pid_t, ProcessInfo> processes;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return processes;
  while (const dirent* entry = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    ProcessInfo info;
    if (ReadProcessInfo(static_cast<pid_t>(pid), &info)) processes[static_cast<pid_t>(pid)] = info;
  }
  closedir(proc);
  return processes;
}

// The direct children of `self` (this process), from each thread's
// /proc/self/task/TID/children: the strays' check runs on every SIGCHLD, and
// this reads a few files where a scan of /proc reads one per process on the
// machine. The scan remains for kernels built without those files.
std::map<pid_t, ProcessInfo> ChildrenOf(pid_t self) {
  std::map<pid_t, ProcessInfo> children;
  DIR* tasks = opendir("/proc/self/task");
  bool listed = false;
  if (tasks != nullptr) {
    while (const dirent* entry = readdir(tasks)) {
      if (entry->d_name[0] == '.') continue;
      std::string text;
      if (!ReadSmallFile(std::string("/proc/self/task/") + entry->d_name + "/children", &text,
                         1 << 20)) {
        continue;
      }
      listed = true;
      const char* cursor = text.c_str();
      for (;;) {
        char* end = nullptr;
        const long pid = std::strtol(cursor, &end, 10);
        if (end == cursor) break;
        cursor = end;
        ProcessInfo info;
        if (pid > 0 && ReadProcessInfo(static_cast<pid_t>(pid), &info) && info.ppid == self) {
          children[static_cast<pid_t>(pid)] = info;
        }
      }
    }
    closedir(tasks);
  }
  if (listed) return children;
  for (const auto& [pid, info] : AllProcesses()) {
    if (info.ppid == self) children[pid] = info;
  }
  return children;
}

std::vector<pid_t> DescendantsIn(const std::map<pid_t, ProcessInfo>& processes, pid_t root,
                                 bool live_only) {
  std::multimap<pid_t, pid_t> children;
  for (const auto& [pid, info] : processes) children.emplace(info.ppid, pid);
  std::vector<pid_t> found;
  std::vector<pid_t> pending = {root};
  std::set<pid_t> seen = {root};
  while (!pending.empty()) {
    const pid_t parent = pending.back();
    pending.pop_back();
    const auto range = children.equal_range(parent);
    for (auto it = range.first; it != range.second; ++it) {
      if (!seen.insert(it->second).second) continue;
      pending.push_back(it->second);
      if (!live_only || processes.at(it->second).state != 'Z') found.push_back(it->second);
    }
  }
  return found;
}

void SleepMs(long ms) {
  timespec delay{0, ms * 1000000L};
  while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
  }
}

// Reaps the children that have ended. False when this process has no child,
// ended or running.
bool ReapEndedChildren() {
  for (;;) {
    const pid_t pid = waitpid(-1, nullptr, WNOHANG);
    if (pid > 0) continue;
    return !(pid < 0 && errno == ECHILD);
  }
}

// Bounds for a tree that forks as fast as it is killed.
constexpr int kMaxKillRounds = 200;

std::mutex registry_mutex;
std::set<pid_t>& Registered() {
  static auto* registered = new std::set<pid_t>;
  return *registered;
}
std::set<pid_t>& KilledStrays() {
  static auto* killed = new std::set<pid_t>;
  return *killed;
}

bool CarriesOurToken(pid_t pid, const std::string& prefix) {
  std::string environ_text;
  // Environments are small; a test's huge one is cut, which at worst misses a
  // token placed at its very end.
  if (!ReadSmallFile("/proc/" + std::to_string(pid) + "/environ", &environ_text, 1 << 20)) {
    return false;
  }
  const std::string needle = std::string(kTreeTokenEnv) + "=" + prefix;
  size_t start = 0;
  while (start < environ_text.size()) {
    size_t end = environ_text.find('\0', start);
    if (end == std::string::npos) end = environ_text.size();
    if (environ_text.compare(start, needle.size(), needle) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

bool BecomeSubreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

std::string NewTreeToken() {
  static std::atomic<long> serial{0};
  return std::to_string(getpid()) + "." + std::to_string(++serial);
}

std::vector<pid_t> LiveDescendants(pid_t root) {
  return DescendantsIn(AllProcesses(), root, /*live_only=*/true);
}

void KillTree(pid_t root) {
  // Stopped, the root can neither start new processes nor go on to its next
  // test while its tree is killed under it.
  kill(root, SIGSTOP);
  for (int round = 0; round < kMaxKillRounds; ++round) {
    const std::vector<pid_t> live = LiveDescendants(root);
    if (live.empty()) break;
    for (pid_t pid : live) kill(pid, SIGKILL);
    SleepMs(1);
  }
  kill(-root, SIGKILL);
  kill(root, SIGKILL);
}

void KillAndReapDescendants() {
  const pid_t self = getpid();
  for (int round = 0; round < kMaxKillRounds; ++round) {
    // No child at all means no descendant either: every live descendant's
    // chain of parents reaches this process through a child of it (orphans
    // are reparented here). The common end of a chunk then reads no /proc,
    // which is most of a short-lived test process's own CPU time.
    if (!ReapEndedChildren()) return;
    const std::vector<pid_t> live = LiveDescendants(self);
    if (live.empty()) break;
    for (pid_t pid : live) kill(pid, SIGKILL);
    SleepMs(1);
  }
  // Killed grandchildren were reparented to us as zombies: reap them too.
  ReapEndedChildren();
}

void RegisterChild(pid_t pid) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  Registered().insert(pid);
}

void UnregisterChild(pid_t pid) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  Registered().erase(pid);
}

int KillStrays() {
  const pid_t self = getpid();
  const std::string prefix = std::to_string(self) + ".";
  std::lock_guard<std::mutex> lock(registry_mutex);
  // Reap only the strays we killed: other parts of the program may wait for
  // children of their own.
  for (auto it = KilledStrays().begin(); it != KilledStrays().end();) {
    const pid_t result = waitpid(*it, nullptr, WNOHANG);
    it = result == 0 ? std::next(it) : KilledStrays().erase(it);
  }
  int killed = 0;
  for (const auto& [pid, info] : ChildrenOf(self)) {
    if (info.state == 'Z' || Registered().count(pid) > 0) continue;
    if (!CarriesOurToken(pid, prefix)) continue;
    kill(pid, SIGKILL);
    KilledStrays().insert(pid);
    ++killed;
  }
  return killed;
}

}  // namespace gtest_dist
