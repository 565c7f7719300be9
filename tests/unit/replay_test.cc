// Exact reproduction (issue 16, item 1): which process ran what (ProcessLog),
// the replay command and its reading of a replay's output, and the round
// trip through the history store (recorder -> FindReplay).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest_dist/analytics/replay_command.h"
#include "gtest_dist/history/history_recorder.h"
#include "gtest_dist/history/replay_store.h"
#include "gtest_dist/modes/replay_runner.h"
#include "gtest_dist/supervisor/process_log.h"
#include "tests/unit/catalog_test_support.h"
#include "tests/unit/scratch_dir.h"

namespace gtest_dist {
namespace {

TEST(ProcessLogTest, AChunkIsOneProcessUntilATestCrashesOrTimesOut) {
  ProcessLog log;
  log.OnStarted(7, 3, "local");
  log.OnStarted(8, 10, "w1:7420");  // another chunk, another process
  log.OnStarted(7, 1, "local");
  EXPECT_EQ(log.Current(7), 1);
  EXPECT_EQ(log.Current(8), 2);
  log.OnFinished(7, Outcome::kFailed);  // a failure keeps the child
  log.OnStarted(7, 4, "local");
  log.OnFinished(7, Outcome::kCrashed);  // the child died: the rest is a new one
  EXPECT_EQ(log.Current(7), 0);
  log.OnStarted(7, 5, "local");
  log.OnStarted(7, 6, "local");
  log.OnFinished(7, Outcome::kTimeout);
  log.OnStarted(7, 9, "local");
  log.OnChunkEnded(8);
  log.OnStarted(8, 11, "w1:7420");  // a retry in a chunk id seen before: new process
  const std::vector<ProcessRun>& p = log.processes();
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].tests, (std::vector<int>{3, 1, 4}));
  EXPECT_EQ(p[1].tests, (std::vector<int>{10}));
  EXPECT_EQ(p[1].worker, "w1:7420");
  EXPECT_EQ(p[2].tests, (std::vector<int>{5, 6}));
  EXPECT_EQ(p[3].tests, (std::vector<int>{9}));
  EXPECT_EQ(p[4].tests, (std::vector<int>{11}));
  EXPECT_EQ(p[4].id, 5);
}

analytics::ReplaySpec Spec() {
  analytics::ReplaySpec spec;
  spec.binary = "/b/suite_test";
  spec.directory = "/w d";
  spec.args = {"--my_flag=1", "--gtest_catch_exceptions=0"};
  spec.env = {{"MODE", "it's"}, {"N", "1"}};
  spec.tests = {"B.Polluter", "A.Other", "C.Victim"};
  return spec;
}

TEST(ReplayCommandTest, TheFilterHoldsThePredecessorsInOrderThenTheTest) {
  analytics::ReplaySpec spec = Spec();
  EXPECT_EQ(analytics::ReplayArgv(spec),
            (std::vector<std::string>{"/b/suite_test", "--my_flag=1", "--gtest_catch_exceptions=0",
                                      "--gtest_filter=B.Polluter:A.Other:C.Victim"}));
  spec.shuffle = true;
  spec.random_seed = 4242;
  spec.tests.push_back("D.DISABLED_Off");
  const std::vector<std::string> argv = analytics::ReplayArgv(spec);
  EXPECT_EQ(std::vector<std::string>(argv.end() - 3, argv.end()),
            (std::vector<std::string>{"--gtest_also_run_disabled_tests", "--gtest_shuffle",
                                      "--gtest_random_seed=4242"}));
  EXPECT_EQ(analytics::ReplayShellLine(Spec()),
            "cd '/w d' && env 'MODE=it'\\''s' N=1 /b/suite_test --my_flag=1 "
            "--gtest_catch_exceptions=0 --gtest_filter=B.Polluter:A.Other:C.Victim");
  spec = Spec();
  spec.directory.clear();
  spec.env.clear();
  spec.binary = "suite_test";
  EXPECT_EQ(analytics::ReplayShellLine(spec).substr(0, 13), "./suite_test ");
}

TEST(ReplayCommandTest, ReadsWhatTheReplayRanAndHowEachTestEnded) {
  const std::string console =
      "Note: Google Test filter = X\n"
      "[==========] Running 4 tests from 4 test suites.\n"
      "[ RUN      ] B.Polluter\n"
      "[       OK ] B.Polluter (0 ms)\n"
      "[ RUN      ] P/Param.Case/3\n"
      "[  FAILED  ] P/Param.Case/3, where GetParam() = 3 (1 ms)\n"
      "[ RUN      ] S.Skips\n"
      "[  SKIPPED ] S.Skips (0 ms)\n"
      "[ RUN      ] C.Victim\n"
      "printed without a newline[  FAILED  ] C.Victim (0 ms)\n"
      "[  FAILED  ] 2 tests, listed below:\n"
      "[  FAILED  ] P/Param.Case/3, where GetParam() = 3\n"
      "[  FAILED  ] C.Victim\n";
  const analytics::ReplayObservation seen = analytics::ParseReplayOutput(console);
  EXPECT_EQ(seen.started,
            (std::vector<std::string>{"B.Polluter", "P/Param.Case/3", "S.Skips", "C.Victim"}));
  using R = analytics::ReplayObservation::Result;
  EXPECT_EQ(seen.ResultOf("B.Polluter"), R::kPassed);
  EXPECT_EQ(seen.ResultOf("P/Param.Case/3"), R::kFailed);
  EXPECT_EQ(seen.ResultOf("S.Skips"), R::kSkipped);
  EXPECT_TRUE(seen.Failed("C.Victim"));
  EXPECT_EQ(seen.ResultOf("Not.Run"), R::kNotStarted);
  // A process that died in a test leaves it without an end line.
  const analytics::ReplayObservation died =
      analytics::ParseReplayOutput("[ RUN      ] A.B\n[       OK ] A.B (0 ms)\n[ RUN      ] C.D\n");
  EXPECT_EQ(died.ResultOf("C.D"), R::kDied);
  EXPECT_TRUE(died.Failed("C.D"));
  EXPECT_FALSE(died.Failed("A.B"));
}

// A filter too long for one argument goes to the binary in a gtest flag
// file, removed after the replay. The "binary" here is a script that reads
// it and reports A.B failed when the file holds the whole filter.
TEST(ReplayRunnerTest, ALongFilterGoesThroughAFlagFile) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("gtest_dist_replay_run_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string script = (dir / "fake_test").string();
  {
    std::FILE* f = std::fopen(script.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(
        "#!/bin/sh\n"
        "file=${1#--gtest_flagfile=}\n"
        "echo \"flag file $file\"\n"
        "echo '[ RUN      ] A.B'\n"
        "grep -q 'LongSuiteName.TestNumber4999:A.B$' \"$file\" && echo '[  FAILED  ] A.B (0 ms)'\n"
        "exit 1\n",
        f);
    std::fclose(f);
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  analytics::ReplaySpec spec;
  spec.binary = script;
  spec.directory = dir.string();
  // 5000 names of 26 bytes or more: a filter over 128 KiB.
  for (int i = 0; i < 5000; ++i)
    spec.tests.push_back("LongSuiteName.TestNumber" + std::to_string(i));
  spec.tests.push_back("A.B");
  const ReplayResult result = RunReplay(spec, std::chrono::seconds(30));
  ASSERT_TRUE(result.ran) << result.error;
  EXPECT_TRUE(result.seen.Failed("A.B")) << result.output.substr(0, 300);
  const size_t at = result.output.find("flag file ");
  ASSERT_NE(at, std::string::npos) << result.output.substr(0, 300);
  const std::string path = result.output.substr(at + 10, result.output.find('\n', at) - at - 10);
  EXPECT_FALSE(std::filesystem::exists(path)) << path;
  std::filesystem::remove_all(dir);
}

class ReplayStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_.path();
    path_ = (dir_ / "history.sqlite").string();
  }

  ScratchDir scratch_{"replay"};
  std::filesystem::path dir_;
  std::string path_;
};

// What the supervisor's recorder writes is what `gtest_dist repro` reads: the
// failed attempt's process, its predecessors in the order they ran, the
// seed, the arguments and the --dist-env values.
TEST_F(ReplayStoreTest, TheRecorderWritesWhatFindReplayReads) {
  const TestCatalog catalog = CatalogOfSuites({{"S", 4}});
  RunPlan plan;
  plan.catalog = &catalog;
  plan.selected = Indices(4);
  plan.shuffle = true;
  plan.random_seed = 77;
  history::RecorderContext context;
  context.binary_name = "suite_test";
  context.replay = Spec();
  context.replay.tests.clear();
  FILE* messages = std::tmpfile();
  ASSERT_NE(messages, nullptr);
  std::int64_t run_id = 0;
  {
    history::HistoryRecorder recorder(path_, context, messages);
    recorder.OnRunStart(plan);
    RunSummary summary;
    summary.plan = &plan;
    // Process 1 ran S.T2, S.T0, S.T3 (S.T3 failed); its retry passed alone
    // in process 2; S.T1 ran in process 3.
    TestRecord passed;
    passed.outcome = Outcome::kPassed;
    passed.worker = "local";
    for (int index : {2, 0}) {
      passed.index = index;
      passed.process = 1;
      recorder.OnTestFinished(catalog.test(index), passed);
      summary.records[index] = passed;
    }
    TestRecord failed = passed;
    failed.index = 3;
    failed.outcome = Outcome::kFailed;
    TestRecord flaky = passed;
    flaky.index = 3;
    flaky.outcome = Outcome::kFlaky;
    flaky.process = 2;
    flaky.failed_attempts = {failed};
    recorder.OnTestFinished(catalog.test(3), flaky);
    summary.records[3] = flaky;
    passed.index = 1;
    passed.process = 3;
    recorder.OnTestFinished(catalog.test(1), passed);
    summary.records[1] = passed;
    summary.processes = {{1, "local", {2, 0, 3}}, {2, "local", {3}}, {3, "w1:7420", {1}}};
    recorder.OnRunEnd(summary);
    EXPECT_TRUE(recorder.healthy());
    run_id = recorder.last_run_id();
  }
  std::fclose(messages);

  auto db = history::OpenForQueries(path_);
  const history::ResultReplay failed = history::FindReplay(db.get(), run_id, "S.T3");
  EXPECT_EQ(failed.attempt, 1);  // the failed attempt, not the passing retry
  EXPECT_EQ(failed.status, Outcome::kFailed);
  EXPECT_EQ(failed.process, 1);
  EXPECT_EQ(failed.predecessors, 2);
  EXPECT_EQ(failed.spec.tests, (std::vector<std::string>{"S.T2", "S.T0", "S.T3"}));
  EXPECT_TRUE(failed.spec.shuffle);
  EXPECT_EQ(failed.spec.random_seed, 77);
  EXPECT_EQ(failed.spec.binary, "/b/suite_test");
  EXPECT_EQ(failed.spec.directory, "/w d");
  EXPECT_EQ(failed.spec.args, Spec().args);
  EXPECT_EQ(failed.spec.env, Spec().env);
  const history::ResultReplay retry = history::FindReplay(db.get(), run_id, "S.T3", 2);
  EXPECT_EQ(retry.spec.tests, (std::vector<std::string>{"S.T3"}));
  EXPECT_EQ(retry.status, Outcome::kFlaky);
  EXPECT_EQ(history::FindReplay(db.get(), run_id, "S.T1").worker, "w1:7420");

  auto error_of = [&](std::int64_t run, const std::string& test, std::optional<int> attempt) {
    try {
      history::FindReplay(db.get(), run, test, attempt);
    } catch (const history::DatabaseError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(run_id, "S.T3", 3),
            "S.T3 has no attempt 3 in run " + std::to_string(run_id) + " (it has 2)");
  EXPECT_EQ(error_of(run_id, "S.T9", std::nullopt),
            "run " + std::to_string(run_id) + " has no result of S.T9");
  EXPECT_EQ(error_of(run_id + 1, "S.T3", std::nullopt),
            "there is no run " + std::to_string(run_id + 1));
}

}  // namespace
}  // namespace gtest_dist
