// Warm children (issue 15): a test binary pays its start-up (loading, the
// static initialisation that registers every test, the child's index of
// them) once per executor instead of once per chunk.
//
// A template child is started like any child (posix_spawn, own sandbox, own
// tree token) but with kWarmTemplateEnv instead of a chunk channel. It gets
// as far as a child gets before it reads its chunk, says it is ready and
// waits, single-threaded. For each chunk the parent sends it the chunk's
// descriptors (output file, channel, event spill, a status pipe) and the
// variables that differ per process (TEST_TMPDIR/TMPDIR of a new sandbox,
// a new tree token); the template forks, and the forked process puts them in
// place, becomes its own process group and runs the chunk exactly as a
// spawned child (RunChild): death tests, shuffling, Environments, the
// subreaper and KillAndReapDescendants at its end are unchanged. A crash or
// a timeout costs that process only; the next one is forked from the same
// template. The template reaps its forked processes and writes each one's
// wait status into its status pipe, which is how the parent learns it.
//
// When the template cannot be used (it has threads, so fork would not be
// safe; it died; it is not ready yet), chunks are spawned as before.
#ifndef GTEST_DIST_RUN_WARM_CHILD_H_
#define GTEST_DIST_RUN_WARM_CHILD_H_

#include <sys/types.h>

#include <boost/asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/run/child_process.h"
#include "gtest_dist/run/child_sandbox.h"

namespace gtest_dist {

// Environment variable naming the control socket of a template child;
// internal, set by WarmTemplate, read and unset by the template.
constexpr char kWarmTemplateEnv[] = "GTEST_DIST_INTERNAL_TEMPLATE";
// The control socket's descriptor in the template (close-on-exec there).
constexpr int kWarmTemplateFd = 1021;
// The RunChunk setting that carries --dist-warm-children ("0": off).
constexpr char kWarmChildrenSetting[] = "dist_warm_children";
// Most variables and bytes of them a fork request carries.
constexpr std::size_t kMaxForkEnvBytes = std::size_t{16} * 1024;

// A process forked by a template for one chunk. Owned: an unfinished one is
// killed with its tree when dropped (the template reaps it).
class ForkedChild {
 public:
  ~ForkedChild();
  ForkedChild(const ForkedChild&) = delete;
  ForkedChild& operator=(const ForkedChild&) = delete;

  pid_t pid() const { return pid_; }
  bool exited() const { return state_->exited; }
  int wait_status() const { return state_->wait_status; }
  // Kills the process and every process below it (process_tree_reaper.h).
  void KillTree();
  // `on_exit` runs on the io_context once the template has reaped it (or the
  // template is gone, which kills it: then it reads as killed by SIGKILL).
  void Watch(std::function<void()> on_exit);

 private:
  friend class WarmTemplate;
  struct State {
    bool exited = false;
    int wait_status = 0;
    unsigned char bytes[4] = {};
  };
  ForkedChild(boost::asio::io_context& io, pid_t pid, int status_fd);

  pid_t pid_;
  std::shared_ptr<State> state_;
  std::shared_ptr<int> in_use_;  // its template's: a template with forked processes stays
  boost::asio::posix::stream_descriptor status_;
};

// The parent's side of one template child.
class WarmTemplate {
 public:
  // Starts a template of `spec` (the spec a chunk's child would get, without
  // the per-process parts). Null, with `error`, when it cannot be started.
  static std::unique_ptr<WarmTemplate> Start(const LaunchSpec& spec, std::string* error);
  ~WarmTemplate();
  WarmTemplate(const WarmTemplate&) = delete;
  WarmTemplate& operator=(const WarmTemplate&) = delete;

  // Whether it said it is ready (without waiting) and has not failed since.
  bool Ready();
  // Whether it failed for good (died, has threads, a request went wrong).
  bool broken() const { return broken_; }
  bool ready() const { return ready_; }  // as the last Ready() saw it
  // Its forked processes not dropped yet.
  long live() const { return in_use_.use_count() - 1; }

  // Forks a process for a chunk: `fds` as (descriptor in the process <-
  // ours), `env` set in it. Null, with `error`, when it could not; the
  // template is then broken and the caller spawns instead.
  std::unique_ptr<ForkedChild> Fork(boost::asio::io_context& io,
                                    const std::vector<std::pair<int, int>>& fds,
                                    const std::vector<std::pair<std::string, std::string>>& env,
                                    std::string* error);

 private:
  WarmTemplate() = default;
  void Break(const std::string& why);

  std::unique_ptr<ChildSandbox> sandbox_;  // before the process: removed after it
  std::unique_ptr<ChildProcess> process_;
  int control_ = -1;
  int output_fd_ = -1;
  bool ready_ = false;
  bool broken_ = false;
  std::shared_ptr<int> in_use_ = std::make_shared<int>(0);
};

// The templates of one ChildReaper's children, one per way of starting a
// child (executable, arguments, working directory, environment). At most a
// few: a worker serving many builds keeps the most recently used.
class WarmTemplates {
 public:
  WarmTemplates();
  ~WarmTemplates();

  // The template for `spec`, started when there is none; null while it is
  // not ready or when it cannot be used (spawn instead).
  WarmTemplate* Get(const LaunchSpec& spec);

  // Ends every template with no forked process alive (a worker whose last
  // supervisor left keeps no process of its build running).
  void DropIdle();

  static constexpr std::size_t kMaxTemplates = 4;

  // Whether the template for `spec` is still starting: neither ready nor
  // broken (the first chunks of an executor wait for it instead of each
  // spawning a process that pays the whole start-up).
  bool Starting(const LaunchSpec& spec) const;

 private:
  struct Entry {
    std::unique_ptr<WarmTemplate> warm;
    std::uint64_t last_used = 0;
  };
  std::map<std::string, Entry> templates_;
  std::uint64_t clock_ = 0;
};

// Starts, before the run's executors exist, the template that the chunks of
// its local slots will ask for (`spec`: ChildLaunchSpec, chunk_runner.h), so
// that the binary's start-up in it overlaps the supervisor's own (its
// catalog, the binary's digest, the history). The first WarmTemplates::Get
// of the same spec adopts it; one never adopted ends with this process.
void StartTemplateEarly(const LaunchSpec& spec);

// The child's side. If this process is a template (kWarmTemplateEnv), runs
// the template: returns only in a forked process, with the exit code of its
// chunk (RunChild). Returns -1 in any other process.
int MaybeRunWarmTemplate();

// Whether --dist-warm-children is on in this chunk's settings (the flag's
// default, on, when they do not say).
bool WarmChildrenWanted(const std::vector<std::pair<std::string, std::string>>& settings);

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_WARM_CHILD_H_
