// The tail control messages: cut_chunk and chunk_cut round-trip, and what a
// peer may not send in them is refused with the field named.
#include <gtest/gtest.h>

#include <string>

#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {
namespace protocol {
namespace {

std::string DecodeError(const std::string& payload) {
  Message message;
  std::string error;
  EXPECT_FALSE(DecodePayload(payload, &message, &error)) << payload;
  return error;
}

TEST(TailProtocolTest, CutMessagesRoundTrip) {
  Message message;
  std::string error;
  ASSERT_TRUE(DecodePayload(EncodePayload(CutChunk{7, 42}), &message, &error)) << error;
  const auto* cut = std::get_if<CutChunk>(&message);
  ASSERT_NE(cut, nullptr);
  EXPECT_EQ(cut->chunk_id, 7);
  EXPECT_EQ(cut->from_index, 42);
  EXPECT_STREQ(MessageTypeName(message), "cut_chunk");

  ASSERT_TRUE(DecodePayload(EncodePayload(ChunkCut{7, {3, 5, 9}}), &message, &error)) << error;
  const auto* answer = std::get_if<ChunkCut>(&message);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->tests, (std::vector<int>{3, 5, 9}));
  ASSERT_TRUE(DecodePayload(EncodePayload(ChunkCut{7, {}}), &message, &error)) << error;
  EXPECT_STREQ(MessageTypeName(message), "chunk_cut");
}

TEST(TailProtocolTest, BadCutsAreRefusedNamingTheField) {
  EXPECT_NE(DecodeError(R"({"type":"cut_chunk","chunk_id":0,"from_index":1})").find("chunk_id"),
            std::string::npos);
  EXPECT_NE(DecodeError(R"({"type":"cut_chunk","chunk_id":1,"from_index":-1})").find("from_index"),
            std::string::npos);
  EXPECT_NE(DecodeError(R"({"type":"chunk_cut","chunk_id":1,"tests":[1,-2]})").find("tests"),
            std::string::npos);
  // A test named twice (or out of order) could be queued twice.
  const std::string twice = DecodeError(R"({"type":"chunk_cut","chunk_id":1,"tests":[4,4]})");
  EXPECT_NE(twice.find("strictly ascending"), std::string::npos) << twice;
  EXPECT_NE(DecodeError(R"({"type":"chunk_cut","chunk_id":1,"tests":[5,4]})").find("tests"),
            std::string::npos);
  EXPECT_NE(DecodeError(R"({"type":"chunk_cut","chunk_id":1,"tests":"1"})").find("tests"),
            std::string::npos);
}

}  // namespace
}  // namespace protocol
}  // namespace gtest_dist
