// The names in a directory, read before anything in it is changed (removing
// or adding entries while readdir walks it may skip some).
#ifndef GTEST_DIST_RUN_DIRECTORY_NAMES_H_
#define GTEST_DIST_RUN_DIRECTORY_NAMES_H_

#include <dirent.h>

#include <string>
#include <vector>

namespace gtest_dist {

// Every entry of `dir` but "." and "..", in the order readdir gives them.
inline std::vector<std::string> ReadDirectoryNames(DIR* dir) {
  std::vector<std::string> names;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  return names;
}

}  // namespace gtest_dist

#endif  // GTEST_DIST_RUN_DIRECTORY_NAMES_H_
