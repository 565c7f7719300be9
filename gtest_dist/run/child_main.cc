#include "gtest_dist/run/child_main.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "gtest_dist/base/wall_clock.h"
#include "gtest_dist/catalog/test_catalog.h"
#include "gtest_dist/protocol/protocol.h"
#include "gtest_dist/run/artifact_collector.h"
#include "gtest_dist/run/chunk_selection.h"
#include "gtest_dist/run/event_batcher.h"
#include "gtest_dist/run/output_file.h"
#include "gtest_dist/run/process_tree_reaper.h"
#include "gtest_dist/run/tail_cut_child.h"

namespace gtest_dist {
namespace {

[[noreturn]] void DieWithMessage(const std::string& message) {
  // stderr is the output file the parent reads when we die.
  std::fprintf(stderr, "gtest_dist child: %s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(3);
}

protocol::RunChunk ReadChunk(int fd) {
  protocol::FrameDecoder decoder;
  std::string payload, error;
  char buffer[65536];
  for (;;) {
    const auto status = decoder.Next(&payload, &error);
    if (status == protocol::FrameDecoder::Status::kFrame) break;
    if (status == protocol::FrameDecoder::Status::kError) DieWithMessage(error);
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) DieWithMessage("channel closed before a chunk arrived");
    decoder.Append(buffer, static_cast<size_t>(n));
  }
  protocol::Message message;
  if (!protocol::DecodePayload(payload, &message, &error)) DieWithMessage(error);
  auto* chunk = std::get_if<protocol::RunChunk>(&message);
  if (chunk == nullptr) {
    DieWithMessage(std::string("expected run_chunk, got ") + protocol::MessageTypeName(message));
  }
  return std::move(*chunk);
}

// Reads and clears what the tests wrote to stdout/stderr, which the parent
// pointed at one regular file.
class OutputCapture {
 public:
  OutputCapture() {
    struct stat info {};
    enabled_ = fstat(STDOUT_FILENO, &info) == 0 && S_ISREG(info.st_mode);
  }

  std::string Take() {
    std::fflush(stdout);
    std::fflush(stderr);
    std::cout.flush();
    std::cerr.flush();
    if (!enabled_) return std::string();
    // Only the head and tail that are sent are read: a test that printed
    // gigabytes costs this process no more memory than one that printed 1 MiB.
    const off_t end = lseek(STDOUT_FILENO, 0, SEEK_CUR);
    // Nothing written since the last event (most tests print nothing): no
    // read, truncation or rewind, two system calls saved per event.
    if (end == 0) return std::string();
    std::string text =
        ReadBoundedOutput(STDOUT_FILENO, end > 0 ? static_cast<std::uint64_t>(end) : 0);
    // stdout and stderr share one file offset: rewinding it once rewinds both.
    if (ftruncate(STDOUT_FILENO, 0) == 0) lseek(STDOUT_FILENO, 0, SEEK_SET);
    return text;
  }

 private:
  bool enabled_ = false;
};

std::vector<Property> PropertiesOf(const testing::TestResult& result) {
  std::vector<Property> properties;
  for (int i = 0; i < result.test_property_count(); ++i) {
    const testing::TestProperty& p = result.GetTestProperty(i);
    properties.emplace_back(p.key(), p.value());
  }
  return properties;
}

TestPart::Type PartType(testing::TestPartResult::Type type) {
  switch (type) {
    case testing::TestPartResult::kSuccess:
      return TestPart::Type::kSuccess;
    case testing::TestPartResult::kNonFatalFailure:
      return TestPart::Type::kNonFatalFailure;
    case testing::TestPartResult::kFatalFailure:
      return TestPart::Type::kFatalFailure;
    case testing::TestPartResult::kSkip:
      return TestPart::Type::kSkip;
  }
  return TestPart::Type::kSuccess;
}

}  // namespace

TestPart ToTestPart(const testing::TestPartResult& result) {
  TestPart part;
  part.type = PartType(result.type());
  part.file = result.file_name() != nullptr ? result.file_name() : "";
  part.line = result.line_number();
  part.summary = result.summary();
  part.message = result.message();
  return part;
}

namespace {

// The forks of this process and of its ancestors since CountForks: glibc's
// getpid() is a system call, too dear for every event. fork() (what gtest's
// fast death tests use) runs pthread_atfork's child handlers.
unsigned g_forks = 0;

void CountFork() { g_forks = g_forks + 1; }

unsigned ForksSoFar() { return __atomic_load_n(&g_forks, __ATOMIC_RELAXED); }

// Registers the counting (once a process); false if it could not be.
bool CountForks() {
  static const bool kRegistered = pthread_atfork(nullptr, nullptr, &CountFork) == 0;
  return kRegistered;
}

// Streams gtest's events to the parent as they happen.
class EventStreamer : public testing::EmptyTestEventListener {
 public:
  EventStreamer(int channel_fd, int spill_fd,
                const std::unordered_map<const testing::TestInfo*, int>& indices)
      : batcher_(channel_fd, spill_fd),
        indices_(indices),
        pid_(getpid()),
        fork_count_known_(CountForks()),
        forks_at_start_(ForksSoFar()) {}

  void OnTestSuiteStart(const testing::TestSuite& suite) override {
    current_suite_ = suite.name();
    suite_start_ms_ = SteadyMs();
    first_test_start_ms_ = -1;
  }

  void OnTestStart(const testing::TestInfo& info) override {
    if (first_test_start_ms_ < 0) first_test_start_ms_ = SteadyMs();  // SetUpTestSuite is over
    protocol::TestStarted event;
    event.index = IndexOf(info);
    current_test_ = event.index;
    PrepareTestOutputs(event.index);  // TEST_UNDECLARED_OUTPUTS_DIR, before the test's body
    started_.insert(event.index);
    parts_streamed_ = 0;
    event.output_before = capture_.Take();
    // Batched like any event, not written at once: the parent peeks at the
    // batch when the channel is quiet (ChunkRunner::PeekSpilledEvents), so it
    // still learns at once which test runs and how the one before it ended.
    Send(event);
  }

  void OnTestPartResult(const testing::TestPartResult& result) override {
    // gtest holds its own lock while reporting a part: asking UnitTest for
    // the current test here would deadlock, so we track it ourselves.
    protocol::TestPartReported event;
    event.index = current_test_;
    event.suite = current_suite_;
    if (current_test_ >= 0) ++parts_streamed_;
    event.part = ToTestPart(result);
    event.part.output_before = capture_.Take();
    Send(event);
  }

  void OnTestEnd(const testing::TestInfo& info) override {
    const testing::TestResult& result = *info.result();
    protocol::TestFinished event;
    TestRecord& record = event.record;
    record.index = IndexOf(info);
    record.outcome = result.Failed()    ? Outcome::kFailed
                     : result.Skipped() ? Outcome::kSkipped
                                        : Outcome::kPassed;
    record.elapsed_ms = result.elapsed_time();
    record.start_timestamp_ms = result.start_timestamp();
    record.properties = PropertiesOf(result);
    record.output_after = capture_.Take();
    // Parts the test erased from its result (ClearCurrentTestPartResults)
    // were streamed, and printed, already: say how many, for the reports.
    record.cleared_parts = std::max(0, parts_streamed_ - result.total_part_count());
    current_test_ = -1;
    Send(event);
    last_test_end_ms_ = SteadyMs();  // TearDownTestSuite, if any, starts now
  }

  void OnTestSuiteEnd(const testing::TestSuite& suite) override {
    SendSuiteTiming(suite.name(), first_test_start_ms_ - suite_start_ms_,
                    SteadyMs() - last_test_end_ms_);
    SendOutput(suite.name());  // what TearDownTestSuite printed
    SendProperties(suite.name(), suite.ad_hoc_test_result());
    current_suite_.clear();
  }

  void OnTestProgramEnd(const testing::UnitTest& unit_test) override {
    if (unit_test.ad_hoc_test_result().Skipped()) {
      // A global Environment's SetUp skipped: gtest ran no test and counts
      // each one passed. Say so for each, or they would look lost.
      for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
        const testing::TestSuite& suite = *unit_test.GetTestSuite(i);
        for (int j = 0; j < suite.total_test_count(); ++j) {
          const testing::TestInfo& info = *suite.GetTestInfo(j);
          const int index = IndexOf(info);
          if (!info.should_run() || started_.count(index) > 0) continue;
          protocol::TestFinished event;
          event.record.index = index;
          event.record.outcome = Outcome::kPassed;
          event.record.ran = false;
          Send(event);
        }
      }
    }
    // The global Environments' cost, when they have one worth planning for.
    if (std::llround(environments_setup_ms_) + std::llround(environments_teardown_ms_) > 0) {
      SendSuiteTiming("", environments_setup_ms_, environments_teardown_ms_);
    }
    SendOutput("");  // what a global Environment's TearDown printed
    SendProperties("", unit_test.ad_hoc_test_result());
    Send(protocol::ChunkFinished{});
    if (InOwnProcess() && !batcher_.Flush()) std::_Exit(4);
  }

  // gtest 1.12 runs every Environment's SetUp between these two events, and
  // each suite's SetUpTestSuite between OnTestSuiteStart and its first
  // OnTestStart (TearDownTestSuite: its last OnTestEnd to OnTestSuiteEnd).
  void OnEnvironmentsSetUpStart(const testing::UnitTest&) override {
    environments_start_ms_ = SteadyMs();
  }
  void OnEnvironmentsSetUpEnd(const testing::UnitTest& unit_test) override {
    environments_setup_ms_ = SteadyMs() - environments_start_ms_;
    // A fatal failure there: gtest skips every suite without its set-up.
    suites_skipped_ = unit_test.ad_hoc_test_result().HasFatalFailure();
  }
  void OnEnvironmentsTearDownStart(const testing::UnitTest&) override {
    environments_start_ms_ = SteadyMs();
  }
  void OnEnvironmentsTearDownEnd(const testing::UnitTest&) override {
    environments_teardown_ms_ = SteadyMs() - environments_start_ms_;
  }

 private:
  // Set-up-aware planning (issue 15): what one more piece of this suite
  // costs. Not sent for a suite whose name the protocol would refuse, nor
  // when no test of it started (then its set-up did not run either).
  void SendSuiteTiming(const std::string& suite, double setup_ms, double teardown_ms) {
    if (!suite.empty() && (first_test_start_ms_ < 0 || suites_skipped_)) return;
    if (suite.size() > protocol::kMaxSuiteTimingNameBytes) return;
    auto bounded = [](double ms) {
      return std::clamp<std::int64_t>(std::llround(ms), 0, protocol::kMaxSuiteTimingMs);
    };
    protocol::SuiteTiming timing;
    timing.suite = suite;
    timing.setup_ms = bounded(setup_ms);
    timing.teardown_ms = bounded(teardown_ms);
    Send(timing);
  }

  int IndexOf(const testing::TestInfo& info) const {
    const auto it = indices_.find(&info);
    return it == indices_.end() ? -1 : it->second;
  }

  // Output printed outside any test, as a suite-level (or, with `suite`
  // empty, global) part that carries only output.
  void SendOutput(const std::string& suite) {
    std::string text = capture_.Take();
    if (text.empty()) return;
    protocol::TestPartReported event;
    event.suite = suite;
    event.part.type = TestPart::Type::kSuccess;
    event.part.output_before = std::move(text);
    Send(event);
  }

  void SendProperties(const std::string& suite, const testing::TestResult& result) {
    if (result.test_property_count() == 0) return;
    protocol::PropertiesRecorded event;
    event.suite = suite;
    event.properties = PropertiesOf(result);
    Send(event);
  }

  // False in a process forked from this one (a fast death test's): its
  // events are gtest's business, not the parent's.
  bool InOwnProcess() const {
    return fork_count_known_ ? ForksSoFar() == forks_at_start_ : getpid() == pid_;
  }

  void Send(const protocol::Message& message) {
    if (!InOwnProcess()) return;
    if (!batcher_.Add(protocol::EncodeFrame(message))) {
      std::_Exit(4);  // the parent is gone: nobody is left to report to
    }
  }

  EventBatcher batcher_;
  const std::unordered_map<const testing::TestInfo*, int>& indices_;
  pid_t pid_;
  const bool fork_count_known_;  // else getpid() at each event
  const unsigned forks_at_start_;
  OutputCapture capture_;
  int current_test_ = -1;  // index of the running test, -1 between tests
  std::unordered_set<int> started_;
  int parts_streamed_ = 0;     // of the running test
  std::string current_suite_;  // empty outside a suite (global Environments)
  // Set-up costs, on the steady clock in ms.
  double suite_start_ms_ = 0;
  double first_test_start_ms_ = -1;  // -1 until the suite's first test starts
  double last_test_end_ms_ = 0;
  double environments_start_ms_ = 0;
  double environments_setup_ms_ = 0;
  double environments_teardown_ms_ = 0;
  bool suites_skipped_ = false;
};

// gtest flags the supervisor passes on to children. Anything else in a
// chunk's settings is ignored, so a newer supervisor can add some.
void ApplySetting(const std::string& name, const std::string& value) {
  const bool on = value == "1" || value == "true";
  if (name == "break_on_failure") {
    GTEST_FLAG_SET(break_on_failure, on);
  } else if (name == "throw_on_failure") {
    GTEST_FLAG_SET(throw_on_failure, on);
  } else if (name == "catch_exceptions") {
    GTEST_FLAG_SET(catch_exceptions, on);
  } else if (name == "death_test_style") {
    GTEST_FLAG_SET(death_test_style, value);
  } else if (name == "stack_trace_depth") {
    GTEST_FLAG_SET(stack_trace_depth, std::atoi(value.c_str()));
  } else if (name == "fail_fast") {
    GTEST_FLAG_SET(fail_fast, on);
  } else if (name == "shuffle") {
    GTEST_FLAG_SET(shuffle, on);
  } else if (name == "random_seed") {
    GTEST_FLAG_SET(random_seed, std::atoi(value.c_str()));
  } else if (name == "print_utf8") {
    GTEST_FLAG_SET(print_utf8, on);
  } else if (name == "recreate_environments_when_repeating") {
    GTEST_FLAG_SET(recreate_environments_when_repeating, on);
  }
}

// The catalog and each registered test's index: built once per process, so
// that a template (warm_child.h) builds them before it forks.
struct ChildIndex {
  TestCatalog catalog;
  std::unordered_map<const testing::TestInfo*, int> indices;
  std::vector<int> suite_first;  // chunk_selection.h
  RegisteredTests registered;    // tail_cut_child.h
};

const ChildIndex& TheChildIndex() {
  static const ChildIndex* const kIndex = [] {
    auto* built = new ChildIndex;
    testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
    built->catalog = TestCatalog::FromUnitTest(unit_test, "");
    int next = 0;
    for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
      auto* suite = const_cast<testing::TestSuite*>(unit_test.GetTestSuite(i));
      built->registered.suites.push_back(suite);
      for (int j = 0; j < suite->total_test_count(); ++j) {
        auto* info = const_cast<testing::TestInfo*>(suite->GetTestInfo(j));
        built->indices[info] = next++;
        built->registered.tests.push_back(info);
        built->registered.suite_of.push_back(i);
      }
    }
    built->suite_first = SuiteFirstIndices();
    return built;
  }();
  return *kIndex;
}

// Makes gtest run exactly the chunk's tests: each suite narrowed to them
// (chunk_selection.h), or, for a shuffled chunk, whose order gtest draws over
// every registered test, a filter of their full names (gtest keeps exact
// names in a hash set, and it never touches a command line).
// Returns the selection's listener (none for a filter of names).
std::unique_ptr<testing::TestEventListener> SelectTests(const protocol::RunChunk& chunk,
                                                        const ChildIndex& child_index) {
  const bool shuffled =
      std::any_of(chunk.settings.begin(), chunk.settings.end(), [](const auto& setting) {
        return setting.first == "shuffle" && (setting.second == "1" || setting.second == "true");
      });
  if (!shuffled) return SelectChunkTests(chunk.tests, child_index.suite_first);
  std::string filter;
  for (int index : chunk.tests) {
    if (!filter.empty()) filter += ':';
    filter += child_index.catalog.test(index).FullName();
  }
  GTEST_FLAG_SET(filter, filter);
  return nullptr;
}

}  // namespace

void PrepareChildIndex() { TheChildIndex(); }

int TakeChildChannel() {
  const char* value = std::getenv(kChildChannelEnv);
  if (value == nullptr) return -1;
  const int fd = std::atoi(value);
  unsetenv(kChildChannelEnv);
  if (fd < 0) return -1;
  // Tests may execute programs; they must not inherit the channel.
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

int RunChild(int channel_fd) {
  // Die with the parent: a worker killed with SIGKILL must not leave tests
  // running.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) std::_Exit(5);
  // What the tests start stays below us even after setsid() or a double
  // fork, and is killed when the chunk ends.
  BecomeSubreaper();

  protocol::RunChunk chunk = ReadChunk(channel_fd);
  testing::UnitTest& unit_test = *testing::UnitTest::GetInstance();
  const ChildIndex& child_index = TheChildIndex();
  const TestCatalog& catalog = child_index.catalog;

  bool any_disabled = false;
  for (int index : chunk.tests) {
    if (index < 0 || index >= catalog.size()) {
      DieWithMessage("test index " + std::to_string(index) + " is outside the catalog of " +
                     std::to_string(catalog.size()) + " tests");
    }
    any_disabled = any_disabled || catalog.test(index).disabled;
  }
  std::unique_ptr<testing::TestEventListener> selection = SelectTests(chunk, child_index);
  GTEST_FLAG_SET(also_run_disabled_tests, any_disabled);
  GTEST_FLAG_SET(list_tests, false);
  GTEST_FLAG_SET(repeat, 1);
  GTEST_FLAG_SET(shuffle, false);
  GTEST_FLAG_SET(fail_fast, false);
  GTEST_FLAG_SET(output, "");
  for (const auto& [name, value] : chunk.settings) ApplySetting(name, value);
  // The supervisor selects and shards; a child must run what it is given.
  unsetenv("GTEST_TOTAL_SHARDS");
  unsetenv("GTEST_SHARD_INDEX");
  unsetenv("GTEST_SHARD_STATUS_FILE");
  // The supervisor owns the premature-exit file: a child deleting it at its
  // end would tell a test runner the whole run had ended.
  unsetenv("TEST_PREMATURE_EXIT_FILE");

  testing::TestEventListeners& listeners = unit_test.listeners();
  delete listeners.Release(listeners.default_result_printer());
  delete listeners.Release(listeners.default_xml_generator());
  // Before the child's own listeners, which then see the suites whole while
  // the tests run (chunk_selection.h).
  if (selection) listeners.Append(selection.release());
  listeners.Append(new EventStreamer(channel_fd, TakeEventSpill(), child_index.indices));
  // Tail control: the tests the runner cuts from this chunk do not run here.
  listeners.Append(new TailCutListener(TakeTailCutWord(), chunk.tests, child_index.indices,
                                       child_index.registered));

  const int result = RUN_ALL_TESTS();
  // No process a test started outlives the chunk.
  KillAndReapDescendants();
  return result;
}

}  // namespace gtest_dist
