#include "gtest_dist/supervisor/supervisor.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "gtest_dist/base/env_switch.h"
#include "gtest_dist/base/wall_clock.h"
#include "gtest_dist/model/artifact.h"

namespace gtest_dist {
namespace {

// The chunk an event belongs to and the test it is about (-1 for none).
std::pair<std::int64_t, int> EventAddress(const protocol::Message& event) {
  std::int64_t chunk_id = 0;
  int index = -1;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::TestStarted> ||
                      std::is_same_v<T, protocol::TestPartReported> ||
                      std::is_same_v<T, protocol::TestArtifact>) {
          chunk_id = m.chunk_id;
          index = m.index;
        } else if constexpr (std::is_same_v<T, protocol::TestFinished>) {
          chunk_id = m.chunk_id;
          index = m.record.index;
        } else if constexpr (std::is_same_v<T, protocol::PropertiesRecorded> ||
                             std::is_same_v<T, protocol::ChunkCut> ||
                             std::is_same_v<T, protocol::SuiteTiming> ||
                             std::is_same_v<T, protocol::ChunkFinished>) {
          chunk_id = m.chunk_id;
        }
      },
      event);
  return {chunk_id, index};
}

}  // namespace

Supervisor::Supervisor(boost::asio::io_context& io, const SupervisorConfig& config,
                       const RunPlan& plan, ExecutorFactory& executors)
    : config_(config),
      plan_(plan),
      io_(io),
      lock_plan_(*plan.catalog, plan.selected, config_.lock_rules, protocol::kMaxChunkTests),
      scheduler_(*plan.catalog, lock_plan_.free_tests(), 1, config_.estimate,
                 plan.shuffle ? std::optional<unsigned>(static_cast<unsigned>(plan.random_seed))
                              : std::nullopt),
      policy_(&scheduler_, DispatchOptions{plan.retries, config_.fallback_local_slots},
              [this](int index) { return assembler_.IsFinal(index); }),
      builder_(plan, config_.parts_before_run),
      pool_(io, executors, config_.reconnect_interval) {
  scheduler_.SetMinChunkTests(config_.min_chunk_tests);
  scheduler_.SetMaxChunkTests(protocol::kMaxChunkTests);  // what a run_chunk may carry
  if (!config_.lock_rules.empty()) policy_.SetLockPlan(&lock_plan_);
  if (!config_.artifacts_dir.empty()) {
    artifacts_ = std::make_unique<ArtifactStore>(
        config_.artifacts_dir + "/" +
            ArtifactRunDirName(plan.start_timestamp_ms, getpid(), plan.iteration),
        config_.artifacts_max_per_test, kMaxArtifactBytesPerRun);
  }
  // Shuffled, each child orders its own chunk by the seed, so the chunks must
  // not depend on measured start-up times: the same seed gives the same order.
  // Each speed-up can be switched off for comparisons (bench/scale_bench.py).
  size_for_startup_ = EnvSwitchOn("GTEST_DIST_CHUNK_SIZING") && !plan.shuffle;
  tail_split_ = EnvSwitchOn("GTEST_DIST_TAIL_SPLIT") && !plan.shuffle;
  scheduler_.SetBalancedByCuts(tail_split_);
  // Set-up-aware planning needs durations in ms to weigh set-ups against;
  // shuffled, the plan must not depend on what this run measures.
  price_setups_ = EnvSwitchOn("GTEST_DIST_SETUP_PRICING") && !plan.shuffle && config_.estimate &&
                  !config_.setup_costs.empty();
  if (price_setups_) {
    setup_costs_ = SuiteSetupCosts(config_.setup_costs);
    scheduler_.SetSetupCosts(&setup_costs_);
  }
}

Supervisor::~Supervisor() = default;

void Supervisor::Note(const std::string& line) {
  if (config_.note) {
    config_.note(line);
    return;
  }
  // Diagnostics go to stderr so that stdout stays gtest's report.
  std::fprintf(stderr, "gtest_dist: %s\n", line.c_str());
  std::fflush(stderr);
}

int Supervisor::Run() {
  const auto started = std::chrono::steady_clock::now();
  for (RunListener* listener : listeners_) listener->OnRunStart(plan_);

  Executor::Callbacks callbacks;
  callbacks.on_ready = [this](Executor* e) { OnReady(e); };
  callbacks.on_event = [this](Executor* e, protocol::Message&& m) { OnEvent(e, std::move(m)); };
  callbacks.on_lost = [this](Executor* e, const std::string& reason, LossKind kind) {
    OnLost(e, reason, kind);
  };
  callbacks.on_shipped = [this](Executor*, const WorkerShipping& s) { OnShipped(s); };
  pool_.SetCallbacks(std::move(callbacks), [this](int id) { policy_.OnRestarted(id); });
  for (const WorkerAddress& address : config_.workers) AddExecutor(address);

  MaybeFinish();  // nothing selected: done at once
  if (!finished_) io_.run();
  CloseBurst();  // its handler may never have run: the end came first

  builder_.SetElapsed(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count());
  builder_.SetProcesses(process_log_.Take());
  if (config_.triage && !builder_.summary().interrupted) {
    builder_.SetTriage(config_.triage(builder_.summary()));
  }
  for (RunListener* listener : listeners_) listener->OnRunEnd(builder_.summary());
  return builder_.summary().ExitCode();  // the model's verdict, as every report's
}

void Supervisor::AddExecutor(const WorkerAddress& address) {
  // The policy knows it before it can call back.
  policy_.AddExecutor();
  retry_noted_.push_back(false);
  pool_.Add(address);
}

void Supervisor::OnReady(Executor* executor) {
  const int id = pool_.IdOf(executor);
  if (id < 0) return;
  if (retry_noted_[id]) Note("worker " + executor->name() + " is back");
  retry_noted_[id] = false;
  policy_.OnReady(id, executor->slots());
  Dispatch();
}

void Supervisor::OnShipped(const WorkerShipping& shipping) {
  Note(ShippingLine(shipping));
  builder_.AddShipping(shipping);
  for (RunListener* l : listeners_) l->OnWorkerShipped(shipping);
}

void Supervisor::Dispatch() {
  if (finished_) return;
  if (size_for_startup_) scheduler_.SetMinChunkCost(sizing_.MinChunkCost());
  if (price_setups_) scheduler_.SetStartupCost(sizing_.startup_ms());
  for (Assignment& assignment : policy_.Dispatch()) {
    if (finished_) return;  // an executor answered at once and that was the end
    // The first suite's set-up runs before the first test: not start-up.
    const double first_setup =
        price_setups_ && !assignment.tests.empty()
            ? scheduler_.SetupCostOfSuite(scheduler_.SuiteOfTest(assignment.tests.front()))
            : 0;
    sizing_.OnDispatched(assignment.chunk_id, scheduler_.CostOf(assignment.tests), SteadyMs(),
                         first_setup);
    protocol::RunChunk chunk;
    chunk.chunk_id = assignment.chunk_id;
    chunk.tests = std::move(assignment.tests);
    chunk.settings = config_.settings;
    chunk.env = config_.child_env;
    if (config_.fail_fast) chunk.settings.emplace_back("fail_fast", "1");
    if (plan_.shuffle) {
      // Each child shuffles its own tests with the run's seed.
      chunk.settings.emplace_back("shuffle", "1");
      chunk.settings.emplace_back("random_seed", std::to_string(plan_.random_seed));
    }
    pool_.at(assignment.executor).Run(chunk);
  }
  if (!finished_) AskTailCuts();
}

void Supervisor::AskTailCuts() {
  if (!tail_split_) return;
  tail_checked_ms_ = SteadyMs();
  // Costs in the scheduler's units; before a chunk has ended nothing is
  // measured, and a start-up counts as one test.
  const double now = SteadyMs();
  const double per_cost = sizing_.ms_per_cost();
  // What the tail's process will take to start now: at the end of a run,
  // when many start at once, many times the shortest start-up.
  const double startup_ms = sizing_.CurrentStartupMs(now);
  TailSplitCosts costs;
  costs.startup = per_cost > 0 && startup_ms >= 0 ? startup_ms / per_cost : 1;
  // The tail's process runs its first suite's set-up again (counted even
  // when the cut falls on a suite's first test: a cheap over-estimate).
  if (price_setups_ && per_cost > 0) {
    costs.repeated_setup = [this, per_cost](int first) {
      return scheduler_.SetupCostOfSuite(scheduler_.SuiteOfTest(first)) / per_cost;
    };
  }
  const auto running_left = [&](int index) {
    const double cost = scheduler_.CostOfTest(index);
    const auto started = test_started_ms_.find(index);
    if (per_cost <= 0 || started == test_started_ms_.end()) return cost;
    // A test running past its estimate is taken to need as long again as it
    // has run: the longer it runs, the more of its chunk's tail goes.
    const double ran = (now - started->second) / per_cost;
    return std::max(cost - ran, ran);
  };
  const std::vector<DispatchPolicy::CutRequest> cuts = policy_.TailCuts(costs, running_left);
  for (const DispatchPolicy::CutRequest& cut : cuts) {
    pool_.at(cut.executor).Cut(cut.chunk_id, cut.from_index);
  }
  if (cuts.empty() && policy_.idle_slots() > 0 && policy_.in_flight() > 0 && !tail_timer_armed_) {
    if (!tail_timer_) tail_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
    tail_timer_armed_ = true;
    tail_timer_->expires_after(std::chrono::milliseconds(250));
    tail_timer_->async_wait([this](const boost::system::error_code& error) {
      if (error) return;  // cancelled, or the supervisor is gone
      tail_timer_armed_ = false;
      if (!finished_) AskTailCuts();
    });
  }
}

void Supervisor::OpenBurst() {
  if (burst_open_ || !config_.on_event_burst) return;
  burst_open_ = true;
  config_.on_event_burst(true);
  // Runs once the handlers ready now (the rest of what was read) are done.
  boost::asio::post(io_, [this, alive = std::weak_ptr<int>(alive_)] {
    if (alive.lock()) CloseBurst();
  });
}

void Supervisor::CloseBurst() {
  if (!burst_open_) return;
  burst_open_ = false;
  config_.on_event_burst(false);
}

void Supervisor::OnEvent(Executor* executor, protocol::Message&& event) {
  if (finished_) return;
  OpenBurst();
  const int id = pool_.IdOf(executor);
  // Every event names its chunk; one from a chunk this executor does not run,
  // or about a test not in that chunk, is a broken peer.
  const auto [chunk_id, index] = EventAddress(event);
  if (id < 0 || !policy_.Accepts(id, chunk_id, index)) {
    Note("worker " + executor->name() + " sent an event for chunk " + std::to_string(chunk_id) +
         (index >= 0 ? ", test " + std::to_string(index) : "") +
         " that it was not given; dropping it");
    executor->Stop();
    OnLost(executor, "protocol violation", LossKind::kPermanent);
    return;
  }

  if (auto* started = std::get_if<protocol::TestStarted>(&event)) {
    if (artifacts_) artifacts_->Discard(index);  // what an earlier attempt left half-sent
    sizing_.OnTestStarted(chunk_id, SteadyMs());
    policy_.OnTestStarted(chunk_id, index);
    test_started_ms_[index] = SteadyMs();
    assembler_.OnStarted(chunk_id, index, std::move(started->output_before));
    process_log_.OnStarted(chunk_id, index, executor->name());
    const TestEntry& test = plan_.catalog->test(index);
    for (RunListener* l : listeners_) l->OnTestStarted(test, executor->name());
  } else if (auto* part = std::get_if<protocol::TestPartReported>(&event)) {
    if (index >= 0) {
      assembler_.OnPart(chunk_id, index, std::move(part->part));
    } else if (const TestPart* added = builder_.AddSuitePart(part->suite, std::move(part->part))) {
      for (RunListener* l : listeners_) l->OnSuitePart(part->suite, *added);
    }
  } else if (auto* artifact = std::get_if<protocol::TestArtifact>(&event)) {
    if (artifacts_) artifacts_->Add(plan_.catalog->test(index).FullName(), *artifact);
  } else if (auto* finished = std::get_if<protocol::TestFinished>(&event)) {
    if (artifacts_) {
      for (const std::string& line : artifacts_->Finish(&finished->record)) {
        Note(plan_.catalog->test(index).FullName() + ": test output " + line);
      }
    }
    policy_.OnTestEnded(chunk_id, index);
    sizing_.OnTestEnded(chunk_id, scheduler_.CostOfTest(index), SteadyMs());
    test_started_ms_.erase(index);
    // A tail not worth moving when a slot went idle may be worth it now
    // (its chunk's running test has run on): look again, at most 5 times a
    // second.
    if (tail_split_ && SteadyMs() - tail_checked_ms_ >= 200) AskTailCuts();
    finished->record.process = process_log_.Current(chunk_id);
    process_log_.OnFinished(chunk_id, finished->record.outcome);
    FinishTest(std::move(finished->record), chunk_id, id);
  } else if (auto* properties = std::get_if<protocol::PropertiesRecorded>(&event)) {
    builder_.AddProperties(properties->suite, properties->properties);
  } else if (auto* cut = std::get_if<protocol::ChunkCut>(&event)) {
    // Only tests of the chunk that had neither started nor ended may be cut;
    // they leave it, and any later event of it about them is refused.
    if (!policy_.OnChunkCut(id, chunk_id, cut->tests)) {
      Note("worker " + executor->name() + " cut tests from chunk " + std::to_string(chunk_id) +
           " that had started or were not in it; dropping it");
      executor->Stop();
      OnLost(executor, "protocol violation", LossKind::kPermanent);
      return;
    }
    sizing_.OnCut(chunk_id, scheduler_.CostOf(cut->tests));
    Dispatch();
  } else if (auto* timing = std::get_if<protocol::SuiteTiming>(&event)) {
    OnSuiteTiming(*timing, executor->name());
  } else if (std::holds_alternative<protocol::ChunkFinished>(event)) {
    sizing_.OnFinished(chunk_id, SteadyMs());
    const std::vector<int> unfinished = policy_.OnChunkFinished(chunk_id);
    process_log_.OnChunkEnded(chunk_id);
    if (!unfinished.empty()) {
      Note("worker " + executor->name() + " finished a chunk without " +
           std::to_string(unfinished.size()) + " of its tests; running them again");
    }
    Dispatch();
    MaybeFinish();
  }
}

void Supervisor::OnSuiteTiming(const protocol::SuiteTiming& timing, const std::string& worker) {
  builder_.AddSuiteSetup(SuiteSetupRun{timing.suite, timing.setup_ms, timing.teardown_ms, worker});
  setup_costs_.Observe(timing.suite, static_cast<double>(timing.setup_ms),
                       static_cast<double>(timing.teardown_ms));
}

void Supervisor::FinishTest(TestRecord record, std::int64_t chunk_id, int executor) {
  const int index = record.index;
  auto complete = assembler_.OnFinished(chunk_id, std::move(record));
  if (!complete) return;
  if (lock_plan_.Constrained(index)) {
    complete->isolation = DescribeRequirements(lock_plan_.RequirementsOf({index}));
  }
  if (executor >= 0 && !complete->worker.empty()) {
    builder_.NoteWorkerSlots(complete->worker, pool_.at(executor).slots());
  }
  const int attempts = builder_.failed_attempts(index);
  if (policy_.RetryAfter(index, complete->outcome, chunk_id, attempts, executor)) {
    Note(plan_.catalog->test(index).FullName() + " " + OutcomeName(complete->outcome) +
         " on attempt " + std::to_string(attempts + 1) + " of " +
         std::to_string(plan_.retries + 1) +
         (complete->worker.empty() ? "" : " (" + complete->worker + ")") + "; running it again");
    builder_.AddFailedAttempt(std::move(*complete));
    assembler_.Reopen(index);
    return;
  }
  const TestRecord& stored = builder_.AddFinal(std::move(*complete));
  for (RunListener* l : listeners_) l->OnTestFinished(plan_.catalog->test(index), stored);
  if (config_.fail_fast && !policy_.failed_fast() && FailsRun(plan_, stored.outcome)) {
    SkipQueuedAfterFailure();
  }
}

void Supervisor::SkipQueuedAfterFailure() {
  // gtest's fail-fast reports each test it did not run as started and
  // skipped, with a skip at the test's own file and line.
  for (int index : policy_.StopAfterFailure()) {
    const TestEntry& test = plan_.catalog->test(index);
    TestRecord record;
    record.index = index;
    record.outcome = Outcome::kSkipped;
    record.start_timestamp_ms = NowEpochMs();
    TestPart skip;
    skip.type = TestPart::Type::kSkip;
    skip.file = test.file;
    skip.line = test.line;
    record.parts.push_back(skip);
    FinishTest(std::move(record), 0);
  }
  MaybeFinish();
}

void Supervisor::OnLost(Executor* executor, const std::string& reason, LossKind kind) {
  const int id = pool_.IdOf(executor);
  if (id < 0 || policy_.lost(id)) return;
  const bool retryable = kind != LossKind::kPermanent;
  if (!retry_noted_[id]) {
    Note("worker " + executor->name() + ": " + reason +
         (retryable ? "; trying again every " +
                          std::to_string(config_.reconnect_interval.count() / 1000) +
                          " s while the run lasts"
                    : "; going on without it"));
  }
  const LossDecision decision = policy_.OnLost(id, kind);
  for (std::int64_t chunk_id : decision.lost_chunks) {
    assembler_.DiscardChunk(chunk_id);
    process_log_.OnChunkEnded(chunk_id);
    sizing_.Forget(chunk_id);
  }
  if (!decision.requeued.empty()) {
    Note(std::to_string(decision.requeued.size()) + " unfinished tests of " + executor->name() +
         " go back on the queue");
  }
  if (decision.reconnect && !finished_) {
    retry_noted_[id] = true;
    pool_.RestartLater(id);
  }
  if (!finished_ && decision.then != LossDecision::Then::kGoOn) {
    const int remaining = static_cast<int>(plan_.selected.size()) - assembler_.final_count();
    if (decision.then == LossDecision::Then::kFallBack) {
      const std::string local = "local:" + std::to_string(config_.fallback_local_slots);
      Note((decision.any_was_ready ? "every worker is gone" : "every worker is busy") +
           std::string("; running the remaining ") + std::to_string(remaining) + " tests here on " +
           local + " (--dist-fallback=local)");
      WorkerAddress fallback;
      fallback.local = true;
      fallback.local_slots = config_.fallback_local_slots;
      AddExecutor(fallback);
    } else {
      run_problem_ = decision.any_was_ready
                         ? "every worker is gone (--dist-fallback=fail); the remaining " +
                               std::to_string(remaining) + " tests are NOT RUN"
                         : "no worker could be used; the " + std::to_string(remaining) +
                               " selected tests are NOT RUN";
      Note(run_problem_);
      MarkRestNotRun(decision.any_was_ready ? "not run: every worker was lost"
                                            : "not run: no worker could be used");
    }
  }
  Dispatch();
  MaybeFinish();
}

void Supervisor::MarkRestNotRun(const std::string& reason) {
  policy_.DropRetries();
  for (int index : plan_.selected) {
    if (assembler_.IsFinal(index)) continue;
    // A failed test whose retry can no longer run: its last attempt is its
    // result.
    if (std::optional<TestRecord> last = builder_.TakeLastAttempt(index)) {
      FinishTest(std::move(*last), 0);
      continue;
    }
    TestRecord record;
    record.index = index;
    record.outcome = Outcome::kNotRun;
    record.reason = reason;
    record.start_timestamp_ms = NowEpochMs();
    FinishTest(std::move(record), 0);
  }
  policy_.DropQueue();
}

void Supervisor::Interrupt(const std::string& cause) {
  if (finished_) return;
  Note("interrupted by " + cause + "; stopping the workers' tests and writing the report");
  builder_.SetInterrupted();
  policy_.Interrupt();
  pool_.StopAll();
  MarkRestNotRun("not run: the run was interrupted");
  MaybeFinish();
}

void Supervisor::MaybeFinish() {
  if (finished_) return;
  if (assembler_.final_count() < static_cast<int>(plan_.selected.size())) return;
  if (policy_.in_flight() > 0 && !policy_.interrupted() && !end_wait_over_) {
    // Every test has its result, but a chunk still ends: what its process
    // does after its last test (Environments' TearDown, exit) can fail it.
    if (!end_wait_timer_) {
      end_wait_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
      end_wait_timer_->expires_after(kChunkEndWait);
      end_wait_timer_->async_wait([this](const boost::system::error_code& error) {
        if (error || finished_) return;
        Note(std::to_string(policy_.in_flight()) + " test process(es) still ending " +
             std::to_string(kChunkEndWait.count()) +
             " s after the last test's result; not waiting for them");
        end_wait_over_ = true;
        MaybeFinish();
      });
    }
    return;
  }
  finished_ = true;
  if (end_wait_timer_) end_wait_timer_->cancel();
  pool_.StopAll();
  io_.stop();
}

}  // namespace gtest_dist
