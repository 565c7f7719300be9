#include "gtest_dist/run/chunk_runner.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gtest_dist/base/env_switch.h"
#include "gtest_dist/base/wall_clock.h"
#include "gtest_dist/model/artifact.h"
#include "gtest_dist/run/child_main.h"
#include "gtest_dist/run/output_file.h"
#include "gtest_dist/run/process_tree_reaper.h"
#include "gtest_dist/run/warm_child.h"

namespace gtest_dist {
namespace {

// The child's channel goes to descriptor kChildChannelFd, which its limit
// of open files (inherited from ours) must allow.
bool ChannelFdAllowed(std::string* error) {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur > static_cast<rlim_t>(kChildChannelFd)) {
    return true;
  }
  *error = "its channel goes to descriptor " + std::to_string(kChildChannelFd) +
           ", above the limit of open files (ulimit -n is " + std::to_string(limit.rlim_cur) +
           "); raise it to " + std::to_string(kChildChannelFd + 1) + " or more";
  return false;
}

std::string FormatSeconds(std::chrono::milliseconds ms) {
  const auto count = ms.count();
  return count % 1000 == 0 ? std::to_string(count / 1000) + " s" : std::to_string(count) + " ms";
}

// GTEST_DIST_EVENT_BATCH=0 makes children write each event at once, as
// before batching (for comparisons: bench/scale_bench.py).
bool EventBatchingEnabled() {
  static const bool kEnabled = EnvSwitchOn("GTEST_DIST_EVENT_BATCH");
  return kEnabled;
}

// GTEST_DIST_WARM_CHILDREN=off (--dist-warm-children's environment form) in a
// worker's environment spawns every child there, as before warm children.
bool WarmChildrenAllowed() {
  static const bool kAllowed = EnvSwitchOn("GTEST_DIST_WARM_CHILDREN");
  return kAllowed;
}

bool Shuffled(const protocol::GtestSettings& settings) {
  for (const auto& [name, value] : settings) {
    if (name == "shuffle" && (value == "1" || value == "true")) return true;
  }
  return false;
}

// How long to wait for the rest of a dead child's events once it has exited.
constexpr auto kDrainDeadline = std::chrono::seconds(2);

// How often a starting child is checked for having taken its chunk, and how
// long its start-up may take at least before it counts as hung (a static
// initialiser that never returns): the larger of this and the test timeout,
// so that no start-up is cut sooner than when it counted as test time.
constexpr auto kStartUpPoll = std::chrono::milliseconds(50);
constexpr auto kMinStartUpLimit = std::chrono::seconds(60);

// How long a child's channel is quiet before the runner peeks at its batch
// of events (ChunkRunner::PeekSpilledEvents). Well above the child's batch
// interval (EventBatcher::kFlushInterval, 10 ms): a child running short
// tests writes before a peek is due, so its events are never decoded twice;
// and short enough that a test start (its timeout, the live console, tail
// control) is known within a tenth of a second, below what a person watching
// notices. The timer fires at most once per this interval per running chunk.
constexpr auto kPeekQuiet = std::chrono::milliseconds(50);

}  // namespace

ChunkRunner::ChunkRunner(boost::asio::io_context& io, ChildReaper& reaper, ChildCommand command,
                         protocol::RunChunk chunk, std::string worker_name, EventHandler on_event)
    : io_(io),
      reaper_(reaper),
      command_(std::move(command)),
      chunk_(std::move(chunk)),
      worker_name_(std::move(worker_name)),
      on_event_(std::move(on_event)),
      tracker_(chunk_.tests),
      peek_timer_(io),
      drain_timer_(io),
      test_timer_(io),
      template_timer_(io) {
  for (const auto& [name, value] : chunk_.settings) {
    if (name == kTestTimeoutSetting)
      test_timeout_ = std::chrono::milliseconds(std::atoll(value.c_str()));
    if (name == kKeepTmpSetting) keep_tmp_ = value == "1";
    if (name == kArtifactsMaxSetting) {
      artifacts_max_ = std::min<std::uint64_t>(std::strtoull(value.c_str(), nullptr, 10),
                                               kMaxArtifactBytesPerTest);
    }
  }
  warm_children_ = WarmChildrenAllowed() && WarmChildrenWanted(chunk_.settings);
}

ChunkRunner::~ChunkRunner() {
  if (child_) reaper_.Unwatch(child_.get());
  if (output_fd_ >= 0) close(output_fd_);
}

void ChunkRunner::Start() {
  if (cancelled_ || WaitForTemplate()) return;
  StartChild();
}

bool ChunkRunner::WaitForTemplate() {
  // A template's start-up is a child's; a bound keeps a template that hangs
  // at start-up from holding the chunk (then it is spawned, as before).
  constexpr std::chrono::seconds kTemplateWait{30};
  constexpr std::chrono::milliseconds kPoll{10};
  if (!warm_children_) return false;
  // The template's key: the spec without what differs per process.
  const LaunchSpec common = SharedSpec();
  WarmTemplates& templates = reaper_.warm_templates();
  if (templates.Get(common) != nullptr || !templates.Starting(common)) return false;
  const auto now = std::chrono::steady_clock::now();
  if (template_wait_since_ == std::chrono::steady_clock::time_point{}) {
    template_wait_since_ = now;
  } else if (now - template_wait_since_ >= kTemplateWait) {
    return false;
  }
  auto self = shared_from_this();
  template_timer_.expires_after(kPoll);
  template_timer_.async_wait([self](const boost::system::error_code& error) {
    if (!error) self->Start();
  });
  return true;
}

void ChunkRunner::Cancel() {
  cancelled_ = true;
  drain_timer_.cancel();
  template_timer_.cancel();
  test_timer_.cancel();
  ++peek_generation_;
  peek_timer_.cancel();
  if (channel_) channel_->Close("cancelled");
  if (child_) {
    reaper_.Unwatch(child_.get());
    child_.reset();  // kills the tree and reaps
  }
  forked_.reset();  // kills the tree; its template reaps
  sandbox_.reset();
  outputs_.reset();
}

void ChunkRunner::Cut(int from_index) {
  if (finished_ || cancelled_) return;  // its ChunkFinished is out: nothing to answer
  protocol::ChunkCut reply;
  reply.chunk_id = chunk_.chunk_id;
  // Only while a child runs that claims its tests: between children (a dead
  // one's events still draining) nothing is cut.
  if (cuttable_ && (child_ || forked_) && !child_exited_ && !child_finished_chunk_) {
    const std::uint32_t limit = CutFrom(cut_.word(), static_cast<std::uint32_t>(from_index));
    if (limit < kNoCut) reply.tests = tracker_.CutFrom(static_cast<int>(limit));
  }
  Emit(std::move(reply));
}

void ChunkRunner::StartChild() {
  child_exited_ = false;
  channel_closed_ = false;
  child_finished_chunk_ = false;
  timed_out_ = false;
  start_up_timed_out_ = false;
  kept_tmp_announced_ = false;
  channel_bytes_ = 0;
  last_event_at_ = std::chrono::steady_clock::now();
  last_event_epoch_ms_ = NowEpochMs();
  if (output_fd_ >= 0) close(output_fd_);
  std::string error;
  output_fd_ = CreateUnlinkedOutputFile("gtest_dist-output", &error);
  sandbox_.reset();
  outputs_.reset();
  if (output_fd_ >= 0 && artifacts_max_ > 0) {
    outputs_ = ArtifactCollector::Create(SandboxParentDirectory(), artifacts_max_, &error);
  }
  if (output_fd_ >= 0 && error.empty()) {
    sandbox_ = ChildSandbox::Create(SandboxParentDirectory(), &error);
    if (sandbox_ && keep_tmp_) {
      sandbox_->set_keep(true);
      std::fprintf(stderr, "gtest_dist: keeping TEST_TMPDIR %s of chunk %lld (--dist-keep-tmp)\n",
                   sandbox_->path().c_str(), static_cast<long long>(chunk_.chunk_id));
    }
  }
  int sockets[2] = {-1, -1};
  if (sandbox_ && ChannelFdAllowed(&error) &&
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    error = std::string("socketpair: ") + std::strerror(errno);
  }
  if (error.empty()) {
    // What every process of this chunk starts with (the warm template's
    // key), and what is this process's own: its descriptors and variables.
    LaunchSpec own;
    own.fds = {
        {STDOUT_FILENO, output_fd_}, {STDERR_FILENO, output_fd_}, {kChildChannelFd, sockets[1]}};
    own.set_env = sandbox_->Environment();
    if (outputs_) own.set_env.push_back(outputs_->Environment());
    own.set_env.emplace_back(kChildChannelEnv, std::to_string(kChildChannelFd));
    spilling_ = spill_.fd() >= 0 && EventBatchingEnabled();
    if (spilling_) {
      spill_.Reset();
      own.fds.emplace_back(kEventSpillFd, spill_.fd());
      own.set_env.emplace_back(kEventSpillEnv, std::to_string(kEventSpillFd));
    }
    // A shuffled child runs its tests out of index order: no cut then.
    cuttable_ = cut_.word() != nullptr && !Shuffled(chunk_.settings);
    if (cuttable_) {
      ResetTailCut(cut_.word());
      own.fds.emplace_back(kTailCutFd, cut_.fd());
      own.set_env.emplace_back(kTailCutEnv, std::to_string(kTailCutFd));
    }
    StartProcess(SharedSpec(), std::move(own), &error);
    close(sockets[1]);
  }
  if (!child_ && !forked_) {
    if (sockets[0] >= 0) close(sockets[0]);
    // Nothing in this chunk can run here; say so for each test.
    for (int index : tracker_.Unfinished()) {
      FinishAsCrashed(index, "the test process could not be started: " + error, "");
    }
    Emit(protocol::ChunkFinished{chunk_.chunk_id});
    finished_ = true;
    return;
  }

  boost::asio::local::stream_protocol::socket socket(io_);
  socket.assign(boost::asio::local::stream_protocol(), sockets[0]);
  channel_ = std::make_shared<LocalConnection>(std::move(socket));
  auto self = shared_from_this();
  channel_->Start(
      [self](protocol::Message&& m) {
        // A frame a peek at the child's batch handled already is not handled twice.
        if (self->spill_.OnSocketFrame()) self->OnChildMessage(std::move(m));
      },
      [self](const std::string& reason) { self->OnChannelClosed(reason); });
  protocol::RunChunk request = chunk_;
  request.tests = tracker_.Unfinished();
  channel_->Send(request);
  if (forked_) {
    forked_->Watch([self] { self->OnChildExit(); });
  } else {
    reaper_.Watch(child_.get(), [self] { self->OnChildExit(); });
  }
  starting_ = true;
  process_started_at_ = std::chrono::steady_clock::now();
  WatchStartUp();
  ++peek_generation_;
  if (spilling_) ArmPeek(kPeekQuiet);
}

LaunchSpec ChildLaunchSpec(const ChildCommand& command,
                           const std::vector<std::pair<std::string, std::string>>& env) {
  LaunchSpec spec;
  spec.executable = command.executable;
  spec.args = command.args;
  // --dist-env first: the runner's own variables are never overridden (the
  // protocol refuses those names anyway); then what the build needs (a
  // shipped build's LD_LIBRARY_PATH).
  spec.set_env = env;
  spec.set_env.insert(spec.set_env.end(), command.set_env.begin(), command.set_env.end());
  spec.working_directory = command.working_directory;
  // A child must not act on the dist settings of whoever started the worker.
  spec.unset_env_prefixes = {"GTEST_DIST_"};
  return spec;
}

LaunchSpec ChunkRunner::SharedSpec() const { return ChildLaunchSpec(command_, chunk_.env); }

void ChunkRunner::StartProcess(const LaunchSpec& shared, LaunchSpec own, std::string* error) {
  if (warm_children_) {
    // Forked from the template of what every process of this chunk starts
    // with, given its own descriptors and variables.
    if (WarmTemplate* warm = reaper_.warm_templates().Get(shared)) {
      own.set_env.emplace_back(kTreeTokenEnv, NewTreeToken());
      std::string why;
      forked_ = warm->Fork(io_, own.fds, own.set_env, &why);
      if (forked_) return;
      own.set_env.pop_back();
    }
  }
  LaunchSpec spec = shared;
  spec.fds = std::move(own.fds);
  spec.set_env.insert(spec.set_env.end(), own.set_env.begin(), own.set_env.end());
  child_ = ChildProcess::Spawn(spec, error);
}

void ChunkRunner::ArmTimer(std::chrono::milliseconds after, void (ChunkRunner::*expired)()) {
  if (test_timeout_.count() <= 0) return;
  auto self = shared_from_this();
  const std::uint64_t generation = ++deadline_generation_;
  test_timer_.expires_after(after);
  test_timer_.async_wait([self, generation, expired](const boost::system::error_code& error) {
    if (!error && !self->DeadlineStale(generation)) ((*self).*expired)();
  });
}

void ChunkRunner::ArmTestDeadline() { ArmTimer(test_timeout_, &ChunkRunner::OnTestDeadline); }

void ChunkRunner::OnTestDeadline() {
  timed_out_ = true;
  KillChildTree();
}

bool ChunkRunner::DeadlineStale(std::uint64_t generation) const {
  // Re-arming cancels only a wait still pending: one whose deadline passed
  // while this thread was busy is already queued and comes here anyway.
  return generation != deadline_generation_ || cancelled_ || (!child_ && !forked_) || child_exited_;
}

void ChunkRunner::KillChildTree() {
  if (forked_) {
    forked_->KillTree();
  } else {
    child_->KillTree();
  }
}

void ChunkRunner::WatchStartUp() { ArmTimer(kStartUpPoll, &ChunkRunner::OnStartUpPoll); }

void ChunkRunner::OnStartUpPoll() {
  if (!starting_) return;
  if (ChunkTaken()) {
    starting_ = false;
    ArmTestDeadline();
  } else if (std::chrono::steady_clock::now() - process_started_at_ >= StartUpLimit()) {
    timed_out_ = true;
    start_up_timed_out_ = true;
    KillChildTree();
  } else {
    WatchStartUp();
  }
}

std::chrono::milliseconds ChunkRunner::StartUpLimit() const {
  return std::max<std::chrono::milliseconds>(kMinStartUpLimit, test_timeout_);
}

bool ChunkRunner::ChunkTaken() {
  if (!channel_ || channel_->closed()) return true;
  if (channel_->queued_frames() > 0) return false;
  // What we wrote and the child has not read yet (Linux: SIOCOUTQ on a Unix
  // socket). The child reads its channel only for its chunk.
  int unread = 0;
  if (ioctl(channel_->socket().native_handle(), SIOCOUTQ, &unread) != 0) return true;
  return unread == 0;
}

void ChunkRunner::OnChildMessage(protocol::Message&& message) {
  if (cancelled_) return;
  if (starting_ && !recovering_) {
    // It speaks: its start-up is over, whatever the socket said.
    starting_ = false;
    ArmTestDeadline();
  }
  // Only events that fit this chunk are passed on; a confused child must not
  // report tests it was not given.
  if (!recovering_) {
    last_event_at_ = std::chrono::steady_clock::now();
    last_event_epoch_ms_ = NowEpochMs();
  }
  if (auto* started = std::get_if<protocol::TestStarted>(&message)) {
    if (!tracker_.OnStarted(started->index)) return;
    // A start recovered from a dead child's batch happened after the last
    // event that arrived, within the batch interval.
    running_since_ = last_event_at_;
    running_since_epoch_ms_ = last_event_epoch_ms_;
    started->chunk_id = chunk_.chunk_id;
    if (keep_tmp_ && sandbox_ && !kept_tmp_announced_) {
      // Where to look, in the output of the first test that used it.
      kept_tmp_announced_ = true;
      started->output_before = "[gtest_dist] TEST_TMPDIR of this test process, kept on " +
                               worker_name_ + ": " + sandbox_->path() + "\n" +
                               started->output_before;
    }
    ArmTestDeadline();
  } else if (auto* part = std::get_if<protocol::TestPartReported>(&message)) {
    if (part->index >= 0 && tracker_.running() != part->index) return;
    part->chunk_id = chunk_.chunk_id;
  } else if (auto* test = std::get_if<protocol::TestFinished>(&message)) {
    if (!tracker_.OnFinished(test->record.index)) return;
    ArmTestDeadline();  // the next test, or the suite's tear-down, starts now
    test->chunk_id = chunk_.chunk_id;
    test->record.worker = worker_name_;
    test->record.reason.clear();
    EmitArtifacts(&test->record);
  } else if (auto* properties = std::get_if<protocol::PropertiesRecorded>(&message)) {
    properties->chunk_id = chunk_.chunk_id;
  } else if (auto* timing = std::get_if<protocol::SuiteTiming>(&message)) {
    timing->chunk_id = chunk_.chunk_id;  // set-up costs (issue 15)
  } else if (std::holds_alternative<protocol::ChunkFinished>(message)) {
    child_finished_chunk_ = true;
    return;
  } else {
    channel_->Close(std::string("unexpected ") + protocol::MessageTypeName(message) +
                    " from the test process");
    return;
  }
  Emit(std::move(message));
}

void ChunkRunner::OnChannelClosed(const std::string& /*reason*/) {
  channel_closed_ = true;
  if (channel_) channel_bytes_ = channel_->bytes_received();
  MaybeEndChild();
}

void ChunkRunner::OnChildExit() {
  child_exited_ = true;
  if (!channel_closed_) {
    // Its events are in the socket; give the reader a moment to take them.
    auto self = shared_from_this();
    drain_timer_.expires_after(kDrainDeadline);
    drain_timer_.async_wait([self](const boost::system::error_code& error) {
      if (!error && !self->channel_closed_ && self->channel_) {
        self->channel_->Close("no end of stream after the test process exited");
      }
    });
  }
  MaybeEndChild();
}

void ChunkRunner::MaybeEndChild() {
  if (cancelled_ || finished_ || !child_exited_ || !channel_closed_) return;
  drain_timer_.cancel();
  EndChild();
}

void ChunkRunner::RecoverSpilledEvents() {
  recovering_ = true;
  for (const std::string& payload : spill_.RecoverUndelivered(channel_bytes_)) {
    protocol::Message message;
    std::string error;
    if (!protocol::DecodePayload(payload, &message, &error)) break;
    OnChildMessage(std::move(message));
    if (cancelled_) break;
  }
  recovering_ = false;
}

void ChunkRunner::ArmPeek(std::chrono::steady_clock::duration after) {
  auto self = shared_from_this();
  const std::uint64_t generation = peek_generation_;
  peek_timer_.expires_after(after);
  peek_timer_.async_wait([self, generation](const boost::system::error_code& error) {
    if (!error && generation == self->peek_generation_) self->OnPeekTimer();
  });
}

void ChunkRunner::OnPeekTimer() {
  // Once the child has exited, or closed its channel, RecoverSpilledEvents
  // takes what is left.
  if (cancelled_ || child_exited_ || !channel_ || channel_->closed()) return;
  // Armed once per child and checked when it fires: no timer work per event.
  const auto quiet = std::chrono::steady_clock::now() - last_event_at_;
  if (quiet < kPeekQuiet) {
    ArmPeek(kPeekQuiet - quiet);
    return;
  }
  PeekSpilledEvents();
  ArmPeek(kPeekQuiet);
}

void ChunkRunner::PeekSpilledEvents() {
  for (const std::string& payload : spill_.Peek(channel_->bytes_received())) {
    protocol::Message message;
    std::string error;
    // The socket refuses the same bytes, and closes the channel: stop here.
    if (!protocol::DecodePayload(payload, &message, &error)) break;
    OnChildMessage(std::move(message));
    if (cancelled_ || !channel_ || channel_->closed()) break;
  }
}

void ChunkRunner::EndChild() {
  const int status = forked_ ? forked_->wait_status() : child_->wait_status();
  child_.reset();
  forked_.reset();
  sandbox_.reset();
  ++peek_generation_;
  peek_timer_.cancel();
  RecoverSpilledEvents();
  ++deadline_generation_;
  test_timer_.cancel();
  channel_.reset();
  std::string leftover = ReadLeftoverOutput();
  const std::string how =
      start_up_timed_out_
          ? "did not take its chunk within " + FormatSeconds(StartUpLimit()) +
                " of its start (loading, static initialisation); its process tree was killed"
      : timed_out_ ? "timed out after " + FormatSeconds(test_timeout_) +
                         " (--dist-test-timeout); its process tree was killed"
                   : "the test process " + DescribeWaitStatus(status);
  const Outcome outcome = timed_out_ ? Outcome::kTimeout : Outcome::kCrashed;
  const std::optional<int> running = child_finished_chunk_ ? std::nullopt : tracker_.running();
  const std::vector<int> left = child_finished_chunk_ ? std::vector<int>{} : tracker_.Unfinished();
  if (running) {
    FinishAsCrashed(*running, timed_out_ ? "the test " + how : how + " during this test",
                    std::move(leftover), outcome);
  } else if (!left.empty()) {
    // Died between tests: in SetUpTestSuite, a global Environment or static
    // initialisation. Charge the next test, so every child makes progress.
    FinishAsCrashed(left.front(),
                    (timed_out_ ? "the test process " + how : how) +
                        " before this test started (in a global Environment, "
                        "SetUpTestSuite/TearDownTestSuite or start-up)",
                    std::move(leftover), outcome);
  } else if (!(WIFEXITED(status) && WEXITSTATUS(status) <= 1)) {
    // Every test reported, then the process failed: in the global
    // Environments' TearDown or the last TearDownTestSuite (before it ended
    // the chunk), a sanitizer at exit, a static destructor. Not to be hidden.
    protocol::TestPartReported event;
    event.chunk_id = chunk_.chunk_id;
    event.part.type = TestPart::Type::kFatalFailure;
    event.part.summary = "FAILURE_ON_EXIT: " + how + " after its tests finished";
    event.part.message = event.part.summary + " (on " + worker_name_ + ")";
    event.part.output_before = std::move(leftover);
    Emit(std::move(event));
  }
  if (child_finished_chunk_ && !tracker_.done()) {
    // The child ran to its end but skipped tests it was given.
    for (int index : tracker_.Unfinished()) {
      FinishAsCrashed(index, "the test process finished without running this test", "");
    }
  }
  outputs_.reset();  // every test of this child has been charged and collected
  // A new child only for tests left to run: one started with none would
  // have nothing to do (and nothing to charge if it died).
  if (!tracker_.done() && !tracker_.Unfinished().empty()) {
    StartChild();
    return;
  }
  finished_ = true;
  Emit(protocol::ChunkFinished{chunk_.chunk_id});
}

void ChunkRunner::FinishAsCrashed(int index, const std::string& reason, std::string output,
                                  Outcome outcome) {
  protocol::TestFinished event;
  event.chunk_id = chunk_.chunk_id;
  TestRecord& record = event.record;
  record.index = index;
  record.outcome = outcome;
  record.reason = reason;
  record.worker = worker_name_;
  record.output_after = std::move(output);  // bounded by ReadBoundedOutput
  if (tracker_.running() == index) {
    record.start_timestamp_ms = running_since_epoch_ms_;
    record.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - running_since_)
                            .count();
  } else {
    record.start_timestamp_ms = NowEpochMs();
  }
  tracker_.OnFinished(index);
  EmitArtifacts(&record);
  Emit(std::move(event));
}

void ChunkRunner::EmitArtifacts(TestRecord* record) {
  if (!outputs_ || cancelled_) return;
  ArtifactCollector::Collected collected = outputs_->Collect(record->index);
  for (protocol::TestArtifact& piece : collected.pieces) {
    piece.chunk_id = chunk_.chunk_id;
    piece.index = record->index;
    Emit(std::move(piece));
  }
  if (!collected.dropped.empty()) {
    record->properties.emplace_back(kArtifactsDroppedPropertyName, std::move(collected.dropped));
  }
}

std::string ChunkRunner::ReadLeftoverOutput() { return ReadBoundedOutput(output_fd_); }

void ChunkRunner::Emit(protocol::Message message) {
  if (!cancelled_ && on_event_) on_event_(std::move(message));
}

}  // namespace gtest_dist
