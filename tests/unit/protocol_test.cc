#include "gtest_dist/protocol/protocol.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "gtest_dist/model/test_record.h"
#include "gtest_dist/protocol/auth.h"
#include "gtest_dist/protocol/frame_integrity.h"
#include "gtest_dist/protocol/peer_text.h"

namespace gtest_dist {
namespace protocol {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Helpers

std::string Header(std::uint32_t size) {
  std::string header;
  header += static_cast<char>((size >> 24) & 0xff);
  header += static_cast<char>((size >> 16) & 0xff);
  header += static_cast<char>((size >> 8) & 0xff);
  header += static_cast<char>(size & 0xff);
  return header;
}

std::uint32_t AnnouncedSize(const std::string& frame) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(frame.data());
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

// Everything a decoder yields for `bytes`, fed in one piece.
std::vector<std::string> DecodeAll(FrameDecoder* decoder, const std::string& bytes) {
  decoder->Append(bytes.data(), bytes.size());
  std::vector<std::string> payloads;
  std::string payload, error;
  for (;;) {
    const FrameDecoder::Status status = decoder->Next(&payload, &error);
    if (status == FrameDecoder::Status::kNeedMore) return payloads;
    EXPECT_EQ(FrameDecoder::Status::kFrame, status) << error;
    if (status != FrameDecoder::Status::kFrame) return payloads;
    payloads.push_back(payload);
  }
}

// Encodes, frames, unframes and decodes one message.
Message RoundTrip(const Message& message) {
  const std::string frame = EncodeFrame(message);
  EXPECT_GE(frame.size(), kFrameHeaderBytes);
  EXPECT_EQ(frame.size() - kFrameHeaderBytes, AnnouncedSize(frame));
  FrameDecoder decoder;
  const std::vector<std::string> payloads = DecodeAll(&decoder, frame);
  EXPECT_EQ(1u, payloads.size());
  if (payloads.size() != 1) return Message{};
  EXPECT_EQ(frame.substr(kFrameHeaderBytes), payloads[0]);
  Message decoded;
  std::string error;
  EXPECT_TRUE(DecodePayload(payloads[0], &decoded, &error)) << error;
  EXPECT_EQ(message.index(), decoded.index()) << error;
  return decoded;
}

std::string Decode(const std::string& payload, Message* message = nullptr) {
  Message ignored;
  std::string error;
  const bool ok = DecodePayload(payload, message ? message : &ignored, &error);
  EXPECT_FALSE(ok) << "decoded: " << payload;
  EXPECT_FALSE(error.empty());
  return error;
}

void ExpectSamePart(const TestPart& expected, const TestPart& actual) {
  EXPECT_EQ(expected.type, actual.type);
  EXPECT_EQ(expected.file, actual.file);
  EXPECT_EQ(expected.line, actual.line);
  EXPECT_EQ(expected.summary, actual.summary);
  EXPECT_EQ(expected.message, actual.message);
  EXPECT_EQ(expected.output_before, actual.output_before);
}

// Strings that stress the JSON encoding: quotes, escapes, control characters,
// an embedded NUL, multi-byte UTF-8.
const std::string kAwkward = std::string("a \"quoted\" \\ back\nslash\t\x01 nul:") +
                             std::string(1, '\0') + " \xC3\xA9t\xC3\xA9 \xE2\x9C\x93 end";

// A valid run_chunk payload, as JSON, for the malformed-input tests to break.
json ValidRunChunk() {
  return json{{"type", "run_chunk"},
              {"chunk_id", 5},
              {"tests", json::array({1, 2, 3})},
              {"settings", json::array({json::array({"repeat", "1"})})}};
}

json ValidTestFinished() {
  return json{{"type", "test_finished"},
              {"chunk_id", 1},
              {"index", 3},
              {"outcome", "PASSED"},
              {"elapsed_ms", 4},
              {"start_timestamp_ms", 5},
              {"properties", json::array()},
              {"output_after", ""},
              {"worker", "local"},
              {"reason", ""}};
}

json ValidHello() {
  return json{
      {"type", "hello"},
      {"protocol", kProtocolVersion},
      {"role", "worker"},
      {"host", "h"},
      {"binary_name", "b"},
      {"slots", 4},
      {"fingerprint", json{{"binary_digest", "x"}, {"names_digest", "y"}, {"test_count", 2}}},
      {"nonce", ""},
      {"proof", ""}};
}

json ValidTestPart() {
  return json{{"type", "test_part"},
              {"chunk_id", 1},
              {"index", 3},
              {"suite", ""},
              {"part", json{{"kind", "fatal_failure"},
                            {"file", "f.cc"},
                            {"line", 9},
                            {"summary", "s"},
                            {"message", "m"},
                            {"output_before", ""}}}};
}

// ---------------------------------------------------------------------------
// Round trips

TEST(ProtocolRoundTripTest, Hello) {
  Hello hello;
  hello.protocol = kProtocolVersion;
  hello.role = "worker";
  hello.host = "build-host-7.example.org";
  hello.binary_name = "my_tests";
  hello.slots = 4096;
  hello.fingerprint.binary_digest = std::string(64, 'a');
  hello.fingerprint.names_digest = std::string(64, 'b');
  hello.fingerprint.test_count = 1234;
  hello.nonce = "0f1e2d3c4b5a6978";
  hello.proof = std::string(64, 'c');
  const Message decoded = RoundTrip(hello);
  ASSERT_TRUE(std::holds_alternative<Hello>(decoded));
  const Hello& h = std::get<Hello>(decoded);
  EXPECT_EQ(kProtocolVersion, h.protocol);
  EXPECT_EQ("worker", h.role);
  EXPECT_EQ("build-host-7.example.org", h.host);
  EXPECT_EQ("my_tests", h.binary_name);
  EXPECT_EQ(4096, h.slots);
  EXPECT_EQ(std::string(64, 'a'), h.fingerprint.binary_digest);
  EXPECT_EQ(std::string(64, 'b'), h.fingerprint.names_digest);
  EXPECT_EQ(1234, h.fingerprint.test_count);
  EXPECT_EQ("0f1e2d3c4b5a6978", h.nonce);
  EXPECT_EQ(std::string(64, 'c'), h.proof);

  hello.role = "supervisor";
  hello.slots = 0;
  hello.fingerprint = Fingerprint{};
  hello.nonce.clear();
  hello.proof.clear();
  const Message supervisor = RoundTrip(hello);
  ASSERT_TRUE(std::holds_alternative<Hello>(supervisor));
  EXPECT_EQ("supervisor", std::get<Hello>(supervisor).role);
  EXPECT_EQ(0, std::get<Hello>(supervisor).slots);
  EXPECT_EQ("", std::get<Hello>(supervisor).fingerprint.binary_digest);
  EXPECT_EQ("", std::get<Hello>(supervisor).nonce);
  EXPECT_EQ("", std::get<Hello>(supervisor).proof);
}

TEST(ProtocolRoundTripTest, Auth) {
  const Message decoded = RoundTrip(Auth{std::string(64, 'f')});
  ASSERT_TRUE(std::holds_alternative<Auth>(decoded));
  EXPECT_EQ(std::string(64, 'f'), std::get<Auth>(decoded).proof);
}

TEST(ProtocolRoundTripTest, Refusal) {
  const Message decoded = RoundTrip(Refusal{"busy: " + kAwkward});
  ASSERT_TRUE(std::holds_alternative<Refusal>(decoded));
  EXPECT_EQ("busy: " + kAwkward, std::get<Refusal>(decoded).reason);
}

TEST(ProtocolRoundTripTest, BusyRefusal) {
  const Message decoded = RoundTrip(Refusal{"full", true});
  ASSERT_TRUE(std::holds_alternative<Refusal>(decoded));
  EXPECT_TRUE(std::get<Refusal>(decoded).busy);
  EXPECT_FALSE(std::get<Refusal>(RoundTrip(Refusal{"no"})).busy);
}

TEST(ProtocolRoundTripTest, Ready) {
  Ready ready{"host-" + kAwkward, "bin", 8, {"a", "b", 3}};
  const Message decoded = RoundTrip(ready);
  ASSERT_TRUE(std::holds_alternative<Ready>(decoded));
  const Ready& r = std::get<Ready>(decoded);
  EXPECT_EQ(ready.host, r.host);
  EXPECT_EQ("bin", r.binary_name);
  EXPECT_EQ(8, r.slots);
  EXPECT_EQ("a", r.fingerprint.binary_digest);
  EXPECT_EQ("b", r.fingerprint.names_digest);
  EXPECT_EQ(3, r.fingerprint.test_count);
}

TEST(ProtocolRoundTripTest, RunChunk) {
  RunChunk chunk;
  chunk.chunk_id = std::numeric_limits<std::int64_t>::max();
  chunk.tests = {0, 7, 3, 1 << 30};
  chunk.settings = {{"also_run_disabled_tests", "1"}, {"repeat", "3"}, {"weird", kAwkward}};
  const Message decoded = RoundTrip(chunk);
  ASSERT_TRUE(std::holds_alternative<RunChunk>(decoded));
  const RunChunk& c = std::get<RunChunk>(decoded);
  EXPECT_EQ(chunk.chunk_id, c.chunk_id);
  EXPECT_EQ(chunk.tests, c.tests);  // order kept, not sorted
  EXPECT_EQ(chunk.settings, c.settings);

  chunk.chunk_id = 1;
  chunk.settings.clear();
  const Message minimal = RoundTrip(chunk);
  ASSERT_TRUE(std::holds_alternative<RunChunk>(minimal));
  EXPECT_EQ(1, std::get<RunChunk>(minimal).chunk_id);
  EXPECT_TRUE(std::get<RunChunk>(minimal).settings.empty());
}

TEST(ProtocolRoundTripTest, TestStarted) {
  TestStarted started;
  started.chunk_id = 0;  // from a child
  started.index = 17;
  started.output_before = kAwkward;
  Message decoded = RoundTrip(started);
  ASSERT_TRUE(std::holds_alternative<TestStarted>(decoded));
  EXPECT_EQ(0, std::get<TestStarted>(decoded).chunk_id);
  EXPECT_EQ(17, std::get<TestStarted>(decoded).index);
  EXPECT_EQ(kAwkward, std::get<TestStarted>(decoded).output_before);

  started.chunk_id = 99;
  started.index = 0;
  started.output_before.clear();
  decoded = RoundTrip(started);
  ASSERT_TRUE(std::holds_alternative<TestStarted>(decoded));
  EXPECT_EQ(99, std::get<TestStarted>(decoded).chunk_id);
  EXPECT_EQ(0, std::get<TestStarted>(decoded).index);
  EXPECT_EQ("", std::get<TestStarted>(decoded).output_before);
}

TEST(ProtocolRoundTripTest, TestPartReportedOfEveryKind) {
  for (TestPart::Type type : {TestPart::Type::kSuccess, TestPart::Type::kNonFatalFailure,
                              TestPart::Type::kFatalFailure, TestPart::Type::kSkip}) {
    TestPartReported reported;
    reported.chunk_id = 12;
    reported.index = 4;
    reported.suite = "";
    reported.part.type = type;
    reported.part.file = "dir/foo_test.cc";
    reported.part.line = 321;
    reported.part.summary = "Expected equality";
    reported.part.message = "Expected equality of these values:\n  " + kAwkward;
    reported.part.output_before = "printed\n";
    const Message decoded = RoundTrip(reported);
    ASSERT_TRUE(std::holds_alternative<TestPartReported>(decoded));
    const TestPartReported& r = std::get<TestPartReported>(decoded);
    EXPECT_EQ(12, r.chunk_id);
    EXPECT_EQ(4, r.index);
    EXPECT_EQ("", r.suite);
    ExpectSamePart(reported.part, r.part);
  }
}

TEST(ProtocolRoundTripTest, TestPartReportedOutsideATest) {
  // SetUpTestSuite failure: index -1, the suite named, no location.
  TestPartReported reported;
  reported.chunk_id = 3;
  reported.index = -1;
  reported.suite = "Prefix/MySuite/0";
  reported.part.type = TestPart::Type::kFatalFailure;
  reported.part.file = "";
  reported.part.line = -1;
  reported.part.summary = "boom";
  reported.part.message = "boom";
  const Message decoded = RoundTrip(reported);
  ASSERT_TRUE(std::holds_alternative<TestPartReported>(decoded));
  const TestPartReported& r = std::get<TestPartReported>(decoded);
  EXPECT_EQ(-1, r.index);
  EXPECT_EQ("Prefix/MySuite/0", r.suite);
  ExpectSamePart(reported.part, r.part);
}

TEST(ProtocolRoundTripTest, TestFinishedWithEveryOutcome) {
  for (Outcome outcome : {Outcome::kPassed, Outcome::kFailed, Outcome::kSkipped, Outcome::kCrashed,
                          Outcome::kTimeout, Outcome::kNotRun}) {
    TestFinished finished;
    finished.chunk_id = 8;
    TestRecord& record = finished.record;
    record.index = 1 << 30;
    record.outcome = outcome;
    record.elapsed_ms = 123456789012;
    record.start_timestamp_ms = 1700000000123;
    record.properties = {{"key", "value"}, {"key", "again"}, {"", kAwkward}};
    record.output_after = "tail\n";
    record.worker = "[::1]:7420";
    record.reason = "killed by signal 6 (Aborted)";
    const Message decoded = RoundTrip(finished);
    ASSERT_TRUE(std::holds_alternative<TestFinished>(decoded)) << OutcomeName(outcome);
    const TestFinished& f = std::get<TestFinished>(decoded);
    EXPECT_EQ(8, f.chunk_id);
    EXPECT_EQ(1 << 30, f.record.index);
    EXPECT_EQ(outcome, f.record.outcome);
    EXPECT_EQ(123456789012, f.record.elapsed_ms);
    EXPECT_EQ(1700000000123, f.record.start_timestamp_ms);
    EXPECT_EQ(record.properties, f.record.properties);
    EXPECT_EQ("tail\n", f.record.output_after);
    EXPECT_EQ("[::1]:7420", f.record.worker);
    EXPECT_EQ("killed by signal 6 (Aborted)", f.record.reason);
  }
}

TEST(ProtocolRoundTripTest, TestFinishedSaysWhenGtestDidNotRunTheTest) {
  TestFinished finished;
  finished.chunk_id = 3;
  finished.record.index = 2;
  finished.record.outcome = Outcome::kPassed;
  EXPECT_TRUE(std::get<TestFinished>(RoundTrip(finished)).record.ran);
  finished.record.ran = false;
  EXPECT_FALSE(std::get<TestFinished>(RoundTrip(finished)).record.ran);
}

TEST(ProtocolRoundTripTest, TestFinishedCarriesTheNumberOfClearedParts) {
  TestFinished finished;
  finished.chunk_id = 3;
  finished.record.index = 2;
  EXPECT_EQ(0, std::get<TestFinished>(RoundTrip(finished)).record.cleared_parts);
  finished.record.cleared_parts = 4;
  EXPECT_EQ(4, std::get<TestFinished>(RoundTrip(finished)).record.cleared_parts);
}

TEST(ProtocolRoundTripTest, TestFinishedCarriesNoPartsOrStartOutput) {
  // Parts travel as TestPartReported and the start output with TestStarted;
  // the supervisor's ResultAssembler puts them back together.
  TestFinished finished;
  finished.chunk_id = 1;
  finished.record.index = 2;
  finished.record.outcome = Outcome::kFailed;
  finished.record.parts.push_back(TestPart{});
  finished.record.output_before_start = "not sent";
  const Message decoded = RoundTrip(finished);
  ASSERT_TRUE(std::holds_alternative<TestFinished>(decoded));
  EXPECT_TRUE(std::get<TestFinished>(decoded).record.parts.empty());
  EXPECT_EQ("", std::get<TestFinished>(decoded).record.output_before_start);
}

TEST(ProtocolRoundTripTest, PropertiesRecorded) {
  PropertiesRecorded properties;
  properties.chunk_id = 6;
  properties.suite = "MySuite";
  properties.properties = {{"a", "1"}, {"b", kAwkward}};
  Message decoded = RoundTrip(properties);
  ASSERT_TRUE(std::holds_alternative<PropertiesRecorded>(decoded));
  EXPECT_EQ(6, std::get<PropertiesRecorded>(decoded).chunk_id);
  EXPECT_EQ("MySuite", std::get<PropertiesRecorded>(decoded).suite);
  EXPECT_EQ(properties.properties, std::get<PropertiesRecorded>(decoded).properties);

  properties.suite = "";  // global
  properties.properties.clear();
  decoded = RoundTrip(properties);
  ASSERT_TRUE(std::holds_alternative<PropertiesRecorded>(decoded));
  EXPECT_EQ("", std::get<PropertiesRecorded>(decoded).suite);
  EXPECT_TRUE(std::get<PropertiesRecorded>(decoded).properties.empty());
}

TEST(ProtocolRoundTripTest, ChunkFinished) {
  const Message decoded = RoundTrip(ChunkFinished{424242});
  ASSERT_TRUE(std::holds_alternative<ChunkFinished>(decoded));
  EXPECT_EQ(424242, std::get<ChunkFinished>(decoded).chunk_id);
}

TEST(ProtocolRoundTripTest, Heartbeat) {
  const Message decoded = RoundTrip(Heartbeat{});
  EXPECT_TRUE(std::holds_alternative<Heartbeat>(decoded));
}

// ---------------------------------------------------------------------------
// Frozen wire names: renaming any of these is a protocol version change.

TEST(ProtocolWireNamesTest, MessageTypeNamesAreFrozen) {
  EXPECT_STREQ("hello", MessageTypeName(Hello{}));
  EXPECT_STREQ("refusal", MessageTypeName(Refusal{}));
  EXPECT_STREQ("run_chunk", MessageTypeName(RunChunk{}));
  EXPECT_STREQ("test_started", MessageTypeName(TestStarted{}));
  EXPECT_STREQ("test_part", MessageTypeName(TestPartReported{}));
  EXPECT_STREQ("test_finished", MessageTypeName(TestFinished{}));
  EXPECT_STREQ("properties", MessageTypeName(PropertiesRecorded{}));
  EXPECT_STREQ("chunk_finished", MessageTypeName(ChunkFinished{}));
  EXPECT_STREQ("heartbeat", MessageTypeName(Heartbeat{}));
  EXPECT_STREQ("auth", MessageTypeName(Auth{}));
  EXPECT_STREQ("ready", MessageTypeName(Ready{}));
  EXPECT_STREQ("manifest", MessageTypeName(Manifest{}));
  EXPECT_STREQ("build_want", MessageTypeName(BuildWant{}));
  EXPECT_STREQ("blob", MessageTypeName(Blob{}));
  EXPECT_STREQ("build_ready", MessageTypeName(BuildReady{}));
  EXPECT_STREQ("artifact", MessageTypeName(TestArtifact{}));
  EXPECT_STREQ("cut_chunk", MessageTypeName(CutChunk{}));
  EXPECT_STREQ("chunk_cut", MessageTypeName(ChunkCut{}));
  EXPECT_STREQ("suite_timing", MessageTypeName(SuiteTiming{}));
  EXPECT_EQ(6, kProtocolVersion);
}

std::set<std::string> Keys(const json& object) {
  std::set<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
  return keys;
}

TEST(ProtocolWireNamesTest, FieldNamesAreFrozen) {
  const auto payload_of = [](const Message& message) {
    // test_started and test_finished travel compact (compact_events_test.cc);
    // their JSON form is still accepted, its names frozen.
    return json::parse(EncodeJsonPayload(message));
  };
  using Keyset = std::set<std::string>;
  const json hello = payload_of(Hello{});
  EXPECT_EQ(Keyset({"type", "protocol", "role", "host", "binary_name", "slots", "fingerprint",
                    "nonce", "proof"}),
            Keys(hello));
  EXPECT_EQ(Keyset({"type", "proof"}), Keys(payload_of(Auth{})));
  EXPECT_EQ(Keyset({"binary_digest", "names_digest", "test_count"}), Keys(hello["fingerprint"]));
  EXPECT_EQ(Keyset({"type", "reason"}), Keys(payload_of(Refusal{})));
  EXPECT_EQ(Keyset({"type", "reason", "busy"}), Keys(payload_of(Refusal{"full", true})));
  EXPECT_EQ(Keyset({"type", "host", "binary_name", "slots", "fingerprint"}),
            Keys(payload_of(Ready{})));
  EXPECT_EQ(Keyset({"type", "chunk_id", "tests", "settings"}), Keys(payload_of(RunChunk{})));
  EXPECT_EQ(Keyset({"type", "chunk_id", "index", "output_before"}),
            Keys(payload_of(TestStarted{})));
  const json part = payload_of(TestPartReported{});
  EXPECT_EQ(Keyset({"type", "chunk_id", "index", "suite", "part"}), Keys(part));
  EXPECT_EQ(Keyset({"kind", "file", "line", "summary", "message", "output_before"}),
            Keys(part["part"]));
  EXPECT_EQ(Keyset({"type", "chunk_id", "index", "outcome", "elapsed_ms", "start_timestamp_ms",
                    "properties", "output_after", "worker", "reason"}),
            Keys(payload_of(TestFinished{})));
  EXPECT_EQ(Keyset({"type", "chunk_id", "suite", "properties"}),
            Keys(payload_of(PropertiesRecorded{})));
  EXPECT_EQ(Keyset({"type", "chunk_id"}), Keys(payload_of(ChunkFinished{})));
  EXPECT_EQ(Keyset({"type"}), Keys(payload_of(Heartbeat{})));

  TestPartReported skip;
  skip.part.type = TestPart::Type::kSkip;
  EXPECT_EQ("skip", payload_of(skip)["part"]["kind"]);
  skip.part.type = TestPart::Type::kNonFatalFailure;
  EXPECT_EQ("nonfatal_failure", payload_of(skip)["part"]["kind"]);
  TestFinished crashed;
  crashed.record.outcome = Outcome::kCrashed;
  EXPECT_EQ("CRASHED", payload_of(crashed)["outcome"]);
}

TEST(ProtocolWireNamesTest, FrameIsBigEndianLengthThenCompactJson) {
  const std::string frame = EncodeFrame(Heartbeat{});
  EXPECT_EQ(Header(20) + "{\"type\":\"heartbeat\"}", frame);
  const std::string chunk_finished = EncodeFrame(ChunkFinished{7});
  EXPECT_EQ(std::string("\0\0\0", 3), chunk_finished.substr(0, 3));
  EXPECT_EQ(chunk_finished.size() - 4, AnnouncedSize(chunk_finished));
}

TEST(ProtocolWireNamesTest, LongPayloadsUseAllFourLengthBytes) {
  Refusal refusal;
  refusal.reason = std::string(0x012345, 'r');
  const std::string frame = EncodeFrame(refusal);
  EXPECT_EQ(frame.size() - 4, AnnouncedSize(frame));
  EXPECT_EQ(0, frame[0]);
  EXPECT_EQ(0x01, frame[1]);
  const Message decoded = RoundTrip(refusal);
  ASSERT_TRUE(std::holds_alternative<Refusal>(decoded));
  EXPECT_EQ(refusal.reason, std::get<Refusal>(decoded).reason);
}

// ---------------------------------------------------------------------------
// FrameDecoder

std::vector<Message> OneOfEach() {
  Hello hello;
  hello.role = "supervisor";
  hello.host = "h";
  RunChunk chunk;
  chunk.chunk_id = 2;
  chunk.tests = {1, 2};
  TestStarted started;
  started.index = 1;
  started.output_before = kAwkward;
  TestPartReported part;
  part.index = 1;
  TestFinished finished;
  finished.record.index = 1;
  return {hello,
          Refusal{"r"},
          chunk,
          started,
          part,
          finished,
          PropertiesRecorded{},
          ChunkFinished{2},
          Heartbeat{},
          Auth{"p"},
          Ready{"h", "b", 2, {}}};
}

TEST(FrameDecoderTest, SeveralFramesInOneBuffer) {
  std::string stream;
  std::vector<std::string> expected;
  for (const Message& message : OneOfEach()) {
    const std::string frame = EncodeFrame(message);
    stream += frame;
    expected.push_back(frame.substr(kFrameHeaderBytes));
  }
  FrameDecoder decoder;
  EXPECT_EQ(expected, DecodeAll(&decoder, stream));
  // Nothing left: the next call wants more.
  std::string payload, error;
  EXPECT_EQ(FrameDecoder::Status::kNeedMore, decoder.Next(&payload, &error));
}

TEST(FrameDecoderTest, FramesSplitAtEveryByteBoundary) {
  std::string stream;
  std::vector<std::string> expected;
  for (const Message& message : OneOfEach()) {
    const std::string frame = EncodeFrame(message);
    stream += frame;
    expected.push_back(frame.substr(kFrameHeaderBytes));
  }
  for (size_t split = 0; split <= stream.size(); ++split) {
    FrameDecoder decoder;
    std::vector<std::string> payloads = DecodeAll(&decoder, stream.substr(0, split));
    const std::vector<std::string> rest = DecodeAll(&decoder, stream.substr(split));
    payloads.insert(payloads.end(), rest.begin(), rest.end());
    ASSERT_EQ(expected, payloads) << "split at byte " << split;
  }
}

TEST(FrameDecoderTest, FramesFedOneByteAtATime) {
  std::string stream;
  std::vector<std::string> expected;
  for (const Message& message : OneOfEach()) {
    const std::string frame = EncodeFrame(message);
    stream += frame;
    expected.push_back(frame.substr(kFrameHeaderBytes));
  }
  FrameDecoder decoder;
  std::vector<std::string> payloads;
  for (char byte : stream) {
    const std::vector<std::string> got = DecodeAll(&decoder, std::string(1, byte));
    payloads.insert(payloads.end(), got.begin(), got.end());
  }
  EXPECT_EQ(expected, payloads);
}

TEST(FrameDecoderTest, EmptyPayloadIsAFrame) {
  FrameDecoder decoder;
  EXPECT_EQ(std::vector<std::string>({""}), DecodeAll(&decoder, Header(0)));
}

TEST(FrameDecoderTest, PartialHeaderNeedsMore) {
  FrameDecoder decoder;
  const std::string header = Header(3);
  decoder.Append(header.data(), 3);
  std::string payload = "untouched", error;
  EXPECT_EQ(FrameDecoder::Status::kNeedMore, decoder.Next(&payload, &error));
  decoder.Append(header.data() + 3, 1);
  EXPECT_EQ(FrameDecoder::Status::kNeedMore, decoder.Next(&payload, &error));
  decoder.Append("ab", 2);
  EXPECT_EQ(FrameDecoder::Status::kNeedMore, decoder.Next(&payload, &error));
  decoder.Append("c", 1);
  EXPECT_EQ(FrameDecoder::Status::kFrame, decoder.Next(&payload, &error));
  EXPECT_EQ("abc", payload);
}

TEST(FrameDecoderTest, OversizedLengthIsRejectedFromTheHeaderAlone) {
  // The limit applies before any payload byte arrives: a peer cannot make
  // the decoder wait for (and buffer) a huge frame.
  FrameDecoder decoder(10);
  const std::string header = Header(11);
  decoder.Append(header.data(), header.size());
  std::string payload, error;
  EXPECT_EQ(FrameDecoder::Status::kError, decoder.Next(&payload, &error));
  EXPECT_NE(std::string::npos, error.find("11")) << error;
  EXPECT_NE(std::string::npos, error.find("10")) << error;
}

TEST(FrameDecoderTest, LengthAtTheLimitIsAccepted) {
  FrameDecoder decoder(10);
  EXPECT_EQ(std::vector<std::string>({"0123456789"}),
            DecodeAll(&decoder, Header(10) + "0123456789"));
}

TEST(FrameDecoderTest, DefaultLimitIsKMaxFrameBytes) {
  {
    FrameDecoder decoder;
    const std::string header = Header(kMaxFrameBytes + 1);
    decoder.Append(header.data(), header.size());
    std::string payload, error;
    EXPECT_EQ(FrameDecoder::Status::kError, decoder.Next(&payload, &error));
    EXPECT_NE(std::string::npos, error.find(std::to_string(kMaxFrameBytes))) << error;
  }
  {
    FrameDecoder decoder;
    const std::string header = Header(0xffffffffu);
    decoder.Append(header.data(), header.size());
    std::string payload, error;
    EXPECT_EQ(FrameDecoder::Status::kError, decoder.Next(&payload, &error));
    EXPECT_NE(std::string::npos, error.find("4294967295")) << error;
  }
  {
    FrameDecoder decoder;
    const std::string header = Header(kMaxFrameBytes);
    decoder.Append(header.data(), header.size());
    std::string payload, error;
    EXPECT_EQ(FrameDecoder::Status::kNeedMore, decoder.Next(&payload, &error)) << error;
  }
}

TEST(FrameDecoderTest, OversizedFrameAfterAGoodOneIsRejected) {
  FrameDecoder decoder(10);
  const std::string bytes = Header(2) + "ok" + Header(1000);
  decoder.Append(bytes.data(), bytes.size());
  std::string payload, error;
  ASSERT_EQ(FrameDecoder::Status::kFrame, decoder.Next(&payload, &error));
  EXPECT_EQ("ok", payload);
  EXPECT_EQ(FrameDecoder::Status::kError, decoder.Next(&payload, &error));
}

// ---------------------------------------------------------------------------
// DecodePayload on bad input

TEST(DecodePayloadTest, MalformedJsonIsRejected) {
  for (const char* payload : {"", "{", "not json", "{\"type\":\"heartbeat\"",
                              "{\"type\":\"heartbeat\"}}", "{'type':'heartbeat'}"}) {
    EXPECT_EQ("payload is not valid JSON", Decode(payload)) << payload;
  }
}

TEST(DecodePayloadTest, NonObjectJsonIsRejected) {
  for (const char* payload : {"[1,2]", "\"hello\"", "42", "null", "true", "[]"}) {
    const std::string error = Decode(payload);
    EXPECT_NE(std::string::npos, error.find("must be a JSON object")) << payload << ": " << error;
  }
}

TEST(DecodePayloadTest, TypeMustBeAKnownString) {
  EXPECT_NE(std::string::npos, Decode("{}").find("missing field \"type\""));
  const std::string not_string = Decode("{\"type\":5}");
  EXPECT_NE(std::string::npos, not_string.find("field \"type\" must be a string")) << not_string;
  const std::string unknown = Decode("{\"type\":\"bogus\"}");
  EXPECT_NE(std::string::npos, unknown.find("unknown message type \"bogus\"")) << unknown;
  // Type names are case-sensitive.
  EXPECT_NE(std::string::npos, Decode("{\"type\":\"Heartbeat\"}").find("unknown message type"));
}

TEST(DecodePayloadTest, MissingFieldIsNamed) {
  for (const char* field : {"chunk_id", "tests", "settings"}) {
    json payload = ValidRunChunk();
    payload.erase(field);
    const std::string error = Decode(payload.dump());
    EXPECT_NE(std::string::npos, error.find("\"run_chunk\" message")) << error;
    EXPECT_NE(std::string::npos, error.find(std::string("missing field \"") + field + "\""))
        << error;
  }
  for (const char* field : {"chunk_id", "index", "outcome", "elapsed_ms", "start_timestamp_ms",
                            "properties", "output_after", "worker", "reason"}) {
    json payload = ValidTestFinished();
    payload.erase(field);
    const std::string error = Decode(payload.dump());
    EXPECT_NE(std::string::npos, error.find(std::string("missing field \"") + field + "\""))
        << error;
  }
  for (const char* field : {"kind", "file", "line", "summary", "message", "output_before"}) {
    json payload = ValidTestPart();
    payload["part"].erase(field);
    const std::string error = Decode(payload.dump());
    EXPECT_NE(std::string::npos, error.find(std::string("missing field \"") + field + "\""))
        << error;
  }
  for (const char* field :
       {"role", "host", "binary_name", "slots", "fingerprint", "nonce", "proof"}) {
    json payload = ValidHello();
    payload.erase(field);
    const std::string error = Decode(payload.dump());
    EXPECT_NE(std::string::npos, error.find(std::string("missing field \"") + field + "\""))
        << error;
  }
  EXPECT_NE(std::string::npos,
            Decode(json{{"type", "auth"}}.dump()).find("missing field \"proof\""));
  json no_fingerprint_count = ValidHello();
  no_fingerprint_count["fingerprint"].erase("test_count");
  EXPECT_NE(std::string::npos,
            Decode(no_fingerprint_count.dump()).find("missing field \"test_count\""));
}

// A payload that must not decode, and what its error must say.
struct RejectCase {
  json payload;
  std::string expected;
};

void ExpectEachRejected(const std::vector<RejectCase>& cases) {
  for (const RejectCase& c : cases) {
    const std::string error = Decode(c.payload.dump());
    EXPECT_NE(std::string::npos, error.find(c.expected))
        << c.payload.dump() << "\n  error: " << error;
  }
}

// `payload` with `key` set to `value`.
json with(json payload, const std::string& key, json value) {
  payload[key] = std::move(value);
  return payload;
}

TEST(DecodePayloadTest, ValidTemplatesDecode) {
  // The payloads the other tests break are themselves valid.
  for (const json& payload :
       {ValidRunChunk(), ValidTestFinished(), ValidHello(), ValidTestPart()}) {
    Message message;
    std::string error;
    EXPECT_TRUE(DecodePayload(payload.dump(), &message, &error)) << payload.dump() << ": " << error;
  }
}

TEST(DecodePayloadTest, WrongFieldTypeIsNamed) {
  const std::vector<RejectCase> cases = {
      {with(ValidRunChunk(), "chunk_id", "5"), "field \"chunk_id\" must be an integer, got string"},
      {with(ValidRunChunk(), "chunk_id", 1.5), "field \"chunk_id\" must be an integer, got number"},
      {with(ValidRunChunk(), "tests", json{{"a", 1}}),
       "field \"tests\" must be an array, got object"},
      {with(ValidRunChunk(), "tests", json::array({1, "2"})),
       "field \"tests\" must hold test indices"},
      {with(ValidRunChunk(), "settings", json::array({"repeat"})),
       "field \"settings\" must hold [name, value] string pairs"},
      {with(ValidRunChunk(), "settings", json::array({json::array({"repeat", 1})})),
       "field \"settings\" must hold [name, value] string pairs"},
      {with(ValidRunChunk(), "settings", json::array({json::array({"a", "b", "c"})})),
       "field \"settings\" must hold [name, value] string pairs"},
      {with(ValidTestFinished(), "worker", nullptr), "field \"worker\" must be a string, got null"},
      {with(ValidTestFinished(), "elapsed_ms", true),
       "field \"elapsed_ms\" must be an integer, got boolean"},
      {with(ValidTestFinished(), "properties", "a=b"),
       "field \"properties\" must be an array, got string"},
      {with(ValidTestPart(), "part", "oops"), "field \"part\" must be an object"},
      {with(ValidHello(), "fingerprint", json::array()),
       "field \"fingerprint\" must be an object, got array"},
      {with(ValidHello(), "protocol", "1"), "field \"protocol\" must be an integer, got string"},
      {with(ValidHello(), "nonce", 5), "field \"nonce\" must be a string, got number"},
      {json{{"type", "auth"}, {"proof", json::array()}},
       "field \"proof\" must be a string, got array"},
  };
  ExpectEachRejected(cases);
}

// Tail control's messages (a cut and its answer).
TEST(DecodePayloadTest, CutMessagesRoundTrip) {
  Message message;
  std::string error;
  ASSERT_TRUE(DecodePayload(EncodePayload(CutChunk{7, 42}), &message, &error)) << error;
  const auto* cut = std::get_if<CutChunk>(&message);
  ASSERT_NE(cut, nullptr);
  EXPECT_EQ(cut->chunk_id, 7);
  EXPECT_EQ(cut->from_index, 42);

  ASSERT_TRUE(DecodePayload(EncodePayload(ChunkCut{7, {3, 5, 9}}), &message, &error)) << error;
  const auto* answer = std::get_if<ChunkCut>(&message);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->tests, (std::vector<int>{3, 5, 9}));
  EXPECT_TRUE(DecodePayload(EncodePayload(ChunkCut{7, {}}), &message, &error)) << error;
}

TEST(DecodePayloadTest, BadCutsAreRefusedNamingTheField) {
  const json cut = {{"type", "cut_chunk"}, {"chunk_id", 1}, {"from_index", 1}};
  const json answer = {{"type", "chunk_cut"}, {"chunk_id", 1}, {"tests", json::array({1})}};
  ExpectEachRejected({
      {with(cut, "chunk_id", 0), "chunk_id"},
      {with(cut, "from_index", -1), "from_index"},
      {with(answer, "tests", json::array({1, -2})), "field \"tests\" must hold test indices"},
      // A test named twice (or out of order) could be queued twice.
      {with(answer, "tests", json::array({4, 4})), "strictly ascending"},
      {with(answer, "tests", json::array({5, 4})), "strictly ascending"},
      {with(answer, "tests", "1"), "field \"tests\" must be an array"},
  });
}

TEST(DecodePayloadTest, OutOfRangeValuesAreRejectedWithTheValue) {
  json started = {{"type", "test_started"}, {"chunk_id", 0}, {"index", -1}, {"output_before", ""}};
  json negative_chunk = started;
  negative_chunk["index"] = 0;
  negative_chunk["chunk_id"] = -4;
  json bad_line = ValidTestPart();
  bad_line["part"]["line"] = -2;
  json bad_kind = ValidTestPart();
  bad_kind["part"]["kind"] = "warning";
  json bad_count = ValidHello();
  bad_count["fingerprint"]["test_count"] = -1;
  const std::vector<RejectCase> cases = {
      {started, "field \"index\" = -1 is outside [0, "},
      {negative_chunk, "field \"chunk_id\" = -4 is outside [0, "},
      {with(ValidRunChunk(), "chunk_id", 0), "field \"chunk_id\" = 0 is outside [1, "},
      {with(ValidRunChunk(), "tests", json::array()), "field \"tests\" must not be empty"},
      {with(ValidRunChunk(), "tests", json::array({1, -3})),
       "field \"tests\" must hold test indices"},
      {with(ValidRunChunk(), "tests", json::array({(1 << 30) + 1})),
       "field \"tests\" must hold test indices"},
      {with(ValidTestFinished(), "index", -1), "field \"index\" = -1 is outside [0, "},
      {with(ValidTestFinished(), "elapsed_ms", -1), "field \"elapsed_ms\" = -1 is outside [0, "},
      {with(ValidTestFinished(), "outcome", "passed"),
       "field \"outcome\" has unknown value \"passed\""},
      {with(ValidTestFinished(), "outcome", "FLAKY"), "only a supervisor assigns"},
      {with(ValidTestFinished(), "ran", 0), "field \"ran\" must be a boolean, got number"},
      {with(ValidTestFinished(), "cleared_parts", -1),
       "field \"cleared_parts\" = -1 is outside [0, "},
      {with(ValidTestPart(), "index", -2), "field \"index\" = -2 is outside [-1, "},
      {bad_line, "field \"line\" = -2 is outside [-1, "},
      {bad_kind,
       "field \"kind\" must be success, nonfatal_failure, fatal_failure or skip, got \"warning\""},
      {with(ValidHello(), "slots", 4097), "field \"slots\" = 4097 is outside [0, 4096]"},
      {with(ValidHello(), "role", "boss"),
       "field \"role\" must be supervisor or worker, got \"boss\""},
      {with(ValidHello(), "protocol", -1), "field \"protocol\" = -1 is outside [0, "},
      {bad_count, "field \"test_count\" = -1 is outside [0, "},
      {json{{"type", "chunk_finished"}, {"chunk_id", -1}},
       "field \"chunk_id\" = -1 is outside [0, "},
  };
  ExpectEachRejected(cases);
}

TEST(DecodePayloadTest, ErrorsNameTheMessageType) {
  const std::string error = Decode(json{{"type", "run_chunk"}}.dump());
  EXPECT_EQ(0u, error.find("\"run_chunk\" message: ")) << error;
}

TEST(DecodePayloadTest, HelloOfAnotherVersionDecodesWithTypeAndProtocolOnly) {
  // The receiver checks the version and names both; the rest of a hello from
  // another version may not parse, so it is not read.
  for (int version : {0, kProtocolVersion + 1, 1000}) {
    Message message;
    std::string error;
    const json payload = {{"type", "hello"}, {"protocol", version}};
    ASSERT_TRUE(DecodePayload(payload.dump(), &message, &error)) << error;
    ASSERT_TRUE(std::holds_alternative<Hello>(message));
    EXPECT_EQ(version, std::get<Hello>(message).protocol);
    EXPECT_EQ("", std::get<Hello>(message).role);
  }
  // With garbage in the other fields too.
  json other = ValidHello();
  other["protocol"] = kProtocolVersion + 1;
  other["role"] = 7;
  other["fingerprint"] = "new format";
  Message message;
  std::string error;
  ASSERT_TRUE(DecodePayload(other.dump(), &message, &error)) << error;
  EXPECT_EQ(kProtocolVersion + 1, std::get<Hello>(message).protocol);
}

TEST(DecodePayloadTest, HelloOfThisVersionNeedsEveryField) {
  const json only_version = {{"type", "hello"}, {"protocol", kProtocolVersion}};
  EXPECT_NE(std::string::npos, Decode(only_version.dump()).find("missing field \"role\""));
  json no_protocol = ValidHello();
  no_protocol.erase("protocol");
  EXPECT_NE(std::string::npos, Decode(no_protocol.dump()).find("missing field \"protocol\""));
}

TEST(DecodePayloadTest, UnknownExtraFieldsAreIgnored) {
  json payload = ValidRunChunk();
  payload["future_field"] = {1, 2, 3};
  Message message;
  std::string error;
  ASSERT_TRUE(DecodePayload(payload.dump(), &message, &error)) << error;
  EXPECT_EQ(std::vector<int>({1, 2, 3}), std::get<RunChunk>(message).tests);
}

TEST(DecodePayloadTest, InvalidUtf8InPayloadIsRejected) {
  // EncodeFrame never produces this; a peer that does is broken.
  Decode("{\"type\":\"refusal\",\"reason\":\"\xff\"}");
}

// ---------------------------------------------------------------------------
// Output that is not UTF-8

TEST(ProtocolUtf8Test, InvalidUtf8InOutputIsReplacedNotRejected) {
  TestStarted started;
  started.index = 1;
  started.output_before = "ok \xff\xfe end \xE2\x82";  // two bad bytes, a cut sequence
  const Message decoded = RoundTrip(started);
  ASSERT_TRUE(std::holds_alternative<TestStarted>(decoded));
  const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  EXPECT_EQ("ok " + kReplacement + kReplacement + " end " + kReplacement,
            std::get<TestStarted>(decoded).output_before);
}

TEST(ProtocolUtf8Test, InvalidUtf8InAPartOrRecordIsReplaced) {
  TestPartReported reported;
  reported.index = 0;
  reported.part.message = "bad \x80 byte";
  reported.part.output_before = "\xC3";
  const Message part = RoundTrip(reported);
  ASSERT_TRUE(std::holds_alternative<TestPartReported>(part));
  EXPECT_EQ("bad \xEF\xBF\xBD byte", std::get<TestPartReported>(part).part.message);
  EXPECT_EQ("\xEF\xBF\xBD", std::get<TestPartReported>(part).part.output_before);

  TestFinished finished;
  finished.record.index = 0;
  finished.record.output_after = "\xff";
  const Message record = RoundTrip(finished);
  ASSERT_TRUE(std::holds_alternative<TestFinished>(record));
  EXPECT_EQ("\xEF\xBF\xBD", std::get<TestFinished>(record).record.output_after);
}

TEST(ProtocolUtf8Test, ValidUtf8IsKeptAsIs) {
  const std::string text = "\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80";  // é ✓ 😀
  const Message decoded = RoundTrip(Refusal{text});
  ASSERT_TRUE(std::holds_alternative<Refusal>(decoded));
  EXPECT_EQ(text, std::get<Refusal>(decoded).reason);
}

// ---------------------------------------------------------------------------
// BoundOutput

TEST(BoundOutputTest, ShortOutputIsUnchanged) {
  EXPECT_EQ("", BoundOutput(""));
  EXPECT_EQ("hello\n", BoundOutput("hello\n"));
  const std::string at_limit(kMaxOutputBytesPerEvent, 'x');
  EXPECT_EQ(at_limit, BoundOutput(at_limit));
}

TEST(BoundOutputTest, LongOutputKeepsHeadAndTailAndSaysHowMuchWasOmitted) {
  const std::size_t half = kMaxOutputBytesPerEvent / 2;
  const std::string head(half, 'h');
  const std::string middle(12345, 'm');
  const std::string tail(half, 't');
  const std::string bounded = BoundOutput(head + middle + tail);
  EXPECT_EQ(head, bounded.substr(0, half));
  EXPECT_EQ(tail, bounded.substr(bounded.size() - half));
  EXPECT_EQ(std::string::npos, bounded.find("mm"));
  const std::string notice = bounded.substr(half, bounded.size() - 2 * half);
  EXPECT_EQ("\n[gtest_dist: 12345 bytes of output omitted]\n", notice);
}

TEST(BoundOutputTest, OneByteOverTheLimitOmitsOneByte) {
  std::string output(kMaxOutputBytesPerEvent + 1, 'a');
  output[kMaxOutputBytesPerEvent / 2] = 'X';  // the byte that goes
  const std::string bounded = BoundOutput(output);
  EXPECT_NE(std::string::npos, bounded.find("[gtest_dist: 1 bytes of output omitted]"));
  EXPECT_EQ(std::string::npos, bounded.find('X'));
  EXPECT_LE(bounded.size(), kMaxOutputBytesPerEvent + 64);
}

TEST(BoundOutputTest, JoinedHeadAndTailSayHowMuchOfTheTotalWasLeftOut) {
  EXPECT_EQ("headtail", JoinBoundedOutput("head", 8, "tail"));
  EXPECT_EQ("head\n[gtest_dist: 200000000 bytes of output omitted]\ntail",
            JoinBoundedOutput("head", 200000008, "tail"));
}

TEST(BoundOutputTest, BoundedOutputFitsInAFrame) {
  TestStarted started;
  started.output_before = BoundOutput(std::string(3 * kMaxOutputBytesPerEvent, '\x01'));
  // Even at 6 bytes per escaped control character, the frame fits.
  EXPECT_LE(EncodeFrame(started).size(), kFrameHeaderBytes + kMaxFrameBytes);
}

// ---------------------------------------------------------------------------
// DescribeFingerprintMismatch

Fingerprint MakeFingerprint(int count, const std::string& names, const std::string& binary) {
  Fingerprint fingerprint;
  fingerprint.test_count = count;
  fingerprint.names_digest = names;
  fingerprint.binary_digest = binary;
  return fingerprint;
}

TEST(DescribeFingerprintMismatchTest, SameBinaryIsNoMismatch) {
  const Fingerprint ours = MakeFingerprint(4, "n1", "0123456789abcdef");
  EXPECT_EQ("", DescribeFingerprintMismatch(ours, ours));
}

TEST(DescribeFingerprintMismatchTest, DifferentCountNamesBothCounts) {
  EXPECT_EQ(
      "it has 5 tests, this binary has 4",
      DescribeFingerprintMismatch(MakeFingerprint(4, "n1", "b"), MakeFingerprint(5, "n2", "b")));
}

TEST(DescribeFingerprintMismatchTest, SameCountDifferentNames) {
  EXPECT_EQ(
      "its test names differ (same count, 4)",
      DescribeFingerprintMismatch(MakeFingerprint(4, "n1", "b"), MakeFingerprint(4, "n2", "b")));
}

TEST(DescribeFingerprintMismatchTest, DifferentExecutableShowsShortDigestsTheirsFirst) {
  EXPECT_EQ("its executable differs (sha256 bbbbbbbbbbbb... vs aaaaaaaaaaaa... here)",
            DescribeFingerprintMismatch(MakeFingerprint(4, "n", std::string(64, 'a')),
                                        MakeFingerprint(4, "n", std::string(64, 'b'))));
}

TEST(DescribeFingerprintMismatchTest, SeveralDifferencesAreJoined) {
  EXPECT_EQ(
      "it has 7 tests, this binary has 4; its executable differs (sha256 222222222222... vs "
      "111111111111... here)",
      DescribeFingerprintMismatch(MakeFingerprint(4, "n1", std::string(64, '1')),
                                  MakeFingerprint(7, "n2", std::string(64, '2'))));
}

TEST(DescribeFingerprintMismatchTest, ShortOrEmptyDigestsDoNotBreakTheMessage) {
  EXPECT_EQ(
      "its executable differs (sha256 abc... vs ... here)",
      DescribeFingerprintMismatch(MakeFingerprint(1, "n", ""), MakeFingerprint(1, "n", "abc")));
}

}  // namespace
}  // namespace protocol
}  // namespace gtest_dist

namespace gtest_dist {
namespace protocol {
namespace {

// ---------------------------------------------------------------------------
// Validation of what a stranger can send (issue 11, items 2 and 4)

std::string RunChunkPayload(const json& tests) {
  json chunk = ValidRunChunk();
  chunk["tests"] = tests;
  return chunk.dump();
}

TEST(RunChunkValidationTest, ATestNamedTwiceIsRefused) {
  EXPECT_NE(std::string::npos, Decode(RunChunkPayload({0, 0})).find("test 0 more than once"));
  EXPECT_NE(std::string::npos, Decode(RunChunkPayload({5, 6, 5})).find("test 5 more than once"));
  EXPECT_NE(std::string::npos,
            Decode(RunChunkPayload(json(std::vector<int>(1000, 0)))).find("more than once"));
}

TEST(RunChunkValidationTest, ChunkSizeIsBounded) {
  std::vector<int> at_limit(kMaxChunkTests);
  for (std::size_t i = 0; i < at_limit.size(); ++i) at_limit[i] = static_cast<int>(i);
  Message message;
  std::string error;
  ASSERT_TRUE(DecodePayload(RunChunkPayload(at_limit), &message, &error)) << error;
  EXPECT_EQ(kMaxChunkTests, std::get<RunChunk>(message).tests.size());
  at_limit.push_back(static_cast<int>(kMaxChunkTests));
  const std::string too_many = Decode(RunChunkPayload(at_limit));
  EXPECT_NE(std::string::npos, too_many.find(std::to_string(kMaxChunkTests + 1) + " tests"))
      << too_many;
  EXPECT_NE(std::string::npos, too_many.find("at most " + std::to_string(kMaxChunkTests)))
      << too_many;
}

TEST(JsonShapeTest, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_NE(std::string::npos, Decode(deep).find("nests deeper than 16 levels"));
  // 16 MiB of '[' took a worker to more than a gigabyte when it was parsed.
  EXPECT_NE(std::string::npos, Decode(std::string(16u << 20, '[')).find("nests deeper"));
  // Brackets inside strings are text, not nesting.
  json hello = ValidHello();
  hello["host"] = std::string(1000, '[') + "\"\\";
  Message message;
  std::string error;
  EXPECT_TRUE(DecodePayload(hello.dump(), &message, &error)) << error;
}

TEST(JsonShapeTest, TooManyValuesAreRefusedBeforeParsing) {
  std::string many = "[0";
  for (std::size_t i = 0; i < kMaxJsonValues; ++i) many += ",0";
  many += "]";
  EXPECT_NE(std::string::npos, Decode(many).find("more than 1048576 values"));
  // Commas inside strings are text.
  json hello = ValidHello();
  hello["host"] = std::string(kMaxJsonValues + 10, ',');
  Message message;
  std::string error;
  EXPECT_TRUE(DecodePayload(hello.dump(), &message, &error)) << error;
}

TEST(FrameDecoderTest, HandshakeLimitRefusesAnythingBiggerThanAHello) {
  FrameDecoder decoder;
  decoder.SetMaxFrameBytes(kMaxHandshakeFrameBytes, "before authentication");
  Hello hello;
  hello.role = "supervisor";
  hello.host = std::string(255, 'h');
  hello.binary_name = std::string(255, 'b');
  hello.fingerprint = {std::string(64, 'a'), std::string(64, 'b'), 100000};
  hello.nonce = std::string(64, 'n');
  EXPECT_EQ(1u, DecodeAll(&decoder, EncodeFrame(hello)).size());  // a real hello fits
  const std::string big = Header(16u << 20);
  decoder.Append(big.data(), big.size());
  std::string payload, error;
  EXPECT_EQ(FrameDecoder::Status::kError, decoder.Next(&payload, &error));
  EXPECT_EQ("frame of 16777216 bytes announced; the limit before authentication is 4096", error);
}

// ---------------------------------------------------------------------------
// Frame integrity after the handshake (issue 11, item 9)

struct Pair {
  FrameAuthenticator sender;
  FrameAuthenticator receiver;
};

Pair Authenticators(const std::string& key = std::string(32, 'k')) {
  return Pair{FrameAuthenticator(key), FrameAuthenticator(key)};
}

std::string Sealed(FrameAuthenticator* sender, const Message& message) {
  std::string payload = EncodePayload(message);
  sender->Seal(&payload);
  return payload;
}

TEST(FrameIntegrityTest, SealedFramesOpenInOrder) {
  Pair pair = Authenticators();
  for (int i = 0; i < 3; ++i) {
    std::string payload = Sealed(&pair.sender, ChunkFinished{i + 1});
    EXPECT_EQ(EncodePayload(ChunkFinished{i + 1}).size() + kFrameTagBytes, payload.size());
    std::string error;
    ASSERT_TRUE(pair.receiver.Open(&payload, &error)) << error;
    EXPECT_EQ(EncodePayload(ChunkFinished{i + 1}), payload);
  }
}

TEST(FrameIntegrityTest, AlteredFrameIsRefused) {
  Pair pair = Authenticators();
  std::string payload = Sealed(&pair.sender, RunChunk{1, {1}, {}, {}});
  payload[payload.find('1')] = '2';
  std::string error;
  EXPECT_FALSE(pair.receiver.Open(&payload, &error));
  EXPECT_NE(std::string::npos, error.find("fails its integrity check")) << error;
}

TEST(FrameIntegrityTest, InjectedUntaggedFrameIsRefused) {
  Pair pair = Authenticators();
  std::string injected = EncodePayload(RunChunk{99, {0}, {}, {}});
  std::string error;
  EXPECT_FALSE(pair.receiver.Open(&injected, &error));
  std::string tiny = "{}";
  EXPECT_FALSE(pair.receiver.Open(&tiny, &error));
  EXPECT_NE(std::string::npos, error.find("no integrity tag")) << error;
}

TEST(FrameIntegrityTest, ReplayedFrameIsRefused) {
  Pair pair = Authenticators();
  const std::string first = Sealed(&pair.sender, RunChunk{1, {1}, {}, {}});
  std::string copy = first;
  std::string error;
  ASSERT_TRUE(pair.receiver.Open(&copy, &error)) << error;
  copy = first;
  EXPECT_FALSE(pair.receiver.Open(&copy, &error));
}

TEST(FrameIntegrityTest, ReorderedFramesAreRefused) {
  Pair pair = Authenticators();
  std::string first = Sealed(&pair.sender, ChunkFinished{1});
  std::string second = Sealed(&pair.sender, ChunkFinished{2});
  std::string error;
  EXPECT_FALSE(pair.receiver.Open(&second, &error));
  (void)first;
}

TEST(FrameIntegrityTest, AnotherKeyOrDirectionIsRefused) {
  const SessionKeys keys = DeriveSessionKeys("secret-0123456789abcdef", "ns", "nw");
  EXPECT_EQ(32u, keys.supervisor_to_worker.size());
  EXPECT_NE(keys.supervisor_to_worker, keys.worker_to_supervisor);
  // Fresh nonces, fresh keys.
  EXPECT_NE(keys.supervisor_to_worker,
            DeriveSessionKeys("secret-0123456789abcdef", "ns", "nw2").supervisor_to_worker);
  EXPECT_EQ(keys.supervisor_to_worker,
            DeriveSessionKeys("secret-0123456789abcdef", "ns", "nw").supervisor_to_worker);
  FrameAuthenticator supervisor(keys.supervisor_to_worker);
  FrameAuthenticator worker_side_of_the_other_direction(keys.worker_to_supervisor);
  std::string payload = Sealed(&supervisor, Heartbeat{});
  std::string error;
  // A frame reflected back to its sender is worthless.
  EXPECT_FALSE(worker_side_of_the_other_direction.Open(&payload, &error));
}

// ---------------------------------------------------------------------------
// Peer text in logs (issue 11, item 12)

TEST(PeerTextTest, PlainTextIsKept) {
  EXPECT_EQ("host-1.example", PeerText("host-1.example"));
  EXPECT_EQ("\xC3\xA9t\xC3\xA9", PeerText("\xC3\xA9t\xC3\xA9"));
}

TEST(PeerTextTest, ControlCharactersAndEscapesAreEscaped) {
  EXPECT_EQ("a\\nb\\r\\tc\\x1b[31m\\x00\\\\", PeerText(std::string("a\nb\r\tc\x1b[31m\0\\", 13)));
  EXPECT_EQ("\\u009b2J", PeerText("\xC2\x9B"
                                  "2J"));  // C1 CSI
  EXPECT_EQ("\\u202eevil", PeerText("\xE2\x80\xAE"
                                    "evil"));     // right-to-left override
  EXPECT_EQ("\\xff\\xc3", PeerText("\xFF\xC3"));  // not UTF-8
}

TEST(PeerTextTest, LongTextIsCutAndSaysHowMuchWasLeftOut) {
  const std::string text = PeerText(std::string(8u << 20, 'h'));
  EXPECT_EQ(std::string(kMaxPeerTextBytes, 'h') + "... [" +
                std::to_string((8u << 20) - kMaxPeerTextBytes) + " more bytes]",
            text);
  EXPECT_LT(PeerText(std::string(1u << 20, '\n')).size(), kMaxPeerTextBytes + 40);
}

}  // namespace
}  // namespace protocol
}  // namespace gtest_dist
