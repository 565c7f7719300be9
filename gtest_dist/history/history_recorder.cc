#include "gtest_dist/history/history_recorder.h"

#include <map>

#include "gtest_dist/analytics/setup_cost.h"
#include "gtest_dist/base/wall_clock.h"
#include "gtest_dist/model/artifact.h"

namespace gtest_dist {
namespace history {
namespace {

const char* PartKind(TestPart::Type type) {
  switch (type) {
    case TestPart::Type::kFatalFailure:
      return "fatal";
    case TestPart::Type::kNonFatalFailure:
      return "nonfatal";
    case TestPart::Type::kSkip:
      return "skip";
    case TestPart::Type::kSuccess:
      break;
  }
  return "success";
}

}  // namespace

NewResult ToNewResult(const TestEntry& test, const TestRecord& record, int attempt) {
  NewResult r;
  r.test_index = test.index;
  r.attempt = attempt;
  r.suite = test.suite;
  r.name = test.name;
  r.status = record.outcome;
  r.worker = record.worker;
  r.started_ms = record.start_timestamp_ms;
  r.duration_ms = record.elapsed_ms;
  r.reason = record.reason;
  r.process = record.process;
  r.isolation = record.isolation;
  std::string output = record.output_before_start;
  for (const TestPart& part : record.parts) {
    output += part.output_before;
    if (part.type == TestPart::Type::kSuccess || part.cleared) continue;
    r.parts.push_back({PartKind(part.type), part.file, part.line, part.message});
  }
  output += record.output_after;
  TestPart synthetic;
  if (OutcomeFailurePart(record, &synthetic)) {
    r.parts.push_back(
        {PartKind(synthetic.type), synthetic.file, synthetic.line, synthetic.message});
  }
  r.output = std::move(output);
  return r;
}

HistoryRecorder::HistoryRecorder(std::string location, RecorderContext context, FILE* messages)
    : location_(std::move(location)), context_(std::move(context)), messages_(messages) {
  writer_ = std::thread([this] { WriterLoop(); });
}

HistoryRecorder::~HistoryRecorder() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

void HistoryRecorder::Enqueue(Item item, bool urgent) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(item));
    urgent_ = urgent_ || urgent;
  }
  if (urgent)
    wake_.notify_all();
  else
    wake_.notify_one();
}

void HistoryRecorder::OnRunStart(const RunPlan& plan) {
  NewRun run;
  run.started_ms = plan.start_timestamp_ms ? plan.start_timestamp_ms : NowEpochMs();
  run.binary_name = context_.binary_name;
  if (plan.catalog) {
    run.binary_digest = plan.catalog->binary_digest();
    run.names_digest = plan.catalog->names_digest();
  }
  run.command_line = context_.command_line;
  run.host = context_.host;
  run.user = context_.user;
  run.label = context_.label;
  run.mode = context_.mode;
  run.iteration = plan.iteration;
  for (const std::string& w : plan.workers) {
    run.workers += (run.workers.empty() ? "" : ",") + w;
  }
  run.tests_total = static_cast<int>(plan.selected.size());
  quarantined_.clear();
  for (const auto& [index, entry] : plan.quarantined) {
    quarantined_[index] = DescribeQuarantine(entry);
  }
  Enqueue(StartRun{std::move(run)}, true);
}

void HistoryRecorder::OnTestFinished(const TestEntry& test, const TestRecord& record) {
  // Every attempt is a row of its own; the last one carries the verdict.
  int number = 0;
  for (const TestRecord& attempt : record.failed_attempts) {
    NewResult earlier = ToNewResult(test, attempt, ++number);
    earlier.artifacts =
        EncodeArtifactLinks(ArtifactLinksOf(attempt.properties, context_.artifacts_dir));
    Enqueue(Result{std::move(earlier), std::nullopt}, false);
  }
  NewResult last = ToNewResult(test, record, record.attempt());
  last.artifacts = EncodeArtifactLinks(ArtifactLinksOf(record.properties, context_.artifacts_dir));
  const auto quarantined = quarantined_.find(test.index);
  if (quarantined != quarantined_.end()) last.quarantine = quarantined->second;
  Enqueue(Result{std::move(last), record.outcome}, false);
}

void HistoryRecorder::OnWorkerShipped(const WorkerShipping& shipping) {
  Enqueue(Shipped{shipping}, false);
}

void HistoryRecorder::OnRunEnd(const RunSummary& summary) {
  EndRun end;
  end.ended_ms = NowEpochMs();
  end.elapsed_ms = summary.elapsed_ms;
  end.counts = summary.Totals();
  std::map<std::string, WorkerUse> workers;
  for (const auto& [index, record] : summary.records) {
    auto count_use = [&workers](const TestRecord& attempt) {
      if (attempt.worker.empty()) return;
      WorkerUse& use = workers[attempt.worker];
      use.name = attempt.worker;
      ++use.tests_run;
      use.busy_ms += attempt.elapsed_ms;
    };
    for (const TestRecord& attempt : record.failed_attempts) count_use(attempt);
    count_use(record);
  }
  // Failures and skips outside tests: why a run with no failed test is red.
  auto keep = [&end](const std::string& suite, const TestPart& part) {
    if (part.type == TestPart::Type::kSuccess) return;
    end.parts.push_back({suite, {PartKind(part.type), part.file, part.line, part.message}});
  };
  for (const TestPart& part : summary.global_parts) keep("", part);
  for (const SuiteRecord& suite : summary.suites) {
    for (const TestPart& part : suite.parts) keep(suite.name, part);
  }
  end.setups = analytics::SummarizeSetups(summary.suite_setups);
  end.status = VerdictName(summary.verdict());
  if (summary.plan != nullptr && summary.plan->catalog != nullptr) {
    for (const ProcessRun& process : summary.processes) {
      StoredProcess stored{process.id, process.worker, {}};
      for (int index : process.tests) {
        stored.tests.push_back(summary.plan->catalog->test(index).FullName());
      }
      end.processes.push_back(std::move(stored));
    }
    end.shuffle = summary.plan->shuffle;
    end.random_seed = summary.plan->random_seed;
    for (const auto& [index, note] : summary.triage) {
      end.triage.push_back({0, summary.plan->catalog->test(index).FullName(), note});
    }
  }
  for (auto& [name, use] : workers) {
    const auto slots = summary.worker_slots.find(name);
    if (slots != summary.worker_slots.end()) use.slots = slots->second;
    end.workers.push_back(use);
  }
  Enqueue(std::move(end), true);
  Flush();
}

void HistoryRecorder::Flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  urgent_ = true;
  wake_.notify_all();
  drained_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

bool HistoryRecorder::healthy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !failed_;
}

std::int64_t HistoryRecorder::last_run_id() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return run_id_;
}

void HistoryRecorder::WriterLoop() {
  try {
    auto db = OpenDatabase(location_);
    EnsureSchema(db.get());
    std::lock_guard<std::mutex> lock(mutex_);
    db_ = std::move(db);
  } catch (const std::exception& e) {
    Fail(e.what());
  }
  auto last_write = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) break;
    // Batch: results wait up to kBatchInterval for company; a run start or
    // end (or a Flush) is written at once.
    wake_.wait_until(lock, last_write + kBatchInterval, [this] { return stop_ || urgent_; });
    std::vector<Item> batch(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.end()));
    queue_.clear();
    urgent_ = false;
    writing_ = true;
    lock.unlock();
    Write(&batch);
    last_write = std::chrono::steady_clock::now();
    lock.lock();
    writing_ = false;
    if (queue_.empty()) drained_.notify_all();
  }
  drained_.notify_all();
}

void HistoryRecorder::Fail(const std::string& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (failed_) return;
  failed_ = true;
  error_ = error;
  std::fprintf(messages_,
               "gtest_dist: history: %s; this run's history is not being recorded from here "
               "on (the run itself goes on)\n",
               error.c_str());
  std::fflush(messages_);
}

void HistoryRecorder::Write(std::vector<Item>* batch) {
  // Count what this batch would lose, should it fail.
  auto lose = [this](const std::vector<Item>& items) {
    for (const Item& item : items) {
      if (std::holds_alternative<Result>(item)) ++lost_results_;
      if (std::holds_alternative<StartRun>(item)) lost_start_ = true;
      if (std::holds_alternative<EndRun>(item)) lost_end_ = true;
    }
  };
  auto report_end = [this](const EndRun& end) {
    if (lost_results_ == 0 && !lost_start_ && !lost_end_) return;
    std::string what;
    if (lost_start_) {
      what = "this run (" + std::to_string(run_results_) + " results, status " + end.status + ")";
    } else {
      what = std::to_string(lost_results_) + " of " + std::to_string(run_results_) +
             " results of run #" + std::to_string(run_id_) +
             (lost_end_ ? " and its end (status " + end.status +
                              "; the store still shows it "
                              "running)"
                        : "");
    }
    std::fprintf(messages_, "gtest_dist: history: not recorded in %s: %s (%s)\n",
                 DescribeLocation(location_).c_str(), what.c_str(), error_.c_str());
    std::fflush(messages_);
  };
  for (const Item& item : *batch) {
    if (std::holds_alternative<StartRun>(item)) {
      run_results_ = 0;
      lost_results_ = 0;
      lost_start_ = lost_end_ = false;
    }
    if (std::holds_alternative<Result>(item)) ++run_results_;
  }
  if (failed_ || !db_) {
    lose(*batch);
    for (const Item& item : *batch) {
      if (const auto* end = std::get_if<EndRun>(&item)) report_end(*end);
    }
    return;
  }
  // One transaction per batch; a run start commits on its own first so the
  // run is visible (and has an id) at once.
  std::vector<Item> pending;
  auto commit = [&](std::vector<Item>& items) {
    if (items.empty()) return;
    try {
      Transaction transaction(db_.get());
      std::vector<NewResult> results;
      RunTotals counts = live_counts_;
      bool ended = false;
      for (Item& item : items) {
        if (auto* start = std::get_if<StartRun>(&item)) {
          const std::int64_t id = InsertRun(db_.get(), start->run);
          counts = RunTotals{};
          run_shipping_rows_ = 0;
          std::lock_guard<std::mutex> lock(mutex_);
          run_id_ = id;
        } else if (auto* result = std::get_if<Result>(&item)) {
          if (result->verdict) counts.Add(*result->verdict);
          results.push_back(std::move(result->result));
        } else if (auto* shipped = std::get_if<Shipped>(&item)) {
          InsertShipping(db_.get(), run_id_, run_shipping_rows_, shipped->shipping);
          ++run_shipping_rows_;
        } else if (auto* end = std::get_if<EndRun>(&item)) {
          InsertResults(db_.get(), run_id_, results);
          results.clear();
          FinishRun(db_.get(), run_id_, end->status, end->ended_ms, end->elapsed_ms, end->counts,
                    end->workers, end->parts);
          if (!context_.replay.binary.empty()) {
            analytics::ReplaySpec setup = context_.replay;
            setup.shuffle = end->shuffle;
            setup.random_seed = end->random_seed;
            InsertReplay(db_.get(), run_id_, setup, end->processes);
          }
          InsertSuiteSetups(db_.get(), run_id_, end->setups);
          for (TriageRow& row : end->triage) row.run_id = run_id_;
          InsertTriage(db_.get(), end->triage);
          ended = true;
        }
      }
      if (!results.empty()) {
        InsertResults(db_.get(), run_id_, results);
        // While the run goes on, its row counts what is recorded so far (the
        // end writes the final counts).
        if (!ended) UpdateRunCounts(db_.get(), run_id_, counts);
      }
      transaction.Commit();
      live_counts_ = counts;
    } catch (const std::exception& e) {
      Fail(e.what());
      lose(items);
    }
    items.clear();
  };
  for (Item& item : *batch) {
    const bool boundary = !std::holds_alternative<Result>(item);
    pending.push_back(std::move(item));
    if (boundary) {
      const EndRun* end = std::get_if<EndRun>(&pending.back());
      EndRun end_copy = end ? *end : EndRun{};
      commit(pending);
      if (end) report_end(end_copy);
    }
  }
  commit(pending);
}

}  // namespace history
}  // namespace gtest_dist
