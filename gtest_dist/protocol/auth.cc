#include "gtest_dist/protocol/auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace gtest_dist {
namespace {

std::string Hex(const unsigned char* bytes, std::size_t size) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = 0; i < size; ++i) {
    hex += kHex[bytes[i] >> 4];
    hex += kHex[bytes[i] & 15];
  }
  return hex;
}

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                        &EVP_MAC_free);
  if (!mac) throw std::runtime_error("OpenSSL: HMAC is not available");
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> context(EVP_MAC_CTX_new(mac.get()),
                                                                    &EVP_MAC_CTX_free);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t size = 0;
  if (!context ||
      EVP_MAC_init(context.get(), reinterpret_cast<const unsigned char*>(key.data()),
                   key.size(), params) != 1 ||
      EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(context.get(), out.data(), &size, out.size()) != 1) {
    throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
  }
  return Hex(out.data(), size);
}

}  // namespace

std::string NewNonce() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL: no random bytes for a nonce");
  }
  return Hex(bytes.data(), bytes.size());
}

std::string WorkerProof(const std::string& secret, const std::string& supervisor_nonce,
                        const std::string& worker_nonce) {
  return HmacSha256Hex(secret, "gtest_dist worker\n" + supervisor_nonce + "\n" + worker_nonce);
}

std::string SupervisorProof(const std::string& secret, const std::string& worker_nonce,
                            const std::string& supervisor_nonce) {
  return HmacSha256Hex(secret,
                       "gtest_dist supervisor\n" + worker_nonce + "\n" + supervisor_nonce);
}

bool ProofsEqual(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool ReadSecretFile(const std::string& path, std::string* secret, std::string* error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    *error = "--dist-secret-file: cannot read \"" + path + "\"";
    return false;
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string text = contents.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() < kMinSecretBytes) {
    *error = "--dist-secret-file: \"" + path + "\" holds " + std::to_string(text.size()) +
             " bytes; a shared secret needs at least " + std::to_string(kMinSecretBytes) +
             " (e.g. head -c 32 /dev/urandom | base64 > FILE)";
    return false;
  }
  *secret = std::move(text);
  return true;
}

}  // namespace gtest_dist
