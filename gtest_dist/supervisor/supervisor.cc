#include "gtest_dist/supervisor/supervisor.h"

#include <algorithm>
#include <csignal>
#include <cstdio>

#include "gtest_dist/supervisor/local_executor.h"
#include "gtest_dist/supervisor/remote_worker.h"

namespace gtest_dist {
namespace {

std::int64_t NowEpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Supervisor::Supervisor(const SupervisorConfig& config, const RunPlan& plan)
    : config_(config),
      plan_(plan),
      stop_signals_(io_, SIGINT, SIGTERM),
      reaper_(io_),
      scheduler_(*plan.catalog, plan.selected, 1, config_.estimate,
                 plan.shuffle ? std::optional<unsigned>(static_cast<unsigned>(plan.random_seed))
                              : std::nullopt) {
  summary_.plan = &plan_;
  scheduler_.SetMinChunkTests(config_.min_chunk_tests);
  for (const SuiteEntry& suite : plan.catalog->suites()) {
    suite_positions_.emplace(suite.name, suite_positions_.size());
  }
}

Supervisor::~Supervisor() {
  for (auto& state : executors_) {
    if (state->executor) state->executor->Stop();
  }
}

void Supervisor::Note(const std::string& line) {
  // Diagnostics go to stderr so that stdout stays gtest's report.
  std::fprintf(stderr, "gtest_dist: %s\n", line.c_str());
  std::fflush(stderr);
}

int Supervisor::Run() {
  std::signal(SIGPIPE, SIG_IGN);
  const auto started = std::chrono::steady_clock::now();
  for (RunListener* listener : listeners_) listener->OnRunStart(plan_);
  summary_.global_parts = config_.parts_before_run;

  callbacks_.on_ready = [this](Executor* e) { OnReady(e); };
  callbacks_.on_event = [this](Executor* e, protocol::Message&& m) { OnEvent(e, std::move(m)); };
  callbacks_.on_lost = [this](Executor* e, const std::string& reason, bool retryable) {
    OnLost(e, reason, retryable);
  };
  for (const WorkerAddress& address : config_.workers) {
    auto state = std::make_unique<ExecutorState>();
    state->address = address;
    executors_.push_back(std::move(state));
  }
  for (auto& state : executors_) StartExecutor(state.get());

  stop_signals_.async_wait([this](const boost::system::error_code& error, int signal) {
    if (!error) Interrupt(signal);
  });
  MaybeFinish();  // nothing selected: done at once
  if (!finished_) io_.run();

  summary_.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
  for (RunListener* listener : listeners_) listener->OnRunEnd(summary_);

  return summary_.ExitCode();
}

void Supervisor::StartExecutor(ExecutorState* state) {
  const WorkerAddress& address = state->address;
  if (address.local) {
    state->executor = std::make_unique<LocalExecutor>(io_, reaper_, config_.child_command,
                                                      address.local_slots);
  } else {
    state->executor =
        std::make_unique<RemoteWorker>(io_, address.host, address.port, config_.hello,
                                       config_.connect_timeout, config_.heartbeat_timeout,
                                       config_.secret, config_.tls);
  }
  state->ready = false;
  state->lost = false;
  state->busy = 0;
  state->executor->Start(callbacks_);
}

void Supervisor::ScheduleReconnect(ExecutorState* state) {
  if (!state->retry_timer) state->retry_timer = std::make_unique<boost::asio::steady_timer>(io_);
  state->retry_timer->expires_after(config_.reconnect_interval);
  state->retry_timer->async_wait([this, state](const boost::system::error_code& error) {
    if (error || finished_ || !state->lost) return;
    // The old executor may still be on the stack of its last callback: it was
    // stopped then; now it can go.
    StartExecutor(state);
  });
}

Supervisor::ExecutorState* Supervisor::StateOf(Executor* executor) {
  for (auto& state : executors_) {
    if (state->executor.get() == executor) return state.get();
  }
  return nullptr;
}

void Supervisor::OnReady(Executor* executor) {
  ExecutorState* state = StateOf(executor);
  state->ready = true;
  state->settled = true;
  if (state->retry_noted) Note("worker " + executor->name() + " is back");
  state->retry_noted = false;
  any_ready_ = true;
  Dispatch();
}

void Supervisor::Dispatch() {
  if (finished_) return;
  // Chunk sizes follow the slots the run will have, not only those ready now:
  // sized for the first worker alone, the early chunks would hold most of the
  // suite while the others are still connecting. A worker still connecting
  // for the first time counts as many slots as the ready ones have on average.
  int ready_slots = 0;
  int ready_count = 0;
  int connecting = 0;
  for (const auto& state : executors_) {
    if (state->ready && !state->lost) {
      ready_slots += state->executor->slots();
      ++ready_count;
    } else if (!state->settled) {
      ++connecting;
    }
  }
  const int slots_per_worker = ready_count > 0 ? std::max(1, ready_slots / ready_count) : 1;
  scheduler_.SetTotalSlots(ready_slots + connecting * slots_per_worker);
  // Round-robin over executors with free slots, one chunk at a time, so that
  // large early chunks spread over workers rather than fill the first one.
  bool handed_out = true;
  while (handed_out && (!scheduler_.empty() || !retries_.empty())) {
    handed_out = false;
    for (auto& state_pointer : executors_) {
      ExecutorState& state = *state_pointer;
      if (!state.ready || state.lost || state.busy >= state.executor->slots()) continue;
      // Retries first: a failed test's second verdict matters more than a
      // new test's first, and it is one test, soon done.
      std::optional<std::vector<int>> tests;
      const int retry = TakeRetryFor(&state);
      if (retry >= 0) {
        tests = std::vector<int>{retry};
      } else {
        tests = scheduler_.Next();
      }
      if (!tests) continue;
      protocol::RunChunk chunk;
      chunk.chunk_id = next_chunk_id_++;
      chunk.tests = *tests;
      chunk.settings = config_.settings;
      if (config_.fail_fast) chunk.settings.emplace_back("fail_fast", "1");
      if (plan_.shuffle) {
        // Each child shuffles its own tests with the run's seed.
        chunk.settings.emplace_back("shuffle", "1");
        chunk.settings.emplace_back("random_seed", std::to_string(plan_.random_seed));
      }
      in_flight_[chunk.chunk_id] = InFlight{state.executor.get(), chunk.tests, {}};
      ++state.busy;
      handed_out = true;
      state.executor->Run(chunk);
    }
  }
}

void Supervisor::OnEvent(Executor* executor, protocol::Message&& event) {
  if (finished_) return;
  // Every event names its chunk; one from a chunk this executor does not run,
  // or about a test not in that chunk, is a broken peer.
  std::int64_t chunk_id = 0;
  int index = -1;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::TestStarted> ||
                      std::is_same_v<T, protocol::TestPartReported>) {
          chunk_id = m.chunk_id;
          index = m.index;
        } else if constexpr (std::is_same_v<T, protocol::TestFinished>) {
          chunk_id = m.chunk_id;
          index = m.record.index;
        } else if constexpr (std::is_same_v<T, protocol::PropertiesRecorded> ||
                             std::is_same_v<T, protocol::ChunkFinished>) {
          chunk_id = m.chunk_id;
        }
      },
      event);
  const auto flight = in_flight_.find(chunk_id);
  bool fits = flight != in_flight_.end() && flight->second.executor == executor;
  if (fits && index >= 0) {
    const auto& tests = flight->second.tests;
    fits = std::find(tests.begin(), tests.end(), index) != tests.end();
  }
  if (!fits) {
    Note("worker " + executor->name() + " sent an event for chunk " +
         std::to_string(chunk_id) + (index >= 0 ? ", test " + std::to_string(index) : "") +
         " that it was not given; dropping it");
    executor->Stop();
    OnLost(executor, "protocol violation", false);
    return;
  }

  if (auto* started = std::get_if<protocol::TestStarted>(&event)) {
    assembler_.OnStarted(chunk_id, index, std::move(started->output_before));
    for (RunListener* l : listeners_) l->OnTestStarted(plan_.catalog->test(index), executor->name());
  } else if (auto* part = std::get_if<protocol::TestPartReported>(&event)) {
    if (index >= 0) {
      assembler_.OnPart(chunk_id, index, std::move(part->part));
    } else {
      AddSuitePart(part->suite, std::move(part->part));
    }
  } else if (auto* finished = std::get_if<protocol::TestFinished>(&event)) {
    flight->second.finished.insert(index);
    FinishTest(std::move(finished->record), chunk_id, StateOf(executor));
  } else if (auto* properties = std::get_if<protocol::PropertiesRecorded>(&event)) {
    AddProperties(properties->suite, properties->properties);
  } else if (std::holds_alternative<protocol::ChunkFinished>(event)) {
    // A chunk is finished when every test in it has a final result; a worker
    // saying so early is not believed: the rest go back on the queue.
    const std::vector<int> unfinished = UnfinishedTests(flight->second);
    in_flight_.erase(flight);
    if (ExecutorState* state = StateOf(executor)) --state->busy;
    if (!unfinished.empty()) {
      Note("worker " + executor->name() + " finished a chunk without " +
           std::to_string(unfinished.size()) + " of its tests; running them again");
      scheduler_.Requeue(unfinished);
    }
    Dispatch();
    MaybeFinish();
  }
}

std::vector<int> Supervisor::UnfinishedTests(const InFlight& flight) const {
  // A test that ended in this chunk is done here even when it is not final:
  // it failed and waits for a retry of its own.
  std::vector<int> unfinished;
  for (int test : flight.tests) {
    if (flight.finished.count(test) == 0 && !assembler_.IsFinal(test)) unfinished.push_back(test);
  }
  return unfinished;
}

bool Supervisor::ShouldRetry(const TestRecord& record, std::int64_t chunk_id) const {
  // chunk 0: a verdict the supervisor made up (not run, skipped by
  // fail-fast), which running again would not change.
  if (plan_.retries <= 0 || chunk_id == 0 || summary_.interrupted || failed_fast_) return false;
  if (record.outcome != Outcome::kFailed && record.outcome != Outcome::kCrashed &&
      record.outcome != Outcome::kTimeout) {
    return false;
  }
  const auto earlier = failed_attempts_.find(record.index);
  const int attempts = earlier == failed_attempts_.end() ? 0 : static_cast<int>(earlier->second.size());
  return attempts < plan_.retries;
}

int Supervisor::TakeRetryFor(const ExecutorState* state) {
  bool others = false;  // another executor that may still take work
  for (const auto& other : executors_) others = others || (other.get() != state && !other->lost);
  for (auto it = retries_.begin(); it != retries_.end(); ++it) {
    if (it->failed_on == state && others) continue;
    const int index = it->index;
    retries_.erase(it);
    return index;
  }
  return -1;
}

void Supervisor::FinishTest(TestRecord record, std::int64_t chunk_id, ExecutorState* where) {
  const int index = record.index;
  auto complete = assembler_.OnFinished(chunk_id, std::move(record));
  if (!complete) return;
  if (where != nullptr && where->executor && !complete->worker.empty()) {
    summary_.worker_slots[complete->worker] = where->executor->slots();
  }
  if (ShouldRetry(*complete, chunk_id)) {
    auto& attempts = failed_attempts_[index];
    const TestEntry& test = plan_.catalog->test(index);
    Note(test.FullName() + " " + OutcomeName(complete->outcome) + " on attempt " +
         std::to_string(attempts.size() + 1) + " of " + std::to_string(plan_.retries + 1) +
         (complete->worker.empty() ? "" : " (" + complete->worker + ")") + "; running it again");
    attempts.push_back(std::move(*complete));
    assembler_.Reopen(index);
    retries_.push_back(PendingRetry{index, where});
    return;
  }
  const auto earlier = failed_attempts_.find(index);
  if (earlier != failed_attempts_.end()) {
    complete->failed_attempts = std::move(earlier->second);
    failed_attempts_.erase(earlier);
    if (complete->outcome == Outcome::kPassed) complete->outcome = Outcome::kFlaky;
  }
  const auto& stored = summary_.records[index] = std::move(*complete);
  for (RunListener* l : listeners_) l->OnTestFinished(plan_.catalog->test(index), stored);
  if (config_.fail_fast && !failed_fast_ && FailsRun(plan_, stored.outcome)) {
    SkipQueuedAfterFailure();
  }
}

void Supervisor::SkipQueuedAfterFailure() {
  failed_fast_ = true;
  // gtest's fail-fast reports each test it did not run as started and
  // skipped, with a skip at the test's own file and line.
  while (auto tests = scheduler_.Next()) {
    for (int index : *tests) {
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
  }
  MaybeFinish();
}

SuiteRecord* Supervisor::SuiteRecordOf(const std::string& suite) {
  for (SuiteRecord& record : summary_.suites) {
    if (record.name == suite) return &record;
  }
  // Kept in catalog order, whatever order the chunks report in, so that the
  // reports list failed suites as a plain run does.
  auto position_of = [this](const std::string& name) {
    const auto found = suite_positions_.find(name);
    return found == suite_positions_.end() ? suite_positions_.size() : found->second;
  };
  const size_t position = position_of(suite);
  auto it = summary_.suites.begin();
  while (it != summary_.suites.end() && position_of(it->name) <= position) ++it;
  return &*summary_.suites.insert(it, SuiteRecord{suite, {}, {}});
}

void Supervisor::AddSuitePart(const std::string& suite, TestPart part) {
  std::vector<TestPart>* parts =
      suite.empty() ? &summary_.global_parts : &SuiteRecordOf(suite)->parts;
  // Every child runs the global Environments, and every chunk of a split
  // suite its SetUpTestSuite: the same failure from each is one failure, and
  // the same output (a part that carries only output) is printed once.
  for (const TestPart& seen : *parts) {
    if (seen.type == part.type && seen.file == part.file && seen.line == part.line &&
        seen.message == part.message &&
        (part.type != TestPart::Type::kSuccess || seen.output_before == part.output_before)) {
      return;
    }
  }
  for (RunListener* l : listeners_) l->OnSuitePart(suite, part);
  parts->push_back(std::move(part));
}

void Supervisor::AddProperties(const std::string& suite,
                               const std::vector<Property>& properties) {
  std::vector<Property>* target =
      suite.empty() ? &summary_.global_properties : &SuiteRecordOf(suite)->properties;
  // A suite split over chunks records its properties once per chunk; keep one.
  for (const Property& property : properties) {
    if (std::find(target->begin(), target->end(), property) == target->end()) {
      target->push_back(property);
    }
  }
}

void Supervisor::OnLost(Executor* executor, const std::string& reason, bool retryable) {
  ExecutorState* state = StateOf(executor);
  if (state == nullptr || state->lost) return;
  state->lost = true;
  state->settled = true;
  const bool was_ready = state->ready;
  state->ready = false;
  if (!state->retry_noted) {
    Note("worker " + executor->name() + ": " + reason +
         (retryable ? "; trying again every " +
                          std::to_string(config_.reconnect_interval.count() / 1000) +
                          " s while the run lasts"
                    : "; going on without it"));
  }
  // Its unfinished tests go back on the queue; those it finished are kept.
  std::vector<int> unfinished;
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->second.executor != executor) {
      ++it;
      continue;
    }
    assembler_.DiscardChunk(it->first);
    for (int test : UnfinishedTests(it->second)) unfinished.push_back(test);
    it = in_flight_.erase(it);
  }
  state->busy = 0;
  if (!unfinished.empty()) {
    Note(std::to_string(unfinished.size()) + " unfinished tests of " + executor->name() +
         " go back on the queue");
    scheduler_.Requeue(unfinished);
  }
  if (retryable && !finished_) {
    state->retry_noted = true;
    ScheduleReconnect(state);
  }
  (void)was_ready;

  bool any_left = false;
  for (const auto& other : executors_) any_left = any_left || !other->lost;
  if (!any_left && !finished_ && (!scheduler_.empty() || !retries_.empty())) {
    const int remaining =
        static_cast<int>(plan_.selected.size()) - assembler_.final_count();
    // A worker that refused us as busy is a usable worker, not a mistake in
    // the configuration: fall back as when workers in use are lost.
    bool any_busy = false;
    for (const auto& other : executors_) {
      any_busy = any_busy || (other->executor && other->executor->busy());
    }
    if ((any_ready_ || any_busy) && config_.fallback_local_slots > 0 && !fell_back_) {
      // Workers were in use (or busy) and all are gone: finish here rather
      // than leave the run without an answer.
      fell_back_ = true;
      Note(std::string(any_ready_ ? "every worker is gone" : "every worker is busy") +
           "; running the remaining " + std::to_string(remaining) +
           " tests here on local:" + std::to_string(config_.fallback_local_slots) +
           " (--dist-fallback=local)");
      auto fallback = std::make_unique<ExecutorState>();
      fallback->address.local = true;
      fallback->address.local_slots = config_.fallback_local_slots;
      executors_.push_back(std::move(fallback));
      StartExecutor(executors_.back().get());
    } else {
      run_problem_ = any_ready_ ? "every worker is gone (--dist-fallback=fail); the remaining " +
                                      std::to_string(remaining) + " tests are NOT RUN"
                                : "no worker could be used; the " + std::to_string(remaining) +
                                      " selected tests are NOT RUN";
      Note(run_problem_);
      MarkRestNotRun(any_ready_ ? "not run: every worker was lost"
                                : "not run: no worker could be used");
    }
  }
  Dispatch();
  MaybeFinish();
}

void Supervisor::MarkRestNotRun(const std::string& reason) {
  retries_.clear();
  for (int index : plan_.selected) {
    if (assembler_.IsFinal(index)) continue;
    auto attempts = failed_attempts_.find(index);
    if (attempts != failed_attempts_.end()) {
      // A failed test whose retry can no longer run: its last attempt is
      // its result.
      TestRecord last = std::move(attempts->second.back());
      attempts->second.pop_back();
      if (attempts->second.empty()) failed_attempts_.erase(attempts);
      FinishTest(std::move(last), 0);
      continue;
    }
    TestRecord record;
    record.index = index;
    record.outcome = Outcome::kNotRun;
    record.reason = reason;
    record.start_timestamp_ms = NowEpochMs();
    FinishTest(std::move(record), 0);
  }
  while (scheduler_.Next()) {
  }
}

void Supervisor::Interrupt(int signal) {
  Note(std::string("interrupted by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
       "; stopping the workers' tests and writing the report");
  summary_.interrupted = true;
  for (auto& state : executors_) {
    if (state->executor) state->executor->Stop();
  }
  MarkRestNotRun("not run: the run was interrupted");
  MaybeFinish();
}

void Supervisor::MaybeFinish() {
  if (finished_) return;
  if (assembler_.final_count() < static_cast<int>(plan_.selected.size())) return;
  finished_ = true;
  for (auto& state : executors_) {
    if (state->executor) state->executor->Stop();
  }
  boost::system::error_code ignored;
  stop_signals_.cancel(ignored);
  io_.stop();
}

}  // namespace gtest_dist
