// The compact form of test_started and test_finished (protocol.h, issue 15):
// every field round-trips, the layout is frozen, the JSON form is still
// accepted and means the same, and every malformed payload is refused naming
// the field.
#include "gtest_dist/protocol/compact_events.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {
namespace protocol {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxInt64 = INT64_MAX;
constexpr int kMaxIndex = 1 << 30;

// Quotes, escapes, control characters, a NUL, multi-byte UTF-8.
const std::string kAwkward = std::string("a \"quoted\" \\ back\nslash\t\x01 nul:") +
                             std::string(1, '\0') +
                             " \xC3\xA9t\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80";

Message Decoded(const std::string& payload) {
  Message message;
  std::string error;
  EXPECT_TRUE(DecodePayload(payload, &message, &error)) << error;
  return message;
}

std::string ErrorOf(const std::string& payload) {
  Message message;
  std::string error;
  EXPECT_FALSE(DecodePayload(payload, &message, &error)) << "decoded a bad payload";
  return error;
}

TestFinished FullFinished() {
  TestFinished m;
  m.chunk_id = kMaxInt64;
  TestRecord& r = m.record;
  r.index = kMaxIndex;
  r.outcome = Outcome::kTimeout;
  r.ran = false;
  r.elapsed_ms = kMaxInt64;
  r.start_timestamp_ms = 1765000000123;
  r.cleared_parts = kMaxIndex;
  r.properties = {{"key", kAwkward}, {"", ""}, {kAwkward, "v"}};
  r.output_after = kAwkward;
  r.worker = "host:7420";
  r.reason = "killed by signal 9";
  return m;
}

void ExpectSameFinished(const TestFinished& want, const TestFinished& got) {
  EXPECT_EQ(want.chunk_id, got.chunk_id);
  EXPECT_EQ(want.record.index, got.record.index);
  EXPECT_EQ(want.record.outcome, got.record.outcome);
  EXPECT_EQ(want.record.ran, got.record.ran);
  EXPECT_EQ(want.record.elapsed_ms, got.record.elapsed_ms);
  EXPECT_EQ(want.record.start_timestamp_ms, got.record.start_timestamp_ms);
  EXPECT_EQ(want.record.cleared_parts, got.record.cleared_parts);
  EXPECT_EQ(want.record.properties, got.record.properties);
  EXPECT_EQ(want.record.output_after, got.record.output_after);
  EXPECT_EQ(want.record.worker, got.record.worker);
  EXPECT_EQ(want.record.reason, got.record.reason);
}

TEST(CompactEventsTest, TheHotMessagesAreSentCompact) {
  EXPECT_EQ(kCompactTestStarted, static_cast<unsigned char>(EncodePayload(TestStarted{})[0]));
  EXPECT_EQ(kCompactTestFinished, static_cast<unsigned char>(EncodePayload(TestFinished{})[0]));
  EXPECT_EQ('{', EncodePayload(ChunkFinished{1})[0]);  // the rest stays JSON
  EXPECT_EQ('{', EncodePayload(TestPartReported{})[0]);
}

TEST(CompactEventsTest, TestStartedRoundTripsEveryField) {
  for (const std::string& output : {std::string(), kAwkward, std::string(100000, 'x')}) {
    TestStarted sent;
    sent.chunk_id = kMaxInt64;
    sent.index = kMaxIndex;
    sent.output_before = output;
    const Message message = Decoded(EncodePayload(sent));
    ASSERT_TRUE(std::holds_alternative<TestStarted>(message));
    const auto& got = std::get<TestStarted>(message);
    EXPECT_EQ(sent.chunk_id, got.chunk_id);
    EXPECT_EQ(sent.index, got.index);
    EXPECT_EQ(sent.output_before, got.output_before);
  }
}

TEST(CompactEventsTest, TestFinishedRoundTripsEveryField) {
  const TestFinished sent = FullFinished();
  const Message message = Decoded(EncodePayload(sent));
  ASSERT_TRUE(std::holds_alternative<TestFinished>(message));
  ExpectSameFinished(sent, std::get<TestFinished>(message));

  TestFinished plain;  // the common case: ran, nothing printed, no property
  plain.chunk_id = 3;
  plain.record.index = 0;
  plain.record.outcome = Outcome::kPassed;
  plain.record.worker = "local";
  const Message small = Decoded(EncodePayload(plain));
  ASSERT_TRUE(std::holds_alternative<TestFinished>(small));
  ExpectSameFinished(plain, std::get<TestFinished>(small));
}

TEST(CompactEventsTest, EveryOutcomeAWorkerSendsRoundTrips) {
  for (Outcome outcome : {Outcome::kPassed, Outcome::kFailed, Outcome::kSkipped, Outcome::kCrashed,
                          Outcome::kTimeout, Outcome::kNotRun}) {
    TestFinished sent;
    sent.record.index = 1;
    sent.record.outcome = outcome;
    const Message message = Decoded(EncodePayload(sent));
    ASSERT_TRUE(std::holds_alternative<TestFinished>(message));
    EXPECT_EQ(outcome, std::get<TestFinished>(message).record.outcome) << OutcomeName(outcome);
  }
}

TEST(CompactEventsTest, FlakyFromAWorkerIsRefusedAsInJson) {
  TestFinished flaky;
  flaky.record.index = 1;
  flaky.record.outcome = Outcome::kFlaky;
  const std::string error = ErrorOf(EncodePayload(flaky));
  EXPECT_NE(std::string::npos, error.find("field \"outcome\"")) << error;
  EXPECT_NE(std::string::npos, error.find("FLAKY")) << error;
}

TEST(CompactEventsTest, TheLayoutIsFrozen) {
  TestStarted started;
  started.chunk_id = 0x0102030405060708;
  started.index = 0x0a0b0c0d;
  started.output_before = "hi";
  EXPECT_EQ(
      std::string("\x01\x01\x02\x03\x04\x05\x06\x07\x08\x0a\x0b\x0c\x0d\x00\x00\x00\x02hi", 19),
      EncodePayload(started));

  TestFinished finished;
  finished.chunk_id = 7;
  finished.record.index = 3;
  finished.record.outcome = Outcome::kCrashed;
  finished.record.elapsed_ms = 0x11;
  finished.record.start_timestamp_ms = 0x22;
  finished.record.cleared_parts = 1;
  finished.record.properties = {{"k", "v"}};
  finished.record.output_after = "o";
  finished.record.worker = "w";
  finished.record.reason = "r";
  const std::string expected = std::string(
      "\x02"
      "\x00\x00\x00\x00\x00\x00\x00\x07"  // chunk_id
      "\x00\x00\x00\x03"                  // index
      "\x03"                              // CRASHED
      "\x01"                              // ran
      "\x00\x00\x00\x00\x00\x00\x00\x11"  // elapsed_ms
      "\x00\x00\x00\x00\x00\x00\x00\x22"  // start_timestamp_ms
      "\x00\x00\x00\x01"                  // cleared_parts
      "\x00\x00\x00\x01"                  // one property
      "\x00\x00\x00\x01k\x00\x00\x00\x01v"
      "\x00\x00\x00\x01o"   // output_after
      "\x00\x00\x00\x01w"   // worker
      "\x00\x00\x00\x01r",  // reason
      64);
  EXPECT_EQ(expected, EncodePayload(finished));
}

TEST(CompactEventsTest, TheJsonFormIsStillAcceptedAndMeansTheSame) {
  const TestFinished sent = FullFinished();
  const std::string as_json = EncodeJsonPayload(sent);
  ASSERT_EQ('{', as_json[0]);
  const Message from_json = Decoded(as_json);
  const Message from_compact = Decoded(EncodePayload(sent));
  ASSERT_TRUE(std::holds_alternative<TestFinished>(from_json));
  ASSERT_TRUE(std::holds_alternative<TestFinished>(from_compact));
  ExpectSameFinished(std::get<TestFinished>(from_json), std::get<TestFinished>(from_compact));

  TestStarted started;
  started.chunk_id = 4;
  started.index = 9;
  started.output_before = kAwkward;
  const Message json_started = Decoded(EncodeJsonPayload(started));
  ASSERT_TRUE(std::holds_alternative<TestStarted>(json_started));
  EXPECT_EQ(kAwkward, std::get<TestStarted>(json_started).output_before);
  EXPECT_EQ(9, std::get<TestStarted>(json_started).index);
}

TEST(CompactEventsTest, TextThatIsNotUtf8ArrivesAsTheJsonFormDeliveredIt) {
  // Test output can hold anything; the reports must not depend on the form.
  const std::vector<std::string> texts = {
      "ok \xff\xfe end \xE2\x82", "\xC3",           "\xC0\xAF overlong", "\xED\xA0\x80 surrogate",
      "\xF4\x90\x80\x80 too big", "\xF0\x9F\x98",   "\x80\x80\x80",      "a\xE2\x9C\x93\xE2",
      "\xF8\x88\x80\x80\x80",     "\xE0\x80\xAF x", "mixed \xC3\xA9\xff"};
  for (const std::string& text : texts) {
    TestFinished sent;
    sent.record.index = 1;
    sent.record.output_after = text;
    sent.record.reason = text;
    sent.record.properties = {{text, text}};
    const Message from_json = Decoded(EncodeJsonPayload(sent));
    const Message from_compact = Decoded(EncodePayload(sent));
    ASSERT_TRUE(std::holds_alternative<TestFinished>(from_compact));
    ExpectSameFinished(std::get<TestFinished>(from_json), std::get<TestFinished>(from_compact));
    EXPECT_NE(text, std::get<TestFinished>(from_compact).record.output_after);

    TestStarted started;
    started.index = 1;
    started.output_before = text;
    const Message json_started = Decoded(EncodeJsonPayload(started));
    const Message compact_started = Decoded(EncodePayload(started));
    EXPECT_EQ(std::get<TestStarted>(json_started).output_before,
              std::get<TestStarted>(compact_started).output_before);
  }
}

std::string Hex(const std::string& text) {
  std::string hex;
  for (unsigned char c : text) {
    constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
    hex += ' ';
  }
  return hex;
}

TEST(CompactEventsTest, Utf8CheckAgreesWithTheJsonParser) {
  // A compact payload must accept exactly the text a JSON payload can carry.
  std::mt19937 random(15);
  const std::vector<unsigned char> interesting = {
      0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0,
      0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff};
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int length = static_cast<int>(random() % 7);
    for (int i = 0; i < length; ++i) {
      text += static_cast<char>(interesting[random() % interesting.size()]);
    }
    // The JSON literal of `text`, control characters and all escaped only
    // where JSON needs it: NUL and 0x7f are the only ones drawn.
    std::string literal = "\"";
    for (char c : text) {
      if (c == '\0') {
        literal += "\\u0000";
      } else {
        literal += c;
      }
    }
    literal += "\"";
    const bool json_accepts =
        !json::parse(literal, nullptr, /*allow_exceptions=*/false).is_discarded();
    std::size_t bad_at = 0;
    EXPECT_EQ(json_accepts, compact::IsValidUtf8(text, &bad_at)) << Hex(text);
  }
  std::size_t bad_at = 0;
  EXPECT_TRUE(compact::IsValidUtf8("", &bad_at));
  EXPECT_TRUE(compact::IsValidUtf8("plain ascii longer than eight bytes", &bad_at));
  EXPECT_FALSE(compact::IsValidUtf8("0123456789\xff", &bad_at));
  EXPECT_EQ(10u, bad_at);
}

// A valid compact test_finished whose fields the cases below break: offsets
// of each field in it.
struct Layout {
  std::string payload;
  std::size_t index_at = 9, outcome_at = 13, flags_at = 14, elapsed_at = 15, start_at = 23,
              cleared_at = 31, properties_at = 35, first_text_at = 39;
};

Layout ValidFinished() {
  TestFinished m;
  m.chunk_id = 1;
  m.record.index = 2;
  m.record.properties = {{"k", "v"}};
  m.record.output_after = "out";
  m.record.worker = "w";
  m.record.reason = "";
  return Layout{EncodePayload(m)};
}

void PutU32At(std::string* payload, std::size_t at, std::uint32_t value) {
  (*payload)[at] = static_cast<char>(value >> 24);
  (*payload)[at + 1] = static_cast<char>(value >> 16);
  (*payload)[at + 2] = static_cast<char>(value >> 8);
  (*payload)[at + 3] = static_cast<char>(value);
}

void PutU64At(std::string* payload, std::size_t at, std::uint64_t value) {
  PutU32At(payload, at, static_cast<std::uint32_t>(value >> 32));
  PutU32At(payload, at + 4, static_cast<std::uint32_t>(value));
}

void ExpectRefused(const std::string& payload, const std::string& expected) {
  const std::string error = ErrorOf(payload);
  EXPECT_NE(std::string::npos, error.find(expected)) << "error: " << error;
}

TEST(CompactEventsTest, OutOfBoundsValuesAreRefusedNamingTheField) {
  const Layout valid = ValidFinished();
  ASSERT_TRUE(std::holds_alternative<TestFinished>(Decoded(valid.payload)));
  std::string p = valid.payload;
  PutU64At(&p, 1, std::uint64_t{1} << 63);
  ExpectRefused(p, "compact \"test_finished\" message: field \"chunk_id\" = 9223372036854775808");
  p = valid.payload;
  PutU32At(&p, valid.index_at, kMaxIndex + 1u);
  ExpectRefused(p, "field \"index\" = 1073741825 is outside [0, 1073741824]");
  p = valid.payload;
  p[valid.outcome_at] = 6;
  ExpectRefused(p, "field \"outcome\" has unknown code 6");
  p[valid.outcome_at] = static_cast<char>(0xff);
  ExpectRefused(p, "field \"outcome\" has unknown code 255");
  p = valid.payload;
  p[valid.flags_at] = 3;
  ExpectRefused(p, "field \"flags\" = 3");
  p = valid.payload;
  PutU64At(&p, valid.elapsed_at, ~std::uint64_t{0});
  ExpectRefused(p, "field \"elapsed_ms\" = 18446744073709551615 is outside");
  p = valid.payload;
  PutU64At(&p, valid.start_at, std::uint64_t{1} << 63);
  ExpectRefused(p, "field \"start_timestamp_ms\"");
  p = valid.payload;
  PutU32At(&p, valid.cleared_at, 0xffffffffu);
  ExpectRefused(p, "field \"cleared_parts\" = 4294967295 is outside");
  p = valid.payload;
  PutU32At(&p, valid.properties_at, 0xffffffffu);  // never reserved
  ExpectRefused(p, "field \"properties\" announces 4294967295 properties; the payload has room");
  p = valid.payload;
  PutU32At(&p, valid.first_text_at, 0x7fffffffu);
  ExpectRefused(p, "field \"properties\" announces 2147483647 bytes");

  TestStarted started;
  started.index = 0;
  started.output_before = "abc";
  std::string s = EncodePayload(started);
  PutU32At(&s, 13, 4);
  ExpectRefused(s, "compact \"test_started\" message: field \"output_before\" announces 4 bytes");
  s = EncodePayload(started);
  PutU32At(&s, 9, 0x80000000u);
  ExpectRefused(s, "field \"index\" = 2147483648 is outside");
}

TEST(CompactEventsTest, EveryTextFieldMustBeUtf8) {
  TestFinished m;
  m.record.index = 1;
  m.record.properties = {{"n", "v"}};
  m.record.output_after = "o";
  m.record.worker = "w";
  m.record.reason = "r";
  const std::string valid = EncodePayload(m);
  // Each one-byte text, found by its content, made a lone continuation byte.
  const std::vector<std::pair<char, std::string>> fields = {{'n', "properties"},
                                                            {'v', "properties"},
                                                            {'o', "output_after"},
                                                            {'w', "worker"},
                                                            {'r', "reason"}};
  for (const auto& [byte, field] : fields) {
    std::string p = valid;
    const std::size_t at = p.rfind(byte);
    ASSERT_NE(std::string::npos, at);
    p[at] = static_cast<char>(0x80);
    ExpectRefused(p, "field \"" + field + "\" is not valid UTF-8 (byte 0 of 1)");
  }
  TestStarted started;
  started.index = 0;
  started.output_before = "ab";
  std::string s = EncodePayload(started);
  s.back() = static_cast<char>(0xc3);
  ExpectRefused(s, "field \"output_before\" is not valid UTF-8 (byte 1 of 2)");
}

TEST(CompactEventsTest, EveryCutShortPayloadIsRefusedNamingTheField) {
  const std::string finished = EncodePayload(FullFinished());
  for (std::size_t size = 1; size < finished.size(); ++size) {
    const std::string error = ErrorOf(finished.substr(0, size));
    EXPECT_NE(std::string::npos, error.find("compact \"test_finished\" message: field \""))
        << size << ": " << error;
  }
  TestStarted started;
  started.index = 0;
  started.output_before = "some output";
  const std::string start = EncodePayload(started);
  for (std::size_t size = 1; size < start.size(); ++size) {
    const std::string error = ErrorOf(start.substr(0, size));
    EXPECT_NE(std::string::npos, error.find("compact \"test_started\" message: field \""))
        << size << ": " << error;
  }
  ExpectRefused(start.substr(0, 5), "field \"chunk_id\" is cut short (8 bytes needed, 4 left)");
}

TEST(CompactEventsTest, BytesAfterTheLastFieldAreRefused) {
  ExpectRefused(EncodePayload(TestStarted{0, 0, ""}) + "x",
                "compact \"test_started\" message: 1 bytes follow the last field");
  ExpectRefused(EncodePayload(FullFinished()) + std::string(2, '\0'), "2 bytes follow");
}

TEST(CompactEventsTest, OtherLeadingBytesAreNotCompact) {
  EXPECT_TRUE(compact::IsCompact(std::string(1, '\x01')));
  EXPECT_TRUE(compact::IsCompact(std::string(1, '\x02')));
  for (char c : {'\0', '\x03', '{', ' ', '\n', '\x7f'}) {
    EXPECT_FALSE(compact::IsCompact(std::string(1, c) + "{}")) << static_cast<int>(c);
  }
  EXPECT_FALSE(compact::IsCompact(""));
  // Not compact and not JSON: refused by the JSON parser, as before.
  EXPECT_EQ("payload is not valid JSON", ErrorOf(std::string(1, '\x03')));
}

}  // namespace
}  // namespace protocol
}  // namespace gtest_dist
