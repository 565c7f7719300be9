// Integrity of the frames after a shared-secret handshake, without TLS: each
// payload is followed by an HMAC-SHA256 tag over a sequence number and the
// payload, made with that direction's session key (DeriveSessionKeys in
// protocol/auth.h).
//
//   frame = length (4 bytes, big-endian; covers payload and tag)
//           payload (JSON, as before)
//           tag = HMAC-SHA256(key, sequence (8 bytes, big-endian) || payload)
//
// The sequence number is not sent: each side counts the frames it sealed or
// opened, from 0 in each direction. A frame injected, altered, replayed,
// reordered or dropped on the way makes the next tag wrong, and the receiver
// drops the connection.
#ifndef GTEST_DIST_PROTOCOL_FRAME_INTEGRITY_H_
#define GTEST_DIST_PROTOCOL_FRAME_INTEGRITY_H_

#include <cstdint>
#include <string>

namespace gtest_dist {
namespace protocol {

constexpr std::size_t kFrameTagBytes = 32;

// One direction of one connection.
class FrameAuthenticator {
 public:
  explicit FrameAuthenticator(std::string key) : key_(std::move(key)) {}

  // Appends the tag of the next frame to `payload`.
  void Seal(std::string* payload);
  // Checks and strips the tag of the next frame. False, with `error` saying
  // so, when it is missing or wrong; the stream is then not to be trusted.
  bool Open(std::string* payload, std::string* error);

 private:
  std::string Tag(const std::string& payload, std::size_t size) const;

  std::string key_;
  std::uint64_t sequence_ = 0;
};

}  // namespace protocol
}  // namespace gtest_dist

#endif  // GTEST_DIST_PROTOCOL_FRAME_INTEGRITY_H_
