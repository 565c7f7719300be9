#include "gtest_dist/protocol/frame_integrity.h"

#include <openssl/crypto.h>

#include <string_view>

#include "gtest_dist/protocol/auth.h"

namespace gtest_dist {
namespace protocol {

std::string FrameAuthenticator::Tag(const std::string& payload, std::size_t size) const {
  char sequence[8];
  for (int i = 0; i < 8; ++i) sequence[i] = static_cast<char>((sequence_ >> (56 - 8 * i)) & 0xff);
  return HmacSha256(
      key_, {std::string_view(sequence, sizeof sequence), std::string_view(payload.data(), size)});
}

void FrameAuthenticator::Seal(std::string* payload) {
  *payload += Tag(*payload, payload->size());
  ++sequence_;
}

bool FrameAuthenticator::Open(std::string* payload, std::string* error) {
  if (payload->size() < kFrameTagBytes) {
    *error = "frame " + std::to_string(sequence_) + " after the handshake has no integrity tag";
    return false;
  }
  const std::size_t size = payload->size() - kFrameTagBytes;
  const std::string expected = Tag(*payload, size);
  if (CRYPTO_memcmp(expected.data(), payload->data() + size, kFrameTagBytes) != 0) {
    *error = "frame " + std::to_string(sequence_) +
             " after the handshake fails its integrity check (altered, injected, replayed "
             "or reordered on the way, or another secret)";
    return false;
  }
  payload->resize(size);
  ++sequence_;
  return true;
}

}  // namespace protocol
}  // namespace gtest_dist
