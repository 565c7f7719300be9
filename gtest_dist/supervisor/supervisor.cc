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
}

Supervisor::~Supervisor() {
  for (ExecutorState& state : executors_) state.executor->Stop();
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

  for (const WorkerAddress& address : config_.workers) {
    ExecutorState state;
    if (address.local) {
      state.executor = std::make_unique<LocalExecutor>(io_, reaper_, config_.child_command,
                                                       address.local_slots);
    } else {
      state.executor = std::make_unique<RemoteWorker>(io_, address.host, address.port,
                                                      config_.hello, config_.connect_timeout,
                                                      config_.heartbeat_timeout);
    }
    executors_.push_back(std::move(state));
  }
  Executor::Callbacks callbacks;
  callbacks.on_ready = [this](Executor* e) { OnReady(e); };
  callbacks.on_event = [this](Executor* e, protocol::Message&& m) { OnEvent(e, std::move(m)); };
  callbacks.on_lost = [this](Executor* e, const std::string& reason) { OnLost(e, reason); };
  for (ExecutorState& state : executors_) state.executor->Start(callbacks);

  stop_signals_.async_wait([this](const boost::system::error_code& error, int signal) {
    if (!error) Interrupt(signal);
  });
  MaybeFinish();  // nothing selected: done at once
  if (!finished_) io_.run();

  summary_.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
  for (RunListener* listener : listeners_) listener->OnRunEnd(summary_);

  bool failed = summary_.interrupted;
  for (const TestPart& part : summary_.global_parts) failed = failed || part.failed();
  for (const SuiteRecord& suite : summary_.suites) {
    for (const TestPart& part : suite.parts) failed = failed || part.failed();
  }
  for (const auto& [index, record] : summary_.records) {
    failed = failed || IsFailure(record.outcome);
  }
  return failed ? 1 : 0;
}

Supervisor::ExecutorState* Supervisor::StateOf(Executor* executor) {
  for (ExecutorState& state : executors_) {
    if (state.executor.get() == executor) return &state;
  }
  return nullptr;
}

void Supervisor::OnReady(Executor* executor) {
  ExecutorState* state = StateOf(executor);
  state->ready = true;
  Dispatch();
}

void Supervisor::Dispatch() {
  if (finished_) return;
  int total_slots = 0;
  for (const ExecutorState& state : executors_) {
    if (state.ready && !state.lost) total_slots += state.executor->slots();
  }
  scheduler_.SetTotalSlots(total_slots);
  // Round-robin over executors with free slots, one chunk at a time, so that
  // large early chunks spread over workers rather than fill the first one.
  bool handed_out = true;
  while (handed_out && !scheduler_.empty()) {
    handed_out = false;
    for (ExecutorState& state : executors_) {
      if (!state.ready || state.lost || state.busy >= state.executor->slots()) continue;
      auto tests = scheduler_.Next();
      if (!tests) break;
      protocol::RunChunk chunk;
      chunk.chunk_id = next_chunk_id_++;
      chunk.tests = *tests;
      chunk.settings = config_.settings;
      if (plan_.shuffle) {
        // Each child shuffles its own tests with the run's seed.
        chunk.settings.emplace_back("shuffle", "1");
        chunk.settings.emplace_back("random_seed", std::to_string(plan_.random_seed));
      }
      in_flight_[chunk.chunk_id] = InFlight{state.executor.get(), chunk.tests};
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
    OnLost(executor, "protocol violation");
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
    FinishTest(std::move(finished->record), chunk_id);
  } else if (auto* properties = std::get_if<protocol::PropertiesRecorded>(&event)) {
    AddProperties(properties->suite, properties->properties);
  } else if (std::holds_alternative<protocol::ChunkFinished>(event)) {
    // A chunk is finished when every test in it has a final result; a worker
    // saying so early is not believed: the rest go back on the queue.
    std::vector<int> unfinished;
    for (int test : flight->second.tests) {
      if (!assembler_.IsFinal(test)) unfinished.push_back(test);
    }
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

void Supervisor::FinishTest(TestRecord record, std::int64_t chunk_id) {
  const int index = record.index;
  auto complete = assembler_.OnFinished(chunk_id, std::move(record));
  if (!complete) return;
  const auto& stored = summary_.records[index] = std::move(*complete);
  for (RunListener* l : listeners_) l->OnTestFinished(plan_.catalog->test(index), stored);
}

void Supervisor::AddSuitePart(const std::string& suite, TestPart part) {
  std::vector<TestPart>* parts = &summary_.global_parts;
  if (!suite.empty()) {
    parts = nullptr;
    for (SuiteRecord& record : summary_.suites) {
      if (record.name == suite) parts = &record.parts;
    }
    if (parts == nullptr) {
      summary_.suites.push_back(SuiteRecord{suite, {}, {}});
      parts = &summary_.suites.back().parts;
    }
  }
  // Every child runs the global Environments, and every chunk of a split
  // suite its SetUpTestSuite: the same failure from each is one failure.
  for (const TestPart& seen : *parts) {
    if (seen.type == part.type && seen.file == part.file && seen.line == part.line &&
        seen.message == part.message) {
      return;
    }
  }
  for (RunListener* l : listeners_) l->OnSuitePart(suite, part);
  parts->push_back(std::move(part));
}

void Supervisor::AddProperties(const std::string& suite,
                               const std::vector<Property>& properties) {
  std::vector<Property>* target = &summary_.global_properties;
  if (!suite.empty()) {
    target = nullptr;
    for (SuiteRecord& record : summary_.suites) {
      if (record.name == suite) target = &record.properties;
    }
    if (target == nullptr) {
      summary_.suites.push_back(SuiteRecord{suite, {}, {}});
      target = &summary_.suites.back().properties;
    }
  }
  // A suite split over chunks records its properties once per chunk; keep one.
  for (const Property& property : properties) {
    if (std::find(target->begin(), target->end(), property) == target->end()) {
      target->push_back(property);
    }
  }
}

void Supervisor::OnLost(Executor* executor, const std::string& reason) {
  ExecutorState* state = StateOf(executor);
  if (state == nullptr || state->lost) return;
  state->lost = true;
  Note("worker " + executor->name() + ": " + reason +
       (state->ready ? "" : "; going on without it"));
  // Its unfinished tests go back on the queue; those it finished are kept.
  std::vector<int> unfinished;
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->second.executor != executor) {
      ++it;
      continue;
    }
    assembler_.DiscardChunk(it->first);
    for (int test : it->second.tests) {
      if (!assembler_.IsFinal(test)) unfinished.push_back(test);
    }
    it = in_flight_.erase(it);
  }
  state->busy = 0;
  if (!unfinished.empty()) {
    Note(std::to_string(unfinished.size()) + " unfinished tests of " + executor->name() +
         " go back on the queue");
    scheduler_.Requeue(unfinished);
  }
  bool any_left = false;
  for (const ExecutorState& other : executors_) any_left = any_left || !other.lost;
  if (!any_left && !finished_) {
    Note("no worker left to run the remaining " +
         std::to_string(plan_.selected.size() - summary_.records.size()) + " tests");
    MarkRestNotRun("not run: no worker was left to run it");
  }
  Dispatch();
  MaybeFinish();
}

void Supervisor::MarkRestNotRun(const std::string& reason) {
  for (int index : plan_.selected) {
    if (assembler_.IsFinal(index)) continue;
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
  for (ExecutorState& state : executors_) state.executor->Stop();
  MarkRestNotRun("not run: the run was interrupted");
  MaybeFinish();
}

void Supervisor::MaybeFinish() {
  if (finished_) return;
  if (assembler_.final_count() < static_cast<int>(plan_.selected.size())) return;
  finished_ = true;
  for (ExecutorState& state : executors_) state.executor->Stop();
  boost::system::error_code ignored;
  stop_signals_.cancel(ignored);
  io_.stop();
}

}  // namespace gtest_dist
