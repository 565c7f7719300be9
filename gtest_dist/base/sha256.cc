#include "gtest_dist/base/sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace gtest_dist {

struct Sha256::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  if (state_->context == nullptr ||
      EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
  }
}

Sha256::~Sha256() = default;

void Sha256::Update(const void* data, std::size_t size) {
  EVP_DigestUpdate(state_->context, data, size);
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, digest, &length);
  return ToHex(digest, length);
}

std::string Sha256Hex(const std::string& data) {
  Sha256 sha;
  sha.Update(data.data(), data.size());
  return sha.HexDigest();
}

std::string ToHex(const void* bytes, std::size_t size) {
  static const char kHex[] = "0123456789abcdef";
  const auto* byte = static_cast<const unsigned char*>(bytes);
  std::string hex;
  hex.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    hex += kHex[byte[i] >> 4];
    hex += kHex[byte[i] & 15];
  }
  return hex;
}

}  // namespace gtest_dist
