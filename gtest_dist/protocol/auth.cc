#include "gtest_dist/protocol/auth.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "gtest_dist/base/sha256.h"

namespace gtest_dist {
namespace {

// A secret file is a line; anything much longer is the wrong file.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;
// The entropy estimate under which a secret draws a warning.
constexpr double kMinSecretBits = 80;

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  const std::string mac = HmacSha256(key, {data});
  return ToHex(mac.data(), mac.size());
}

// Fetched once: a fetch per frame would cost more than the MAC.
EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw std::runtime_error("OpenSSL: HMAC is not available");
  return mac;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::initializer_list<std::string_view> data) {
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> context(
      EVP_MAC_CTX_new(HmacAlgorithm()), &EVP_MAC_CTX_free);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t size = 0;
  bool ok =
      context && EVP_MAC_init(context.get(), reinterpret_cast<const unsigned char*>(key.data()),
                              key.size(), params) == 1;
  for (std::string_view part : data) {
    ok = ok && EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(part.data()),
                              part.size()) == 1;
  }
  if (!ok || EVP_MAC_final(context.get(), out.data(), &size, out.size()) != 1) {
    throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

SessionKeys DeriveSessionKeys(const std::string& secret, const std::string& supervisor_nonce,
                              const std::string& worker_nonce) {
  // HKDF-SHA256 (RFC 5869): the secret is the input key, both nonces the
  // salt, and the direction the info, so each direction has its own key.
  const auto derive = [&](const char* direction) {
    std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr),
                                                          &EVP_KDF_free);
    if (!kdf) throw std::runtime_error("OpenSSL: HKDF is not available");
    std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> context(EVP_KDF_CTX_new(kdf.get()),
                                                                      &EVP_KDF_CTX_free);
    std::string salt = "gtest_dist session\n" + supervisor_nonce + "\n" + worker_nonce;
    std::string key = secret;
    std::string info = direction;
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key.data(), key.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end()};
    std::array<unsigned char, 32> out{};
    if (!context || EVP_KDF_derive(context.get(), out.data(), out.size(), params) != 1) {
      throw std::runtime_error("OpenSSL: HKDF-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char*>(out.data()), out.size());
  };
  return SessionKeys{derive("supervisor to worker"), derive("worker to supervisor")};
}

std::string NewNonce() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL: no random bytes for a nonce");
  }
  return ToHex(bytes.data(), bytes.size());
}

std::string WorkerProof(const std::string& secret, const std::string& supervisor_nonce,
                        const std::string& worker_nonce) {
  return HmacSha256Hex(secret, "gtest_dist worker\n" + supervisor_nonce + "\n" + worker_nonce);
}

std::string SupervisorProof(const std::string& secret, const std::string& worker_nonce,
                            const std::string& supervisor_nonce) {
  return HmacSha256Hex(secret, "gtest_dist supervisor\n" + worker_nonce + "\n" + supervisor_nonce);
}

bool ProofsEqual(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool ReadSecretFile(const std::string& path, std::string* secret, std::string* error,
                    const std::string& flag, std::string* warning) {
  const std::string where = flag + ": \"" + path + "\"";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = where + ": cannot read it (" + std::strerror(errno) + ")";
    return false;
  }
  // The checks and the read on one descriptor: the file checked is the file read.
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info = {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    *error = where + ": not a regular file";
    return false;
  }
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    *error = where + " has mode " + mode +
             ": group or others may access it, so the secret is not secret (as ssh refuses "
             "such a key); run chmod 600 " +
             path;
    return false;
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      *error = where + ": cannot read it (" + std::strerror(errno) + ")";
      return false;
    }
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > kMaxSecretFileBytes) {
      *error = where + " is larger than " + std::to_string(kMaxSecretFileBytes) +
               " bytes: not a secret file";
      return false;
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.size() < kMinSecretBytes) {
    *error = where + " holds " + std::to_string(text.size()) +
             " bytes; a shared secret needs at least " + std::to_string(kMinSecretBytes) +
             " (gtest_dist secret FILE writes a random one)";
    return false;
  }
  if (warning != nullptr) {
    warning->clear();
    if (SecretLooksWeak(text)) {
      *warning = where +
                 " looks guessable (under 80 bits by a rough estimate of its characters): a "
                 "recorded handshake lets anyone test guesses offline; use a random secret "
                 "(gtest_dist secret FILE)";
    }
  }
  *secret = std::move(text);
  return true;
}

bool SecretLooksWeak(const std::string& secret) {
  std::array<std::size_t, 256> counts{};
  for (const char c : secret) ++counts[static_cast<unsigned char>(c)];
  double bits_per_char = 0;
  const double size = static_cast<double>(secret.size());
  for (const std::size_t count : counts) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) / size;
    bits_per_char -= p * std::log2(p);
  }
  return bits_per_char * size < kMinSecretBits;
}

std::string NewSecret() { return NewNonce(); }

}  // namespace gtest_dist
