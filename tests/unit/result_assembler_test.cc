#include "gtest_dist/supervisor/result_assembler.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "gtest_dist/model/test_record.h"

namespace gtest_dist {
namespace {

TestPart Part(TestPart::Type type, const std::string& message,
              const std::string& output_before = "") {
  TestPart part;
  part.type = type;
  part.file = "foo_test.cc";
  part.line = 42;
  part.summary = message;
  part.message = message;
  part.output_before = output_before;
  return part;
}

TestRecord Finished(int index, Outcome outcome, const std::string& worker = "local") {
  TestRecord record;
  record.index = index;
  record.outcome = outcome;
  record.elapsed_ms = 12;
  record.start_timestamp_ms = 1700000000000;
  record.output_after = "after\n";
  record.worker = worker;
  record.properties = {{"key", "value"}};
  return record;
}

std::vector<std::string> Messages(const TestRecord& record) {
  std::vector<std::string> messages;
  for (const TestPart& part : record.parts) messages.push_back(part.message);
  return messages;
}

TEST(ResultAssemblerTest, MarksThePartsTheTestClearedFromItsResult) {
  ResultAssembler assembler;
  assembler.OnStarted(1, 2, "");
  assembler.OnPart(1, 2, Part(TestPart::Type::kFatalFailure, "erased"));
  assembler.OnPart(1, 2, Part(TestPart::Type::kNonFatalFailure, "erased too"));
  assembler.OnPart(1, 2, Part(TestPart::Type::kSuccess, "kept"));
  TestRecord finished = Finished(2, Outcome::kPassed);
  finished.cleared_parts = 2;
  const std::optional<TestRecord> record = assembler.OnFinished(1, finished);
  ASSERT_TRUE(record.has_value());
  ASSERT_EQ(3u, record->parts.size());
  EXPECT_TRUE(record->parts[0].cleared);
  EXPECT_TRUE(record->parts[1].cleared);
  EXPECT_FALSE(record->parts[2].cleared);
}

TEST(ResultAssemblerTest, AClearedCountBeyondThePartsClearsThemAll) {
  ResultAssembler assembler;
  assembler.OnPart(1, 2, Part(TestPart::Type::kFatalFailure, "only"));
  TestRecord finished = Finished(2, Outcome::kPassed);
  finished.cleared_parts = 99;
  const std::optional<TestRecord> record = assembler.OnFinished(1, finished);
  ASSERT_TRUE(record.has_value());
  ASSERT_EQ(1u, record->parts.size());
  EXPECT_TRUE(record->parts[0].cleared);
}

TEST(ResultAssemblerTest, AttachesStartOutputAndPartsInOrder) {
  ResultAssembler assembler;
  assembler.OnStarted(1, 4, "SetUpTestSuite said hi\n");
  assembler.OnPart(1, 4, Part(TestPart::Type::kNonFatalFailure, "first", "out 1\n"));
  assembler.OnPart(1, 4, Part(TestPart::Type::kSuccess, "second"));
  assembler.OnPart(1, 4, Part(TestPart::Type::kFatalFailure, "third", "out 3\n"));
  EXPECT_FALSE(assembler.IsFinal(4));

  const std::optional<TestRecord> record = assembler.OnFinished(1, Finished(4, Outcome::kFailed));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(4, record->index);
  EXPECT_EQ(Outcome::kFailed, record->outcome);
  EXPECT_EQ("SetUpTestSuite said hi\n", record->output_before_start);
  EXPECT_EQ(std::vector<std::string>({"first", "second", "third"}), Messages(*record));
  EXPECT_EQ(TestPart::Type::kNonFatalFailure, record->parts[0].type);
  EXPECT_EQ("out 1\n", record->parts[0].output_before);
  EXPECT_EQ("out 3\n", record->parts[2].output_before);
  EXPECT_EQ("foo_test.cc", record->parts[2].file);
  EXPECT_EQ(42, record->parts[2].line);
  // What came with the finish is kept.
  EXPECT_EQ(12, record->elapsed_ms);
  EXPECT_EQ(1700000000000, record->start_timestamp_ms);
  EXPECT_EQ("after\n", record->output_after);
  EXPECT_EQ("local", record->worker);
  EXPECT_EQ(std::vector<Property>({{"key", "value"}}), record->properties);

  EXPECT_TRUE(assembler.IsFinal(4));
  EXPECT_EQ(1, assembler.final_count());
}

TEST(ResultAssemblerTest, FinishWithoutStartOrPartsIsFinal) {
  // A crash reported by a worker before any event of the test arrived.
  ResultAssembler assembler;
  TestRecord crashed = Finished(2, Outcome::kCrashed);
  crashed.reason = "killed by signal 11 (Segmentation fault)";
  const auto record = assembler.OnFinished(3, crashed);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(Outcome::kCrashed, record->outcome);
  EXPECT_EQ("killed by signal 11 (Segmentation fault)", record->reason);
  EXPECT_TRUE(record->parts.empty());
  EXPECT_TRUE(record->output_before_start.empty());
  EXPECT_TRUE(assembler.IsFinal(2));
}

TEST(ResultAssemblerTest, TestsAreAssembledIndependently) {
  ResultAssembler assembler;
  assembler.OnStarted(1, 0, "before 0");
  assembler.OnStarted(2, 1, "before 1");
  assembler.OnPart(1, 0, Part(TestPart::Type::kSuccess, "zero"));
  assembler.OnPart(2, 1, Part(TestPart::Type::kSkip, "one"));
  assembler.OnPart(1, 0, Part(TestPart::Type::kSuccess, "zero again"));

  const auto one = assembler.OnFinished(2, Finished(1, Outcome::kSkipped));
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ("before 1", one->output_before_start);
  EXPECT_EQ(std::vector<std::string>({"one"}), Messages(*one));

  const auto zero = assembler.OnFinished(1, Finished(0, Outcome::kPassed));
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ("before 0", zero->output_before_start);
  EXPECT_EQ(std::vector<std::string>({"zero", "zero again"}), Messages(*zero));
  EXPECT_EQ(2, assembler.final_count());
}

TEST(ResultAssemblerTest, DuplicateFinishIsIgnored) {
  ResultAssembler assembler;
  assembler.OnStarted(1, 7, "");
  assembler.OnPart(1, 7, Part(TestPart::Type::kSuccess, "from chunk 1"));
  const auto first = assembler.OnFinished(1, Finished(7, Outcome::kPassed));
  ASSERT_TRUE(first.has_value());

  // The same test, handed out again before chunk 1's result arrived.
  assembler.OnStarted(2, 7, "second run");
  assembler.OnPart(2, 7, Part(TestPart::Type::kFatalFailure, "from chunk 2"));
  EXPECT_FALSE(assembler.OnFinished(2, Finished(7, Outcome::kFailed)).has_value());
  // And the very same event twice.
  EXPECT_FALSE(assembler.OnFinished(1, Finished(7, Outcome::kFailed)).has_value());
  EXPECT_TRUE(assembler.IsFinal(7));
  EXPECT_EQ(1, assembler.final_count());
}

TEST(ResultAssemblerTest, EventsAfterTheFinalResultDoNotLeakIntoOtherRecords) {
  ResultAssembler assembler;
  ASSERT_TRUE(assembler.OnFinished(1, Finished(7, Outcome::kPassed)).has_value());
  // Late events of the final test, from another chunk, are dropped...
  assembler.OnStarted(2, 7, "late start");
  assembler.OnPart(2, 7, Part(TestPart::Type::kFatalFailure, "late part"));
  // ...and are not attached to anything that finishes later on that chunk.
  assembler.OnStarted(2, 8, "eight");
  const auto eight = assembler.OnFinished(2, Finished(8, Outcome::kPassed));
  ASSERT_TRUE(eight.has_value());
  EXPECT_EQ("eight", eight->output_before_start);
  EXPECT_TRUE(eight->parts.empty());
}

TEST(ResultAssemblerTest, PartsOfTheSameTestOnDifferentChunksAreKeptApart) {
  ResultAssembler assembler;
  assembler.OnStarted(1, 3, "chunk 1 start");
  assembler.OnPart(1, 3, Part(TestPart::Type::kFatalFailure, "chunk 1 part"));
  assembler.OnStarted(2, 3, "chunk 2 start");
  assembler.OnPart(2, 3, Part(TestPart::Type::kSuccess, "chunk 2 part"));
  const auto record = assembler.OnFinished(2, Finished(3, Outcome::kPassed));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ("chunk 2 start", record->output_before_start);
  EXPECT_EQ(std::vector<std::string>({"chunk 2 part"}), Messages(*record));
}

TEST(ResultAssemblerTest, DiscardChunkForgetsItsUnfinishedTests) {
  ResultAssembler assembler;
  assembler.OnStarted(1, 5, "lost start");
  assembler.OnPart(1, 5, Part(TestPart::Type::kNonFatalFailure, "lost part"));
  assembler.OnStarted(2, 6, "kept start");
  assembler.OnPart(2, 6, Part(TestPart::Type::kSuccess, "kept part"));

  assembler.DiscardChunk(1);
  EXPECT_FALSE(assembler.IsFinal(5));

  // Whatever chunk 1 had streamed of test 5 is gone...
  const auto five = assembler.OnFinished(1, Finished(5, Outcome::kCrashed));
  ASSERT_TRUE(five.has_value());
  EXPECT_TRUE(five->parts.empty());
  EXPECT_TRUE(five->output_before_start.empty());
  // ...and chunk 2 is untouched.
  const auto six = assembler.OnFinished(2, Finished(6, Outcome::kPassed));
  ASSERT_TRUE(six.has_value());
  EXPECT_EQ("kept start", six->output_before_start);
  EXPECT_EQ(std::vector<std::string>({"kept part"}), Messages(*six));
}

TEST(ResultAssemblerTest, TestRerunOnAnotherChunkAfterDiscardGetsOnlyTheNewRun) {
  ResultAssembler assembler;
  // Chunk 1 starts test 9, reports a failure, then its worker is lost.
  assembler.OnStarted(1, 9, "first attempt\n");
  assembler.OnPart(1, 9, Part(TestPart::Type::kFatalFailure, "first attempt failed"));
  assembler.DiscardChunk(1);
  // The test is handed out again in chunk 4 and passes there.
  assembler.OnStarted(4, 9, "second attempt\n");
  assembler.OnPart(4, 9, Part(TestPart::Type::kSuccess, "second attempt ok"));
  const auto record = assembler.OnFinished(4, Finished(9, Outcome::kPassed, "hostb:7420"));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(Outcome::kPassed, record->outcome);
  EXPECT_EQ("second attempt\n", record->output_before_start);
  EXPECT_EQ(std::vector<std::string>({"second attempt ok"}), Messages(*record));
  EXPECT_EQ("hostb:7420", record->worker);
  EXPECT_EQ(1, assembler.final_count());
}

TEST(ResultAssemblerTest, DiscardingAnUnknownChunkIsHarmless) {
  ResultAssembler assembler;
  assembler.OnStarted(1, 0, "start");
  assembler.DiscardChunk(99);
  const auto record = assembler.OnFinished(1, Finished(0, Outcome::kPassed));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ("start", record->output_before_start);
}

TEST(ResultAssemblerTest, DiscardAfterFinishDoesNotUndoTheResult) {
  ResultAssembler assembler;
  ASSERT_TRUE(assembler.OnFinished(1, Finished(0, Outcome::kPassed)).has_value());
  assembler.DiscardChunk(1);
  EXPECT_TRUE(assembler.IsFinal(0));
  EXPECT_FALSE(assembler.OnFinished(2, Finished(0, Outcome::kPassed)).has_value());
}

TEST(ResultAssemblerTest, RestartedTestReplacesItsEarlierStartOnTheSameChunk) {
  // A chunk's child died and the runner started a new child: a second start
  // of a test on the same chunk begins afresh.
  ResultAssembler assembler;
  assembler.OnStarted(1, 2, "first");
  assembler.OnPart(1, 2, Part(TestPart::Type::kSuccess, "stale"));
  assembler.OnStarted(1, 2, "second");
  const auto record = assembler.OnFinished(1, Finished(2, Outcome::kPassed));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ("second", record->output_before_start);
  EXPECT_TRUE(record->parts.empty());
}

TEST(ResultAssemblerTest, PartsWithoutAStartAreStillAttached) {
  ResultAssembler assembler;
  assembler.OnPart(1, 3, Part(TestPart::Type::kSuccess, "orphan"));
  const auto record = assembler.OnFinished(1, Finished(3, Outcome::kPassed));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(std::vector<std::string>({"orphan"}), Messages(*record));
  EXPECT_TRUE(record->output_before_start.empty());
}

TEST(ResultAssemblerTest, AQuietRestartAlsoForgetsTheEarlierStart) {
  // A quiet start keeps no entry (issue 15), yet it must drop what an
  // earlier start of the test on the chunk streamed, as a printed one does.
  ResultAssembler assembler;
  assembler.OnStarted(1, 2, "first");
  assembler.OnPart(1, 2, Part(TestPart::Type::kFatalFailure, "stale"));
  assembler.OnStarted(1, 2, "");
  const auto record = assembler.OnFinished(1, Finished(2, Outcome::kPassed));
  ASSERT_TRUE(record.has_value());
  EXPECT_TRUE(record->output_before_start.empty());
  EXPECT_TRUE(record->parts.empty());
}

TEST(ResultAssemblerTest, AReopenedTestCountsOnceAgainWhenItsRetryEnds) {
  ResultAssembler assembler;
  assembler.Reopen(9);  // not final: nothing changes
  EXPECT_EQ(0, assembler.final_count());
  ASSERT_TRUE(assembler.OnFinished(1, Finished(9, Outcome::kFailed)).has_value());
  ASSERT_TRUE(assembler.OnFinished(1, Finished(100000, Outcome::kPassed)).has_value());
  EXPECT_EQ(2, assembler.final_count());
  assembler.Reopen(9);
  EXPECT_FALSE(assembler.IsFinal(9));
  EXPECT_TRUE(assembler.IsFinal(100000));
  EXPECT_FALSE(assembler.IsFinal(99999));
  EXPECT_FALSE(assembler.IsFinal(-1));
  EXPECT_EQ(1, assembler.final_count());
  assembler.OnStarted(2, 9, "retry");
  const auto retry = assembler.OnFinished(2, Finished(9, Outcome::kPassed));
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ("retry", retry->output_before_start);
  EXPECT_EQ(2, assembler.final_count());
}

}  // namespace
}  // namespace gtest_dist
