// SHA-256 (OpenSSL) and the lowercase hex in which digests and MACs travel
// and are stored.
#ifndef GTEST_DIST_BASE_SHA256_H_
#define GTEST_DIST_BASE_SHA256_H_

#include <cstddef>
#include <memory>
#include <string>

namespace gtest_dist {

// An incremental SHA-256.
class Sha256 {
 public:
  Sha256();  // throws std::runtime_error when OpenSSL cannot provide it
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, std::size_t size);
  // 64 lowercase hex digits; the object is spent afterwards.
  std::string HexDigest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The SHA-256 of `data`, in hex.
std::string Sha256Hex(const std::string& data);

// Two lowercase hex digits a byte.
std::string ToHex(const void* bytes, std::size_t size);

}  // namespace gtest_dist

#endif  // GTEST_DIST_BASE_SHA256_H_
