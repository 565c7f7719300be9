#include "gtest_dist/supervisor/dispatch_policy.h"

#include <algorithm>
#include <utility>

namespace gtest_dist {

DispatchPolicy::DispatchPolicy(Scheduler* scheduler, DispatchOptions options,
                               std::function<bool(int)> is_final)
    : scheduler_(scheduler), options_(options), is_final_(std::move(is_final)) {}

int DispatchPolicy::AddExecutor() {
  executors_.emplace_back();
  return static_cast<int>(executors_.size()) - 1;
}

void DispatchPolicy::OnRestarted(int executor) {
  ExecutorState& state = executors_.at(static_cast<size_t>(executor));
  state.ready = false;
  state.lost = false;
  state.busy = 0;
  state.exclusive = false;
}

void DispatchPolicy::OnReady(int executor, int slots) {
  ExecutorState& state = executors_.at(static_cast<size_t>(executor));
  state.ready = true;
  state.settled = true;
  state.slots = slots;
  any_ready_ = true;
}

void DispatchPolicy::SizeChunks() {
  // Chunk sizes follow the slots the run will have, not only those ready now:
  // sized for the first worker alone, the early chunks would hold most of the
  // suite while the others are still connecting. A worker still connecting
  // for the first time counts as many slots as the ready ones have on average.
  int ready_slots = 0;
  int ready_count = 0;
  int connecting = 0;
  for (const ExecutorState& state : executors_) {
    if (state.ready && !state.lost) {
      ready_slots += state.slots;
      ++ready_count;
    } else if (!state.settled) {
      ++connecting;
    }
  }
  const int slots_per_worker = ready_count > 0 ? std::max(1, ready_slots / ready_count) : 1;
  scheduler_->SetTotalSlots(ready_slots + connecting * slots_per_worker);
}

std::vector<Assignment> DispatchPolicy::Dispatch() {
  std::vector<Assignment> assignments;
  if (interrupted_) return assignments;
  SizeChunks();
  // Round-robin over executors with free slots, one chunk at a time, so that
  // large early chunks spread over workers rather than fill the first one.
  bool handed_out = true;
  while (handed_out && HasWork()) {
    handed_out = false;
    for (size_t id = 0; id < executors_.size(); ++id) {
      ExecutorState& state = executors_[id];
      if (!state.ready || state.lost || state.busy >= state.slots || state.exclusive) continue;
      // Retries first: a failed test's second verdict matters more than a
      // new test's first, and it is one test, soon done.
      std::optional<std::vector<int>> tests;
      const int retry = TakeRetryFor(static_cast<int>(id));
      if (retry >= 0) {
        tests = std::vector<int>{retry};
      } else {
        // Locked tests first: each lock is a queue of its own that only one
        // slot at a time can work through.
        if (locks_ != nullptr) tests = locks_->Next(state.busy == 0);
        if (!tests) {
          scheduler_->SetInFlightCost(InFlightCost());
          tests = scheduler_->Next();
        }
      }
      if (!tests) continue;
      Assignment assignment;
      assignment.executor = static_cast<int>(id);
      assignment.chunk_id = next_chunk_id_++;
      assignment.tests = std::move(*tests);
      InFlight flight;
      flight.executor = assignment.executor;
      flight.tests = assignment.tests;
      flight.sorted_tests = assignment.tests;
      std::sort(flight.sorted_tests.begin(), flight.sorted_tests.end());
      flight.cost_left = scheduler_->CostOf(assignment.tests);
      if (locks_ != nullptr) {
        flight.needs = locks_->RequirementsOf(assignment.tests);
        locks_->Hold(flight.needs);
        state.exclusive = flight.needs.exclusive;
      }
      in_flight_[assignment.chunk_id] = std::move(flight);
      ++state.busy;
      handed_out = true;
      assignments.push_back(std::move(assignment));
    }
  }
  return assignments;
}

int DispatchPolicy::TakeRetryFor(int executor) {
  bool others = false;  // another executor that may still take work
  for (size_t id = 0; id < executors_.size(); ++id) {
    others = others || (static_cast<int>(id) != executor && !executors_[id].lost);
  }
  const bool idle = executors_.at(static_cast<size_t>(executor)).busy == 0;
  for (auto it = retries_.begin(); it != retries_.end(); ++it) {
    if (it->failed_on == executor && others) continue;
    if (locks_ != nullptr && !locks_->Allows(locks_->RequirementsOf({it->index}), idle)) continue;
    const int index = it->index;
    retries_.erase(it);
    return index;
  }
  return -1;
}

bool DispatchPolicy::Accepts(int executor, std::int64_t chunk_id, int index) const {
  const auto flight = in_flight_.find(chunk_id);
  if (flight == in_flight_.end() || flight->second.executor != executor) return false;
  if (index < 0) return true;
  const std::vector<int>& tests = flight->second.sorted_tests;
  return std::binary_search(tests.begin(), tests.end(), index);
}

void DispatchPolicy::OnTestStarted(std::int64_t chunk_id, int index) {
  const auto flight = in_flight_.find(chunk_id);
  if (flight == in_flight_.end()) return;
  flight->second.started.insert(index);
  flight->second.cut_refused = false;  // the chunk moved on: a cut may take something now
}

std::vector<DispatchPolicy::CutRequest> DispatchPolicy::TailCuts(
    const TailSplitCosts& costs, const std::function<double(int)>& running_left) {
  std::vector<CutRequest> requests;
  if (interrupted_ || failed_fast_) return requests;
  int idle = idle_slots();
  while (idle-- > 0) {
    std::vector<RunningChunk> running;
    for (const auto& [id, flight] : in_flight_) {
      if (flight.cut_asked || flight.cut_refused || !flight.needs.empty()) continue;
      RunningChunk chunk;
      chunk.chunk_id = id;
      for (int test : flight.sorted_tests) {
        if (flight.ended.count(test) > 0) continue;
        if (flight.started.count(test) > 0) {
          chunk.running = true;
          chunk.running_left += running_left(test);
        } else {
          chunk.unstarted.push_back(test);
        }
      }
      running.push_back(std::move(chunk));
    }
    const std::optional<TailCut> cut = ChooseTailCut(
        running, [this](int test) { return scheduler_->CostOfTest(test); }, costs);
    if (!cut) break;
    InFlight& flight = in_flight_.at(cut->chunk_id);
    flight.cut_asked = true;
    requests.push_back(CutRequest{flight.executor, cut->chunk_id, cut->from_index});
  }
  return requests;
}

int DispatchPolicy::idle_slots() const {
  int idle = 0;
  for (const ExecutorState& state : executors_) {
    if (state.ready && !state.lost && !state.exclusive) {
      idle += std::max(0, state.slots - state.busy);
    }
  }
  for (const auto& [id, flight] : in_flight_) idle -= flight.cut_asked ? 1 : 0;
  return idle;
}

bool DispatchPolicy::OnChunkCut(int executor, std::int64_t chunk_id,
                                const std::vector<int>& tests) {
  const auto found = in_flight_.find(chunk_id);
  if (found == in_flight_.end() || found->second.executor != executor) return false;
  InFlight& flight = found->second;
  for (int test : tests) {
    if (!std::binary_search(flight.sorted_tests.begin(), flight.sorted_tests.end(), test) ||
        flight.started.count(test) > 0 || flight.ended.count(test) > 0) {
      return false;
    }
  }
  flight.cut_asked = false;
  flight.cut_refused = tests.empty();
  if (tests.empty()) return true;
  const std::set<int> cut(tests.begin(), tests.end());
  const auto gone = [&cut](int test) { return cut.count(test) > 0; };
  flight.tests.erase(std::remove_if(flight.tests.begin(), flight.tests.end(), gone),
                     flight.tests.end());
  flight.sorted_tests.erase(
      std::remove_if(flight.sorted_tests.begin(), flight.sorted_tests.end(), gone),
      flight.sorted_tests.end());
  flight.cost_left -= scheduler_->CostOf(tests);
  Requeue(tests);
  return true;
}

void DispatchPolicy::OnTestEnded(std::int64_t chunk_id, int index) {
  const auto flight = in_flight_.find(chunk_id);
  if (flight != in_flight_.end() && flight->second.ended.insert(index).second) {
    flight->second.cost_left -= scheduler_->CostOfTest(index);
    // A test of the suite ended: its set-up, which CostOf counted, is done.
    const int suite = scheduler_->SuiteOfTest(index);
    if (flight->second.setups_spent.insert(suite).second) {
      flight->second.cost_left -= scheduler_->SetupCostOfSuite(suite);
    }
  }
}

double DispatchPolicy::InFlightCost() const {
  double cost = 0;
  for (const auto& [id, flight] : in_flight_) cost += std::max(0.0, flight.cost_left);
  return cost;
}

std::vector<int> DispatchPolicy::Unfinished(const InFlight& flight) const {
  // A test that ended in this chunk is done here even when it is not final:
  // it failed and waits for a retry of its own.
  std::vector<int> unfinished;
  for (int test : flight.tests) {
    if (flight.ended.count(test) == 0 && !is_final_(test)) unfinished.push_back(test);
  }
  return unfinished;
}

std::vector<int> DispatchPolicy::OnChunkFinished(std::int64_t chunk_id) {
  const auto flight = in_flight_.find(chunk_id);
  if (flight == in_flight_.end()) return {};
  std::vector<int> unfinished = Unfinished(flight->second);
  ExecutorState& state = executors_.at(static_cast<size_t>(flight->second.executor));
  if (state.busy > 0) --state.busy;
  ReleaseLocks(flight->second);
  if (flight->second.needs.exclusive) state.exclusive = false;
  in_flight_.erase(flight);
  if (!unfinished.empty()) Requeue(unfinished);
  return unfinished;
}

void DispatchPolicy::Requeue(const std::vector<int>& tests) {
  if (locks_ == nullptr) {
    scheduler_->Requeue(tests);
    return;
  }
  std::vector<int> free, locked;
  for (int test : tests) (locks_->Constrained(test) ? locked : free).push_back(test);
  if (!free.empty()) scheduler_->Requeue(free);
  if (!locked.empty()) locks_->Requeue(locked);
}

void DispatchPolicy::ReleaseLocks(const InFlight& flight) {
  if (locks_ != nullptr) locks_->Release(flight.needs);
}

LossDecision DispatchPolicy::OnLost(int executor, LossKind kind) {
  LossDecision decision;
  ExecutorState& state = executors_.at(static_cast<size_t>(executor));
  if (state.lost) return decision;
  state.lost = true;
  state.settled = true;
  state.ready = false;
  state.last_loss = kind;
  // Its unfinished tests go back on the queue; those it finished are kept.
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (it->second.executor != executor) {
      ++it;
      continue;
    }
    decision.lost_chunks.push_back(it->first);
    for (int test : Unfinished(it->second)) decision.requeued.push_back(test);
    ReleaseLocks(it->second);
    it = in_flight_.erase(it);
  }
  state.busy = 0;
  state.exclusive = false;
  if (!decision.requeued.empty()) Requeue(decision.requeued);
  decision.reconnect = kind != LossKind::kPermanent;
  decision.any_was_ready = any_ready_;

  bool any_left = false;
  bool any_full = false;  // reachable, but no room for us
  for (const ExecutorState& other : executors_) {
    any_left = any_left || !other.lost;
    any_full = any_full || (other.lost && other.last_loss == LossKind::kFull);
  }
  if (any_left || !HasWork() || interrupted_) return decision;
  // Every executor is gone with tests left. Workers were in use (or are
  // there but full): finish here rather than leave the run without an
  // answer. None could ever be used: that is a configuration problem.
  if (options_.fallback_local_slots > 0 && !fell_back_ && (any_ready_ || any_full)) {
    fell_back_ = true;
    decision.then = LossDecision::Then::kFallBack;
  } else {
    decision.then = LossDecision::Then::kGiveUp;
  }
  return decision;
}

bool DispatchPolicy::RetryAfter(int index, Outcome outcome, std::int64_t chunk_id,
                                int failed_attempts, int failed_on) {
  // chunk 0: a verdict the supervisor made up (not run, skipped by
  // fail-fast), which running again would not change.
  if (options_.retries <= 0 || chunk_id == 0 || interrupted_ || failed_fast_) return false;
  if (!IsFailedAttempt(outcome)) return false;  // FAILED, CRASHED, TIMEOUT
  if (failed_attempts >= options_.retries) return false;
  retries_.push_back(PendingRetry{index, failed_on});
  return true;
}

std::vector<int> DispatchPolicy::StopAfterFailure() {
  failed_fast_ = true;
  std::vector<int> queued;
  while (auto tests = scheduler_->Next()) queued.insert(queued.end(), tests->begin(), tests->end());
  if (locks_ != nullptr) {
    const std::vector<int> locked = locks_->TakeAll();
    queued.insert(queued.end(), locked.begin(), locked.end());
  }
  return queued;
}

void DispatchPolicy::DropQueue() {
  while (scheduler_->Next()) {
  }
  if (locks_ != nullptr) locks_->TakeAll();
}

DispatchPolicy::Load DispatchPolicy::load() const {
  Load load;
  for (const ExecutorState& state : executors_) {
    if (!state.ready || state.lost) continue;
    ++load.connected;
    if (state.busy > 0) ++load.busy;
  }
  return load;
}

}  // namespace gtest_dist
