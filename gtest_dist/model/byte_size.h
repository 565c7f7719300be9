// Sizes in flags and messages: "10M" read, "10.0 MiB" written.
#ifndef GTEST_DIST_MODEL_BYTE_SIZE_H_
#define GTEST_DIST_MODEL_BYTE_SIZE_H_

#include <cstdint>
#include <string>

namespace gtest_dist {

// Parses a size flag (--cache-size, --dist-artifacts-max): bytes, or a number
// with K, M, G or T (powers of 1024, "KiB" and "GB" spelled out too). False
// for anything else or zero.
bool ParseByteSize(const std::string& text, std::uint64_t* bytes);

// "512 B", "12.3 MiB": a size for a person.
std::string FormatByteSize(std::uint64_t bytes);

}  // namespace gtest_dist

#endif  // GTEST_DIST_MODEL_BYTE_SIZE_H_
