// The suite_timing message (issue 15, set-up-aware planning): what a suite's
// SetUpTestSuite and TearDownTestSuite took in one test process, from the
// child through the worker to the supervisor. Round trip, frozen names, and
// every bad field refused with its name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "gtest_dist/protocol/protocol.h"

namespace gtest_dist {
namespace protocol {
namespace {

using nlohmann::json;

json Valid() {
  return json{{"type", "suite_timing"},
              {"chunk_id", 3},
              {"suite", "Db"},
              {"setup_ms", 1000},
              {"teardown_ms", 20}};
}

std::string ErrorOf(const json& payload) {
  Message message;
  std::string error;
  EXPECT_FALSE(DecodePayload(payload.dump(), &message, &error)) << payload.dump();
  return error;
}

TEST(SuiteTimingProtocolTest, RoundTripsAndKeepsItsFrozenNames) {
  SuiteTiming timing;
  timing.chunk_id = 77;
  timing.suite = "Param/Db";
  timing.setup_ms = 1234;
  timing.teardown_ms = 56;
  const std::string frame = EncodeFrame(timing);
  const json payload = json::parse(frame.substr(kFrameHeaderBytes));
  EXPECT_EQ(payload, json({{"type", "suite_timing"},
                           {"chunk_id", 77},
                           {"suite", "Param/Db"},
                           {"setup_ms", 1234},
                           {"teardown_ms", 56}}));
  EXPECT_STREQ("suite_timing", MessageTypeName(timing));

  Message decoded;
  std::string error;
  ASSERT_TRUE(DecodePayload(frame.substr(kFrameHeaderBytes), &decoded, &error)) << error;
  ASSERT_TRUE(std::holds_alternative<SuiteTiming>(decoded));
  const SuiteTiming& got = std::get<SuiteTiming>(decoded);
  EXPECT_EQ(got.chunk_id, 77);
  EXPECT_EQ(got.suite, "Param/Db");
  EXPECT_EQ(got.setup_ms, 1234);
  EXPECT_EQ(got.teardown_ms, 56);
}

TEST(SuiteTimingProtocolTest, TheGlobalEnvironmentsHaveAnEmptySuite) {
  json global = Valid();
  global["suite"] = "";
  Message decoded;
  std::string error;
  ASSERT_TRUE(DecodePayload(global.dump(), &decoded, &error)) << error;
  EXPECT_EQ(std::get<SuiteTiming>(decoded).suite, "");
}

TEST(SuiteTimingProtocolTest, BadFieldsAreRefusedNamingTheFieldAndTheValue) {
  json missing = Valid();
  missing.erase("teardown_ms");
  EXPECT_NE(ErrorOf(missing).find("missing field \"teardown_ms\""), std::string::npos);

  json negative = Valid();
  negative["setup_ms"] = -1;
  const std::string below = ErrorOf(negative);
  EXPECT_NE(below.find("\"suite_timing\" message"), std::string::npos) << below;
  EXPECT_NE(below.find("field \"setup_ms\" = -1 is outside"), std::string::npos) << below;

  json beyond = Valid();
  beyond["teardown_ms"] = kMaxSuiteTimingMs + 1;
  EXPECT_NE(
      ErrorOf(beyond).find("field \"teardown_ms\" = " + std::to_string(kMaxSuiteTimingMs + 1)),
      std::string::npos);

  json text = Valid();
  text["setup_ms"] = "1000";
  EXPECT_NE(ErrorOf(text).find("field \"setup_ms\" must be an integer"), std::string::npos);

  json fraction = Valid();
  fraction["setup_ms"] = 1.5;
  EXPECT_NE(ErrorOf(fraction).find("field \"setup_ms\" must be an integer"), std::string::npos);

  json long_name = Valid();
  long_name["suite"] = std::string(kMaxSuiteTimingNameBytes + 1, 's');
  EXPECT_NE(ErrorOf(long_name).find("field \"suite\" is " +
                                    std::to_string(kMaxSuiteTimingNameBytes + 1) + " bytes long"),
            std::string::npos);
  json at_limit = Valid();
  at_limit["suite"] = std::string(kMaxSuiteTimingNameBytes, 's');
  Message decoded;
  std::string error;
  EXPECT_TRUE(DecodePayload(at_limit.dump(), &decoded, &error)) << error;

  json no_chunk = Valid();
  no_chunk["chunk_id"] = -4;
  EXPECT_NE(ErrorOf(no_chunk).find("field \"chunk_id\" = -4"), std::string::npos);
}

}  // namespace
}  // namespace protocol
}  // namespace gtest_dist
