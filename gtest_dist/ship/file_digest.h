// SHA-256 of files and byte streams, in the hex form the protocol carries.
#ifndef GTEST_DIST_SHIP_FILE_DIGEST_H_
#define GTEST_DIST_SHIP_FILE_DIGEST_H_

#include <cstdint>
#include <memory>
#include <string>

namespace gtest_dist {

// An incremental SHA-256 (OpenSSL).
class StreamingSha256 {
 public:
  StreamingSha256();
  ~StreamingSha256();
  StreamingSha256(const StreamingSha256&) = delete;
  StreamingSha256& operator=(const StreamingSha256&) = delete;

  void Update(const void* data, std::size_t size);
  // 64 lowercase hex digits; the object is spent afterwards.
  std::string HexDigest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Reads the file at `path` (following symlinks) and sets its digest and
// size. False, with `error` naming the file and the reason, when it cannot
// be read.
bool DigestFile(const std::string& path, std::string* digest, std::uint64_t* size,
                std::string* error);

}  // namespace gtest_dist

#endif  // GTEST_DIST_SHIP_FILE_DIGEST_H_
