// SHA-256 of files and byte streams, in the hex form the protocol carries.
#ifndef GTEST_DIST_SHIP_FILE_DIGEST_H_
#define GTEST_DIST_SHIP_FILE_DIGEST_H_

#include <cstdint>
#include <string>

namespace gtest_dist {

// Reads the file at `path` (following symlinks) and sets its digest and
// size. False, with `error` naming the file and the reason, when it cannot
// be read.
bool DigestFile(const std::string& path, std::string* digest, std::uint64_t* size,
                std::string* error);

}  // namespace gtest_dist

#endif  // GTEST_DIST_SHIP_FILE_DIGEST_H_
