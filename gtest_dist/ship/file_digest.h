// SHA-256 of files and byte streams, in the hex form the protocol carries.
#ifndef GTEST_DIST_SHIP_FILE_DIGEST_H_
#define GTEST_DIST_SHIP_FILE_DIGEST_H_

#include <cstdint>
#include <string>

#include "gtest_dist/ship/digest_memo.h"

namespace gtest_dist {

// Reads the file at `path` (following symlinks) and sets its digest and
// size. False, with `error` naming the file and the reason, when it cannot
// be read.
bool DigestFile(const std::string& path, std::string* digest, std::uint64_t* size,
                std::string* error);

// DigestFile, taking the digest from `memo` (under `memo_key`, the file's
// absolute path) while the file is unchanged since it was digested, and
// remembering it there otherwise. An empty key uses no memo.
bool DigestFile(const std::string& path, DigestMemo* memo, const std::string& memo_key,
                std::string* digest, std::uint64_t* size, std::string* error);

// SHA-256 of the executable this process runs (/proc/self/exe); empty when it
// cannot be read. Taken from `memo` while the file is unchanged since it was
// digested, and remembered there otherwise: a test binary with debug
// information is hundreds of megabytes, and every supervisor and worker start
// would read it all (the caller saves the memo).
std::string DigestOfRunningBinary(DigestMemo* memo);

}  // namespace gtest_dist

#endif  // GTEST_DIST_SHIP_FILE_DIGEST_H_
