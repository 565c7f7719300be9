// libFuzzer target: arbitrary bytes from a peer through the frame decoder and
// message validation, as a worker or supervisor reads them. Any crash, leak,
// sanitizer report or uncaught exception is a finding. Seeds: JSON frames, and
// compact test_started/test_finished frames (seed_10, and cut short seed_11).
#include <cstddef>
#include <cstdint>
#include <string>

#include "gtest_dist/protocol/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using gtest_dist::protocol::FrameDecoder;
  // A small limit, so that the size check is reached as well as the parser.
  FrameDecoder decoder(1 << 16);
  // Feed in two pieces to exercise reassembly.
  const std::size_t half = size / 2;
  decoder.Append(reinterpret_cast<const char*>(data), half);
  for (int round = 0; round < 2; ++round) {
    std::string payload, error;
    for (;;) {
      const auto status = decoder.Next(&payload, &error);
      if (status != FrameDecoder::Status::kFrame) {
        if (status == FrameDecoder::Status::kError) return 0;  // the stream is closed
        break;
      }
      gtest_dist::protocol::Message message;
      if (gtest_dist::protocol::DecodePayload(payload, &message, &error)) {
        // Whatever decodes must encode again and decode to the same type.
        const std::string frame = gtest_dist::protocol::EncodeFrame(message);
        FrameDecoder again;
        again.Append(frame.data(), frame.size());
        std::string round_trip;
        gtest_dist::protocol::Message copy;
        if (again.Next(&round_trip, &error) != FrameDecoder::Status::kFrame ||
            !gtest_dist::protocol::DecodePayload(round_trip, &copy, &error) ||
            copy.index() != message.index()) {
          __builtin_trap();
        }
        // The compact form (test_started, test_finished) has one encoding
        // of each message: what decoded encodes to the same bytes.
        if (!payload.empty() &&
            (payload[0] == gtest_dist::protocol::kCompactTestStarted ||
             payload[0] == gtest_dist::protocol::kCompactTestFinished) &&
            round_trip != payload) {
          __builtin_trap();
        }
      }
    }
    if (round == 0) decoder.Append(reinterpret_cast<const char*>(data) + half, size - half);
  }
  return 0;
}
