// Runs one chunk in child processes of the test binary and streams its events.
// A child that dies costs one test: the running test is CRASHED with the
// child's exit status and output, and the tests that had not run yet go to a
// new child. Used by worker daemons and by the supervisor's local slots.
#ifndef GTEST_DIST_RUN_CHUNK_RUNNER_H_
#define GTEST_DIST_RUN_CHUNK_RUNNER_H_

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gtest_dist/protocol/frame_connection.h"
#include "gtest_dist/protocol/protocol.h"
#include "gtest_dist/run/artifact_collector.h"
#include "gtest_dist/run/child_process.h"
#include "gtest_dist/run/child_sandbox.h"
#include "gtest_dist/run/chunk_tracker.h"
#include "gtest_dist/run/event_batcher.h"
#include "gtest_dist/run/tail_cut.h"
#include "gtest_dist/run/warm_child.h"

namespace gtest_dist {

// How to start a child: this binary and the arguments it was given, minus the
// dist flags.
struct ChildCommand {
  std::string executable;
  std::vector<std::string> args;  // argv[0] first
  // A shipped build (gtest_dist worker): the children's working directory
  // (empty: the runner's own) and environment variables set for them
  // (LD_LIBRARY_PATH naming the build's libraries).
  std::string working_directory;
  std::vector<std::pair<std::string, std::string>> set_env;
};

// What every process of a chunk run by `command` with the chunk's `env`
// starts with, before its own descriptors and variables: the spawn's base and
// the warm template's key (warm_child.h).
LaunchSpec ChildLaunchSpec(const ChildCommand& command,
                           const std::vector<std::pair<std::string, std::string>>& env);

// The RunChunk setting that carries --dist-test-timeout to the worker, in ms.
// The child ignores it.
constexpr char kTestTimeoutSetting[] = "dist_test_timeout_ms";

class ChunkRunner : public std::enable_shared_from_this<ChunkRunner> {
 public:
  // Receives TestStarted, TestPartReported, TestFinished and
  // PropertiesRecorded events with the chunk's id, then one ChunkFinished.
  using EventHandler = std::function<void(protocol::Message&&)>;

  ChunkRunner(boost::asio::io_context& io, ChildReaper& reaper, ChildCommand command,
              protocol::RunChunk chunk, std::string worker_name, EventHandler on_event);
  ~ChunkRunner();

  void Start();
  // Kills the child; no event is delivered after this.
  void Cancel();
  // Tail control (tail_cut.h): the tests from index `from_index` on that the
  // child has not claimed are taken from the chunk. Emits one ChunkCut with
  // them (none when the chunk is shuffled, between children or done with);
  // nothing once the chunk's ChunkFinished went out.
  void Cut(int from_index);

  std::int64_t chunk_id() const { return chunk_.chunk_id; }

 private:
  void StartChild();
  // With warm children, while the executor's template is still starting:
  // waits for it (polling, at most kTemplateWait) instead of spawning a
  // process that pays the whole start-up beside it, and returns true; the
  // chunk then starts from the timer.
  bool WaitForTemplate();
  // Forks the child from the warm template of `shared` (warm_child.h) with
  // `own` descriptors and variables when it can, else spawns `shared` plus
  // `own`; sets child_ or forked_, or `error`.
  void StartProcess(const LaunchSpec& shared, LaunchSpec own, std::string* error);
  void OnChildMessage(protocol::Message&& message);
  void OnChannelClosed(const std::string& reason);
  void OnChildExit();
  void MaybeEndChild();
  void EndChild();
  void Emit(protocol::Message message);
  void FinishAsCrashed(int index, const std::string& reason, std::string output,
                       Outcome outcome = Outcome::kCrashed);
  // (Re)starts the per-test deadline; a child silent in one test (or between
  // tests) past it is killed and the test is TIMEOUT.
  void ArmTestDeadline();
  // While the child starts (exec, loading, static initialisation), checks
  // every kStartUpPoll whether it has taken its chunk: the test deadline runs
  // from then on. A start-up slowed by load (a sanitizer build on a busy
  // machine, beside a warm template's own start-up) is no test's time.
  void WatchStartUp();
  // Whether the child has read all of its RunChunk.
  bool ChunkTaken();
  // What every process of this chunk is started with, before its own
  // descriptors and variables: also the key of its warm template.
  LaunchSpec SharedSpec() const;
  // How long a start-up may take before the child counts as hung.
  std::chrono::milliseconds StartUpLimit() const;
  // Arms the one deadline timer (no timeout: none): `expired` runs after
  // `after` unless it was re-armed meanwhile, cancelled, or the child is gone.
  void ArmTimer(std::chrono::milliseconds after, void (ChunkRunner::*expired)());
  void OnTestDeadline();
  void OnStartUpPoll();
  // Whether a deadline armed as `generation` no longer applies: re-armed
  // since, cancelled, or its child gone.
  bool DeadlineStale(std::uint64_t generation) const;
  // Kills the running child's process tree, spawned or forked.
  void KillChildTree();
  std::string ReadLeftoverOutput();
  // Handles the events a dead child batched but never wrote (event_batcher.h).
  void RecoverSpilledEvents();
  // While the child runs: when its channel has been quiet for kPeekQuiet,
  // handles the events it batched but has not written (a test it started and
  // the end of the one before), so that a start is known without a write.
  // One timer per child, armed once and re-armed when it fires.
  void ArmPeek(std::chrono::steady_clock::duration after);
  void OnPeekTimer();
  void PeekSpilledEvents();
  // Sends what the test of `record` left in its outputs directory
  // (--dist-artifacts), before its end; what was not kept goes in `record`.
  void EmitArtifacts(TestRecord* record);

  boost::asio::io_context& io_;
  ChildReaper& reaper_;
  ChildCommand command_;
  protocol::RunChunk chunk_;
  std::string worker_name_;
  EventHandler on_event_;
  ChunkTracker tracker_;

  // The current child's private temporary directory: declared before the
  // child so that the child (and its tree) is gone before it is removed.
  std::unique_ptr<ChildSandbox> sandbox_;
  bool keep_tmp_ = false;            // --dist-keep-tmp
  bool kept_tmp_announced_ = false;  // for the current child
  // The current child's test outputs (--dist-artifacts); null when off.
  std::unique_ptr<ArtifactCollector> outputs_;
  std::uint64_t artifacts_max_ = 0;  // per test; 0: off
  // The current child and its channel and output file.
  std::unique_ptr<ChildProcess> child_;
  std::unique_ptr<ForkedChild> forked_;  // instead of child_, when warm
  bool warm_children_ = true;            // --dist-warm-children
  std::shared_ptr<LocalConnection> channel_;
  int output_fd_ = -1;
  EventSpill spill_;       // the child's unwritten batch of events
  bool spilling_ = false;  // the current child batches in spill_
  boost::asio::steady_timer peek_timer_;
  std::uint64_t peek_generation_ = 0;  // bumped per child: an old peek does nothing
  TailCutRegion cut_;                  // shared with the child (tail_cut.h)
  bool cuttable_ = false;              // the current child claims its tests in the word
  std::uint64_t channel_bytes_ = 0;    // read from the current child's channel
  std::chrono::steady_clock::time_point last_event_at_;
  std::int64_t last_event_epoch_ms_ = 0;
  bool recovering_ = false;
  bool child_exited_ = false;
  bool channel_closed_ = false;
  bool child_finished_chunk_ = false;
  std::chrono::steady_clock::time_point running_since_;
  std::int64_t running_since_epoch_ms_ = 0;
  boost::asio::steady_timer drain_timer_;
  boost::asio::steady_timer test_timer_;
  std::chrono::milliseconds test_timeout_{0};  // 0: none
  bool timed_out_ = false;
  // Bumped by every (re)arming: a handler of an older deadline that had
  // already been queued when it was re-armed or cancelled does nothing.
  std::uint64_t deadline_generation_ = 0;
  bool starting_ = false;            // the current child has not taken its chunk
  bool start_up_timed_out_ = false;  // ... and was killed for it (kMaxStartUp)
  std::chrono::steady_clock::time_point process_started_at_;
  bool cancelled_ = false;
  bool finished_ = false;
  // Waiting for a starting template (WaitForTemplate).
  boost::asio::steady_timer template_timer_;
  std::chrono::steady_clock::time_point template_wait_since_{};
};

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_CHUNK_RUNNER_H_
