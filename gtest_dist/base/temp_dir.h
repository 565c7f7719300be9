// Where temporary files go.
#ifndef GTEST_DIST_BASE_TEMP_DIR_H_
#define GTEST_DIST_BASE_TEMP_DIR_H_

#include <cstdlib>
#include <string>

namespace gtest_dist {

// $TMPDIR when set and not empty, else /tmp (as mkstemp's callers expect).
inline std::string TemporaryDirectory() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

}  // namespace gtest_dist

#endif  // GTEST_DIST_BASE_TEMP_DIR_H_
