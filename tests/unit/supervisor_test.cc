// The Supervisor over fake executors: no sockets, no processes. Each fake
// follows a script (connect or not, be full, run its chunks, lose the link
// after some tests, hold its chunks like a slow worker, report a test it was
// not given); everything runs on the test's io_context, with a deadline.
#include "gtest_dist/supervisor/supervisor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/model/run_listener.h"
#include "gtest_dist/supervisor/executor_factory.h"

namespace gtest_dist {
namespace {

using std::chrono::milliseconds;

// What one start of a fake executor does.
struct Script {
  enum class Start { kReady, kUnreachable, kFull, kRefused };
  Start start = Start::kReady;
  int slots = 1;
  // The link drops when this many tests have finished on it; -1: never.
  int lose_after = -1;
  // Takes chunks and never answers (a worker slow beyond the test's patience).
  bool hold = false;
  // Each chunk's events come this long after the chunk (a slow worker).
  milliseconds delay{0};
  // Reports, in its first chunk, a test it was not given.
  bool rogue = false;
  // A generic worker: says what shipping the build moved before it is ready.
  bool ships = false;
};

// Shared by the fakes: scripts by executor name, the outcome of each run of
// a test, and what happened.
struct World {
  // Successive starts of an executor take successive scripts; the last one
  // repeats. No script: ready, one slot.
  std::map<std::string, std::deque<Script>> scripts;
  // The outcomes of a test's successive runs; the last one repeats. None:
  // passed.
  std::map<int, std::deque<Outcome>> outcomes;
  std::vector<std::string> made;  // executor names, one per start
  std::map<std::string, int> stops;
  int chunks = 0;
  int cuts = 0;                    // cut requests answered
  std::function<void()> on_chunk;  // after each chunk is handed out
  std::function<void()> on_step;   // before each test an executor runs

  Script NextScript(const std::string& name) {
    std::deque<Script>& queue = scripts[name];
    if (queue.empty()) return Script{};
    Script script = queue.front();
    if (queue.size() > 1) queue.pop_front();
    return script;
  }
  Outcome NextOutcome(int index) {
    std::deque<Outcome>& queue = outcomes[index];
    if (queue.empty()) return Outcome::kPassed;
    const Outcome outcome = queue.front();
    if (queue.size() > 1) queue.pop_front();
    return outcome;
  }
};

class FakeExecutor : public Executor {
 public:
  FakeExecutor(boost::asio::io_context& io, std::string name, Script script, World* world)
      : io_(io), name_(std::move(name)), script_(script), world_(world) {}
  ~FakeExecutor() override { *alive_ = false; }

  void Start(Callbacks callbacks) override {
    callbacks_ = std::move(callbacks);
    Post(milliseconds(0), [this] {
      switch (script_.start) {
        case Script::Start::kReady:
          if (script_.ships) {
            WorkerShipping shipped;
            shipped.worker = name_;
            shipped.files_total = 6;
            shipped.files_shipped = 2;
            shipped.bytes_shipped = 2'000'000;
            shipped.bytes_cached = 5'000'000;
            shipped.elapsed_ms = 120;
            callbacks_.on_shipped(this, shipped);
          }
          callbacks_.on_ready(this);
          break;
        case Script::Start::kUnreachable:
          Lose("cannot connect: Connection refused", LossKind::kTransient);
          break;
        case Script::Start::kFull:
          Lose("refused: no room for another supervisor", LossKind::kFull);
          break;
        case Script::Start::kRefused:
          Lose("runs a different test binary", LossKind::kPermanent);
          break;
      }
    });
  }
  const std::string& name() const override { return name_; }
  int slots() const override { return script_.slots; }
  void Run(const protocol::RunChunk& chunk) override {
    ++world_->chunks;
    if (world_->on_chunk) boost::asio::post(io_, world_->on_chunk);
    if (script_.hold) return;
    // Its tests wait from now on: a cut may take them before the first starts.
    unstarted_[chunk.chunk_id].assign(chunk.tests.begin(), chunk.tests.end());
    Post(script_.delay, [this, chunk] { Play(chunk); });
  }
  void Stop() override {
    stopped_ = true;
    ++world_->stops[name_];
  }
  // Tail control: the chunk's tests from `from_index` on that have not
  // started leave it (a worker that holds its chunks never answers).
  void Cut(std::int64_t chunk_id, int from_index) override {
    if (script_.hold) return;
    Post(milliseconds(0), [this, chunk_id, from_index] {
      protocol::ChunkCut cut;
      cut.chunk_id = chunk_id;
      const auto found = unstarted_.find(chunk_id);
      if (found != unstarted_.end()) {
        std::deque<int>& tests = found->second;
        for (auto it = tests.begin(); it != tests.end();) {
          if (*it >= from_index) {
            cut.tests.push_back(*it);
            it = tests.erase(it);
          } else {
            ++it;
          }
        }
      }
      std::sort(cut.tests.begin(), cut.tests.end());
      ++world_->cuts;
      callbacks_.on_event(this, std::move(cut));
    });
  }

 private:
  // Runs `handler` on the io_context after `delay`, unless this executor is
  // gone or stopped by then.
  template <typename Handler>
  void Post(milliseconds delay, Handler handler) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
    std::weak_ptr<bool> alive = alive_;
    timer->async_wait([this, timer, alive, handler](const boost::system::error_code& error) {
      if (error || alive.expired() || stopped_) return;
      handler();
    });
  }

  void Play(const protocol::RunChunk& chunk) {
    std::weak_ptr<bool> alive = alive_;
    auto gone = [&] { return alive.expired() || stopped_; };
    if (script_.rogue) {
      callbacks_.on_event(this, protocol::TestStarted{chunk.chunk_id, 1000000, ""});
      return;
    }
    if (!gone()) Step(chunk.chunk_id);
  }

  // Runs the chunk's next test, then lets other events in before the one
  // after it (a cut, another chunk), as a worker does.
  void Step(std::int64_t chunk_id) {
    std::weak_ptr<bool> alive = alive_;
    auto gone = [&] { return alive.expired() || stopped_; };
    if (world_->on_step) boost::asio::post(io_, world_->on_step);
    std::deque<int>& tests = unstarted_[chunk_id];
    if (tests.empty()) {
      unstarted_.erase(chunk_id);
      callbacks_.on_event(this, protocol::ChunkFinished{chunk_id});
      return;
    }
    const int index = tests.front();
    tests.pop_front();
    if (script_.lose_after >= 0 && finished_ >= script_.lose_after) {
      callbacks_.on_event(this, protocol::TestStarted{chunk_id, index, ""});
      if (gone()) return;
      Lose("connection lost: end of file", LossKind::kTransient);
      return;
    }
    callbacks_.on_event(this, protocol::TestStarted{chunk_id, index, "out\n"});
    if (gone()) return;
    protocol::TestFinished finished;
    finished.chunk_id = chunk_id;
    finished.record.index = index;
    finished.record.outcome = world_->NextOutcome(index);
    finished.record.worker = name_;
    if (finished.record.outcome == Outcome::kCrashed) finished.record.reason = "killed";
    ++finished_;
    callbacks_.on_event(this, std::move(finished));
    if (gone()) return;
    Post(milliseconds(0), [this, chunk_id] { Step(chunk_id); });
  }

  void Lose(const std::string& reason, LossKind kind) {
    stopped_ = true;
    callbacks_.on_lost(this, reason, kind);
  }

  boost::asio::io_context& io_;
  std::string name_;
  Script script_;
  World* world_;
  Callbacks callbacks_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  int finished_ = 0;
  bool stopped_ = false;
  std::map<std::int64_t, std::deque<int>> unstarted_;  // by chunk, of chunks being played
};

class FakeFactory : public ExecutorFactory {
 public:
  FakeFactory(boost::asio::io_context& io, World* world) : io_(io), world_(world) {}
  std::unique_ptr<Executor> Make(const WorkerAddress& address) override {
    const std::string name = address.local ? "local" : address.ToString();
    world_->made.push_back(name);
    return std::make_unique<FakeExecutor>(io_, name, world_->NextScript(name), world_);
  }

 private:
  boost::asio::io_context& io_;
  World* world_;
};

// Keeps what the listeners are told.
class Recorder : public RunListener {
 public:
  void OnTestFinished(const TestEntry& test, const TestRecord& record) override {
    ++finished[test.index];
    records[test.index] = record;
  }
  void OnWorkerShipped(const WorkerShipping& s) override { shipped.push_back(s.worker); }
  void OnRunEnd(const RunSummary& summary) override {
    ended = true;
    interrupted = summary.interrupted;
    summary_records = summary.records.size();
    for (const WorkerShipping& s : summary.shipping) summary_shipped.push_back(s.worker);
  }
  std::vector<std::string> shipped;          // OnWorkerShipped, by worker
  std::vector<std::string> summary_shipped;  // the summary's shipping, by worker
  std::map<int, int> finished;               // OnTestFinished calls by test index
  std::map<int, TestRecord> records;
  bool ended = false;
  bool interrupted = false;
  size_t summary_records = 0;
};

WorkerAddress Remote(int port) {
  WorkerAddress address;
  address.host = "10.0.0.1";
  address.port = port;
  return address;
}

std::string Name(int port) { return Remote(port).ToString(); }

class SupervisorTest : public testing::Test {
 protected:
  SupervisorTest() {
    std::vector<TestEntry> tests;
    for (int suite = 0; suite < 6; ++suite) {
      for (int test = 0; test < 5; ++test) {
        TestEntry entry;
        entry.suite = "S" + std::to_string(suite);
        entry.name = "T" + std::to_string(test);
        tests.push_back(entry);
      }
    }
    catalog_ = TestCatalog(std::move(tests), "");
    plan_.catalog = &catalog_;
    for (int i = 0; i < catalog_.size(); ++i) plan_.selected.push_back(i);
    config_.reconnect_interval = milliseconds(5);
    config_.note = [this](const std::string& line) { notes_.push_back(line); };
  }

  // Runs the plan over `workers`; fails the test if it has not ended within
  // a deadline.
  int Run(const std::vector<WorkerAddress>& workers) {
    config_.workers = workers;
    boost::asio::io_context io;
    FakeFactory factory(io, &world_);
    Supervisor supervisor(io, config_, plan_, factory);
    supervisor_ = &supervisor;
    supervisor.AddListener(&recorder_);
    boost::asio::steady_timer deadline(io, std::chrono::seconds(20));
    deadline.async_wait([&io](const boost::system::error_code& error) {
      if (error) return;
      ADD_FAILURE() << "the run did not end within 20 s";
      io.stop();
    });
    const int result = supervisor.Run();
    run_problem_ = supervisor.run_problem();
    supervisor_ = nullptr;
    return result;
  }

  // Every selected test was reported exactly once.
  void ExpectEachTestOnce() {
    EXPECT_TRUE(recorder_.ended);
    EXPECT_EQ(recorder_.summary_records, plan_.selected.size());
    for (int index : plan_.selected) EXPECT_EQ(recorder_.finished[index], 1) << "test " << index;
  }

  bool Noted(const std::string& text) const {
    for (const std::string& line : notes_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  // Worker 1 runs four tests, then its connection is lost, and it cannot be
  // reached again.
  void WorkerOneDiesAfterFourTestsAndStaysDown() {
    Script dies;
    dies.lose_after = 4;
    Script down;
    down.start = Script::Start::kUnreachable;
    world_.scripts[Name(1)] = {dies, down};
  }

  int CountOn(const std::string& worker) {
    int count = 0;
    for (const auto& [index, record] : recorder_.records) count += record.worker == worker;
    return count;
  }

  TestCatalog catalog_;
  RunPlan plan_;
  SupervisorConfig config_;
  World world_;
  Recorder recorder_;
  std::vector<std::string> notes_;
  std::string run_problem_;
  Supervisor* supervisor_ = nullptr;
};

TEST_F(SupervisorTest, EveryTestRunsOnceOverTwoWorkers) {
  world_.scripts[Name(1)] = {Script{Script::Start::kReady, 2}};
  world_.scripts[Name(2)] = {Script{Script::Start::kReady, 1}};
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 0);
  ExpectEachTestOnce();
  EXPECT_GT(CountOn(Name(1)), 0);
  EXPECT_GT(CountOn(Name(2)), 0);
  EXPECT_GE(world_.stops[Name(1)], 1) << "stopped at the end";
}

// Issue 15: the console flushes once per burst of events. Every burst the
// supervisor opens it closes, bursts never nest, and the last is closed by
// the time the run returns.
TEST_F(SupervisorTest, EveryBurstOfEventsIsClosedAndNoneNest) {
  world_.scripts[Name(1)] = {Script{Script::Start::kReady, 2}};
  world_.scripts[Name(2)] = {Script{Script::Start::kReady, 1}};
  int opened = 0;
  int closed = 0;
  bool open = false;
  config_.on_event_burst = [&](bool starts) {
    EXPECT_NE(open, starts) << (starts ? "a burst opened inside another" : "closed twice");
    open = starts;
    ++(starts ? opened : closed);
  };
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 0);
  ExpectEachTestOnce();
  EXPECT_FALSE(open);
  EXPECT_GE(opened, 1);
  EXPECT_EQ(opened, closed);
}

// Issue 13: what shipping the build to a generic worker moved is noted on
// the console, told to every listener and kept in the summary, once per
// connection.
TEST_F(SupervisorTest, ShippingOfEachGenericWorkerReachesNotesListenersAndSummary) {
  Script ships{Script::Start::kReady, 2};
  ships.ships = true;
  world_.scripts[Name(1)] = {ships};
  world_.scripts[Name(2)] = {Script{Script::Start::kReady, 1}};
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 0);
  ExpectEachTestOnce();
  EXPECT_EQ(recorder_.shipped, std::vector<std::string>{Name(1)});
  EXPECT_EQ(recorder_.summary_shipped, std::vector<std::string>{Name(1)});
  EXPECT_TRUE(Noted(Name(1) + ": shipped 2 of 6 files, 2.0 MB in 0.12 s (4 files, 5.0 MB cached)"))
      << testing::PrintToString(notes_);
}

TEST_F(SupervisorTest, LostWorkersUnfinishedTestsAreRequeuedAndRunOnceElsewhere) {
  Script dies;
  dies.lose_after = 3;
  Script down;
  down.start = Script::Start::kUnreachable;
  world_.scripts[Name(1)] = {dies, down};
  Script slow;  // so that the first worker takes a large chunk
  slow.delay = milliseconds(20);
  world_.scripts[Name(2)] = {slow};
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 0);
  ExpectEachTestOnce();
  EXPECT_EQ(CountOn(Name(1)), 3) << "its finished tests are kept";
  EXPECT_EQ(CountOn(Name(2)), catalog_.size() - 3);
  EXPECT_TRUE(Noted("unfinished tests of " + Name(1) + " go back on the queue"));
  EXPECT_TRUE(Noted("worker " + Name(1) + ": connection lost"));
  EXPECT_GE(std::count(world_.made.begin(), world_.made.end(), Name(1)), 2)
      << "a lost worker is tried again";
}

// The invariant of tests/integration/chaos_test.py, at every moment a fake
// can be lost: one of three workers drops its link after k tests, for every
// k, while a test fails once and is retried. Every test is reported once,
// with the outcome it would have had anyway.
TEST_F(SupervisorTest, WorkerLostAfterAnyNumberOfTestsLosesNoTestAndRunsNoneTwice) {
  plan_.retries = 1;
  int rounds_with_requeue = 0;
  for (int victim = 1; victim <= 3; ++victim) {
    for (int after = 0; after <= catalog_.size(); ++after) {
      SCOPED_TRACE("worker " + std::to_string(victim) + " lost after " + std::to_string(after));
      world_ = World{};
      recorder_ = Recorder{};
      notes_.clear();
      world_.outcomes[12] = {Outcome::kFailed, Outcome::kPassed};
      Script dies;
      dies.slots = 2;
      dies.lose_after = after;
      Script down;
      down.start = Script::Start::kUnreachable;
      world_.scripts[Name(victim)] = {dies, down};
      EXPECT_EQ(Run({Remote(1), Remote(2), Remote(3)}), 0);
      ExpectEachTestOnce();
      for (const auto& [index, record] : recorder_.records) {
        EXPECT_EQ(record.outcome, index == 12 ? Outcome::kFlaky : Outcome::kPassed) << index;
      }
      rounds_with_requeue += Noted("unfinished tests of " + Name(victim) + " go back");
      if (HasFailure()) return;
    }
  }
  EXPECT_GT(rounds_with_requeue, 20) << "the losses must land inside chunks";
}

TEST_F(SupervisorTest, FailedTestIsRetriedOnAnotherWorkerAndEndsFlaky) {
  plan_.retries = 2;
  world_.outcomes[7] = {Outcome::kCrashed, Outcome::kPassed};
  world_.outcomes[8] = {Outcome::kFailed};  // fails every time
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 1);
  ExpectEachTestOnce();
  const TestRecord& flaky = recorder_.records[7];
  EXPECT_EQ(flaky.outcome, Outcome::kFlaky);
  ASSERT_EQ(flaky.failed_attempts.size(), 1u);
  EXPECT_EQ(flaky.failed_attempts[0].outcome, Outcome::kCrashed);
  EXPECT_NE(flaky.failed_attempts[0].worker, flaky.worker) << "retried where it failed";
  const TestRecord& broken = recorder_.records[8];
  EXPECT_EQ(broken.outcome, Outcome::kFailed);
  EXPECT_EQ(broken.attempt(), 3);
  // Each attempt on the other worker than the one before.
  EXPECT_NE(broken.failed_attempts.at(0).worker, broken.failed_attempts.at(1).worker);
  EXPECT_NE(broken.failed_attempts.at(1).worker, broken.worker);
  EXPECT_TRUE(Noted("S1.T2 CRASHED on attempt 1 of 3"));
}

TEST_F(SupervisorTest, RetryRunsOnTheSameWorkerWhenItIsTheOnlyOne) {
  plan_.retries = 1;
  world_.outcomes[0] = {Outcome::kFailed, Outcome::kPassed};
  EXPECT_EQ(Run({Remote(1)}), 0);
  ExpectEachTestOnce();
  EXPECT_EQ(recorder_.records[0].outcome, Outcome::kFlaky);
  EXPECT_EQ(recorder_.records[0].failed_attempts.at(0).worker, Name(1));
}

TEST_F(SupervisorTest, FlakyFailsTheRunWhenThePlanSaysSo) {
  plan_.retries = 1;
  plan_.flaky_fails = true;
  world_.outcomes[0] = {Outcome::kFailed, Outcome::kPassed};
  EXPECT_EQ(Run({Remote(1)}), 1);
  EXPECT_EQ(recorder_.records[0].outcome, Outcome::kFlaky);
}

TEST_F(SupervisorTest, RestRunsLocallyWhenEveryWorkerInUseIsLost) {
  config_.fallback_local_slots = 2;
  WorkerOneDiesAfterFourTestsAndStaysDown();
  EXPECT_EQ(Run({Remote(1)}), 0);
  ExpectEachTestOnce();
  EXPECT_EQ(CountOn(Name(1)), 4);
  EXPECT_EQ(CountOn("local"), catalog_.size() - 4);
  EXPECT_TRUE(Noted("every worker is gone; running the remaining 26 tests here on local:2"));
  EXPECT_TRUE(run_problem_.empty());
}

TEST_F(SupervisorTest, RestIsNotRunWhenEveryWorkerIsLostWithFallbackFail) {
  config_.fallback_local_slots = 0;
  WorkerOneDiesAfterFourTestsAndStaysDown();
  EXPECT_EQ(Run({Remote(1)}), 1);
  ExpectEachTestOnce();
  EXPECT_EQ(CountOn(Name(1)), 4);
  int not_run = 0;
  for (const auto& [index, record] : recorder_.records) {
    if (record.outcome != Outcome::kNotRun) continue;
    ++not_run;
    EXPECT_EQ(record.reason, "not run: every worker was lost");
  }
  EXPECT_EQ(not_run, catalog_.size() - 4);
  EXPECT_EQ(run_problem_,
            "every worker is gone (--dist-fallback=fail); the remaining 26 tests are NOT RUN");
}

TEST_F(SupervisorTest, NoWorkerEverReachableIsNotRunEvenWithLocalFallback) {
  config_.fallback_local_slots = 2;
  Script refused;
  refused.start = Script::Start::kRefused;
  world_.scripts[Name(1)] = {refused};
  Script down;
  down.start = Script::Start::kUnreachable;
  world_.scripts[Name(2)] = {down};
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 1);
  ExpectEachTestOnce();
  EXPECT_EQ(CountOn("local"), 0);
  EXPECT_EQ(recorder_.records[0].reason, "not run: no worker could be used");
  EXPECT_EQ(run_problem_, "no worker could be used; the 30 selected tests are NOT RUN");
  EXPECT_TRUE(Noted("worker " + Name(1) + ": runs a different test binary; going on without it"));
}

TEST_F(SupervisorTest, EveryWorkerFullFallsBackToLocal) {
  config_.fallback_local_slots = 2;
  Script full;
  full.start = Script::Start::kFull;
  world_.scripts[Name(1)] = {full};
  EXPECT_EQ(Run({Remote(1)}), 0);
  ExpectEachTestOnce();
  EXPECT_EQ(CountOn("local"), catalog_.size());
  EXPECT_TRUE(Noted("every worker is busy; running the remaining 30 tests here on local:2"));
}

TEST_F(SupervisorTest, RefusedWorkerIsNotTriedAgain) {
  Script refused;
  refused.start = Script::Start::kRefused;
  world_.scripts[Name(1)] = {refused};
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 0);
  ExpectEachTestOnce();
  EXPECT_EQ(CountOn(Name(2)), catalog_.size());
  EXPECT_EQ(std::count(world_.made.begin(), world_.made.end(), Name(1)), 1);
}

TEST_F(SupervisorTest, WorkerDownAtStartJoinsLater) {
  Script down;
  down.start = Script::Start::kUnreachable;
  world_.scripts[Name(1)] = {down, Script{}};
  Script slow;
  slow.delay = milliseconds(30);
  world_.scripts[Name(2)] = {slow};
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 0);
  ExpectEachTestOnce();
  EXPECT_TRUE(Noted("worker " + Name(1) + ": cannot connect"));
  EXPECT_TRUE(Noted("worker " + Name(1) + " is back"));
  EXPECT_GT(CountOn(Name(1)), 0);
}

TEST_F(SupervisorTest, AnIdleSlotTakesTheTailOfASlowWorkersChunk) {
  // Each worker gets its share at once; the fast one, idle, takes the slow
  // one's tests that have not started, and no test is reported twice.
  Script slow;
  slow.delay = milliseconds(200);
  world_.scripts[Name(1)] = {slow};
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 0);
  ExpectEachTestOnce();
  EXPECT_GE(world_.cuts, 1);
  EXPECT_GT(CountOn(Name(2)), catalog_.size() / 2);
}

TEST_F(SupervisorTest, WorkerReportingATestItWasNotGivenIsDropped) {
  Script rogue;
  rogue.rogue = true;
  world_.scripts[Name(1)] = {rogue};
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 0);
  ExpectEachTestOnce();
  EXPECT_EQ(CountOn(Name(2)), catalog_.size());
  EXPECT_TRUE(Noted("that it was not given; dropping it"));
  EXPECT_TRUE(Noted("worker " + Name(1) + ": protocol violation; going on without it"));
}

TEST_F(SupervisorTest, InterruptStopsTheWorkersAndLeavesTheRestNotRun) {
  Script slow;
  slow.hold = true;
  slow.slots = 2;
  world_.scripts[Name(1)] = {slow};
  world_.on_chunk = [this] {
    if (supervisor_ != nullptr) supervisor_->Interrupt("SIGINT");
  };
  EXPECT_EQ(Run({Remote(1)}), 1);
  ExpectEachTestOnce();
  EXPECT_TRUE(recorder_.interrupted);
  for (const auto& [index, record] : recorder_.records) {
    EXPECT_EQ(record.outcome, Outcome::kNotRun);
    EXPECT_EQ(record.reason, "not run: the run was interrupted");
  }
  EXPECT_GE(world_.stops[Name(1)], 1);
  EXPECT_TRUE(Noted("interrupted by SIGINT"));
}

TEST_F(SupervisorTest, InterruptKeepsTheLastFailedAttemptOfATestWaitingForItsRetry) {
  plan_.retries = 1;
  world_.outcomes[0] = {Outcome::kFailed};
  Script one;
  world_.scripts[Name(1)] = {one};
  Script slow;
  slow.hold = true;
  world_.scripts[Name(2)] = {slow};
  // Interrupt once the test failed on worker 1 and waits for worker 2.
  world_.on_step = [this] {
    if (supervisor_ != nullptr && Noted("S0.T0 FAILED on attempt 1")) {
      supervisor_->Interrupt("SIGTERM");
    }
  };
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 1);
  ExpectEachTestOnce();
  EXPECT_EQ(recorder_.records[0].outcome, Outcome::kFailed);
  EXPECT_EQ(recorder_.records[0].worker, Name(1));
}

TEST_F(SupervisorTest, FailFastSkipsWhatIsStillQueued) {
  config_.fail_fast = true;
  for (int index : plan_.selected) world_.outcomes[index] = {Outcome::kFailed};
  // A second worker, never reachable, had its share planned: it stays queued.
  Script down;
  down.start = Script::Start::kUnreachable;
  world_.scripts[Name(2)] = {down};
  EXPECT_EQ(Run({Remote(1), Remote(2)}), 1);
  ExpectEachTestOnce();
  int failed = 0;
  int skipped = 0;
  for (const auto& [index, record] : recorder_.records) {
    failed += record.outcome == Outcome::kFailed;
    if (record.outcome != Outcome::kSkipped) continue;
    ++skipped;
    ASSERT_EQ(record.parts.size(), 1u);
    EXPECT_EQ(record.parts[0].type, TestPart::Type::kSkip);
  }
  EXPECT_GT(failed, 0) << "the chunk that was running ran to its end";
  EXPECT_GT(skipped, 0);
  EXPECT_EQ(failed + skipped, catalog_.size());
  EXPECT_EQ(world_.chunks, 1) << "no chunk handed out after the first failure";
}

TEST_F(SupervisorTest, NothingSelectedEndsAtOnce) {
  plan_.selected.clear();
  EXPECT_EQ(Run({Remote(1)}), 0);
  EXPECT_TRUE(recorder_.ended);
  EXPECT_EQ(recorder_.summary_records, 0u);
}

}  // namespace
}  // namespace gtest_dist
